"""End to end through Dagster on generated data: the published tables against an independent
implementation of the contract (tests/oracle), invariants, re-close, restatement, readers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import polars
import pyarrow.parquet as pq
import pytest
from conftest import write_csv
from oracle.contract import SOURCES, compute
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.workspace import Workspace
from orchestration.publish import serving
from orchestration.warehouse import delta
from orchestration.warehouse import duckdb as warehouse

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]
runner = CliRunner()


def published(ws: Workspace, sql: str, params=None):
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    ws = Workspace.at(tmp_path_factory.mktemp("e2e") / "home").prepare()
    generate(ws.home, seed=11, months=MONTHS)
    runs = {period: run_close(ws, period) for period in MONTHS}
    return ws, runs


def test_every_month_closes_and_publishes_version_1(closed):
    ws, runs = closed
    for period, run in runs.items():
        assert run.success, run.errors
        assert run.metadata["publication"]["version"] == 1, period
    rows = published(ws, "select period, version, reason from publications order by period")
    assert rows == [(p, 1, "first close") for p in MONTHS]


def test_published_results_match_an_independent_implementation(closed):
    ws, _ = closed
    assert_agrees_with_the_oracle(ws, MONTHS)


def assert_agrees_with_the_oracle(ws: Workspace, months: list[str]) -> None:
    oracle = compute(ws.landing, months)
    for period in months:
        got = {
            rep: (team, total, tier, company, team_rank)
            for rep, team, total, tier, company, team_rank in published(
                ws,
                "select rep_id, team_id, total_points, tier, company_rank, team_rank "
                "from latest_rep_period_points where period = ?",
                [period],
            )
        }
        expected = {
            rep: (r.team_id, r.total_points, r.tier, r.company_rank, r.team_rank)
            for rep, r in oracle.results[period].items()
        }
        assert got == expected, period
        rewards = {
            rep: (tier, reward, cash)
            for rep, tier, reward, cash in published(
                ws,
                "select rep_id, tier, reward, cash_value from latest_reward_list where period = ?",
                [period],
            )
        }
        assert rewards == oracle.rewards[period]
        rule_points = {
            (rep, rule): points
            for rep, rule, points in published(
                ws,
                "select rep_id, rule_id, points from latest_rep_period_rule_points "
                "where period = ?",
                [period],
            )
        }
        assert rule_points == oracle.rule_points[period]
    quarantine = {
        (s, f, r, reason)
        for s, f, r, reason in published(
            ws,
            # the sales program's sources: the loyalty program's have their own oracle
            "select source, source_file, row_number, reason from quarantine "
            "where list_contains(?, source)",
            [list(SOURCES)],
        )
    }
    assert quarantine == {
        (q.source, q.source_file, q.row_number, q.reason) for q in oracle.quarantine
    }


def test_deliveries_sent_compressed_and_as_workbooks_agree_with_the_oracle(tmp_path):
    """One delivery of each source gzip-compressed and another as .xlsx with typed cells."""
    ws = Workspace.at(tmp_path / "home").prepare()
    generate(ws.home, seed=11, months=MONTHS[:2])
    sent = send_compressed_and_as_workbooks(ws.landing)
    # one close validates every landed row (the quarantine is compared whole) and pays July
    run = run_close(ws, "2026-07")
    assert run.success, run.errors
    assert run.metadata["unread_landing_files"]["files_not_read"] == 0
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        formats = dict(
            con.execute("select source_file, file_format from ingested_files").fetchall()
        )
    assert {name: formats[name] for name in sent} == sent
    assert_agrees_with_the_oracle(ws, ["2026-07"])


def send_compressed_and_as_workbooks(landing: Path) -> dict[str, str]:
    """Per source of the oracle, the first CSV delivery gzip-compressed and the first Parquet
    one as a workbook (dates as date cells, numbers as number cells); the names sent, with the
    format each is ingested as."""
    import gzip

    from oracle.contract import SOURCES

    sent = {}
    for source in SOURCES:
        files = sorted((landing / source).iterdir())
        plain = next(path for path in files if path.suffix == ".csv")
        compressed = plain.with_name(plain.name + ".gz")
        compressed.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
        plain.unlink()
        typed = next(path for path in files if path.suffix == ".parquet")
        workbook = typed.with_suffix(".xlsx")
        write_workbook(workbook, source, pq.read_table(typed).to_pylist())
        typed.unlink()
        sent |= {compressed.name: "csv.gz", workbook.name: f"xlsx (sheet {source})"}
    return sent


def write_workbook(path: Path, sheet: str, rows: list[dict]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = sheet
    book.active.append(list(rows[0]))
    for row in rows:
        # as Excel holds them: money a double, a date a date cell, a score a number, text
        book.active.append([float(v) if isinstance(v, Decimal) else v for v in row.values()])
    book.save(path)


def test_the_sample_data_exercises_every_reason_code_and_tier(closed):
    ws, _ = closed
    from schemas.reasons import REASONS, SIGNOFF_LEVEL

    reasons = {row[0] for row in published(ws, "select distinct reason from quarantine")}
    # the generator writes no disputes: their codes are exercised by tests/test_disputes.py
    assert reasons == set(REASONS) - set(SIGNOFF_LEVEL)
    tiers = {row[0] for row in published(ws, "select distinct tier from rep_period_points")}
    assert {"bronze", "silver", "gold", "platinum", None} <= tiers
    rules = {row[0] for row in published(ws, "select distinct rule_id from points_ledger")}
    assert rules == {
        "SALES",
        "NEW_CUSTOMER",
        "SATISFACTION",
        "SALES_CAP",
        "QUALITY_GATE",
        "TEAM_BONUS",
    }


def test_the_ui_reads_each_close_run_with_its_asset_events(closed):
    """The event log is written on kept-open connections (defs/event_log.py): a Dagster instance
    opened afresh from the workspace, as the UI and the daemon open it, finds every close run
    with the materializations and check results of each step, in Dagster's own files."""
    from dagster import AssetKey, DagsterEventType, DagsterInstance

    ws, runs = closed
    assert (ws.dagster_home / "history" / "runs" / "index.db").exists()
    with DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        for period, run in runs.items():
            assert instance.get_run_by_id(run.run_id).is_success, period
            done = {
                record.event_log_entry.dagster_event.asset_key
                for record in instance.get_records_for_run(
                    run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
                ).records
            }
            assert {AssetKey("points_ledger"), AssetKey("publication")} <= done, period
            checks = instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
            assert checks, period
        latest = instance.get_latest_materialization_event(AssetKey("publication"))
        assert latest.run_id == runs[MONTHS[-1]].run_id


