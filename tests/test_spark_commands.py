"""Everything besides the close works on a Spark workspace too (issue 12, item 6).

One small generated July closed on Spark in this process (the test session's one Spark session),
its databases behind their own prefix; then the commands as a user runs them: explain, trace,
audit pack, verify, verify-chain, trial, the rule book check's reps, provisional standings and
reports. The audit commands read Spark's warehouse; verify and trial recompute in a scratch
DuckDB warehouse from the rows copied out of Spark; reports read ``published.duckdb``.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from orchestration.audit import trace_line
from orchestration.audit.chain import verify_chain
from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.engine import workspace_engine
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.layout import REPO_RULEBOOKS
from orchestration.rulebooks.workspace_facts import rep_facts
from orchestration.warehouse.open import connect
from orchestration.warehouse.spark import DATABASE_PREFIX_ENV

JULY, AUGUST = "2026-07", "2026-08"
CANDIDATE = REPO_RULEBOOKS / "examples" / "2026.2-candidate.yaml"
PREFIX = "cmds_"
runner = CliRunner()


@pytest.fixture(scope="module")
def ws(tmp_path_factory, spark) -> Workspace:
    """July closed on Spark; the module's tests run with the workspace's database prefix."""
    home = tmp_path_factory.mktemp("spark-commands") / "home"
    Workspace.at(home).prepare().create_landing()
    generate(home, seed=5, months=[JULY, AUGUST], reps=6, sales_per_rep_month=6, dirty_rate=0.05)
    workspace = Workspace.at(home)
    assert workspace_engine(workspace, "spark") == "spark"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_PREFIX_ENV, PREFIX)
        run = run_close(workspace, JULY, error_budget=0.6)
        assert run.success, run.errors
        yield workspace


def published(ws: Workspace, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def invoke(*args: str):
    return runner.invoke(app, [*args])


def top_rep(ws: Workspace, period: str = JULY) -> tuple[str, Decimal]:
    return published(
        ws,
        "select rep_id, total_points from latest_rep_period_points where period = ? "
        "order by company_rank, rep_id limit 1",
        [period],
    )[0]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_explain_lists_lines_that_sum_to_the_published_total(ws):
    rep, total = top_rep(ws)
    result = invoke("explain", "--home", str(ws.home), "--rep", rep, "--period", JULY)
    assert result.exit_code == 0, result.output
    assert f"sum to {total:,.2f} = published total" in result.output


def test_trace_reads_spark_history_and_reaches_the_landed_rows(ws):
    rep, _ = top_rep(ws)
    lines = published(
        ws,
        "select line_id from latest_points_ledger where period = ? and rep_id = ? order by line_id",
        [JULY, rep],
    )
    assert lines
    for (line_id,) in lines:
        result = invoke("trace", "--home", str(ws.home), "--line", line_id, "--period", JULY)
        assert result.exit_code == 0, result.output
        assert "landed as" in result.output
    traced = trace_line(ws, lines[0][0], JULY)
    assert traced["ok"] and traced["line_matches_history"] is True  # Spark's history read
    landed = traced["landed"] or traced["inputs"][0]["landed"]
    assert landed["ingested"] is not None and landed["file_row_matches"] is True


def test_audit_pack_hashes_back_to_the_publication(ws, tmp_path):
    result = invoke("audit-pack", JULY, "--out", str(tmp_path), "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    pack = tmp_path / f"{'jifen-audit-' + JULY}-v1"
    assert (tmp_path / f"jifen-audit-{JULY}-v1.zip").is_file()
    totals = {
        row["rep_id"]: Decimal(row["total_points"])
        for row in read_csv(pack / "rep_period_points.csv")
    }
    assert totals == dict(
        published(
            ws,
            "select rep_id, total_points from rep_period_points where period = ? and version = 1",
            [JULY],
        )
    )
    readme = (pack / "README.md").read_text(encoding="utf-8")
    assert "**NO**" not in readme  # fingerprint, rule book sources and counts all check out
    checked = subprocess.run(
        [sys.executable, str(pack / "check_hashes.py"), "--landing", str(ws.landing)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout
    assert "all checks passed" in checked.stdout


def test_verify_recomputes_the_spark_version_identically_on_duckdb(ws):
    result = invoke("verify", JULY, "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    assert f"{JULY} v1: identical" in result.output


def test_verify_chain_checks_spark_history_readers_copy_and_delta(ws):
    result = invoke("verify-chain", "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    assert "hash chain intact" in result.output


def test_trial_scores_the_loaded_spark_rows(ws):
    result = invoke("trial", "--rules", str(CANDIDATE), "--periods", JULY, "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    reps = read_csv(ws.home / "trials" / f"2026.2-{JULY}" / "reps.csv")
    published_totals = dict(
        published(
            ws,
            "select rep_id, total_points from latest_rep_period_points where period = ?",
            [JULY],
        )
    )
    # the live rule book recomputed on DuckDB from the rows copied out of Spark gives what
    # Spark published, and the candidate changes something
    assert {row["rep_id"]: Decimal(row["current_total"]) for row in reps} == published_totals
    assert any(row["delta"] != "0.00" for row in reps)


def test_rule_book_check_reads_the_reps_loaded_on_spark(ws):
    facts = rep_facts(ws)
    teams = {row[0] for row in published(ws, "select distinct team_id from rep_period_points")}
    assert facts.known and teams and set(teams) <= facts.teams


def test_provisional_standings_of_august_run_on_spark(ws):
    result = invoke("standings", "--home", str(ws.home), "--period", AUGUST)
    assert result.exit_code == 0, result.output
    assert f"PROVISIONAL standings {AUGUST}" in result.output
    standings = published(
        ws,
        "select rep_id, total_points from provisional_rep_points where period = ? "
        "order by company_rank, rep_id",
        [AUGUST],
    )
    assert standings
    assert f"{standings[0][1]:,.2f}" in result.output
    assert published(ws, "select count(*) from publications where period = ?", [AUGUST]) == [(0,)]


def test_reports_render_from_the_readers_copy_a_spark_close_wrote(ws):
    result = invoke("report", "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    assert (ws.reports_dir / "index.html").is_file()
    rep, total = top_rep(ws)
    pages = "".join(
        path.read_text(encoding="utf-8") for path in ws.reports_dir.rglob(f"*{JULY}*.html")
    )
    assert rep in pages and f"{total:,.2f}" in pages


def test_verify_chain_names_rows_added_to_the_spark_history(ws):
    """Last: it adds ledger rows of an unpublished version to Spark's history, then removes them."""
    with connect(ws) as warehouse:
        columns = warehouse.table_columns("points_ledger", "published")
        stray = ", ".join("'2026-01'" if name == "period" else name for name in columns)
        warehouse.run(
            f"insert into published.points_ledger select {stray} "
            "from published.points_ledger where period = ? limit 1",
            [JULY],
        )
        try:
            problems = verify_chain(ws)
        finally:
            warehouse.run("delete from published.points_ledger where period = '2026-01'")
    assert problems == [
        "warehouse history: 2026-01 v1: missing publication record (points_ledger holds rows of it)"
    ]
    assert verify_chain(ws) == []
