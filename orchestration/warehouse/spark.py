"""The Spark engine's door: ``SparkWarehouse`` has the methods of ``connection.Warehouse``.

The bookkeeping SQL of ingest and validation runs here unchanged except for what this module
translates (``spark_sql``): a ``varchar`` without a length (refused by Spark 4) is ``string``, and
the database names ``main`` and ``published`` are the workspace's own (``Databases``): one
metastore serves every workspace of a JVM. What Spark does differently is behind methods both
warehouses have: ``replace_table`` (Spark's Parquet tables cannot be replaced in one statement),
``remove_rows`` and ``json_object``. Spark's Parquet tables refuse DELETE and UPDATE: rows are
removed only from temporary tables, which here are checkpointed views.

Each ``SparkWarehouse`` works in its own ``SparkSession.newSession()``: its current database and
temporary views are its own, the SparkContext and the metastore shared.
"""

from __future__ import annotations

import functools
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException

from orchestration.warehouse.connection import StatementError

Params = Sequence[Any] | None
PandasMap = Callable[[Iterator[Any]], Iterator[Any]]  # pandas frames in, pandas frames out


_BARE_VARCHAR = re.compile(r"\bvarchar\b(?!\s*\()", re.IGNORECASE)
# DuckDB's names for what Spark calls otherwise (same meaning: a partial regex match, an
# integer wider than BIGINT, as DuckDB's sums of BIGINT are)
_SPARK_WORDS = {"regexp_matches": "regexp", "hugeint": "decimal(38, 0)"}
_DUCKDB_WORDS = re.compile(r"\b(regexp_matches|hugeint)\b", re.IGNORECASE)
_QUOTED_NAME = re.compile(r'"(\w+)"')
_DELETE = re.compile(r"\s*delete\s+from\s+([\w.]+)(?:\s+where\s+(.*))?\s*$", re.I | re.S)


@dataclass(frozen=True)
class Databases:
    """The workspace's two databases: ``main`` and ``published`` behind an optional prefix."""

    prefix: str = ""

    @property
    def main(self) -> str:
        return f"{self.prefix}main"

    @property
    def published(self) -> str:
        return f"{self.prefix}published"

    def named(self, schema: str) -> str:
        return {"main": self.main, "published": self.published}.get(schema, schema)


def spark_sql(sql: str, databases: Databases) -> str:
    """DuckDB bookkeeping SQL as Spark runs it: ``string`` for a bare ``varchar``, Spark's
    names of two functions and types, backquotes for double-quoted names, the workspace's
    database for ``published.`` and ``main.`` (never inside a quoted text)."""
    parts = re.split(r"('(?:[^']|'')*')", sql)  # odd parts are string literals
    for at in range(0, len(parts), 2):
        text = _BARE_VARCHAR.sub("string", parts[at])
        text = _DUCKDB_WORDS.sub(lambda match: _SPARK_WORDS[match.group(0).lower()], text)
        text = _QUOTED_NAME.sub(r"`\1`", text)  # "name" is DuckDB's quoted identifier
        if databases.prefix:
            text = re.sub(r"(?<![\w.])(main|published)\.(?=\w)", _prefixed(databases), text)
        parts[at] = text
    return "".join(parts)


def _prefixed(databases: Databases) -> Callable[[re.Match], str]:
    return lambda match: databases.named(match.group(1)) + "."


# Results Spark estimates above this are streamed through Parquet files, not collected: the
# estimate counts compressed Parquet bytes, so it is kept far below spark.driver.maxResultSize.
COLLECTED_BYTES = 64 * 1024 * 1024


