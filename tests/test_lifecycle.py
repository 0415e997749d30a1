"""Period lifecycle on real processes: late data as prior-period adjustments, skipped periods,
verify, provisional standings, the unchanged re-close (kill -9 and concurrent closes:
test_reliability.py)."""

from __future__ import annotations

import sys
import time
from decimal import Decimal

import pytest
from conftest import write_csv
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import open_database
from orchestration.warehouse.duckdb import connect

JIFEN = [sys.executable, "-m", "orchestration.cli"]
runner = CliRunner()


def published(ws: Workspace, sql: str, params=None):
    with open_database(ws.published_db, read_only=True) as readers_copy:
        return readers_copy.rows(sql, params)


def warehouse(ws: Workspace, sql: str, params=None):
    """Read the warehouse, waiting (like jifen) for a killed close's dbt child to let go."""
    with connect(ws, read_only=True) as wh:
        return wh.rows(sql, params)


def sale(txn: str, rep: str, day: str, amount: str, customer: str = "C1") -> list[str]:
    return [txn, "sale", f"O{txn}", rep, customer, day, amount, "CNY"]


def test_late_rows_become_prior_period_adjustments_without_double_counting(base_landing):
    ws = base_landing
    write_csv(
        ws,
        "sales",
        "sales_2026-07.csv",
        [
            sale("X1", "R1", "2026-07-02", "350000"),  # S = 3500 -> capped to 3000
            sale("X2", "R2", "2026-07-03", "1000"),
        ],
    )
    assert run_close(ws, "2026-07").success
    july_v1 = published(ws, "select * from points_ledger where period = '2026-07' order by 3")

    # Round 1: late July sales arrive with August's delivery.
    write_csv(
        ws,
        "sales",
        "sales_2026-08.csv",
        [
            sale("L1", "R1", "2026-07-30", "1000"),
            sale("L2", "R2", "2026-07-31", "2000"),
            sale("A1", "R2", "2026-08-02", "100", customer="C2"),
        ],
    )
    run = run_close(ws, "2026-08")
    assert run.success, run.errors
    adjustments = published(
        ws,
        """
        select rep_id, adjusted_period, adjusted_rule_id, points, explanation
        from points_ledger where period = '2026-08' and rule_id = 'PRIOR_PERIOD_ADJUSTMENT'
        order by rep_id, adjusted_rule_id""",
    )
    assert [row[:4] for row in adjustments] == [
        ("R1", "2026-07", "SALES", Decimal("10.00")),
        ("R1", "2026-07", "SALES_CAP", Decimal("-10.00")),  # the cap of July still holds
        ("R2", "2026-07", "SALES", Decimal("20.00")),
    ]
    assert "SALES:L2" in adjustments[2][4] and adjustments[2][4].startswith("2026-07 SALES")
    # July's version 1 never changes.
    assert published(ws, "select * from points_ledger where period = '2026-07' order by 3") == (
        july_v1
    )
    assert published(ws, "select count(*) from publications where period = '2026-07'") == [(1,)]

    # Round 2: one more late July row; only its own difference is booked.
    write_csv(ws, "sales", "sales_2026-09.csv", [sale("L3", "R2", "2026-07-15", "500")])
    assert run_close(ws, "2026-09").success
    round_two = published(
        ws,
        """
        select rep_id, adjusted_rule_id, points from points_ledger
        where period = '2026-09' and rule_id = 'PRIOR_PERIOD_ADJUSTMENT'""",
    )
    assert round_two == [("R2", "SALES", Decimal("5.00"))]
    # Only July's inputs changed: August, untouched since its close, is not recomputed.
    plan = "select period, recompute from close_plan order by period"
    assert warehouse(ws, plan) == [("2026-07", True), ("2026-08", False), ("2026-09", True)]
    write_csv(ws, "sales", "sales_2026-10.csv", [sale("A9", "R1", "2026-10-01", "100")])
    assert run_close(ws, "2026-10").success
    assert warehouse(ws, plan) == [
        ("2026-07", False),
        ("2026-08", False),
        ("2026-09", False),
        ("2026-10", True),
    ]
    assert warehouse(ws, "select distinct period from int_ledger_lines") == [("2026-10",)]

    # August keeps the adjustments it booked: closing it again changes nothing.
    again = run_close(ws, "2026-08")
    assert again.success and again.metadata["publication"]["published"] is False

    # Per rep, July's booked total across all publications equals July recomputed now.
    totals = dict(
        published(
            ws,
            """
        select rep_id, sum(points) from points_ledger
        where (period = '2026-07' and rule_id <> 'PRIOR_PERIOD_ADJUSTMENT')
           or adjusted_period = '2026-07'
        group by rep_id""",
        )
    )
    assert totals["R1"] == Decimal("3000.00") + Decimal("50.00") + Decimal("100.00")
    assert totals["R2"] == Decimal("35.00") + Decimal("100.00")  # 1000 + 2000 + 500 CNY