def test_ledger_lines_sum_to_totals_and_tiers_follow_thresholds(closed):
    ws, _ = closed
    mismatches = published(
        ws,
        """
        select p.period, p.rep_id, p.total_points, coalesce(sum(l.points), 0)
        from rep_period_points p
        left join points_ledger l using (period, version, rep_id)
        group by all having p.total_points <> coalesce(sum(l.points), 0)""",
    )
    assert mismatches == []
    wrong_tiers = published(
        ws,
        """
        select rep_id, total_points, tier from rep_period_points
        where coalesce(tier, '-') <> case
            when total_points >= 2500 then 'platinum' when total_points >= 1500 then 'gold'
            when total_points >= 800 then 'silver' when total_points >= 300 then 'bronze'
            else '-' end""",
    )
    assert wrong_tiers == []
    types = dict(
        published(
            ws,
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'points_ledger'",
        )
    )
    assert types["points"] == "DECIMAL(18,2)"


def test_rows_read_equal_loaded_plus_deduplicated_plus_quarantined(closed):
    ws, _ = closed
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        per_file = con.execute("""
            select source, source_file, sum(rows_read), sum(rows_loaded),
                   sum(rows_deduplicated), sum(rows_quarantined)
            from validation_counts group by all""").fetchall()
        landed = dict(con.execute("select source_file, row_count from ingested_files").fetchall())
    assert per_file
    for source, file, read, loaded, deduplicated, quarantined in per_file:
        assert read == loaded + deduplicated + quarantined, (source, file)
        assert read == landed[file]
    assert sum(row[5] for row in per_file) == published(ws, "select count(*) from quarantine")[0][0]


