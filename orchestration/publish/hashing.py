"""Canonical SHA-256 of rows: the same rows always give the same hash, whatever the engine."""

from __future__ import annotations

import hashlib

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.warehouse.connection import Warehouse

BATCH_ROWS = 200_000


def _as_text(column: pa.Array) -> pa.Array:
    """Each value as Python's ``str`` of it would be; NULL as NUL (distinct from '')."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = column
    elif pa.types.is_integer(kind) or pa.types.is_decimal(kind) or pa.types.is_date32(kind):
        text = pc.cast(column, pa.string())  # the same digits (ISO dates) str() gives
    else:  # timestamps, booleans, floats: exactly Python's spelling
        text = pa.array(
            [None if value is None else str(value) for value in column.to_pylist()], pa.string()
        )
    return pc.fill_null(text, "\x00")


def rows_sha256(warehouse: Warehouse, sql: str, params: list | None = None) -> str:
    """Hash ``sql``'s rows in the order it returns them; values as text, NULL distinct from ''.

    The bytes hashed are, per row, the values' text joined by U+001F and a newline: what
    ``"\\x1f".join(str(v) ...) + "\\n"`` gives in Python, computed a batch at a time in Arrow.
    """
    digest = hashlib.sha256()
    for batch in warehouse.batches(sql, params, BATCH_ROWS):
        if not batch.num_rows:
            continue
        columns = [_as_text(batch.column(i)) for i in range(batch.num_columns)]
        # each row's text and its newline, contiguous in one buffer: hashed without a Python
        # object per row
        rows = pc.binary_join_element_wise(*columns, "\x1f") if len(columns) > 1 else columns[0]
        lines = pc.binary_join_element_wise(rows, "", "\n")  # "row" + "\n" + ""
        offsets = lines.buffers()[1]
        first, last = (
            int.from_bytes(offsets[i * 4 : i * 4 + 4], "little", signed=True)
            for i in (lines.offset, lines.offset + len(lines))
        )
        digest.update(memoryview(lines.buffers()[2])[first:last])
    return digest.hexdigest()
