"""Disputes, their decisions and rule book acknowledgements: optional landing sources, validated
like every source, published as ``disputes`` and ``rule_acknowledgements`` in every version.

The base landing (conftest) has R1 and R2 hired 2026-01-01, R3 hired 2026-07-10 and R4 who left
2026-06-30. July is closed, restated with a late sale (version 2), then August is closed with
disputes of July opened in August.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import duckdb
import pytest
from conftest import write_csv

from orchestration.defs.launch import run_close, run_verify
from orchestration.lib.workspace import Workspace
from orchestration.validate.budget import BUDGETED_SOURCES, listed_counts, period_counts
from orchestration.warehouse.duckdb import connect
from schemas.contract import SIGNOFF_SOURCES

JULY_SALES = [
    ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "1000.00", "CNY"],
    ["X2", "sale", "O2", "R2", "C2", "2026-07-03", "2000.00", "CNY"],
]
LATE_JULY_SALE = [["X3", "sale", "O3", "R2", "C1", "2026-07-20", "500.00", "CNY"]]
AUGUST_SALES = [["X4", "sale", "O4", "R1", "C2", "2026-08-04", "800.00", "CNY"]]
ADJUSTMENTS = [["ADJ-1", "R1", "2026-08", "15", "dispute D1 upheld", "Head of Sales"]]
WITHOUT_SIGNOFF = ["reps", "customers", "sales", "surveys", "adjustments"]


def published(ws: Workspace, sql: str) -> list[tuple]:
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def disputes(line_of_r1: str) -> list[list[str]]:
    return [
        ["D1", "R1", "2026-07", line_of_r1, "2026-08-03", "X1 paid too little"],
        ["D2", "R2", "2026-07", "", "2026-08-04", "late sale X3 missing"],
        ["D3", "R1", "2026-07", "", "2026-08-05", "want more"],
        ["D4", "R4", "2026-07", "", "2026-08-07", "left in June, still disputes"],
        ["D5", "R2", "2026-08", "", "2026-09-02", "opened after August"],
        ["D6", "R9", "2026-07", "", "2026-08-08", "who?"],  # unknown_rep
        ["D7", "R1", "2026-07", "SALE:NOPE", "2026-08-08", "no such line"],  # unknown_line
        ["D8", "R2", "2026-07", line_of_r1, "2026-08-08", "R1's line"],  # unknown_line
        ["D9", "R1", "2026-07", "", "2026-08-09", "first"],  # duplicate_conflict
        ["D9", "R1", "2026-07", "", "2026-08-09", "second"],
        ["D10", "R1", "2026-07", "", "2026-08-10", "r"],
        ["D11", "R1", "2026-07", "", "2026-08-10", "r"],
        ["D12", "R1", "2026-07", "", "2026-08-10", "r"],
        ["D13", "R1", "2026-07", "", "2026-08-10", "r"],
        ["D14", "R1", "2026-07", "", "2026-08-10", "r"],
        ["D15", "R2", "2026-07", "", "2026-08-10", "r"],
    ]


DECISIONS = [
    ["D1", "2026-08-10", "accepted", "paid by adjustment", "ADJ-1", ""],
    ["D2", "2026-08-20", "accepted", "", "", "2"],
    ["D3", "2026-08-06", "rejected", "as per rule book", "", ""],
    ["D4", "2026-09-03", "rejected", "decided in September", "", ""],
    ["DX", "2026-08-10", "rejected", "", "", ""],  # unknown_dispute
    ["D10", "2026-08-11", "accepted", "", "", ""],  # missing_resolution: none
    ["D11", "2026-08-11", "accepted", "", "ADJ-1", "2"],  # both
    ["D12", "2026-08-11", "accepted", "", "ADJ-404", ""],  # not a loaded adjustment
    ["D13", "2026-08-11", "accepted", "", "", "1"],  # not a restatement
    ["D14", "2026-08-11", "rejected", "", "ADJ-1", ""],  # rejected with a resolution
    ["D15", "2026-08-11", "accepted", "", "ADJ-1", ""],  # ADJ-1 is R1's, not R2's
]
ACKNOWLEDGEMENTS = [
    ["R1", "2026.1", "2026-07-05"],
    ["R1", "2026.1", "2026-08-01"],  # again: the earliest stands
    ["R2", "2026.1", "2026-09-01"],  # after August: not known at its end
    ["R4", "2026.1", "2026-06-01"],  # a rep who left may acknowledge
    ["R9", "2026.1", "2026-08-01"],  # unknown_rep
]

QUARANTINED = {
    # (source, row): (reason, words of the detail)
    ("disputes", 6): ("unknown_rep", "R9"),
    ("disputes", 7): ("unknown_line", "SALE:NOPE"),
    ("disputes", 8): ("unknown_line", "rep R2"),
    ("disputes", 9): ("duplicate_conflict", "dispute_id D9"),
    ("disputes", 10): ("duplicate_conflict", "dispute_id D9"),
    ("dispute_decisions", 5): ("unknown_dispute", "dispute DX"),
    ("dispute_decisions", 6): ("missing_resolution", "neither"),
    ("dispute_decisions", 7): ("missing_resolution", "both"),
    ("dispute_decisions", 8): ("missing_resolution", "ADJ-404"),
    ("dispute_decisions", 9): ("missing_resolution", "version 1 of 2026-07"),
    ("dispute_decisions", 10): ("missing_resolution", "rejected"),
    ("dispute_decisions", 11): ("missing_resolution", "of rep R2"),
    ("acknowledgements", 5): ("unknown_rep", "R9"),
}


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    """An in-process close leaves the workspace's seeds in os.environ: restored afterwards."""
    environment = dict(os.environ)
    try:
        yield _close_july_restate_and_august(tmp_path_factory)
    finally:
        os.environ.clear()
        os.environ.update(environment)


