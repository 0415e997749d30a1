"""The published tables as Delta Lake tables (docs/published-tables.md), on real closes.

Every Delta table holds exactly the warehouse's published rows and types; files are only ever
added; a kill -9 between two tables shows readers going by ``publications`` no partial version;
verify-chain covers the Delta copy and names a tampered table.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import close_subprocess, write_csv

from orchestration.audit.chain import verify_chain
from orchestration.defs.launch import run_close
from orchestration.lib.workspace import Workspace
from orchestration.publish import serving
from orchestration.warehouse import delta
from orchestration.warehouse.duckdb import connect
from schemas.published import LOGS, PUBLICATIONS_COLUMNS, VERSIONED

ADJUSTMENT_HEADER = ["adjustment_id", "rep_id", "period", "points", "reason", "approved_by"]
# The published types (schemas/published.py) as Delta names them.
DELTA_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "integer",
    "BIGINT": "long",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp_ntz",
}
# Each table's declared (name, type) columns and the order its rows are published in.
DECLARED = {
    "publications": (PUBLICATIONS_COLUMNS, "period, version"),
    **{
        table.name: (
            (("period", "VARCHAR"), ("version", "INTEGER"), *table.columns),
            table.order_by,
        )
        for table in VERSIONED
    },
    **{log.name: (log.columns, "seq") for log in LOGS},
}
NEVER_EMPTY = ("publications", "rep_period_points", "points_ledger", "approvals")
REWRITTEN = {"quarantine": "source, source_file, row_number", "provisional_rep_points": ""}


def sale(txn: str, rep: str, day: str, amount: str) -> list[str]:
    return [txn, "sale", f"O{txn}", rep, "C1", day, amount, "CNY"]


def landing(home: Path) -> Workspace:
    ws = Workspace.at(home).prepare().create_landing()
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
        [["C1", "Acme", "enterprise", "east", "2025-01-01"]],
    )
    write_csv(
        ws,
        "sales",
        "sales_2026-07.csv",
        [sale("X1", "R1", "2026-07-02", "1000.50"), sale("X2", "R2", "2026-07-03", "250")],
    )
    return ws


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.fixture(scope="module")
def closes(tmp_path_factory) -> tuple[Workspace, dict[str, bytes]]:
    """July, then August with a late July row and a bad row, then July restated: three
    publications. Also every file of ``published/`` as it was after the first."""
    os.environ.pop("JIFEN_CRASH_AT", None)
    ws = landing(tmp_path_factory.mktemp("delta") / "home")
    assert run_close(ws, "2026-07").success
    after_first = files_under(ws.published_dir)
    write_csv(
        ws,
        "sales",
        "sales_2026-08.csv",
        [
            sale("X3", "R1", "2026-08-02", "2000"),
            sale("X4", "R3", "2026-07-20", "300"),  # late for July
            sale("X5", "R2", "2026-08-05", "not money"),  # quarantined
        ],
    )
    assert run_close(ws, "2026-08", error_budget=1.0).success
    write_csv(
        ws,
        "adjustments",
        "adjustments_2026-07.csv",
        [["ADJ1", "R1", "2026-07", "-12.50", "duplicate credit", "Li Wei"]],
        header=ADJUSTMENT_HEADER,
    )
    assert run_close(ws, "2026-07", restate=True, reason="adjustment ADJ1").success
    return ws, after_first


def warehouse_rows(ws: Workspace, sql: str) -> pa.Table:
    with connect(ws, read_only=True) as warehouse:
        return warehouse.arrow(sql)


def sorted_by(table: pa.Table, order_by: str) -> pa.Table:
    keys = [name.strip() for name in order_by.split(",") if name.strip()]
    return table.sort_by([(key, "ascending") for key in keys]) if keys else table


def assert_delta_equals_warehouse(ws: Workspace) -> None:
    """Every Delta table: the warehouse's published rows, every column, with the same types."""
    for name, (columns, order_by) in DECLARED.items():
        path = ws.published_table(name)
        expected_types = [(column, DELTA_TYPES.get(kind, kind.lower())) for column, kind in columns]
        assert delta.column_types(path) == expected_types, name
        listed = ", ".join(column for column, _ in columns)
        expected = warehouse_rows(ws, f"select {listed} from published.{name} order by {order_by}")
        got = sorted_by(delta.read(path, columns=[c for c, _ in columns]), order_by)
        assert got.equals(expected), name
        assert got.num_rows or name not in NEVER_EMPTY, name
    for name, order_by in REWRITTEN.items():
        sql = serving.REWRITTEN[name]
        expected = warehouse_rows(ws, sql)
        got = delta.read(ws.published_table(name), columns=expected.column_names)
        assert sorted_by(got, order_by or "period, company_rank, rep_id").equals(expected), name


def test_every_delta_table_holds_the_published_rows_and_types(closes):
    ws, _ = closes
    with connect(ws, read_only=True) as warehouse:
        published = warehouse.rows(
            "select period, version from published.publications order by 1, 2"
        )
    assert published == [("2026-07", 1), ("2026-07", 2), ("2026-08", 1)]
    assert_delta_equals_warehouse(ws)
    assert not ws.legacy_snapshots.exists() and not ws.published_dir.is_symlink()


