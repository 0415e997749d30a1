"""Take new landing files of one source into ``raw_<source>``, each row with its lineage.

A file is identified by its SHA-256: the same bytes under any name load once. A file name seen
before with other bytes was modified after ingestion, which the contract forbids: refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.ingest.formats import is_hidden
from orchestration.ingest.reader import (
    FileRejected,
    file_format,
    ingested_format,
    read_landing_file,
    sha256_of,
)
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS


@dataclass
class IngestReport:
    source: str
    loaded_files: list[tuple[str, int]] = field(default_factory=list)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)  # (file, same bytes as)
    rejected: list[FileRejected] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # no format jifen reads: see unread.py

    @property
    def rows(self) -> int:
        return sum(count for _, count in self.loaded_files)


def landing_files(folder: Path) -> list[Path]:
    """Files in byte order of their names: the delivery order of snapshots."""
    if not folder.is_dir():
        return []
    return sorted(
        (path for path in folder.iterdir() if path.is_file() and not is_hidden(path)),
        key=lambda path: path.name.encode(),
    )


def ingest_source(
    workspace: Workspace, warehouse: Warehouse, source: str, run_id: str
) -> IngestReport:
    spec = SPECS[source]
    report = IngestReport(source)
    known = dict(
        warehouse.rows(
            "select file_hash, source_file from ingested_files where source = ?", [source]
        )
    )
    names = {name: digest for digest, name in known.items()}
    next_id = warehouse.value(f"select coalesce(max(raw_id), 0) + 1 from raw_{source}")
    for path in landing_files(workspace.landing_dir(source)):
        if file_format(path) is None:
            report.ignored.append(path.name)
            continue
        digest = sha256_of(path)
        if digest in known:
            if known[digest] != path.name:
                report.skipped_files.append((path.name, known[digest]))
                remember_skip(warehouse, source, path.name, digest, known[digest])
            continue
        if path.name in names:
            report.rejected.append(modified_after_ingestion(path))
            continue
        try:
            table = read_landing_file(path, spec)
        except FileRejected as rejected:
            report.rejected.append(rejected)
            continue
        _append(warehouse, source, table, path, digest, run_id, next_id)
        next_id += table.num_rows
        known[digest], names[path.name] = path.name, digest
        report.loaded_files.append((path.name, table.num_rows))
    return report


def modified_after_ingestion(path: Path) -> FileRejected:
    return FileRejected(
        path,
        "was modified after it was ingested (its bytes no longer match)",
        "landed files must never change: restore the original bytes and land the "
        "correction as a new file",
    )


def _append(
    warehouse: Warehouse, source, table, path: Path, digest: str, run_id: str, first_id: int
) -> None:
    """The file's rows and its record in ``ingested_files``: both or neither."""
    columns = ", ".join(SPECS[source].columns)
    with warehouse.transaction():
        with warehouse.registered("landed", table):
            warehouse.run(
                f"insert into raw_{source} "
                f"(raw_id, {columns}, source_file, row_number, file_hash, run_id) "
                f"select ? + row_number - 1, {columns}, ?, row_number, ?, ? from landed",
                [first_id, path.name, digest, run_id],
            )
        warehouse.run(
            "insert into ingested_files values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source,
                path.name,
                digest,
                ingested_format(path, table),
                table.num_rows,
                path.stat().st_size,
                datetime.now(UTC).replace(tzinfo=None),
                run_id,
            ],
        )


def remember_skip(warehouse: Warehouse, source: str, name: str, digest: str, same_as: str) -> None:
    seen = warehouse.value(
        "select count(*) from skipped_files where source = ? and source_file = ? and file_hash = ?",
        [source, name, digest],
    )
    if not seen:
        warehouse.run(
            "insert into skipped_files values (?, ?, ?, ?, ?)",
            [source, name, digest, same_as, datetime.now(UTC).replace(tzinfo=None)],
        )
