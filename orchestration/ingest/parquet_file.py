"""Parquet deliveries as Arrow text columns: typed values become the text a CSV would carry."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.ingest.header import check_header, trimmed
from orchestration.ingest.numbers import plain_notation
from orchestration.ingest.rejected import FileRejected, short
from schemas.contract import SourceSpec


def read_parquet(path: Path, spec: SourceSpec) -> pa.Table:
    try:
        names = pq.read_schema(path).names
        header = trimmed(names)
        check_header(path, header, spec, empty_hint="land a file with the required columns")
        stored = [names[header.index(column)] for column in spec.columns]  # as written
        table = pq.read_table(path, columns=stored)
    except FileRejected:
        raise
    except (pa.ArrowException, OSError) as error:
        raise FileRejected(
            path,
            f"cannot be read as Parquet: {short(str(error))}",
            "the file may be truncated; land a complete copy",
        ) from None
    columns = [_as_text(table.column(name)) for name in stored]
    return pa.table(columns, names=list(spec.columns))


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """DATE as YYYY-MM-DD, numbers by their exact value (numbers.py), null as empty."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
    number = pa.types.is_floating(column.type) or pa.types.is_decimal(column.type)
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    if number:
        column = plain_notation(column)
    return pc.fill_null(column, "")