def _close_july_restate_and_august(tmp_path_factory) -> dict:
    ws = Workspace.at(tmp_path_factory.mktemp("disputes") / "home").prepare().create_landing()
    for source in SIGNOFF_SOURCES:  # a workspace as it was before these sources
        shutil.rmtree(ws.landing_dir(source))
    write_csv(ws, "reps", "reps_2026-07-01.csv", _REPS)
    write_csv(ws, "customers", "customers_2026-07-01.csv", _CUSTOMERS)
    write_csv(ws, "sales", "sales_2026-07.csv", JULY_SALES)
    july = run_close(ws, "2026-07")
    assert july.success, july.errors
    with connect(ws) as warehouse:
        july_listed = [c.source for c in listed_counts(period_counts(warehouse, "2026-07"))]
    write_csv(ws, "sales", "sales_2026-07-late.csv", LATE_JULY_SALE)
    restated = run_close(ws, "2026-07", restate=True, reason="late sale X3")
    assert restated.success, restated.errors
    line_of_r1 = published(
        ws,
        "select min(line_id) from points_ledger "
        "where period = '2026-07' and version = 1 and rep_id = 'R1'",
    )[0][0]
    write_csv(ws, "sales", "sales_2026-08.csv", AUGUST_SALES)
    write_csv(ws, "adjustments", "adjustments_2026-08.csv", ADJUSTMENTS)
    write_csv(ws, "disputes", "disputes_2026-08.csv", disputes(line_of_r1))
    write_csv(ws, "dispute_decisions", "decisions_2026-08.csv", DECISIONS)
    write_csv(ws, "acknowledgements", "acknowledgements_2026-08.csv", ACKNOWLEDGEMENTS)
    august = run_close(ws, "2026-08")
    assert august.success, august.errors
    return {"ws": ws, "july_listed": july_listed, "line_of_r1": line_of_r1}


_REPS = [
    ["R1", "Ann", "T1", "account_exec", "2026-01-01", ""],
    ["R2", "Bo", "T1", "account_exec", "2026-01-01", ""],
    ["R3", "陈静", "T2", "sdr", "2026-07-10", ""],
    ["R4", "Dee", "T2", "account_exec", "2025-01-01", "2026-06-30"],
]
_CUSTOMERS = [
    ["C1", "Acme", "enterprise", "east", "2025-01-01"],
    ["C2", "Bolt", "smb", "west", "2025-01-01"],
]


