"""The one door between jifen and Delta Lake tables (delta-rs: no JVM, no Maven).

The published tables are Delta tables that Spark, Databricks, Trino, polars, pandas and DuckDB
users read. Data moves as Arrow record batches, never pandas, so decimals stay decimals. Each
write is one Delta commit that adds new files: nothing is rewritten in place (an overwrite marks
the old files removed in the log and they stay on disk for time travel). On Spark the executors
write a version's files into the table's folder and ``commit_files`` commits them. No other
module imports ``deltalake``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, Schema, write_deltalake
from deltalake.exceptions import DeltaError as _DeltaError
from deltalake.transaction import AddAction

DeltaError = (_DeltaError, OSError)  # what reading a damaged or missing table raises

# Every table keeps its whole log: time travel to any version stays possible (delta-rs would
# otherwise drop log entries older than 30 days at a checkpoint).
KEEP_LOG = {"delta.enableExpiredLogCleanup": "false"}
# Writers that honour the protocol (delta-rs, Spark) refuse to remove or rewrite rows.
APPEND_ONLY = {**KEEP_LOG, "delta.appendOnly": "true"}


def exists(path: Path) -> bool:
    return DeltaTable.is_deltatable(str(path))


def create(
    path: Path, schema: pa.Schema, *, partition_by: Iterable[str] = (), append_only: bool = True
) -> None:
    """An empty table, so that readers find every table even before it holds a row."""
    DeltaTable.create(
        str(path),
        schema,
        mode="ignore",
        partition_by=list(partition_by) or None,
        configuration=APPEND_ONLY if append_only else KEEP_LOG,
    )


def append(
    path: Path,
    batches: pa.RecordBatchReader,
    *,
    partition_by: Iterable[str] = (),
    metadata: Mapping[str, str] | None = None,
) -> bool:
    """Add the batches' rows in one commit; False (and no commit) when there are none."""
    return _write(path, batches, "append", partition_by, metadata)


def overwrite(
    path: Path, batches: pa.RecordBatchReader, *, metadata: Mapping[str, str] | None = None
) -> None:
    """Replace the table's rows in one commit (new files; the old stay for time travel)."""
    _write(path, batches, "overwrite", (), metadata, even_empty=True)


def _write(
    path: Path,
    batches: pa.RecordBatchReader,
    mode: str,
    partition_by: Iterable[str],
    metadata: Mapping[str, str] | None,
    *,
    even_empty: bool = False,
) -> bool:
    rows = (batch for batch in batches if batch.num_rows)
    first = next(rows, None)
    if first is None and not even_empty:
        return False
    stream = pa.RecordBatchReader.from_batches(
        batches.schema, itertools.chain([] if first is None else [first], rows)
    )
    write_deltalake(
        str(path),
        stream,
        mode=mode,
        partition_by=list(partition_by) or None,
        commit_properties=CommitProperties(custom_metadata=dict(metadata)) if metadata else None,
    )
    return True


def commit_files(
    path: Path,
    files: Iterable[Path],
    partition_values: Mapping[str, str],
    *,
    metadata: Mapping[str, str] | None = None,
) -> bool:
    """Add Parquet files written by another writer (Spark's executors) into the table's folder,
    in one commit, as ``append`` adds its own; False (and no commit) when none holds a row.

    The files keep their bytes (the log records their size, which verify-chain checks); the
    partition columns are in ``partition_values`` and the path, not in the files. A file
    without rows (Spark writes one for an empty result) is deleted, never committed. A file
    whose columns differ from the table's (name or Delta type) stops the commit: nothing would
    fail on it, but readers would get other types than the table declares.
    """
    table = DeltaTable(str(path))
    actions = []
    for file in files:
        rows = pq.read_metadata(file).num_rows
        if not rows:
            file.unlink()
            continue
        _check_columns(table, file, partition_values)
        actions.append(_added(path, file, partition_values, rows))
    if not actions:
        return False
    table.create_write_transaction(
        actions,
        mode="append",
        schema=table.schema(),  # the table's own, as delta-rs created it
        partition_by=table.metadata().partition_columns,
        commit_properties=CommitProperties(custom_metadata=dict(metadata)) if metadata else None,
    )
    return True


def _check_columns(table: DeltaTable, file: Path, partition_values: Mapping[str, str]) -> None:
    declared = [
        (field.name, str(field.type))
        for field in table.schema().fields
        if field.name not in partition_values
    ]
    written = [(field.name, str(field.type)) for field in _file_schema(file).fields]
    if written != declared:
        raise ValueError(f"{file}: columns {written} differ from the Delta table's {declared}")


def _file_schema(file: Path) -> Schema:
    """The file's columns as Delta types (Spark's metadata, which delta-rs does not know, off)."""
    return Schema.from_arrow(pq.read_schema(file).remove_metadata())


def _added(path: Path, file: Path, partition_values: Mapping[str, str], rows: int) -> AddAction:
    stat = file.stat()
    return AddAction(
        path=file.relative_to(path).as_posix(),
        size=stat.st_size,
        partition_values=dict(partition_values),
        modification_time=int(stat.st_mtime * 1000),
        data_change=True,
        stats=json.dumps({"numRecords": rows}),
    )


def partitions(path: Path, columns: tuple[str, ...] = ("period", "version")) -> set[tuple]:
    """The partition values the table holds rows of, read from the Delta log alone."""
    actions = pa.table(DeltaTable(str(path)).get_add_actions(flatten=True))
    values = [actions.column(f"partition.{name}").to_pylist() for name in columns]
    return set(zip(*values, strict=True))


def last_commit(path: Path) -> dict:
    """The newest commit's information, the custom metadata of ``append``/``overwrite`` too."""
    (commit,) = DeltaTable(str(path)).history(1)
    return commit


def read(path: Path, *, version: int | None = None, columns: list[str] | None = None) -> pa.Table:
    """The table's rows (at a Delta ``version``: time travel) as Arrow."""
    return DeltaTable(str(path), version=version).to_pyarrow_table(columns=columns)


def dataset(path: Path, *, version: int | None = None) -> pads.Dataset:
    """The table as a lazy Arrow dataset: a query engine reads only the files it needs."""
    return DeltaTable(str(path), version=version).to_pyarrow_dataset()


def table_version(path: Path) -> int:
    """The newest Delta version (commit number) of the table."""
    return DeltaTable(str(path)).version()


def column_types(path: Path) -> list[tuple[str, str]]:
    """(name, Delta type) of every column, e.g. ``("points", "decimal(18,2)")``."""
    return [(field.name, str(field.type.type)) for field in DeltaTable(str(path)).schema().fields]


def data_files(path: Path) -> list[tuple[str, int]]:
    """(path relative to the table, size in bytes the log recorded) of every current file."""
    actions = pa.table(DeltaTable(str(path)).get_add_actions(flatten=True))
    return list(
        zip(
            actions.column("path").to_pylist(),
            actions.column("size_bytes").to_pylist(),
            strict=True,
        )
    )
