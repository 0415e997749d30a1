"""The rule kind distinct_customers, by use: points per customer a rep served in a period.

The example book rulebooks/examples/2026.3-customers.yaml (the 2026.1 program plus
ACTIVE_CUSTOMERS: 20 points per customer with net sales of at least 1000 CNY, and
SDR_CUSTOMERS: 10 points per customer with net sales above 0, for SDRs) is promoted into a
workspace from July; July is closed, then August with a late July row. Every number below is
computed by hand from the landed rows.
"""

from __future__ import annotations

import csv
import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import write_csv
from typer.testing import CliRunner

from orchestration.audit import write_audit_pack
from orchestration.audit.trace import trace_line
from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.lib.period import window
from orchestration.lib.workspace import Workspace
from orchestration.points.dbt import run_dbt
from orchestration.rulebooks import check_files, compile_files, render_seeds
from orchestration.rulebooks.layout import REPO_RULEBOOKS
from orchestration.rulebooks.seeds import read_folder

EXAMPLE = REPO_RULEBOOKS / "examples" / "2026.3-customers.yaml"
DEFAULT = REPO_RULEBOOKS / "2026.1.yaml"
runner = CliRunner()

CUSTOMERS = [[f"C{n}", f"Customer {n}", "smb", "east", "2025-01-01"] for n in range(1, 6)]

JULY_SALES = [
    ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "1500.00", "CNY"],
    ["X2", "sale", "O2", "R1", "C2", "2026-07-03", "1000.00", "CNY"],  # exactly the minimum
    ["X3", "sale", "O3", "R1", "C3", "2026-07-04", "1200.00", "CNY"],
    # landed by R2, charged to R1 (the seller): R1's C3 falls to 900, below the minimum
    ["X4", "return", "O3", "R2", "C3", "2026-07-20", "300.00", "CNY"],
    ["X5", "sale", "O5", "R2", "C1", "2026-07-05", "2500.00", "CNY"],
    ["X6", "sale", "O6", "R3", "C4", "2026-07-15", "400.00", "CNY"],
    ["X7", "sale", "O7", "R3", "C5", "2026-07-16", "100.00", "CNY"],
    ["X8", "return", "O7", "R3", "C5", "2026-07-17", "100.00", "CNY"],  # C5 nets 0
]
AUGUST_SALES = [
    # late for July: R1's C3 nets 900 + 100 = 1000 and counts
    ["L1", "sale", "OL1", "R1", "C3", "2026-07-28", "100.00", "CNY"],
    ["A1", "sale", "OA1", "R2", "C2", "2026-08-03", "1000.00", "CNY"],
    # a return in August of R2's July sale to C1: C1 nets -2000 in August; July keeps 2500
    ["A2", "return", "O5", "R2", "C1", "2026-08-04", "2000.00", "CNY"],
]