def test_a_workspace_without_the_folders_closes_and_lists_as_before(closed):
    ws = closed["ws"]
    assert closed["july_listed"] == WITHOUT_SIGNOFF
    july_v1 = "period = '2026-07' and version = 1"
    assert published(ws, f"select count(*) from disputes where {july_v1}") == [(0,)]
    assert published(
        ws, f"select rep_id, acknowledged from rule_acknowledgements where {july_v1} order by 1"
    ) == [("R1", False), ("R2", False), ("R3", False)]


def test_every_new_reason_code_is_quarantined_with_file_row_and_detail(closed):
    with connect(closed["ws"]) as warehouse:
        rows = warehouse.rows(
            "select source, source_file, row_number, reason, detail from quarantine "
            f"where source in {tuple(SIGNOFF_SOURCES)} order by source, row_number"
        )
    files = {
        "disputes": "disputes_2026-08.csv",
        "dispute_decisions": "decisions_2026-08.csv",
        "acknowledgements": "acknowledgements_2026-08.csv",
    }
    found = {(source, row): (reason, detail) for source, _, row, reason, detail in rows}
    assert set(found) == set(QUARANTINED)
    for (source, row), (reason, words) in QUARANTINED.items():
        assert found[source, row][0] == reason, (source, row, found[source, row])
        assert words in found[source, row][1], (source, row, found[source, row])
    assert {(source, file) for source, file, *_ in rows} == set(files.items())


def test_the_published_disputes_have_their_status_at_the_end_of_august(closed):
    ws = closed["ws"]
    rows = published(
        ws,
        "select dispute_id, rep_id, disputed_period, line_id, status, decided_date, age_days, "
        "resolved_by, note, source_file, source_row_number "
        "from latest_disputes where period = '2026-08' order by opened_date, dispute_id",
    )
    by_id = {row[0]: row[1:] for row in rows}
    # D5 was opened in September; D6..D9 were quarantined; D10..D15 are loaded, their decisions
    # quarantined, so they are still open
    assert list(by_id) == ["D1", "D2", "D3", "D4", *(f"D{n}" for n in range(10, 16))]
    file = "disputes_2026-08.csv"
    assert by_id["D1"] == (
        "R1",
        "2026-07",
        closed["line_of_r1"],
        "accepted",
        date(2026, 8, 10),
        7,
        "adjustment ADJ-1",
        "paid by adjustment",
        file,
        1,
    )
    assert by_id["D2"][3:7] == ("accepted", date(2026, 8, 20), 16, "version 2")
    assert by_id["D3"][3:7] == ("rejected", date(2026, 8, 6), 1, None)
    # decided on 09-03: not known at August's end, so open and aged to 08-31
    assert by_id["D4"][3:7] == ("open", None, 24, None)
    assert by_id["D10"][3:7] == ("open", None, 21, None)


def test_the_published_acknowledgements_of_the_august_rule_book(closed):
    rows = published(
        closed["ws"],
        "select rep_id, rulebook_version, acknowledged, acknowledged_date "
        "from latest_rule_acknowledgements where period = '2026-08' order by rep_id",
    )
    assert rows == [
        ("R1", "2026.1", True, date(2026, 7, 5)),
        ("R2", "2026.1", False, None),
        ("R3", "2026.1", False, None),
    ]


def test_the_signoff_rows_never_count_against_the_error_budget(closed):
    assert not set(SIGNOFF_SOURCES) & set(BUDGETED_SOURCES)
    with connect(closed["ws"]) as warehouse:
        counts = {c.source: c for c in listed_counts(period_counts(warehouse, "2026-08"))}
    # half of the disputes opened in August were quarantined, and August closed all the same
    assert counts["disputes"].read == 15 and counts["disputes"].quarantined == 5
    assert counts["dispute_decisions"].quarantined == 7


def test_august_recomputed_from_its_recorded_inputs_is_identical(closed):
    """The checks read the published history as it stood: the versions before August's."""
    verification, errors = run_verify(closed["ws"], "2026-08", None)
    assert errors == []
    assert verification.identical, verification.differences
