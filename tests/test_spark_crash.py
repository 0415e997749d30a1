"""A kill -9 during a Spark publication: no partial version reaches readers, the next close
finishes (issue 12). Spark's tables have no transactions, so the rows a killed close appended
stay in the warehouse until the next publication removes them (docs/decisions.md, "The close on
Spark"). Both closes run as ``jifen close`` in processes of their own, each with its own JVM and
the workspace's own metastore, as a user runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def test_a_table_folder_a_killed_process_left_blocks_no_later_close(spark, tmp_path, monkeypatch):
    """Found by the 1 M benchmark: a close killed while dbt created ``redemption_register`` left
    the table's folder without a metastore entry, and the next close stopped in dbt with
    LOCATION_ALREADY_EXISTS. The writer's first connection removes such folders, and only them."""
    from orchestration.warehouse.connection import DATABASE_PREFIX_ENV, WarehouseError
    from orchestration.warehouse.open import connect

    monkeypatch.setenv(DATABASE_PREFIX_ENV, "orphans_")
    ws = Workspace.at(tmp_path / "home").prepare()
    workspace_engine(ws, "spark")
    with connect(ws, read_only=True) as warehouse:
        warehouse.run("create database if not exists orphans_main")
        warehouse.run("create table kept using parquet as select 1 as n")
        where = spark.catalog.getDatabase("orphans_main").locationUri.removeprefix("file:")
        orphan = Path(where) / "redemption_register"
        orphan.mkdir(parents=True)
        (orphan / "part-00000.snappy.parquet").write_bytes(b"a killed write's bytes")
        with pytest.raises(WarehouseError, match="LOCATION_ALREADY_EXISTS"):
            warehouse.run("create table redemption_register using parquet as select 1 as n")
        left_rows = warehouse._scratch() / "rows-0123abcd"  # a killed reader's result files
        left_rows.mkdir(parents=True)
        (left_rows / "part-00000.parquet").write_bytes(b"a killed read's bytes")

    with ws.writer_lock(), connect(ws) as warehouse:
        assert not orphan.exists()
        assert not left_rows.exists()
        warehouse.run("create table redemption_register using parquet as select 2 as n")
        assert warehouse.rows("select n from redemption_register") == [(2,)]
        assert warehouse.rows("select n from kept") == [(1,)]  # a table's folder stays
