"""Ingest on Spark: the landing files hashed and read by the executors, never by the driver.

The driver lists a source's folder (names only) and keeps the bookkeeping of ``landing.py``:
which files are new, skipped (same bytes) or refused (modified after ingestion). The executors
hash the files (one task per file) and read the new ones with the same readers as on DuckDB
(``reader.py``: every format), each emitting its rows as text with their row numbers and one
summary row per file (rows read, format, or why it was rejected). Only the summaries reach the
driver; the rows go from the executors into ``raw_<source>`` with their lineage.

Unlike on DuckDB, a file's rows and its ``ingested_files`` record are not one transaction
(Spark's Parquet tables have none): the rows of every new file are appended first (one job),
then the records; a close stopped between the two leaves rows whose file the next close records
without appending them again. Executors open the paths as the driver names them: a location
every node can read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from orchestration.ingest.landing import (
    IngestReport,
    landing_files,
    modified_after_ingestion,
    remember_skip,
)
from orchestration.ingest.reader import (
    FileRejected,
    file_format,
    ingested_format,
    read_landing_file,
    sha256_of,
)
from orchestration.lib.workspace import Workspace
from schemas.contract import SPECS

if TYPE_CHECKING:  # pyspark is optional: a DuckDB install has none
    from orchestration.warehouse.spark import SparkWarehouse

HASHED = "file_index int, path string, file_hash string, byte_size bigint"
SUMMARY = "is_file boolean, file_index int, row_number bigint"
VERDICT = "problem string, hint string, file_format string"


def ingest_source_on_executors(
    workspace: Workspace, warehouse: SparkWarehouse, source: str, run_id: str
) -> IngestReport:
    """As ``landing.ingest_source``: the same files loaded, skipped or rejected, the same rows."""
    report = IngestReport(source)
    listed = landing_files(workspace.landing_dir(source))
    paths = [path for path in listed if file_format(path) is not None]
    report.ignored = [path.name for path in listed if file_format(path) is None]
    if not paths:
        return report
    hashes = _hash_on_executors(warehouse, paths)
    known = dict(
        warehouse.rows(
            "select file_hash, source_file from ingested_files where source = ?", [source]
        )
    )
    names = {name: digest for digest, name in known.items()}
    first_of = {}  # digest -> index of the first new file with those bytes
    for index, path in enumerate(paths):
        if hashes[index][0] not in known and path.name not in names:
            first_of.setdefault(hashes[index][0], index)
    read = _read_on_executors(warehouse, source, paths, hashes, sorted(first_of.values()))
    _append_rows(warehouse, source, paths, hashes, read, run_id)
    for index, path in enumerate(paths):
        digest = hashes[index][0]
        if digest in known:
            if known[digest] != path.name:
                report.skipped_files.append((path.name, known[digest]))
                remember_skip(warehouse, source, path.name, digest, known[digest])
        elif path.name in names:
            report.rejected.append(modified_after_ingestion(path))
        elif (outcome := read[first_of[digest]])[0] is not None:  # the reader rejected them
            report.rejected.append(FileRejected(path, outcome[0], outcome[1] or ""))
        elif first_of[digest] != index:  # the same bytes as a file loaded by this run
            same_as = paths[first_of[digest]].name
            report.skipped_files.append((path.name, same_as))
            remember_skip(warehouse, source, path.name, digest, same_as)
        else:
            report.loaded_files.append((path.name, outcome[3]))
    return report


def _hash_on_executors(warehouse: SparkWarehouse, paths: list[Path]) -> list[tuple[str, int]]:
    """(SHA-256, byte size) of each file, computed by the executors, one task per file."""
    listed = pa.table({"file_index": range(len(paths)), "path": [str(p) for p in paths]})
    with warehouse.registered("landing_paths", listed):
        warehouse.map_in_pandas(
            "landing_hashes", "select * from landing_paths", hash_files, HASHED, len(paths)
        )
    found = warehouse.rows("select file_index, file_hash, byte_size from landing_hashes")
    by_index = {index: (digest, size) for index, digest, size in found}
    return [by_index[index] for index in range(len(paths))]


def hash_files(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for frame in frames:
        paths = [Path(text) for text in frame["path"]]
        frame["file_hash"] = [sha256_of(path) for path in paths]
        frame["byte_size"] = [path.stat().st_size for path in paths]
        yield frame


def _read_on_executors(warehouse, source, paths, hashes, indexes) -> dict[int, tuple]:
    """Read the files at ``indexes`` on the executors into the temporary table ``landed``;
    returns each file's (problem, hint, format, rows) from its summary row."""
    if not indexes:
        return {}
    listed = pa.table(
        {"file_index": indexes, "path": [str(paths[index]) for index in indexes]},
        schema=pa.schema([("file_index", pa.int32()), ("path", pa.string())]),
    )
    texts = ", ".join(f"{column} string" for column in SPECS[source].columns)
    with warehouse.registered("new_paths", listed):
        warehouse.map_in_pandas(
            "landed",
            "select * from new_paths",
            partial(read_files, source),
            f"{SUMMARY}, {texts}, {VERDICT}",
            len(indexes),
        )
    summaries = warehouse.rows(
        "select file_index, problem, hint, file_format, row_number from landed where is_file"
    )
    return {index: (problem, hint, kind, rows) for index, problem, hint, kind, rows in summaries}