def test_time_travel_to_the_first_delta_version_shows_the_first_publication_only(closes):
    ws, _ = closes
    marker = ws.published_table("publications")
    assert delta.read(marker, version=0).num_rows == 0  # created empty, then marked
    first = delta.read(marker, version=1)
    assert first.select(["period", "version"]).to_pylist() == [{"period": "2026-07", "version": 1}]
    ledger = ws.published_table("points_ledger")
    then = delta.read(ledger, version=1)
    columns = ", ".join(then.column_names)
    expected = warehouse_rows(
        ws,
        f"select {columns} from published.points_ledger where period = '2026-07' "
        "and version = 1 order by line_id",
    )
    assert then.num_rows and sorted_by(then, "line_id").equals(expected)
    assert delta.partitions(ledger) == {("2026-07", 1), ("2026-07", 2), ("2026-08", 1)}


def test_files_are_appended_never_rewritten(closes):
    ws, after_first = closes
    now = files_under(ws.published_dir)
    assert any(name.endswith(".parquet") for name in after_first)
    for name, content in after_first.items():
        assert now.get(name) == content, name
    assert len(now) > len(after_first)


def test_polars_reads_a_published_delta_table(closes):
    ws, _ = closes
    frame = polars.read_delta(str(ws.published_table("rep_period_points")))
    (count,) = warehouse_rows(ws, "select count(*) as n from published.rep_period_points")["n"]
    assert frame.height == count.as_py() > 0
    assert frame.schema["total_points"] == polars.Decimal(18, 2)
    latest = frame.filter((polars.col("period") == "2026-07") & (polars.col("version") == 2))
    assert latest.height > 0


def test_verify_chain_passes_and_names_a_tampered_delta_table(closes, tmp_path):
    ws, _ = closes
    assert verify_chain(ws) == []
    # a data file rewritten with other points
    copy = Workspace.at(tmp_path / "rewritten")
    shutil.copytree(ws.home, copy.home, symlinks=True)
    ledger = copy.published_table("points_ledger")
    (name,) = (name for name, _ in delta.data_files(ledger) if "2026-08" in name)
    rows = pq.read_table(ledger / name)
    points = rows.schema.field("points")
    doubled = pc.cast(pc.add(rows.column("points"), rows.column("points")), points.type)
    pq.write_table(
        rows.set_column(rows.schema.get_field_index("points"), points, doubled), ledger / name
    )
    problems = verify_chain(copy)
    assert f"Delta copy (published/): points_ledger: data file {name} rewritten (" in problems[0]
    assert all("points_ledger" in problem for problem in problems), problems
    # a forged commit adding a line to a published version
    copy = Workspace.at(tmp_path / "forged")
    shutil.copytree(ws.home, copy.home, symlinks=True)
    ledger = copy.published_table("points_ledger")
    line = delta.read(ledger).filter(pc.equal(pc.field("period"), "2026-08")).slice(0, 1)
    delta.append(ledger, line.to_reader(), partition_by=("period", "version"))
    (problem,) = verify_chain(copy)
    assert problem.startswith(
        "Delta copy (published/): 2026-08 v1: rows altered in points_ledger (they hash to "
    )


def test_a_parquet_snapshot_workspace_is_migrated_to_delta_tables(closes, tmp_path):
    """A workspace written before Delta: ``published`` a symlink into ``.published/``."""
    ws, _ = closes
    copy = Workspace.at(tmp_path / "old")
    shutil.copytree(ws.home, copy.home, symlinks=True)
    shutil.rmtree(copy.published_dir)
    snapshot = copy.legacy_snapshots / "20260801T000000-0000abcd"
    snapshot.mkdir(parents=True)
    (snapshot / "publications.parquet").write_bytes(b"PAR1")
    copy.published_dir.symlink_to(os.path.relpath(snapshot, copy.home))
    with connect(copy) as warehouse:
        assert serving.refresh(copy, warehouse)
    assert copy.published_dir.is_dir() and not copy.published_dir.is_symlink()
    assert not copy.legacy_snapshots.exists()
    assert_delta_equals_warehouse(copy)
    assert verify_chain(copy) == []
    # a table removed by hand is written again whole, the others gain nothing
    shutil.rmtree(copy.published_table("points_ledger"))
    commits = delta.table_version(copy.published_table("rep_period_points"))
    with connect(copy) as warehouse:
        assert serving.refresh(copy, warehouse)
    assert_delta_equals_warehouse(copy)
    assert delta.table_version(copy.published_table("rep_period_points")) == commits


def marked_rows(ws: Workspace, name: str) -> set[tuple]:
    """What a reader going by ``publications`` reads of a versioned table."""
    marked = {
        (row["period"], row["version"])
        for row in delta.read(ws.published_table("publications")).to_pylist()
    }
    rows = delta.read(ws.published_table(name)).to_pylist()
    return {tuple(row.values()) for row in rows if (row["period"], row["version"]) in marked}


def test_kill_minus_9_between_delta_tables_shows_readers_no_partial_publication(tmp_path):
    os.environ.pop("JIFEN_CRASH_AT", None)
    ws = landing(tmp_path / "home")
    assert run_close(ws, "2026-07").success
    before = {table.name: marked_rows(ws, table.name) for table in VERSIONED}
    write_csv(ws, "sales", "sales_2026-08.csv", [sale("X3", "R1", "2026-08-02", "2000")])

    crashed = close_subprocess(ws, "2026-08", crash_at="during_delta")
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    written = delta.partitions(ws.published_table(VERSIONED[0].name))
    assert ("2026-08", 1) in written  # the first table holds the new version's rows...
    assert {table.name: marked_rows(ws, table.name) for table in VERSIONED} == before  # unseen
    assert [p["period"] for p in delta.read(ws.published_table("publications")).to_pylist()] == [
        "2026-07"
    ]

    recovered = close_subprocess(ws, "2026-08")
    assert recovered.returncode == 0, recovered.stderr[-2000:]
    assert_delta_equals_warehouse(ws)  # every row once: nothing appended twice
    assert verify_chain(ws) == []
