"""Read one landing file into an Arrow table of text columns, or reject it with a clear reason.

Every value is read as text: the contract judges values as written (``12,5`` is bad_type), and
typed values (Parquet, Excel) are turned into the same text a CSV would carry. One module per
format: ``csv_file.py`` (plain and compressed CSV), ``parquet_file.py``, ``workbook.py``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from orchestration.ingest.csv_file import read_compressed_csv, read_csv
from orchestration.ingest.formats import COMPRESSION, accepted_endings, file_format
from orchestration.ingest.identity import sha256_of
from orchestration.ingest.parquet_file import read_parquet
from orchestration.ingest.rejected import FileRejected
from orchestration.ingest.workbook import read_workbook, sheet_of
from schemas.contract import SourceSpec

__all__ = ["FileRejected", "file_format", "ingested_format", "read_landing_file", "sha256_of"]


def read_landing_file(path: Path, spec: SourceSpec) -> pa.Table:
    """The file's required columns as text, in contract order, plus ``row_number`` (1-based)."""
    kind = file_format(path)
    if kind == "csv":
        table = read_csv(path, spec)
    elif kind in COMPRESSION:
        table = read_compressed_csv(path, spec, COMPRESSION[kind])
    elif kind == "parquet":
        table = read_parquet(path, spec)
    elif kind == "xlsx":
        table = read_workbook(path, spec)
    else:
        raise FileRejected(path, "not a format jifen reads", f"land {accepted_endings()}")
    numbers = pa.array(range(1, table.num_rows + 1), type=pa.int64())
    return table.append_column("row_number", numbers)


def ingested_format(path: Path, table: pa.Table) -> str:
    """The format recorded for a loaded file; a workbook's names the sheet read."""
    sheet = sheet_of(table)
    return f"{file_format(path)} (sheet {sheet})" if sheet is not None else file_format(path)