# July, every line (SALES 0.01 per CNY, NEW_CUSTOMER 50 for C1..C5's first sales; no team
# reaches 300000, no rep the SALES cap, no surveys):
# R1: SALES 15 + 10 + 12 - 3 = 34; NEW_CUSTOMER C1, C2, C3 = 150; ACTIVE_CUSTOMERS C1 (1500)
#     and C2 (1000), not C3 (1200 - 300 = 900): 2 x 20 = 40                      => 224.00
# R2: SALES 25 (X4 is charged to R1); ACTIVE_CUSTOMERS C1 (2500): 1 x 20 = 20      =>  45.00
# R3 (sdr): SALES 4 + 1 - 1 = 4; NEW_CUSTOMER C4, C5 = 100; ACTIVE_CUSTOMERS none (C4 400,
#     C5 0); SDR_CUSTOMERS C4 (above 0), not C5 (0): 1 x 10 = 10                  => 114.00
JULY_LINES = {
    "SALES:X1": ("R1", Decimal("15.00")),
    "SALES:X2": ("R1", Decimal("10.00")),
    "SALES:X3": ("R1", Decimal("12.00")),
    "SALES:X4": ("R1", Decimal("-3.00")),
    "SALES:X5": ("R2", Decimal("25.00")),
    "SALES:X6": ("R3", Decimal("4.00")),
    "SALES:X7": ("R3", Decimal("1.00")),
    "SALES:X8": ("R3", Decimal("-1.00")),
    "NEW_CUSTOMER:X1": ("R1", Decimal("50.00")),
    "NEW_CUSTOMER:X2": ("R1", Decimal("50.00")),
    "NEW_CUSTOMER:X3": ("R1", Decimal("50.00")),
    "NEW_CUSTOMER:X6": ("R3", Decimal("50.00")),
    "NEW_CUSTOMER:X7": ("R3", Decimal("50.00")),
    "ACTIVE_CUSTOMERS:R1": ("R1", Decimal("40.00")),
    "ACTIVE_CUSTOMERS:R2": ("R2", Decimal("20.00")),
    "SDR_CUSTOMERS:R3": ("R3", Decimal("10.00")),
}
JULY_TOTALS = {"R1": Decimal("224.00"), "R2": Decimal("45.00"), "R3": Decimal("114.00")}
# August: R2 SALES 10 - 20 = -10 and ACTIVE_CUSTOMERS C2 (1000): 20 => 10.00; R1 the late July
# row: SALES +1 and ACTIVE_CUSTOMERS 3 x 20 - 40 = +20 => 21.00; R3 nothing.
AUGUST_TOTALS = {"R1": Decimal("21.00"), "R2": Decimal("10.00"), "R3": Decimal("0.00")}
AUGUST_ADJUSTMENTS = [
    ("R1", "2026-07", "ACTIVE_CUSTOMERS", Decimal("20.00")),
    ("R1", "2026-07", "SALES", Decimal("1.00")),
]


