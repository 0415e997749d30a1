"""A second rule book through its whole life: promoted after a closed period, then closed with no
code change. Every number below is computed by hand from the landing and the two rule books
(rulebooks/2026.1.yaml and rulebooks/examples/2026.2-candidate.yaml)."""

from __future__ import annotations

import csv
from decimal import Decimal

import duckdb
import pytest
from conftest import write_csv
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.launch import run_close, run_standings
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.layout import REPO_RULEBOOKS

CANDIDATE = REPO_RULEBOOKS / "examples" / "2026.2-candidate.yaml"
runner = CliRunner()

SEPTEMBER_SALES = [
    # before the SPIFF window (07..27 Sep): SALES 10000 x 0.012 = 120.00
    ["S1", "sale", "O1", "R1", "C1", "2026-09-06", "10000.00", "CNY"],
    # first day of the window, enterprise: SALES 60.00, SPIFF 60.00 x (1.5 - 1) = 30.00
    ["S2", "sale", "O2", "R1", "C1", "2026-09-07", "5000.00", "CNY"],
    # smb customer in the window: SALES 240.00, no SPIFF; C2's first sale: NEW_CUSTOMER 50
    ["S3", "sale", "O3", "R2", "C2", "2026-09-10", "20000.00", "CNY"],
    # enterprise, in the window: SALES 3600.00, SPIFF 1800.00
    ["S7", "sale", "O7", "R1", "C1", "2026-09-15", "300000.00", "CNY"],
    # last day of the window, sdr: SALES round(12.006) = 12.01, SPIFF round(6.005) = 6.01,
    # NEW_CUSTOMER 50 + SDR_NEW_CUSTOMER 30
    ["S4", "sale", "O4", "R3", "C3", "2026-09-27", "1000.50", "CNY"],
    # after the window, consumer: SALES 1.20, NEW_CUSTOMER 50 + SDR_NEW_CUSTOMER 30
    ["S5", "sale", "O5", "R3", "C4", "2026-09-28", "100.00", "CNY"],
    # return of part of S2, charged to R1 and scored on S2's date: SALES -24.00, SPIFF -12.00
    ["S6", "return", "O2", "R2", "C1", "2026-09-29", "2000.00", "CNY"],
]

# R1: SALES 120 + 60 + 3600 - 24 = 3756; SPIFF 30 + 1800 - 12 = 1818; SALES_CAP on
#     SALES+SPIFF 5574 > 3600: -1974; SATISFACTION (score 1) -25; TEAM_BONUS: T1 net
#     10000 + 5000 + 20000 + 300000 - 2000 = 333000 >= 320000: +120; late August adjustment +10
#     => 3705.00, platinum (>= 3000).
# R2: SALES 240 + NEW_CUSTOMER 50 + SATISFACTION 3 x 25 + TEAM_BONUS 120 = 485.00, bronze.
# R3: SALES 13.21 + SPIFF 6.01 + NEW_CUSTOMER 100 + SDR_NEW_CUSTOMER 60 + manual 20.78
#     = 200.00, no tier (T2 net 1100.50: no bonus).
EXPECTED_SEPTEMBER = {
    "R1": (Decimal("3705.00"), "platinum", Decimal("7000.00")),
    "R2": (Decimal("485.00"), "bronze", Decimal("400.00")),
    "R3": (Decimal("200.00"), None, None),
}
EXPECTED_RULES = {
    ("R1", "SALES"): Decimal("3756.00"),
    ("R1", "SEPT_ENTERPRISE_SPIFF"): Decimal("1818.00"),
    ("R1", "SALES_CAP"): Decimal("-1974.00"),
    ("R1", "SATISFACTION"): Decimal("-25.00"),
    ("R1", "TEAM_BONUS"): Decimal("120.00"),
    ("R1", "PRIOR_PERIOD_ADJUSTMENT"): Decimal("10.00"),
    ("R2", "SALES"): Decimal("240.00"),
    ("R2", "NEW_CUSTOMER"): Decimal("50.00"),
    ("R2", "SATISFACTION"): Decimal("75.00"),
    ("R2", "TEAM_BONUS"): Decimal("120.00"),
    ("R3", "SALES"): Decimal("13.21"),
    ("R3", "SEPT_ENTERPRISE_SPIFF"): Decimal("6.01"),
    ("R3", "NEW_CUSTOMER"): Decimal("100.00"),
    ("R3", "SDR_NEW_CUSTOMER"): Decimal("60.00"),
    ("R3", "MANUAL_ADJUSTMENT"): Decimal("20.78"),
}


def published(ws: Workspace, sql: str, params=None):
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory) -> Workspace:
    ws = Workspace.at(tmp_path_factory.mktemp("rulebooks") / "home").prepare().create_landing()
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
    write_csv(
        ws,
        "customers",
        "customers_2026-07-01.csv",
        [
            ["C1", "Acme", "enterprise", "east", "2025-01-01"],
            ["C2", "Bolt", "smb", "west", "2025-01-01"],
            ["C3", "Cito", "enterprise", "east", "2025-01-01"],
            ["C4", "Dao", "consumer", "north", "2025-01-01"],
        ],
    )
    # August under 2026.1: R1 sale 10000 x 0.01 = 100 + NEW_CUSTOMER C1 50 = 150
    write_csv(
        ws,
        "sales",
        "sales_2026-08.csv",
        [["X1", "sale", "OX1", "R1", "C1", "2026-08-05", "10000.00", "CNY"]],
    )
    write_csv(ws, "surveys", "surveys_2026-08.csv", [])
    assert run_close(ws, "2026-08").success
    return ws