def test_skipped_periods_never_lose_a_difference(base_landing):
    """Closed periods are recomputed only when their inputs changed since their difference was
    booked: a re-close that books nothing, or a restatement, must not hide a change."""
    ws = base_landing
    write_csv(ws, "sales", "sales_2026-07.csv", [sale("X1", "R1", "2026-07-02", "1000")])
    assert run_close(ws, "2026-07").success
    write_csv(ws, "sales", "sales_2026-08.csv", [sale("X2", "R1", "2026-08-02", "1000")])
    assert run_close(ws, "2026-08").success

    # A late July adjustment, then a re-close of the closed August: it books nothing...
    write_csv(
        ws,
        "adjustments",
        "adjustments_late.csv",
        [["ADJ1", "R1", "2026-07", "-12.50", "duplicate credit", "Li Wei"]],
        header=["adjustment_id", "rep_id", "period", "points", "reason", "approved_by"],
    )
    again = run_close(ws, "2026-08")
    assert again.success and again.metadata["publication"]["published"] is False
    # ... so the next open close still books July's difference.
    write_csv(ws, "sales", "sales_2026-09.csv", [sale("X3", "R1", "2026-09-02", "1000")])
    assert run_close(ws, "2026-09").success
    ppa = """select period, adjusted_rule_id, points from latest_points_ledger
             where rule_id = 'PRIOR_PERIOD_ADJUSTMENT' and adjusted_period = '2026-07'
             order by period"""
    assert published(ws, ppa) == [("2026-09", "MANUAL_ADJUSTMENT", Decimal("-12.50"))]

    # Restating July puts the adjustment in July itself; the next open close reverses the
    # adjustment booked in September, so it counts once.
    assert run_close(ws, "2026-07", restate=True, reason="adjustment ADJ1").success
    write_csv(ws, "sales", "sales_2026-10.csv", [sale("X4", "R1", "2026-10-02", "1000")])
    assert run_close(ws, "2026-10").success
    assert published(ws, ppa) == [
        ("2026-09", "MANUAL_ADJUSTMENT", Decimal("-12.50")),
        ("2026-10", "MANUAL_ADJUSTMENT", Decimal("12.50")),
    ]
    booked = published(
        ws,
        """select sum(points) from latest_points_ledger
           where (period = '2026-07' and rule_id = 'MANUAL_ADJUSTMENT')
              or (adjusted_period = '2026-07' and adjusted_rule_id = 'MANUAL_ADJUSTMENT')""",
    )
    assert booked == [(Decimal("-12.50"),)]


def test_a_missing_source_folder_stops_the_close_with_what_to_do(base_landing):
    (base_landing.landing_dir("surveys")).rmdir()
    run = run_close(base_landing, "2026-07")
    assert not run.success
    assert "landing folder" in run.errors[0] and "surveys" in run.errors[0]
    assert "Create it" in run.errors[0]