def published(ws: Workspace, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def closed(tmp_path_factory) -> Workspace:
    """July and August closed under the example book, promoted from 2026-07-01.

    An in-process close leaves its workspace's seeds in os.environ (JIFEN_SEEDS, set by the
    points asset): restored afterwards, or a later test's dbt would score with this book."""
    environment = dict(os.environ)
    try:
        return _close_july_and_august(tmp_path_factory)
    finally:
        os.environ.clear()
        os.environ.update(environment)


def _close_july_and_august(tmp_path_factory) -> Workspace:
    ws = Workspace.at(tmp_path_factory.mktemp("customers") / "home").prepare().create_landing()
    write_csv(
        ws,
        "reps",
        "reps_2026-07-01.csv",
        [
            ["R1", "Ann", "T1", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T1", "account_exec", "2026-01-01", ""],
            ["R3", "陈静", "T2", "sdr", "2026-07-10", ""],
        ],
    )
    write_csv(ws, "customers", "customers_2026-07-01.csv", CUSTOMERS)
    promoted = runner.invoke(
        app,
        [
            "rules",
            "promote",
            str(EXAMPLE),
            "--effective-from",
            "2026-07-01",
            "--home",
            str(ws.home),
        ],
    )
    assert promoted.exit_code == 0, promoted.output
    write_csv(ws, "sales", "sales_2026-07.csv", JULY_SALES)
    write_csv(ws, "surveys", "surveys_2026-07.csv", [])
    july = run_close(ws, "2026-07")
    assert july.success, july.errors
    write_csv(ws, "sales", "sales_2026-08.csv", AUGUST_SALES)
    august = run_close(ws, "2026-08")
    assert august.success, august.errors
    return ws


def test_july_is_scored_per_customer_as_computed_by_hand(closed):
    lines = published(
        closed,
        "select line_id, rep_id, points from latest_points_ledger where period = '2026-07'",
    )
    assert {line_id: (rep, points) for line_id, rep, points in lines} == JULY_LINES
    totals = published(
        closed,
        "select rep_id, total_points from latest_rep_period_points where period = '2026-07'",
    )
    assert dict(totals) == JULY_TOTALS
    customer_lines = published(
        closed,
        "select line_id, rulebook_version, source, source_id, explanation "
        "from latest_points_ledger where period = '2026-07' and source = 'rep' order by 1",
    )
    assert customer_lines == [
        (
            "ACTIVE_CUSTOMERS:R1",
            "2026.3",
            "rep",
            "R1",
            "customers with net sales >= 1,000.00 CNY: C1, C2; 2 x 20.00 = 40.00",
        ),
        (
            "ACTIVE_CUSTOMERS:R2",
            "2026.3",
            "rep",
            "R2",
            "customers with net sales >= 1,000.00 CNY: C1; 1 x 20.00 = 20.00",
        ),
        (
            "SDR_CUSTOMERS:R3",
            "2026.3",
            "rep",
            "R3",
            "customers with net sales > 0.00 CNY: C4; 1 x 10.00 = 10.00",
        ),
    ]


def test_a_late_row_that_changes_the_count_books_a_prior_period_adjustment(closed):
    adjustments = published(
        closed,
        "select rep_id, adjusted_period, adjusted_rule_id, points, explanation "
        "from latest_points_ledger "
        "where period = '2026-08' and rule_id = 'PRIOR_PERIOD_ADJUSTMENT' order by 1, 3",
    )
    assert [row[:4] for row in adjustments] == AUGUST_ADJUSTMENTS
    assert adjustments[0][4] == (
        "2026-07 ACTIVE_CUSTOMERS recomputed 60.00, booked 40.00: 20.00 "
        "(lines new or changed since 2026-07 v1: ACTIVE_CUSTOMERS:R1)"
    )
    august = published(
        closed,
        "select line_id, points from latest_points_ledger "
        "where period = '2026-08' and rule_id <> 'PRIOR_PERIOD_ADJUSTMENT' order by 1",
    )
    assert august == [
        ("ACTIVE_CUSTOMERS:R2", Decimal("20.00")),
        ("SALES:A1", Decimal("10.00")),
        ("SALES:A2", Decimal("-20.00")),
    ]
    totals = published(
        closed,
        "select rep_id, total_points from latest_rep_period_points where period = '2026-08'",
    )
    assert dict(totals) == AUGUST_TOTALS
    # July's version 1 never changes
    assert published(closed, "select count(*) from publications where period = '2026-07'") == [(1,)]


def test_the_trace_shows_the_recorded_count_and_the_sales_lines_behind_it(closed):
    trace = trace_line(closed, "ACTIVE_CUSTOMERS:R1", "2026-07")
    assert trace["ok"], trace["problems"]
    derivation = trace["derivation"]
    assert derivation["rule_kind"] == "distinct_customers"
    assert derivation["inputs"]["customer_net_amounts"] == "C1=1500.00|C2=1000.00|C3=900.00"
    assert derivation["inputs"]["counted_customers"] == "C1|C2"
    assert derivation["parameters"] == {"points": "20.00", "min_amount": "1000.00"}
    assert derivation["formula"] == "customers 2 x points 20.00 = 40.00"
    traced = {child["line"]["line_id"] for child in trace["inputs"]}
    assert traced == {"SALES:X1", "SALES:X2", "SALES:X3", "SALES:X4"}


def test_the_unit_tests_of_the_kind_pass(closed, tmp_path):
    """The hand-computed dbt unit tests (intermediate/rules/_rules__unit_tests.yml), run on the
    closed workspace's warehouse (dbt reads the column types of the models they stand in for)."""
    env = {**window("2026-08").env(), "JIFEN_WAREHOUSE": str(closed.warehouse)}
    selection = "int_rule_distinct_customers,test_type:unit"
    result = run_dbt("test", "--select", selection, env=env, target=tmp_path / "dbt")
    assert result.returncode == 0, result.stdout[-3000:]
    run = json.loads((tmp_path / "dbt" / "run_results.json").read_text())
    assert {r["unique_id"].split(".")[-1]: r["status"] for r in run["results"]} == {
        "distinct_customers_minimum_returns_and_eligibility": "pass",
        "derivation_of_a_customer_count": "pass",
    }


def test_the_example_book_is_valid_and_compiles_into_the_seeds(tmp_path: Path):
    report = check_files([DEFAULT, EXAMPLE], against_reps=False)
    assert report.problems == []
    example = report.book_of("rulebooks/examples/2026.3-customers.yaml")
    active, sdr = example.rule("ACTIVE_CUSTOMERS"), example.rule("SDR_CUSTOMERS")
    assert (active.kind, active.points, active.min_amount) == (
        "distinct_customers",
        Decimal("20"),
        Decimal("1000"),
    )
    assert (sdr.points, sdr.min_amount, sdr.roles) == (Decimal("10"), None, ("sdr",))

    out = compile_files([DEFAULT, EXAMPLE], tmp_path / "seeds")
    with (out.folder / "rules.csv").open(encoding="utf-8", newline="") as handle:
        rows = {(r["rulebook_version"], r["rule_id"]): r for r in csv.DictReader(handle)}
    # the minimum rides in the column of team_bonus's default_target (rulebooks/layout.py)
    assert rows[("2026.3", "ACTIVE_CUSTOMERS")]["default_target"] == "1000.00"
    assert rows[("2026.3", "SDR_CUSTOMERS")]["default_target"] == ""
    assert rows[("2026.3", "TEAM_BONUS")]["default_target"] == "300000.00"
    books = read_folder(out.folder)
    read_back = books[1].rule("ACTIVE_CUSTOMERS")
    assert (read_back.min_amount, read_back.default_target) == (Decimal("1000.00"), None)
    assert books[1].rule("TEAM_BONUS").default_target == Decimal("300000.00")
    for name, content in render_seeds(books).items():
        assert (out.folder / name).read_bytes() == content, name


def test_a_cap_cannot_count_customers(tmp_path: Path):
    """A period-level kind is no family member: caps and gates sum row-level lines only."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "family: [SALES]\n    limit: 3000", "family: [SALES, ACTIVE_CUSTOMERS]\n    limit: 3000"
    )
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,) = check_files([path], against_reps=False).errors
    assert problem.path == "rules[5].family[1]"
    assert "ACTIVE_CUSTOMERS is a distinct_customers rule; a family may only count" in (
        problem.message
    )


def test_jifen_rules_check_names_the_line_of_a_wrong_field(tmp_path: Path):
    text = (
        EXAMPLE.read_text(encoding="utf-8")
        .replace("min_amount: 1000", "min_amount: -1")
        .replace("    points: 10\n", "")
    )
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["rules", "check", str(path), "--home", str(tmp_path / "home")])
    assert result.exit_code == 1
    lines = text.splitlines()
    minimum = next(n for n, line in enumerate(lines, 1) if "min_amount: -1" in line)
    sdr = next(n for n, line in enumerate(lines, 1) if "id: SDR_CUSTOMERS" in line)
    assert f"line {minimum} (rules[2].min_amount): rule ACTIVE_CUSTOMERS has a negative " in (
        result.output
    )
    assert f"line {sdr} (rules[3].points): rule SDR_CUSTOMERS has no points" in result.output


def test_the_audit_pack_explains_the_kind_and_its_fingerprint_holds(closed, tmp_path):
    write_audit_pack(closed, "2026-07", None, tmp_path)
    pack = tmp_path / "jifen-audit-2026-07-v1"
    readme = (pack / "README.md").read_text(encoding="utf-8")
    assert "**NO**" not in readme  # the pack's rule rows give the published input fingerprint
    assert "**distinct_customers lines** (`ACTIVE_CUSTOMERS`, `SDR_CUSTOMERS`;" in readme
    assert (
        "- `ACTIVE_CUSTOMERS` (distinct_customers): `points` 20.00; `default_target` 1000.00;"
        in (readme)
    )
