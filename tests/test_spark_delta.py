"""Publishing Delta tables on Spark: the executors write each version's Parquet files into the
table's partition folder and delta-rs commits exactly those files (issue 12, item 4).

The same published rows, in a Spark and a DuckDB warehouse, give Delta tables that read back
equal (rows and types, through delta-rs and polars); the versioned tables' rows never pass
through the driver; Spark's own files are what the log holds; time travel still works.
"""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.lib.workspace import Workspace
from orchestration.publish import serving
from orchestration.warehouse import delta
from orchestration.warehouse.connection import WarehouseError
from orchestration.warehouse.duckdb import _ddl, connect
from schemas.published import LOGS, PUBLICATIONS_COLUMNS, VERSIONED, PublishedTable

FIRST = [("2026-07", 1), ("2026-08", 1)]
RESTATED = ("2026-07", 2)  # published later, with rows in one table only
RESTATED_TABLE = "rep_period_points"
ORPHAN = "part-00000-killed-before-its-commit.snappy.parquet"
# Tables holding every published column type between them: each Spark write costs a job (about
# a second here), so the Delta copy is written of these only (``serving.VERSIONED`` narrowed).
TABLES = tuple(
    t for t in VERSIONED if t.name in (RESTATED_TABLE, "redemption_register", "loyalty_kpis")
)
QUARANTINE = (
    "create table if not exists quarantine (source VARCHAR, source_file VARCHAR, "
    "row_number BIGINT, reason VARCHAR, raw VARCHAR, detail VARCHAR)"
)
ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "DECIMAL(18,2)": pa.decimal128(18, 2),
    "DECIMAL(18,4)": pa.decimal128(18, 4),
}


def value(kind: str, name: str, row: int):
    """A value of the column's type that differs by row; the last row holds NULLs only."""
    return {
        "VARCHAR": f"{name} {row} 陈静 'quoted'",
        "INTEGER": row,
        "BIGINT": 10_000_000_000 + row,
        "BOOLEAN": row % 2 == 0,
        "DATE": date(2026, 7, 1 + row),
        "TIMESTAMP": datetime(2026, 7, 1, 12, row, 30, 123456),
        "DECIMAL(18,2)": Decimal(f"-{row}12345.67"),
        "DECIMAL(18,4)": Decimal(f"0.{row}234"),
    }[kind]


def version_rows(
    columns: tuple[tuple[str, str], ...], period: str, version: int, count: int = 3
) -> pa.Table:
    data = {"period": [period] * count, "version": [version] * count}
    types = {"period": pa.string(), "version": pa.int32()}
    for name, kind in columns:
        if name in data:
            continue
        data[name] = [value(kind, name, row) for row in range(count - 1)] + [None]
        types[name] = ARROW_TYPES[kind]
    return pa.table({name: pa.array(data[name], types[name]) for name in data})


def publication(period: str, version: int, seq: int) -> pa.Table:
    first = version_rows(PUBLICATIONS_COLUMNS, period, version).slice(0, 1)
    return first.set_column(len(PUBLICATIONS_COLUMNS) - 3, "seq", pa.array([seq], pa.int32()))


def publish(warehouse, versions: list[tuple[str, int]], tables: tuple[PublishedTable, ...]):
    """The warehouse's published rows of ``versions`` in ``tables``, and their publications."""
    seq = warehouse.value("select count(*) from published.publications")
    for table in tables:
        rows = pa.concat_tables(version_rows(table.columns, *pair) for pair in versions)
        with warehouse.registered("incoming", rows):
            warehouse.run(f"insert into published.{table.name} select * from incoming")
    marks = [publication(*pair, seq + at) for at, pair in enumerate(versions, start=1)]
    with warehouse.registered("incoming", pa.concat_tables(marks)):
        warehouse.run("insert into published.publications select * from incoming")


def needed_tables() -> list[str]:
    """The tables the Delta copy is written from (creating every table costs Spark a minute)."""
    names = ("publications", "provisional_rep_points", *(t.name for t in (*LOGS, *TABLES)))
    wanted = re.compile(rf"create table if not exists (published\.)?({'|'.join(names)}) ")
    return [QUARANTINE, *(statement for statement in _ddl() if wanted.search(statement))]


def write_delta(ws: Workspace, warehouse) -> None:
    serving._write_delta(ws, warehouse, serving._hashes(warehouse))


def publish_twice(ws: Workspace, warehouse) -> None:
    """Two versions in a first Delta copy, then a restatement with rows in one table only
    (on Spark after a killed write of it left its staging folder and a moved file behind)."""
    publish(warehouse, FIRST, TABLES)
    write_delta(ws, warehouse)
    publish(warehouse, [RESTATED], tuple(t for t in TABLES if t.name == RESTATED_TABLE))
    if warehouse.engine == "spark":
        killed_write_leftovers(ws)
    write_delta(ws, warehouse)


def restated_folder(ws: Workspace) -> Path:
    return ws.published_table(RESTATED_TABLE) / f"period={RESTATED[0]}" / f"version={RESTATED[1]}"


