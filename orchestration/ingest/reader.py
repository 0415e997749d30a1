"""Read one landing file into an Arrow table of text columns, or reject it with a clear reason.

Every value is read as text: the contract judges values as written (``12,5`` is bad_type), and
typed Parquet values are turned into the same text a CSV would carry.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from schemas.contract import SourceSpec

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
BLOCK_SIZE = 16 << 20


class FileRejected(Exception):
    """A file that cannot be loaded at all; none of its rows load."""

    def __init__(self, path: Path, problem: str, hint: str = "") -> None:
        self.path, self.problem, self.hint = path, problem, hint
        super().__init__(f"{path}: {problem}" + (f" — {hint}" if hint else ""))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def read_landing_file(path: Path, spec: SourceSpec) -> pa.Table:
    """The file's required columns as text, in contract order, plus ``row_number`` (1-based)."""
    kind = file_format(path)
    table = _read_csv(path, spec) if kind == "csv" else _read_parquet(path, spec)
    numbers = pa.array(range(1, table.num_rows + 1), type=pa.int64())
    return table.append_column("row_number", numbers)


def _missing_hint(header: list[str], spec: SourceSpec) -> tuple[str, str]:
    missing = [column for column in spec.columns if column not in header]
    hint = f"required columns are {', '.join(spec.columns)}"
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        hint = "the delimiter must be a comma; " + hint
    return (
        f"missing required column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}",
        hint,
    )


def _check_header(path: Path, header: list[str], spec: SourceSpec) -> None:
    if not header:
        raise FileRejected(path, "empty file: no header row", "land a CSV with a header row")
    repeated = sorted({name for name in header if header.count(name) > 1 and name in spec.columns})
    if repeated:
        raise FileRejected(path, f"header repeats column(s) {', '.join(repeated)}")
    if any(column not in header for column in spec.columns):
        problem, hint = _missing_hint(header, spec)
        raise FileRejected(path, problem, hint)


def _read_header(path: Path) -> list[str]:
    csv.field_size_limit(1 << 30)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), [])
    except UnicodeDecodeError as error:
        raise FileRejected(
            path,
            f"not UTF-8 text ({error.reason} at byte {error.start})",
            "save the file as UTF-8 and land it again",
        ) from None
    return [name.strip() for name in first]


def _read_csv(path: Path, spec: SourceSpec) -> pa.Table:
    _check_utf8(path)
    header = _read_header(path)
    _check_header(path, header, spec)
    block_size = BLOCK_SIZE
    while True:
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(
                    column_names=header, skip_rows=1, block_size=block_size, use_threads=True
                ),
                parse_options=pacsv.ParseOptions(delimiter=",", newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(spec.columns),
                    column_types={column: pa.string() for column in spec.columns},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            return table.select(list(spec.columns))
        except pa.ArrowInvalid as error:
            message = str(error)
            if "straddling" in message and block_size < path.stat().st_size + 1:
                block_size = path.stat().st_size + 1
                continue
            raise FileRejected(
                path,
                f"cannot be parsed as CSV: {_short(message)}",
                "every row needs one value per header column",
            ) from None


def _check_utf8(path: Path) -> None:
    """Reject non-UTF-8 bytes anywhere, naming the line, before any row is taken."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line += chunk[: error.start].count(b"\n")
                raise FileRejected(
                    path,
                    f"not UTF-8 text: invalid bytes on line {line}",
                    "save the file as UTF-8 and land it again",
                ) from None
            line += chunk.count(b"\n")


def _read_parquet(path: Path, spec: SourceSpec) -> pa.Table:
    try:
        schema = pq.read_schema(path)
        _check_header(path, list(schema.names), spec)
        table = pq.read_table(path, columns=list(spec.columns))
    except FileRejected:
        raise
    except (pa.ArrowException, OSError) as error:
        raise FileRejected(
            path,
            f"cannot be read as Parquet: {_short(str(error))}",
            "the file may be truncated; land a complete copy",
        ) from None
    columns = [_as_text(table.column(name)) for name in spec.columns]
    return pa.table(columns, names=list(spec.columns))


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")


def _short(message: str, limit: int = 300) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[:limit] + "…"
