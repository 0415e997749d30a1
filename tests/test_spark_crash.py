"""A kill -9 during a Spark publication: no partial version reaches readers, the next close
finishes (issue 12). Spark's tables have no transactions, so the rows a killed close appended
stay in the warehouse until the next publication removes them (docs/decisions.md, "The close on
Spark"). Both closes run as ``jifen close`` in processes of their own, each with its own JVM and
the workspace's own metastore, as a user runs them."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import close_subprocess

from orchestration.generate import generate
from orchestration.lib.engine import workspace_engine
from orchestration.lib.workspace import Workspace
from orchestration.warehouse import delta

JULY = "2026-07"


@pytest.fixture
def spark_workspace(tmp_path, monkeypatch) -> Workspace:
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: `make java` (or apt-get install openjdk-17-jre-headless)")
    pytest.importorskip("pyspark")
    monkeypatch.setenv("JIFEN_SPARK_MASTER", "local[2]")
    ws = Workspace.at(tmp_path / "home").prepare().create_landing()
    generate(ws.home, seed=3, months=[JULY], reps=5, sales_per_rep_month=5, dirty_rate=0)
    assert workspace_engine(ws, "spark") == "spark"
    return ws


def appended_files(ws: Workspace, table: str) -> list:
    """The Parquet files of a published table in the Spark warehouse (written, committed or not)."""
    return sorted((ws.state / "spark-warehouse" / "published.db" / table).glob("*.parquet"))


def test_a_kill_during_a_spark_publication_is_invisible_and_the_next_close_finishes(
    spark_workspace,
):
    ws = spark_workspace
    killed = close_subprocess(ws, JULY, crash_at="between_tables", timeout=1800)
    assert killed.returncode == -9, killed.stderr[-2000:]
    # the first tables of the version were appended: the kill left a partial publication ...
    assert appended_files(ws, "rep_period_points")
    # ... which no reader sees: no readers' database, no Delta table, no publications record
    assert not ws.published_db.exists()
    assert not delta.exists(ws.published_table("publications"))

    finished = close_subprocess(ws, JULY, timeout=1800)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        assert con.execute("select period, version from publications").fetchall() == [(JULY, 1)]
        lines, distinct = con.execute(
            "select count(*), count(distinct line_id) from points_ledger"
        ).fetchone()
    assert lines == distinct > 0  # the killed close's rows were removed, not published twice
    ledger = delta.read(ws.published_table("points_ledger"))
    assert ledger.num_rows == lines
