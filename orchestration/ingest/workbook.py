"""Excel workbooks (``.xlsx``) as Arrow text columns, read with python-calamine.

The sheet named after the source (``sales``, any case) when there is one, else the first; its
first row is the header. Each cell becomes the text the contract judges: a date cell
``YYYY-MM-DD``, a number its exact value (numbers.py), text as typed. A data row's
``row_number`` is its sheet row less one (the header row), as a CSV row's is its line less one;
empty rows after the last filled one are not rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from orchestration.ingest.header import check_header, trimmed
from orchestration.ingest.numbers import float_text
from orchestration.ingest.rejected import FileRejected, short
from schemas.contract import SourceSpec

SHEET_KEY = b"jifen.sheet"  # the schema metadata naming the sheet read


def read_workbook(path: Path, spec: SourceSpec) -> pa.Table:
    sheet, rows = _sheet_rows(path, spec.name)
    where = f" (sheet {sheet})"
    header = trimmed(rows[0]) if rows else []
    while header and not header[-1]:
        header.pop()
    check_header(path, header, spec, where, "the first row of the sheet must be its header")
    body = rows[1:]
    while body and not any(cell != "" for cell in body[-1]):
        body.pop()
    positions = [header.index(column) for column in spec.columns]
    columns = [pa.array([_cell(row, at) for row in body], pa.string()) for at in positions]
    table = pa.table(columns, names=list(spec.columns))
    return table.replace_schema_metadata({SHEET_KEY: sheet.encode()})


def sheet_of(table: pa.Table) -> str | None:
    """The sheet a table was read from; None for a file that has no sheets."""
    metadata = table.schema.metadata or {}
    return metadata[SHEET_KEY].decode() if SHEET_KEY in metadata else None


def _sheet_rows(path: Path, source: str) -> tuple[str, list[list]]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        if not names:
            raise FileRejected(path, "the workbook has no sheet")
        sheet = next((name for name in names if name.strip().casefold() == source), names[0])
        return sheet, workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (CalamineError, OSError) as error:
        raise FileRejected(
            path,
            f"cannot be read as an Excel workbook: {short(str(error))}",
            "save it as an Excel workbook (.xlsx) without a password and land it again",
        ) from None


def _cell(row: list, index: int) -> str:
    return cell_text(row[index]) if index < len(row) else ""


def cell_text(value: object) -> str:
    """A cell as text: what the contract judges (a timestamp is not a date: ``bad_type``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
