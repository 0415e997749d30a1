"""CSV deliveries, plain or compressed (gzip, zstd, bz2), as Arrow text columns.

A compressed file is decompressed once into a scratch file and then read exactly as a plain
CSV: the same checks, and row numbers that count the lines of the decompressed text. Every
rejection names the file as landed.
"""

from __future__ import annotations

import codecs
import csv
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from orchestration.ingest.header import check_header, trimmed
from orchestration.ingest.rejected import FileRejected, short
from schemas.contract import SourceSpec

BLOCK_SIZE = 16 << 20
CHUNK = 1 << 22


def read_compressed_csv(path: Path, spec: SourceSpec, codec: str) -> pa.Table:
    with tempfile.TemporaryDirectory(prefix="jifen-ingest-") as scratch:
        plain = Path(scratch) / "decompressed.csv"
        _decompress(path, codec, plain)
        return read_csv(plain, spec, shown=path)


def _decompress(path: Path, codec: str, target: Path) -> None:
    try:
        with pa.input_stream(str(path), compression=codec) as source, target.open("wb") as out:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                out.write(chunk)
    except (pa.ArrowException, OSError) as error:
        raise FileRejected(
            path,
            f"cannot be decompressed as {codec}: {short(str(error))}",
            "the archive is damaged or truncated; land a complete copy",
        ) from None


def read_csv(path: Path, spec: SourceSpec, shown: Path | None = None) -> pa.Table:
    """The required columns as text, in contract order. ``shown``: the name rejections give
    (the landed file when ``path`` is its decompressed copy)."""
    shown = shown or path
    _check_utf8(path, shown)
    header = _read_header(path, shown)
    check_header(shown, header, spec)
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
                shown,
                f"cannot be parsed as CSV: {short(message)}",
                "every row needs one value per header column",
            ) from None


def _read_header(path: Path, shown: Path) -> list[str]:
    csv.field_size_limit(1 << 30)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), [])
    except UnicodeDecodeError as error:
        raise FileRejected(
            shown,
            f"not UTF-8 text ({error.reason} at byte {error.start})",
            "save the file as UTF-8 and land it again",
        ) from None
    return trimmed(first)


def _check_utf8(path: Path, shown: Path) -> None:
    """Reject non-UTF-8 bytes anywhere, naming the line, before any row is taken."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line += chunk[: error.start].count(b"\n")
                raise FileRejected(
                    shown,
                    f"not UTF-8 text: invalid bytes on line {line}",
                    "save the file as UTF-8 and land it again",
                ) from None
            line += chunk.count(b"\n")
