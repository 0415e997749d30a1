"""The landing file formats jifen reads, known by how a file's name ends.

One table for the reader (which reader, which decompression), the ingest (which files of a
source folder to take) and the scan of files nobody reads (``unread.py``).
"""

from __future__ import annotations

from pathlib import PurePath

# name ending (lower case) -> the format recorded in ``ingested_files.file_format``
FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv.gz",
    ".csv.zst": "csv.zst",
    ".csv.bz2": "csv.bz2",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}
# compressed CSV: the format -> pyarrow's codec name
COMPRESSION = {"csv.gz": "gzip", "csv.zst": "zstd", "csv.bz2": "bz2"}


def file_format(path: PurePath | str) -> str | None:
    """The format a file is read as, by the longest known ending of its name; None if none."""
    name = PurePath(path).name.lower()
    endings = [ending for ending in FORMATS if name.endswith(ending) and len(name) > len(ending)]
    return FORMATS[max(endings, key=len)] if endings else None


def is_hidden(path: PurePath | str) -> bool:
    """Names starting with a dot (``.DS_Store``, an upload still in progress): never read."""
    return PurePath(path).name.startswith(".")


def is_readable(path: PurePath | str) -> bool:
    return not is_hidden(path) and file_format(path) is not None


def accepted_endings() -> str:
    return ", ".join(FORMATS)