def test_provisional_standings_update_when_a_file_lands(base_landing, monkeypatch):
    ws = base_landing
    write_csv(ws, "sales", "sales_2026-11_a.csv", [sale("N1", "R1", "2026-11-02", "50000")])
    first = runner.invoke(app, ["standings", "--home", str(ws.home), "--period", "2026-11"])
    assert first.exit_code == 0, first.output
    assert "PROVISIONAL standings 2026-11" in first.output
    assert "550.00" in first.output  # 500 SALES + 50 NEW_CUSTOMER

    # the sensor sees the new delivery and asks for a refresh of the open month
    from dagster import RunRequest, SkipReason, build_sensor_context

    from orchestration.defs.standings import landing_signature, new_landing_files

    monkeypatch.setenv("JIFEN_HOME", str(ws.home))
    cursor = landing_signature(ws)
    idle = new_landing_files(build_sensor_context(cursor=cursor))
    assert isinstance(idle, SkipReason)
    write_csv(ws, "sales", "sales_2026-11_b.csv", [sale("N2", "R1", "2026-11-03", "10000")])
    request = new_landing_files(build_sensor_context(cursor=cursor))
    assert isinstance(request, RunRequest) and request.partition_key.startswith(
        time.strftime("%Y-%m")
    )

    second = runner.invoke(app, ["standings", "--home", str(ws.home), "--period", "2026-11"])
    assert second.exit_code == 0, second.output
    assert "650.00" in second.output
    assert published(ws, "select count(*) from publications") == [(0,)]  # never a version


@pytest.fixture(autouse=True)
def _no_crash_env(monkeypatch):
    monkeypatch.delenv("JIFEN_CRASH_AT", raising=False)


def test_verify_recomputes_a_version_from_its_recorded_inputs(base_landing):
    ws = base_landing
    write_csv(
        ws,
        "sales",
        "sales_2026-07.csv",
        [
            sale("X1", "R1", "2026-07-02", "1000"),
            sale("X2", "R2", "2026-07-03", "12,5"),
        ],
    )
    assert run_close(ws, "2026-07", error_budget=0.6).success
    # a file landed after the close is not part of version 1's inputs
    write_csv(ws, "sales", "sales_late.csv", [sale("X3", "R1", "2026-07-09", "999")])
    inputs = published(
        ws,
        "select source, source_file, rows_read, rows_loaded, "
        "rows_deduplicated, rows_quarantined from publication_inputs "
        "where source = 'sales'",
    )
    assert inputs == [("sales", "sales_2026-07.csv", 2, 1, 0, 1)]

    ok = runner.invoke(app, ["verify", "2026-07", "--home", str(ws.home)])
    assert ok.exit_code == 0, ok.output
    assert "identical" in ok.output

    with open_database(ws.warehouse) as wh:  # alter history behind jifen's back
        wh.run("update published.points_ledger set points = points + 1 where line_id = 'SALES:X1'")
    bad = runner.invoke(app, ["verify", "2026-07", "--home", str(ws.home)])
    assert bad.exit_code == 1
    assert "points_ledger: 1 published row(s) not reproduced" in bad.output


def test_cli_finds_an_unchanged_reclose_without_a_run(base_landing):
    ws = base_landing
    write_csv(ws, "sales", "sales_2026-07.csv", [sale("X1", "R1", "2026-07-02", "1000")])
    home = ["--home", str(ws.home)]
    first = runner.invoke(app, ["close", "2026-07", *home])
    assert first.exit_code == 0, first.output
    assert "version 1 published" in first.output
    again = runner.invoke(app, ["close", "2026-07", *home])
    assert again.exit_code == 0 and "nothing landed or changed since its close" in again.output
    # a new delivery (here for another month) takes the full road, which finds it unchanged
    write_csv(ws, "sales", "sales_2026-08.csv", [sale("X2", "R1", "2026-08-02", "1000")])
    full = runner.invoke(app, ["close", "2026-07", *home])
    assert full.exit_code == 0, full.output
    assert "unchanged (version 1 stands) in" in full.output
    assert "nothing landed" not in full.output