def _read_then_remove(files: list[Path], folder: Path, size: int) -> Iterator[pa.RecordBatch]:
    """The files' rows, a batch at a time, in the files' order; the folder goes afterwards (also
    when the reader is dropped half-way)."""
    try:
        for file in files:
            yield from pq.ParquetFile(file).iter_batches(batch_size=size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _reported(method):
    """Spark's errors raised as the warehouse's own ``StatementError`` (Spark's message, then
    the statement), so callers that catch ``WarehouseError`` handle both engines alike."""

    @functools.wraps(method)
    def reporting(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (PySparkException, Py4JJavaError) as error:
            statement = f"\nstatement: {args[0]}" if args and isinstance(args[0], str) else ""
            raise StatementError(_spark_message(error) + statement) from error

    return reporting


def _spark_message(error: Exception) -> str:
    """Spark's message, then the Java error's chain of causes one line each (the root cause
    names e.g. Derby's lock), without the stack traces py4j prints."""
    java = getattr(error, "java_exception", None) or getattr(error, "_origin", None)
    lines = [] if isinstance(error, Py4JJavaError) else [str(error).strip()]
    cause = java.getCause() if java is not None and lines else java
    while cause is not None and len(lines) < 20:
        lines.append(str(cause.toString()))
        cause = cause.getCause()
    return "\n".join(lines)


_DATABASES_MADE: set[tuple] = set()


class SparkWarehouse:
    """A Spark session behind the methods jifen uses (``connection.Warehouse``'s)."""

    engine = "spark"

    @_reported
    def __init__(self, spark, databases: Databases = Databases(), location: Path | None = None):
        self._spark = spark.newSession()
        self.databases = databases
        self._temporary: set[str] = set()  # the temporary views made here (the catalog is slow)
        for name in (databases.main, databases.published):
            where = f" location '{Path(location) / (name + '.db')}'" if location else ""
            made = (spark.sparkContext.applicationId, name, where)
            if made not in _DATABASES_MADE:  # a metastore round trip each: once per process
                self._spark.sql(f"create database if not exists {name}{where}")
                _DATABASES_MADE.add(made)
        self._spark.catalog.setCurrentDatabase(databases.main)

    # statements and results
    def _sql(self, sql: str, params: Params = None):
        translated = spark_sql(sql, self.databases)
        return (
            self._spark.sql(translated, args=list(params))
            if params
            else self._spark.sql(translated)
        )

    @_reported
    def run(self, sql: str, params: Params = None) -> None:
        deleting = _DELETE.match(sql)
        if deleting:
            self._delete(deleting.group(1), deleting.group(2), params)
            return
        self._sql(sql, params).collect()

    def _delete(self, table: str, condition: str | None, params: Params) -> None:
        """``delete from table [where condition]``, which Spark's Parquet tables refuse: the
        rows kept are checkpointed on the executors (no longer read from the table's files),
        then written over the table."""
        keep = f" where not coalesce(({condition}), false)" if condition else " where false"
        kept = self._sql(f"select * from {table}{keep}", params).localCheckpoint(eager=True)
        if table in self._temporary:
            self._view(kept, table)
            return
        kept.write.insertInto(spark_sql(table, self.databases), overwrite=True)

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for values in rows:
            self.run(sql, values)

    @_reported
    def rows(self, sql: str, params: Params = None) -> list[tuple]:
        return [tuple(row) for row in self._sql(sql, params).collect()]

    @_reported
    def row(self, sql: str, params: Params = None) -> tuple | None:
        found = self._sql(sql, params).take(1)
        return tuple(found[0]) if found else None

    def value(self, sql: str, params: Params = None) -> Any:
        found = self.row(sql, params)
        return None if found is None else found[0]

    @_reported
    def dicts(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        return [row.asDict() for row in self._sql(sql, params).collect()]

    @_reported
    def columns(self, sql: str, params: Params = None) -> list[str]:
        return self._sql(sql, params).columns

    @_reported
    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        """Rows as Arrow, collected to the driver: for small results only."""
        return self._sql(sql, params).toArrow()

    @_reported
    def batches(self, sql: str, params: Params = None, size: int = 200_000):
        """Arrow record batches of at most ``size`` rows, in the query's order. A result Spark
        may estimate as large is not collected (a 10 M-row ledger is 4.5 GiB of Arrow, over
        ``spark.driver.maxResultSize``): the executors write it as Parquet files into a local
        scratch folder, which the driver reads a batch at a time and then removes."""
        frame = self._sql(sql, params)
        if self._estimated_bytes(frame) <= COLLECTED_BYTES or not self._scratch():
            table = frame.toArrow()
            return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(size))
        folder = self._scratch() / f"rows-{uuid.uuid4().hex}"
        files = self._written(frame, folder)
        schema = pq.read_schema(files[0])
        return pa.RecordBatchReader.from_batches(schema, _read_then_remove(files, folder, size))

    def _estimated_bytes(self, frame) -> int:
        """Spark's own estimate of the result's size (no job runs): an upper bound, or
        ``spark.sql.defaultSizeInBytes`` (huge) when it cannot tell."""
        return int(frame._jdf.queryExecution().optimizedPlan().stats().sizeInBytes())

    def _scratch(self) -> Path | None:
        """A folder the executors and the driver both reach: under the Spark warehouse when it
        is a local path (local and local-cluster modes), else none (results are collected)."""
        where = urlsplit(self._spark.conf.get("spark.sql.warehouse.dir"))
        if where.scheme not in ("", "file"):
            return None
        return Path(where.path).parent / "spark-scratch"

    @contextmanager
    def registered(self, name: str, data: Any) -> Iterator[None]:
        """An Arrow table (or pandas frame) queryable as ``name`` for the block's duration."""
        self._view(self._spark.createDataFrame(data), name)
        try:
            yield
        finally:
            self._spark.catalog.dropTempView(name)
            self._temporary.discard(name)

    # what DuckDB says in one statement and Spark in several
    @_reported
    def replace_table(self, name: str, select_sql: str, params: Params = None, *, temp=False):
        """``create or replace [temp] table name as select``. A temporary table is a view of
        the result checkpointed on the executors (no lineage to recompute, never collected)."""
        frame = self._sql(select_sql, params)
        if temp:
            self._view(frame.localCheckpoint(eager=True), name)
            return
        self._spark.sql(f"drop table if exists {name}")
        frame.write.format("parquet").saveAsTable(name)

    def remove_rows(self, table: str, ids_table: str) -> None:
        """Drop from a temporary table the rows whose ``raw_id`` is in ``ids_table``. Spark's
        Parquet tables refuse DELETE: only a temporary table (a view) can lose rows."""
        if table not in self._temporary:
            raise ValueError(f"{table}: Spark's Parquet tables refuse DELETE; not a temp table")
        kept = self._sql(f"select * from {table} t left anti join {ids_table} i using (raw_id)")
        self._view(kept.localCheckpoint(eager=True), table)

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        """SQL of a JSON object's text from (quoted key, value SQL) pairs, values non-null."""
        return "to_json(named_struct(" + ", ".join(f"{k}, {v}" for k, v in pairs) + "))"

    def map_in_pandas(
        self, name: str, select_sql: str, function: PandasMap, schema: str, partitions: int = 0
    ) -> None:
        """``function`` over the rows of ``select_sql`` on the executors (pandas frames in and
        out, ``schema`` a DDL string), checkpointed there as the temporary table ``name``.
        ``partitions``: the input cut in that many tasks (a file per task: the row count)."""
        frame = self._sql(select_sql)
        if partitions:  # a small input (file names): exactly ``partitions`` slices of it
            slices = self._spark.sparkContext.parallelize(frame.collect(), partitions)
            frame = self._spark.createDataFrame(slices, frame.schema)
        self._view(frame.mapInPandas(function, schema).localCheckpoint(eager=True), name)

    def _view(self, frame, name: str) -> None:
        frame.createOrReplaceTempView(name)
        self._temporary.add(name)

    # catalogue
    @_reported
    def remove_orphan_locations(self) -> list[Path]:
        """Remove the folders in the workspace's (local) database locations that no table owns,
        and say which. A process killed while creating a table leaves its folder without a
        metastore entry, and Spark then refuses every later ``create table`` of that name
        (LOCATION_ALREADY_EXISTS): the next close would stop in dbt or validation. Only the
        holder of the writer lock may call this: another writer's table may be half made.
        The scratch folder's result files (``batches``) go too: a process killed while it read
        them left them behind, and nothing else would ever remove them."""
        scratch = self._scratch()
        removed = sorted(scratch.iterdir()) if scratch and scratch.is_dir() else []
        for child in removed:
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        for name in (self.databases.main, self.databases.published):
            location = urlsplit(self._spark.catalog.getDatabase(name).locationUri)
            folder = Path(location.path)
            if location.scheme not in ("", "file") or not folder.is_dir():
                continue
            tables = {t.name.lower() for t in self._spark.catalog.listTables(name)}
            for child in sorted(folder.iterdir()):
                if child.is_dir() and child.name[0] not in "._" and child.name not in tables:
                    shutil.rmtree(child)
                    removed.append(child)
        return removed

    @_reported
    def table_exists(self, name: str, schema: str = "main", catalog: str | None = None) -> bool:
        if name in self._temporary and schema in ("main", "temp"):
            return True
        return self._spark.catalog.tableExists(f"{self.databases.named(schema)}.{name}")

    @_reported
    def table_columns(self, table: str, schema: str = "main") -> list[str]:
        found = self._spark.catalog.listColumns(f"{self.databases.named(schema)}.{table}")
        return [column.name for column in found]

    # files
    @_reported
    def to_parquet(self, sql: str, path: Path) -> None:
        """A Parquet folder (Spark writes one file per task), not a single file."""
        self._sql(sql).write.mode("overwrite").parquet(str(path))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Not atomic: Spark's Parquet tables have no transactions. Each statement commits on
        its own (a Parquet append's files appear at its job's commit); a failure leaves the
        statements before it done. Callers order their writes so a repeat finds what is done
        (ingest writes a file's rows before its ``ingested_files`` record)."""
        yield

    def close(self) -> None:
        """Temporary views go with this warehouse's session; the shared SparkContext stays."""
        for name in self._temporary:
            self._spark.catalog.dropTempView(name)
        self._temporary.clear()

    def __enter__(self) -> SparkWarehouse:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @_reported
    def write_parquet(self, sql: str, params: Params, folder: Path) -> list[Path]:
        """The rows of ``sql`` as Parquet files the executors write into ``folder`` (nothing is
        collected to the driver); the paths of the new files, an empty result's one empty file
        included. Spark writes into a staging folder of its own inside ``folder`` (with its
        ``_SUCCESS`` and ``.crc`` files); only its part files are moved out, under the unique
        names Spark gave them, and never over a file already there. A local folder only."""
        return self._written(self._sql(sql, params), folder)

    def _written(self, frame, folder: Path) -> list[Path]:
        for leftover in folder.glob(".spark-*"):  # a killed write's: never referenced anywhere
            shutil.rmtree(leftover)
        staging = folder / f".spark-{uuid.uuid4().hex}"
        frame.write.mode("errorifexists").parquet(str(staging))
        moved = []
        for part in sorted(staging.glob("part-*.parquet")):
            target = folder / part.name
            if target.exists():
                raise FileExistsError(f"{target}: Spark's file name is taken; nothing overwritten")
            part.rename(target)
            moved.append(target)
        shutil.rmtree(staging)
        return moved


def create_tables(warehouse: SparkWarehouse) -> None:
    """The bookkeeping and published tables, declared once (``duckdb._ddl``), as on DuckDB."""
    from orchestration.warehouse.duckdb import _ddl

    for statement in _ddl():
        if statement.strip().lower() != "create schema if not exists published":
            warehouse.run(statement)