def test_explain_lists_lines_that_sum_to_the_published_total(closed):
    ws, _ = closed
    rep, total = published(
        ws,
        "select rep_id, total_points from latest_rep_period_points "
        "where period = '2026-08' order by company_rank limit 1",
    )[0]
    result = runner.invoke(
        app, ["explain", "--home", str(ws.home), "--rep", rep, "--period", "2026-08"]
    )
    assert result.exit_code == 0, result.output
    assert f"sum to {total:,.2f} = published total" in result.output
    status = runner.invoke(app, ["status", "--home", str(ws.home)])
    assert status.exit_code == 0 and "2026-10" in status.output


def test_reclose_unchanged_publishes_nothing(closed):
    ws, _ = closed
    before = ws.published_db.read_bytes()
    run = run_close(ws, "2026-08")
    assert run.success, run.errors
    assert run.metadata["publication"]["published"] is False
    assert published(ws, "select count(*) from publications")[0][0] == len(MONTHS)
    assert ws.published_db.read_bytes() == before  # the readers' copy is not even rewritten


def test_late_input_refuses_plain_close_then_restatement_publishes_version_2(closed):
    ws, _ = closed
    v1 = published(ws, "select * from points_ledger where period = '2026-07' order by line_id")
    v1_hash = published(ws, "select content_hash from publications where period = '2026-07'")
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        rep, customer = con.execute("""
            select s.rep_id, s.customer_id
            from validated_sales s join validated_reps r using (rep_id)
            where s.txn_type = 'sale' and s.txn_date < date '2026-07-31'
              and r.hire_date <= date '2026-07-01' and r.leave_date is null
            order by s.txn_id limit 1""").fetchone()
    write_csv(
        ws,
        "sales",
        "sales_2026-07_late.csv",
        [["LATE0001", "sale", "OLATE0001", rep, customer, "2026-07-31", "1234.56", "CNY"]],
    )

    refused = run_close(ws, "2026-07")
    assert not refused.success
    assert "is closed" in refused.errors[0] and "--restate" in refused.errors[0]

    other = run_close(ws, "2026-09")  # a delivery for July does not change September
    assert other.success and other.metadata["publication"]["published"] is False

    # A BI tool holds the published database open, read-only, for the whole restatement.
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(ws.published_db)!r}, read_only=True)
            print(con.execute("select count(*) from publications").fetchone()[0], flush=True)
            sys.stdin.readline()
            print(con.execute("select count(*) from publications").fetchone()[0], flush=True)
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == str(len(MONTHS))
    restated = run_close(ws, "2026-07", restate=True, reason="late July sale LATE0001")
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == str(len(MONTHS))  # still its consistent snapshot
    reader.wait(timeout=30)
    assert restated.success, restated.errors
    assert restated.metadata["publication"]["version"] == 2

    assert (
        published(
            ws,
            "select * from points_ledger where period = '2026-07' and version = 1 order by line_id",
        )
        == v1
    )
    assert (
        published(
            ws, "select content_hash from publications where period = '2026-07' and version = 1"
        )
        == v1_hash
    )
    late = published(
        ws, "select points, explanation from latest_points_ledger where line_id = 'SALES:LATE0001'"
    )
    assert late == [(Decimal("12.35"), "sale LATE0001 1,234.56 CNY x 0.01 = 12.35")]
    reasons = published(
        ws, "select version, reason from publications where period = '2026-07' order by version"
    )
    assert reasons == [(1, "first close"), (2, "late July sale LATE0001")]


def test_error_budget_stops_the_close_and_names_the_source(base_landing):
    write_csv(
        base_landing,
        "sales",
        "sales_bad.csv",
        [
            ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100", "CNY"],
            ["X2", "sale", "O2", "R1", "C1", "2026-07-02", "12,5", "CNY"],
        ],
    )
    run = run_close(base_landing, "2026-07")
    assert not run.success
    assert "sales 2026-07: 1 of 2 rows quarantined (50.0%)" in run.errors[0]
    assert "bad_type 1" in run.errors[0]
    assert not base_landing.published_db.exists()
    relaxed = run_close(base_landing, "2026-07", error_budget=0.6)
    assert relaxed.success, relaxed.errors


