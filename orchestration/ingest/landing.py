"""Take new landing files of one source into ``raw_<source>``, each row with its lineage.

A file is identified by its SHA-256: the same bytes under any name load once. A file name seen
before with other bytes was modified after ingestion, which the contract forbids: refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.reader import FileRejected, file_format, read_landing_file, sha256_of
from orchestration.lib.workspace import Workspace
from schemas.contract import SPECS


@dataclass
class IngestReport:
    source: str
    loaded_files: list[tuple[str, int]] = field(default_factory=list)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)  # (file, same bytes as)
    rejected: list[FileRejected] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(count for _, count in self.loaded_files)


def landing_files(folder: Path) -> list[Path]:
    """Files in byte order of their names: the delivery order of snapshots."""
    if not folder.is_dir():
        return []
    return sorted(
        (path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")),
        key=lambda path: path.name.encode(),
    )


def ingest_source(
    workspace: Workspace, con: duckdb.DuckDBPyConnection, source: str, run_id: str
) -> IngestReport:
    spec = SPECS[source]
    report = IngestReport(source)
    known = dict(
        con.execute(
            "select file_hash, source_file from ingested_files where source = ?", [source]
        ).fetchall()
    )
    names = {name: digest for digest, name in known.items()}
    next_id = con.execute(f"select coalesce(max(raw_id), 0) + 1 from raw_{source}").fetchone()[0]
    for path in landing_files(workspace.landing_dir(source)):
        if file_format(path) is None:
            report.ignored.append(path.name)
            continue
        digest = sha256_of(path)
        if digest in known:
            if known[digest] != path.name:
                report.skipped_files.append((path.name, known[digest]))
                _remember_skip(con, source, path.name, digest, known[digest])
            continue
        if path.name in names:
            report.rejected.append(
                FileRejected(
                    path,
                    "was modified after it was ingested (its bytes no longer match)",
                    "landed files must never change: restore the original bytes and land the "
                    "correction as a new file",
                )
            )
            continue
        try:
            table = read_landing_file(path, spec)
        except FileRejected as rejected:
            report.rejected.append(rejected)
            continue
        _append(con, source, table, path, digest, run_id, next_id)
        next_id += table.num_rows
        known[digest], names[path.name] = path.name, digest
        report.loaded_files.append((path.name, table.num_rows))
    return report


def _append(con, source, table, path: Path, digest: str, run_id: str, first_id: int) -> None:
    spec = SPECS[source]
    columns = ", ".join(spec.columns)
    con.execute("begin transaction")
    try:
        con.register("landed", table)
        con.execute(
            f"insert into raw_{source} "
            f"(raw_id, {columns}, source_file, row_number, file_hash, run_id) "
            f"select ? + row_number - 1, {columns}, ?, row_number, ?, ? from landed",
            [first_id, path.name, digest, run_id],
        )
        con.unregister("landed")
        con.execute(
            "insert into ingested_files values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source,
                path.name,
                digest,
                file_format(path),
                table.num_rows,
                path.stat().st_size,
                datetime.now(UTC).replace(tzinfo=None),
                run_id,
            ],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _remember_skip(con, source: str, name: str, digest: str, same_as: str) -> None:
    seen = con.execute(
        "select count(*) from skipped_files where source = ? and source_file = ? and file_hash = ?",
        [source, name, digest],
    ).fetchone()[0]
    if not seen:
        con.execute(
            "insert into skipped_files values (?, ?, ?, ?, ?)",
            [source, name, digest, same_as, datetime.now(UTC).replace(tzinfo=None)],
        )