def test_promotion_refuses_a_date_inside_a_closed_period(lifecycle):
    result = runner.invoke(
        app,
        [
            "rules",
            "promote",
            str(CANDIDATE),
            "--effective-from",
            "2026-08-15",
            "--home",
            str(lifecycle.home),
        ],
    )
    assert result.exit_code == 1
    assert "2026-08" in result.output


def _land_september(ws: Workspace) -> None:
    write_csv(ws, "sales", "sales_2026-09.csv", SEPTEMBER_SALES)
    write_csv(
        ws,
        "surveys",
        "surveys_2026-09.csv",
        [
            ["V1", "R2", "C2", "O3", "5", "2026-09-11"],
            ["V2", "R2", "C2", "O3", "5", "2026-09-12"],
            ["V3", "R2", "C2", "O3", "5", "2026-09-13"],
            ["V4", "R1", "C1", "O1", "1", "2026-09-14"],
        ],
    )
    write_csv(
        ws,
        "adjustments",
        "adjustments_2026-09.csv",
        [
            ["ADJ1", "R3", "2026-09", "20.78", "missed deal credit", "Li Wei"],
            ["ADJ2", "R1", "2026-08", "10.00", "August deal booked late", "Li Wei"],
        ],
    )


def test_a_trial_of_the_candidate_scores_september_as_computed_by_hand(lifecycle, tmp_path):
    """Before promotion: the trial scores September standalone under both rule books."""
    ws = lifecycle
    _land_september(ws)
    assert run_standings(ws, "2026-09").success  # loads September, publishes nothing
    out = tmp_path / "trial"
    result = runner.invoke(
        app,
        ["trial", "--rules", str(CANDIDATE), "--periods", "2026-09..2026-09"]
        + ["--home", str(ws.home), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    with (out / "reps.csv").open(encoding="utf-8") as handle:
        rows = {row["rep_id"]: row for row in csv.DictReader(handle)}
    # candidate: as in EXPECTED_SEPTEMBER without the late August adjustment (a trial books no
    # prior-period adjustment); current, under 2026.1: R1 SALES 100 + 50 + 3000 - 20 = 3130,
    # cap -130, survey -20, team bonus +100 = 3080; R2 200 + 50 + 60 + 100 = 410;
    # R3 10.01 + 1.00 + 100 + manual 20.78 = 131.79.
    assert {rep: (row["current_total"], row["candidate_total"]) for rep, row in rows.items()} == {
        "R1": ("3080.00", "3695.00"),
        "R2": ("410.00", "485.00"),
        "R3": ("131.79", "200.00"),
    }
    assert published(ws, "select count(*) from publications where period = '2026-09'") == [(0,)]


def test_the_promoted_rule_book_closes_september_as_computed_by_hand(lifecycle):
    ws = lifecycle
    result = runner.invoke(
        app,
        [
            "rules",
            "promote",
            str(CANDIDATE),
            "--effective-from",
            "2026-09-01",
            "--home",
            str(ws.home),
        ],
    )
    assert result.exit_code == 0, result.output
    _land_september(ws)
    run = run_close(ws, "2026-09")
    assert run.success, run.errors

    totals = published(
        ws,
        "select p.rep_id, p.total_points, p.tier, w.cash_value from latest_rep_period_points p "
        "left join latest_reward_list w using (period, rep_id) where p.period = '2026-09'",
    )
    assert {rep: (total, tier, cash) for rep, total, tier, cash in totals} == EXPECTED_SEPTEMBER
    rules = published(
        ws,
        "select rep_id, rule_id, points from latest_rep_period_rule_points "
        "where period = '2026-09'",
    )
    assert {(rep, rule): points for rep, rule, points in rules} == EXPECTED_RULES

    # every September line is scored by 2026.2; the late August adjustment names August's book
    versions = published(
        ws,
        "select rule_id, rulebook_version, count(*) from latest_points_ledger "
        "where period = '2026-09' group by all order by all",
    )
    assert {(rule, book) for rule, book, _ in versions} >= {
        ("SALES", "2026.2"),
        ("SEPT_ENTERPRISE_SPIFF", "2026.2"),
        ("PRIOR_PERIOD_ADJUSTMENT", "2026.1"),
    }
    [(listed,)] = published(
        ws, "select rulebook_version from publications where period = '2026-09'"
    )
    assert listed == "2026.1,2026.2"
    spiff = published(
        ws,
        "select points, explanation from latest_points_ledger where line_id = ?",
        ["SEPT_ENTERPRISE_SPIFF:S6"],
    )
    assert spiff == [
        (
            Decimal("-12.00"),
            "return S6 of order O2 (sale S2) on 2026-09-07 in window 2026-09-07..2026-09-27 "
            "for enterprise customer C1: 2,000.00 CNY x 0.012 = 24.00 x (1.5 - 1) = -12.00",
        )
    ]


def test_closed_august_never_changes(lifecycle):
    rows = published(
        lifecycle,
        "select version, rep_id, total_points from rep_period_points where period = '2026-08'",
    )
    assert sorted(rows) == [
        (1, "R1", Decimal("150.00")),
        (1, "R2", Decimal("0.00")),
        (1, "R3", Decimal("0.00")),
    ]