def test_cli_close_reports_a_rejected_file_without_a_stack_trace(base_landing):
    (base_landing.landing_dir("sales") / "broken.parquet").write_bytes(b"PAR1 not really")
    result = runner.invoke(app, ["close", "2026-07", "--home", str(base_landing.home)])
    assert result.exit_code == 1
    assert "broken.parquet" in result.output and "cannot be read as Parquet" in result.output
    assert "Traceback" not in result.output


def test_trace_reaches_landed_values_for_every_line_of_a_rep(closed):
    ws, _ = closed
    rep = published(
        ws,
        "select rep_id from latest_rep_period_points where period = '2026-09' "
        "order by company_rank limit 1",
    )[0][0]
    lines = published(
        ws,
        "select line_id from latest_points_ledger where period = '2026-09' and rep_id = ?",
        [rep],
    )
    assert lines
    for (line_id,) in lines:
        result = runner.invoke(
            app, ["trace", "--home", str(ws.home), "--line", line_id, "--period", "2026-09"]
        )
        assert result.exit_code == 0, result.output
        assert "landed as" in result.output  # derived lines show the landed rows they use
    chain = runner.invoke(app, ["verify-chain", "--home", str(ws.home)])
    assert chain.exit_code == 0, chain.output
    assert "hash chain intact" in chain.output


def duckdb_1x(sql: str, database=None) -> list[dict]:
    """Run SQL in the real DuckDB 1.x command-line client (the package `duckdb-cli`), as a BI
    tool's embedded DuckDB would; rows come back as JSON objects."""
    cli = Path(sys.executable).with_name("duckdb")
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("v1."), version.stdout
    args = [cli, "-readonly", "-json", str(database)] if database else [cli, "-json"]
    done = subprocess.run([*args, "-c", sql], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout or "[]")


def test_a_duckdb_1x_client_reads_every_latest_view_of_the_readers_database(closed):
    ws, _ = closed
    views = [
        row["view_name"]
        for row in duckdb_1x(
            "select view_name from duckdb_views() where not internal order by 1", ws.published_db
        )
    ]
    assert views and all(view.startswith("latest_") for view in views)
    for view in views:
        (expected,) = published(ws, f"select count(*) from {view}")[0]
        got = duckdb_1x(f"select count(*) as n from {view}", ws.published_db)
        assert got == [{"n": expected}], view
    totals = duckdb_1x(
        "select sum(total_points)::varchar as total from latest_rep_period_points", ws.published_db
    )
    sql = "select sum(total_points)::varchar from latest_rep_period_points"
    (expected,) = published(ws, sql)[0]
    assert totals == [{"total": expected}]


def test_delta_tables_read_the_same_in_pyarrow_polars_and_the_readers_database(closed):
    ws, _ = closed
    folders = sorted(path.name for path in ws.published_dir.iterdir())
    assert folders == sorted(serving.DELTA_TABLES)
    for table in folders:
        path = ws.published_table(table)
        (rows,) = published(ws, f"select count(*) from {table}")[0]
        arrow = delta.read(path)
        assert arrow.num_rows == rows, table
        assert polars.read_delta(str(path)).height == rows, table
        with duckdb.connect() as con:
            con.register("delta_table", arrow)
            described = con.sql("select column_name, column_type from (describe delta_table)")
            in_delta = [{"column_name": n, "column_type": t} for n, t in described.fetchall()]
        in_database = duckdb_1x(
            f"select column_name, column_type from (describe {table})", ws.published_db
        )
        assert in_delta == in_database, table


def test_an_earlier_readers_database_in_duckdb_2_format_is_rewritten_for_1x_readers(closed):
    ws, _ = closed
    # What jifen wrote before: the readers' copy in DuckDB 2's own storage format.
    legacy = ws.home / "legacy.duckdb"
    with duckdb.connect() as con:
        con.execute(f"attach '{ws.published_db}' as old (read_only)")
        con.execute(f"attach '{legacy}' as new")
        con.execute("copy from database old to new")
    legacy.replace(ws.published_db)
    with pytest.raises(AssertionError, match="version number"):
        duckdb_1x("select 1", ws.published_db)
    with warehouse.connect(ws) as con:
        assert serving.refresh(ws, con, force=True)
    assert duckdb_1x("select count(*) as n from latest_publications", ws.published_db) == [
        {"n": len(MONTHS)}
    ]
