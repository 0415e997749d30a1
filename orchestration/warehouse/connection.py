"""The one door between jifen's Python and a DuckDB database: every statement goes through here.

Engines never hold a DuckDB connection; they hold a ``Warehouse`` and ask it for rows, a value,
Arrow batches, or to run a statement. The Spark engine implements the same methods a second time.
Business SQL stays in dbt; what passes here is bookkeeping: lineage, verdicts, versions, marks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa


class StatementError(Exception):
    """A statement Spark refused or could not run: Spark's message, then the statement."""


# what a failed statement raises, whatever the engine: `except WarehouseError` catches either
WarehouseError = (duckdb.Error, StatementError)
Params = Sequence[Any] | None
# Per workspace on Spark: the databases `<prefix>main` and `<prefix>published` (profiles.yml, the
# sources' YAML); one metastore holds every workspace of a process (the tests'). Here, not in
# spark.py, so that DuckDB-only code can name it without pyspark installed.
DATABASE_PREFIX_ENV = "JIFEN_DATABASE_PREFIX"


class Warehouse:
    """A DuckDB connection behind the methods jifen uses."""

    engine = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    # statements and results
    def run(self, sql: str, params: Params = None) -> None:
        """A statement whose result nobody reads (DDL, insert, delete, attach)."""
        self._con.execute(sql, params or [])
        self._con.complete()  # run to its end: DuckDB 2 lets nothing else in while a result waits

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for each of ``rows`` (an insert of many rows)."""
        self._con.executemany(sql, rows)

    def rows(self, sql: str, params: Params = None) -> list[tuple]:
        return self._con.execute(sql, params or []).fetchall()

    def row(self, sql: str, params: Params = None) -> tuple | None:
        """The first row (None when there is none); any rows after it are not read."""
        found = self._con.execute(sql, params or []).fetchone()
        self._con.complete()  # an unread rest would block the next arrow() or batches()
        return found

    def value(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        found = self.row(sql, params)
        return None if found is None else found[0]

    def dicts(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        cursor = self._con.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def columns(self, sql: str, params: Params = None) -> list[str]:
        """The column names a query returns (it is run with ``limit 0``)."""
        cursor = self._con.execute(f"select * from ({sql}) limit 0", params or [])
        return [column[0] for column in cursor.description]

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        """Rows as Arrow: decimals stay decimals (pandas would make them floats)."""
        return self._con.sql(sql, params=params or None).to_arrow_table()

    def batches(self, sql: str, params: Params = None, size: int = 200_000):
        """Rows as a stream of Arrow record batches of at most ``size`` rows."""
        return self._con.sql(sql, params=params or None).to_arrow_reader(size)

    def write_parquet(self, sql: str, params: Params, folder: Path) -> list[Path]:
        """The rows of ``sql``, in its order, as one new Parquet file in ``folder`` (DuckDB
        streams them within its memory limit: no Python object holds them); its path in a list,
        as Spark's executors return theirs. An empty result writes a file without rows."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"part-{uuid.uuid4().hex}.parquet"
        self.run(f"copy ({sql}) to '{target}' (format parquet)", params)
        return [target]

    @contextmanager
    def registered(self, name: str, data: Any) -> Iterator[None]:
        """An Arrow table (or pandas frame) queryable as ``name`` for the block's duration."""
        self._con.register(name, data)
        try:
            yield
        finally:
            self._con.unregister(name)

    # what another engine says differently (orchestration/warehouse/spark.py)
    def replace_table(self, name: str, select_sql: str, params: Params = None, *, temp=False):
        kind = "temp table" if temp else "table"
        self.run(f"create or replace {kind} {name} as {select_sql}", params)

    def remove_rows(self, table: str, ids_table: str) -> None:
        """Delete from ``table`` the rows whose ``raw_id`` is in ``ids_table``."""
        self.run(f"delete from {table} where raw_id in (select raw_id from {ids_table})")

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        """SQL of a JSON object's text from (quoted key, value SQL) pairs."""
        return "cast(json_object(" + ", ".join(f"{k}, {v}" for k, v in pairs) + ") as varchar)"

    # catalogue
    def table_exists(self, name: str, schema: str = "main", catalog: str | None = None) -> bool:
        sql = "select count(*) from information_schema.tables where table_schema = ? "
        sql += "and table_name = ?" + (" and table_catalog = ?" if catalog else "")
        params = [schema, name, catalog] if catalog else [schema, name]
        return bool(self.value(sql, params))

    def table_columns(self, table: str, schema: str = "main") -> list[str]:
        return [
            name
            for (name,) in self.rows(
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? order by ordinal_position",
                [schema, table],
            )
        ]

    # files
    def attach(
        self,
        path: Path,
        alias: str,
        *,
        read_only: bool = False,
        storage_version: str | None = None,
    ) -> None:
        options = ["read_only"] if read_only else []
        if storage_version:
            options.append(f"storage_version '{storage_version}'")
        suffix = f" ({', '.join(options)})" if options else ""
        self.run(f"attach '{path}' as {alias}{suffix}")

    def detach(self, alias: str) -> None:
        self.run(f"detach {alias}")

    def storage_version(self, alias: str) -> str | None:
        """The storage format an attached database is written in (e.g. ``v1.0.0+``)."""
        tags = self.value("select tags from duckdb_databases() where database_name = ?", [alias])
        return (tags or {}).get("storage_version")

    def to_parquet(self, sql: str, path: Path) -> None:
        self.run(f"copy ({sql}) to '{path}' (format parquet)")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.run("begin transaction")
        try:
            yield
        except BaseException:
            self.run("rollback")
            raise
        self.run("commit")

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def open_database(path: Path | None = None, *, read_only: bool = False) -> Warehouse:
    """A database file (or an in-memory one when ``path`` is None), not the workspace's own."""
    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute("set enable_progress_bar = false")
    return Warehouse(con)


def is_lock_error(error: Exception) -> bool:
    """Another process holds the file (DuckDB allows one writer, and no reader beside it), or
    the workspace's embedded Derby metastore (Spark: one JVM at a time)."""
    if isinstance(error, StatementError):
        return "XSDB6" in str(error) or "Another instance of Derby" in str(error)
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()