def killed_write_leftovers(ws: Workspace) -> None:
    """What a kill -9 leaves in the partition folder: Spark's staging folder, and a part file
    moved into place but never committed (a copy of a committed file)."""
    folder = restated_folder(ws)
    (folder / ".spark-killed").mkdir(parents=True)
    (folder / ".spark-killed" / "_SUCCESS").write_bytes(b"")
    committed, _ = delta.data_files(ws.published_table(RESTATED_TABLE))[0]
    shutil.copyfile(ws.published_table(RESTATED_TABLE) / committed, folder / ORPHAN)


@pytest.fixture(scope="module")
def homes(spark, tmp_path_factory) -> tuple[Workspace, Workspace, list[str]]:
    """The same publications on Spark and on DuckDB, each with its Delta copy; also the SQL of
    every query whose rows the Spark warehouse collected to the driver."""
    from orchestration.warehouse.spark import Databases, SparkWarehouse

    root = tmp_path_factory.mktemp("spark-delta")
    spark_ws = Workspace.at(root / "spark").prepare()
    duckdb_ws = Workspace.at(root / "duckdb").prepare()
    collected: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(serving, "VERSIONED", TABLES)
        with SparkWarehouse(
            spark, Databases(f"d{uuid.uuid4().hex[:8]}_"), root / "db"
        ) as warehouse:
            for statement in needed_tables():
                warehouse.run(statement)
            for method in ("arrow", "batches"):
                patch.setattr(warehouse, method, recorded(getattr(warehouse, method), collected))
            publish_twice(spark_ws, warehouse)
        with connect(duckdb_ws) as warehouse:
            warehouse.run(QUARANTINE)
            publish_twice(duckdb_ws, warehouse)
    return spark_ws, duckdb_ws, collected


def recorded(method, calls: list[str]):
    def call(sql, *args, **kwargs):
        calls.append(sql)
        return method(sql, *args, **kwargs)

    return call


def sorted_rows(table: pa.Table, published: PublishedTable) -> pa.Table:
    keys = [(name, "ascending") for name in published.column_names]
    return table.sort_by(keys).select(list(published.column_names))


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_spark_written_delta_table_reads_back_as_the_duckdb_written_one(homes, table):
    spark_ws, duckdb_ws, _ = homes
    spark_path, duckdb_path = (ws.published_table(table.name) for ws in (spark_ws, duckdb_ws))
    assert delta.column_types(spark_path) == delta.column_types(duckdb_path)
    got, expected = (sorted_rows(delta.read(path), table) for path in (spark_path, duckdb_path))
    assert got.num_rows == expected.num_rows > 0
    assert got.schema == expected.schema
    assert got.equals(expected)
    keys = list(table.column_names)
    frames = [
        polars.read_delta(str(path)).sort(keys).select(keys) for path in (spark_path, duckdb_path)
    ]
    assert frames[0].schema == frames[1].schema
    assert frames[0].equals(frames[1])


def test_money_and_partition_types_are_the_published_ones(homes):
    spark_ws, _, _ = homes
    path = spark_ws.published_table(RESTATED_TABLE)
    types = dict(delta.column_types(path))
    assert (types["version"], types["total_points"], types["period"]) == (
        "integer",
        "decimal(18,2)",
        "string",
    )
    frame = polars.read_delta(str(path))
    assert frame.schema["total_points"] == polars.Decimal(18, 2)
    assert frame.schema["version"] == polars.Int32


def test_the_log_holds_the_part_files_spark_wrote_in_partition_folders(homes):
    spark_ws, _, _ = homes
    for table in TABLES:
        path = spark_ws.published_table(table.name)
        files = delta.data_files(path)
        assert files, table.name
        for relative, size in files:
            folder, name = relative.rsplit("/", 1)
            assert re.fullmatch(r"period=2026-0[78]/version=[12]", folder), relative
            assert name.startswith("part-") and name.endswith(".parquet"), relative
            assert (path / relative).stat().st_size == size  # what verify-chain checks
            footer = pq.read_metadata(path / relative).metadata
            assert b"org.apache.spark.version" in footer, relative  # written by Spark
            written = pq.read_schema(path / relative).names
            assert "period" not in written and "version" not in written  # in the path only
        leftovers = [
            p.name for p in path.rglob("*") if p.name.startswith((".spark-", "_SUCCESS", "."))
        ]
        assert leftovers == [], (table.name, leftovers)


def test_no_versioned_table_rows_are_collected_to_the_driver(homes):
    _, _, collected = homes
    assert collected  # the small tables (publications, logs) still pass through the driver
    for table in TABLES:
        reads = [
            sql
            for sql in collected
            if re.search(rf"published\.{table.name}\b", sql) and "limit 0" not in sql
        ]
        assert reads == [], table.name