def read_files(source: str, frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Each file's rows as text (``reader.py``), then its summary row: the number of rows read
    in ``row_number``, and its format or why it was rejected."""
    spec = SPECS[source]
    order = ["is_file", "file_index", "row_number", *spec.columns, "problem", "hint"]
    order.append("file_format")
    for frame in frames:
        for index, text in zip(frame["file_index"], frame["path"], strict=True):
            path = Path(text)
            try:
                table = read_landing_file(path, spec)
            except FileRejected as rejected:
                summary = {"problem": rejected.problem, "hint": rejected.hint}
                yield _one_row(order, is_file=True, file_index=index, row_number=0, **summary)
                continue
            # one frame per Arrow chunk: a frame over a large file's several chunks reaches
            # pyspark as chunked columns, which its Arrow conversion refuses (pandas 3)
            for batch in table.to_batches():
                rows = batch.to_pandas()
                rows["is_file"], rows["file_index"] = False, index
                for column in ("problem", "hint", "file_format"):
                    rows[column] = None
                yield rows[order]
            kind = ingested_format(path, table)
            yield _one_row(
                order, is_file=True, file_index=index, row_number=table.num_rows, file_format=kind
            )


def _one_row(order: list[str], **values) -> pd.DataFrame:
    return pd.DataFrame([[values.get(column) for column in order]], columns=order, dtype=object)


def _append_rows(warehouse, source, paths, hashes, read, run_id) -> None:
    """The loaded files' rows into ``raw_<source>`` (raw ids in file and row order, as on
    DuckDB), then their ``ingested_files`` records."""
    loaded = [index for index in sorted(read) if read[index][0] is None]
    if not loaded:
        return
    next_id = warehouse.value(f"select coalesce(max(raw_id), 0) + 1 from raw_{source}")
    first_ids = []
    for index in loaded:
        first_ids.append(next_id)
        next_id += read[index][3]
    offsets = pa.table(
        {
            "file_index": pa.array(loaded, pa.int32()),
            "first_id": pa.array(first_ids, pa.int64()),
            "source_file": [paths[index].name for index in loaded],
            "file_hash": [hashes[index][0] for index in loaded],
        }
    )
    columns = ", ".join(SPECS[source].columns)
    with warehouse.registered("offsets", offsets):
        warehouse.run(
            f"insert into raw_{source} (raw_id, {columns}, source_file, row_number, file_hash, "
            f"run_id) select o.first_id + l.row_number - 1, {columns}, o.source_file, "
            "l.row_number, o.file_hash, ? from landed l join offsets o using (file_index) "
            # a close stopped between rows and records left the rows: not appended twice
            f"where not l.is_file and o.file_hash not in (select file_hash from raw_{source})",
            [run_id],
        )
    records = pa.table(
        {
            "source_file": [paths[index].name for index in loaded],
            "file_hash": [hashes[index][0] for index in loaded],
            "file_format": [read[index][2] for index in loaded],
            "row_count": pa.array([read[index][3] for index in loaded], pa.int64()),
            "byte_size": pa.array([hashes[index][1] for index in loaded], pa.int64()),
        }
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.registered("records", records):
        warehouse.run(
            "insert into ingested_files select ?, source_file, file_hash, file_format, "
            "row_count, byte_size, ?, ? from records",
            [source, now, run_id],
        )
