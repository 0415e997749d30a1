"""A ledger line's lineage back to the row as landed.

A line earned by a landed row carries the landing file, the row number in it and the file's
SHA-256 at ingestion. The row is fetched from the warehouse's ``raw_<source>`` (every value as
text, exactly as read), the file's ingestion from ``ingested_files``, and the landing file itself
is hashed and read again when it is still there.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from orchestration.audit.readonly import json_text
from orchestration.ingest.reader import FileRejected, read_landing_file, sha256_of
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS


class LandedRows:
    """Finds landed rows and checks their files; each landing file is hashed and read once."""

    def __init__(self, ws: Workspace, warehouse: Warehouse) -> None:
        self.ws = ws
        self.warehouse = warehouse
        self.files: dict[tuple[str, str], dict] = {}
        self.file_rows: dict[tuple[str, str], list[dict] | str] = {}

    def trace(self, line: dict, problems: list[str]) -> dict:
        """The landed row of a line with lineage (``source``, ``source_file``,
        ``source_row_number``, ``source_file_hash``, ``source_id``), and its checks."""
        source, name = line["source"], line["source_file"]
        number, digest = line["source_row_number"], line["source_file_hash"]
        landed: dict[str, Any] = {
            "source": source,
            "source_file": name,
            "row_number": number,
            "file_hash": digest,
            "raw": None,
            "raw_id": None,
            "run_id": None,
            "ingested": None,
            "file": None,
            "file_row": None,
            "file_row_matches": None,
        }
        spec = SPECS.get(source)
        if spec is None:
            problems.append(f"unknown source {source!r}: no raw table to look in")
            return landed
        self._raw_row(landed, line.get("source_id"), problems)
        ingested = self.warehouse.dicts(
            "select file_format, row_count, byte_size, ingested_at, run_id from ingested_files "
            "where source = ? and source_file = ? and file_hash = ?",
            [source, name, digest],
        )
        landed["ingested"] = ingested[0] if ingested else None
        if not ingested:
            problems.append(f"{source}/{name} is not in ingested_files")
        landed["file"] = self._file(source, name, digest, problems)
        if landed["file"]["exists"]:
            self._compare_file_row(landed, problems)
        return landed

    def _raw_row(self, landed: dict, source_id: str | None, problems: list[str]) -> None:
        source, name, number = landed["source"], landed["source_file"], landed["row_number"]
        spec = SPECS[source]
        rows = self.warehouse.dicts(
            f"select raw_id, run_id, {', '.join(spec.columns)} from raw_{source} "
            "where source_file = ? and row_number = ? and file_hash = ?",
            [name, number, landed["file_hash"]],
        )
        if len(rows) != 1:
            problems.append(
                f"row {number} of {source}/{name} (sha256 {landed['file_hash'][:12]}…) is "
                f"{'not' if not rows else 'more than once'} in the warehouse's raw_{source}"
            )
            return
        row = rows[0]
        landed["raw_id"], landed["run_id"] = row.pop("raw_id"), row.pop("run_id")
        landed["raw"] = row
        key = (row.get(spec.key) or "").strip()
        if source_id is not None and key != source_id:
            problems.append(
                f"the landed row's {spec.key} is {key!r}, not the line's source id {source_id!r}"
            )

    def _compare_file_row(self, landed: dict, problems: list[str]) -> None:
        source, name, number = landed["source"], landed["source_file"], landed["row_number"]
        file_row = self._file_row(source, name, number, problems)
        landed["file_row"] = file_row
        if file_row is not None and landed["raw"] is not None:
            landed["file_row_matches"] = file_row == landed["raw"]
            if not landed["file_row_matches"]:
                problems.append(
                    f"row {number} of the landing file {source}/{name} now reads "
                    f"{file_row}, not the values ingested {landed['raw']}"
                )

    def _file(self, source: str, name: str, digest: str, problems: list[str]) -> dict:
        key = (source, name)
        if key not in self.files:
            path = self.ws.landing_dir(source) / name
            exists = path.is_file()
            now = sha256_of(path) if exists else None
            self.files[key] = {"path": str(path), "exists": exists, "sha256": now}
        check = {**self.files[key], "matches": self.files[key]["sha256"] == digest}
        if not check["exists"]:
            problems.append(f"the landing file {check['path']} no longer exists")
        elif not check["matches"]:
            problems.append(
                f"the landing file {check['path']} changed after it was ingested "
                f"(sha256 now {check['sha256'][:12]}…, at ingestion {digest[:12]}…)"
            )
        return check

    def _file_row(self, source: str, name: str, number: int, problems: list[str]) -> dict | None:
        key = (source, name)
        if key not in self.file_rows:
            path = Path(self.files[key]["path"])
            try:
                table = read_landing_file(path, SPECS[source])
                self.file_rows[key] = table.select(list(SPECS[source].columns)).to_pylist()
            except FileRejected as rejected:
                self.file_rows[key] = rejected.problem
        rows = self.file_rows[key]
        if isinstance(rows, str):
            problems.append(f"the landing file {source}/{name} cannot be read now: {rows}")
            return None
        if not 1 <= number <= len(rows):
            problems.append(f"the landing file {source}/{name} has no row {number} now")
            return None
        return rows[number - 1]

    def quarantined(self, source: str, key: str) -> list[dict]:
        """Quarantine rows of a source whose key column is ``key`` (e.g. a line gone since)."""
        spec = SPECS.get(source)
        if spec is None:
            return []
        return self.warehouse.dicts(
            "select source_file, row_number, reason, detail from quarantine "
            f"where source = ? and trim({json_text(self.warehouse, 'raw', spec.key)}) = ? "
            "order by source_file, row_number",
            [source, key],
        )


def inputs_match_row(inputs: dict[str, str | None], raw: dict, problems: list[str]) -> None:
    """The values a derivation recorded under a column name of the landed row are that row's
    values (numbers compared as decimals, text without surrounding blanks)."""
    for name, recorded in inputs.items():
        if name not in raw or recorded is None:
            continue
        landed = (raw[name] or "").strip()
        if not _same_value(recorded, landed):
            problems.append(
                f"the derivation read {name} {recorded!r}, the landed row holds {landed!r}"
            )


def _same_value(recorded: str, landed: str) -> bool:
    if recorded.strip() == landed:
        return True
    try:
        return Decimal(recorded) == Decimal(landed)
    except InvalidOperation:
        return False