def test_one_commit_per_version_with_its_metadata_and_time_travel(homes):
    spark_ws, _, _ = homes
    path = spark_ws.published_table(RESTATED_TABLE)
    assert delta.table_version(path) == 3  # created empty, then one commit per version
    assert delta.last_commit(path)["jifen.period"] == "2026-07"
    assert delta.last_commit(path)["jifen.version"] == "2"
    before = delta.read(path, version=2)
    assert set(zip(before["period"].to_pylist(), before["version"].to_pylist(), strict=True)) == {
        ("2026-07", 1),
        ("2026-08", 1),
    }
    first = delta.read(path, version=1)
    assert set(first["period"].to_pylist()) == {"2026-07"} and first.num_rows == 3
    assert delta.partitions(path) == {*FIRST, RESTATED}


def test_a_version_without_rows_adds_no_commit_and_leaves_no_file(homes):
    spark_ws, _, _ = homes
    for table in TABLES:
        if table.name == RESTATED_TABLE:
            continue
        path = spark_ws.published_table(table.name)
        assert delta.table_version(path) == 2, table.name
        assert not (path / f"period={RESTATED[0]}" / f"version={RESTATED[1]}").exists()
        assert (path / f"period={RESTATED[0]}" / "version=1").is_dir()


def test_a_killed_writes_leftovers_are_cleaned_or_never_read(homes):
    spark_ws, _, _ = homes
    folder = restated_folder(spark_ws)
    assert not list(folder.glob(".spark-*"))  # staging folders go before the next write
    assert (folder / ORPHAN).is_file()  # never referenced: readers go by the log
    logged = {p for p, _ in delta.data_files(spark_ws.published_table(RESTATED_TABLE))}
    assert f"period=2026-07/version=2/{ORPHAN}" not in logged
    assert any(p.startswith("period=2026-07/version=2/part-") for p in logged)


def test_a_file_of_other_column_types_is_not_committed(tmp_path: Path):
    path = tmp_path / "table"
    schema = pa.schema([("period", pa.string()), ("points", pa.decimal128(18, 2))])
    delta.create(path, schema, partition_by=["period"])
    folder = path / "period=2026-07"
    folder.mkdir()
    pq.write_table(pa.table({"points": pa.array([1.5], pa.float64())}), folder / "part-0.parquet")
    with pytest.raises(ValueError, match="differ from the Delta table"):
        delta.commit_files(path, [folder / "part-0.parquet"], {"period": "2026-07"})
    assert delta.table_version(path) == 0
    pq.write_table(
        pa.table({"points": pa.array([Decimal("1.50")], pa.decimal128(18, 2))}),
        folder / "part-1.parquet",
    )
    assert delta.commit_files(
        path, [folder / "part-1.parquet"], {"period": "2026-07"}, metadata={"jifen.period": "x"}
    )
    assert delta.read(path).to_pylist() == [{"period": "2026-07", "points": Decimal("1.50")}]
    assert delta.last_commit(path)["jifen.period"] == "x"


def test_a_statement_spark_refuses_is_a_warehouse_error_that_names_it(spark):
    """Callers catch ``WarehouseError`` on either engine (verify-chain's findings, say)."""
    from orchestration.warehouse.spark import Databases, SparkWarehouse

    refused = pytest.raises(WarehouseError)
    with SparkWarehouse(spark, Databases("refused_")) as warehouse, refused as raised:
        warehouse.rows("select amount from no_such_table where rep_id = ?", ["R1"])
    message = str(raised.value)
    assert "no_such_table" in message.splitlines()[0]
    assert message.endswith("statement: select amount from no_such_table where rep_id = ?")


def test_a_large_result_streams_through_files_in_order_with_the_collected_types(spark, monkeypatch):
    """``batches`` of a result Spark estimates as large: the executors' Parquet files read a
    batch at a time (a 10 M-row ledger overflowed the driver as one Arrow table), the same rows
    in the same order and types as the collected result, and no scratch file left."""
    from orchestration.warehouse import spark as spark_warehouse
    from orchestration.warehouse.spark import Databases, SparkWarehouse

    sql = (
        "select id, cast(id as string) as line_id, cast(id / 100 as decimal(18, 2)) as points, "
        "date_add(date '2026-07-01', cast(id % 31 as int)) as day, "
        "timestamp_ntz '2026-07-01 08:00:00' as at, if(id % 7 = 0, null, 'x') as note "
        "from range(0, 5000, 1, 4) order by id desc"
    )
    with SparkWarehouse(spark, Databases("streamed_")) as warehouse:
        collected = warehouse.batches(sql, size=1000).read_all()
        monkeypatch.setattr(spark_warehouse, "COLLECTED_BYTES", -1)  # everything is large
        streamed = warehouse.batches(sql, size=1000)
        batches = list(streamed)
        scratch = warehouse._scratch()
    assert len(batches) > 1 and max(batch.num_rows for batch in batches) <= 1000
    assert pa.Table.from_batches(batches, streamed.schema).equals(collected)
    assert collected.column("id").to_pylist() == list(range(4999, -1, -1))
    assert not list(scratch.glob("rows-*"))
