"""The audit pack: one published version and everything needed to check it by hand.

``jifen-audit-<period>-v<version>/`` holds the version's published rows as CSV, how dbt derived
each line (recorded when it was published), its publication record, the rule book rows it used
(from the workspace's seeds) and the rule book YAML files they were compiled from, the manifest
of the landing files it was computed from, the period's quarantine and validation counts, its
sign-off decisions and payout batches (``signoff_pack.py``), a README with the checking
procedure, a stdlib-only ``check_hashes.py`` and ``SHA256SUMS``. The same folder is zipped
deterministically (sorted entries, fixed timestamps), so the same published version gives the
same bytes.

Every value is written as text (decimals via ``str(Decimal)``, never floats) in the published
order; an empty field is NULL (the published tables hold no empty strings; the pack refuses to
write one, since it would not hash back).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from orchestration.audit.checker import check_script
from orchestration.audit.loyalty_pack import loyalty_checks, write_loyalty_rulebook
from orchestration.audit.readme import SeedRows, render_readme
from orchestration.audit.readonly import (
    AuditError,
    open_warehouse,
    period_of,
    resolve_version,
)
from orchestration.audit.signoff_pack import write_signoff_logs
from orchestration.ingest.reader import sha256_of
from orchestration.lib.workspace import Workspace
from orchestration.publish import store
from orchestration.rulebooks.compiler import render_seeds
from orchestration.rulebooks.model import RuleBook
from orchestration.rulebooks.seeds import read_books
from orchestration.warehouse.connection import Warehouse, WarehouseError, open_database
from schemas.contract import SPECS
from schemas.published import CHAINED_FIELDS, INTERNAL, VERSIONED

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REFERENCE_SOURCES = tuple(name for name, spec in SPECS.items() if spec.period_column is None)
WITHHELD = "(withheld: personal data)"
LATER = "loaded when this version was published (a ledger line uses it); quarantined since"
COUNT_FIELDS = ("rows_read", "rows_loaded", "rows_deduplicated", "rows_quarantined")
DERIVATIONS = next(table for table in INTERNAL if table.name == "ledger_derivations")


def write_audit_pack(ws: Workspace, period: str, version: int | None, out_dir: Path) -> Path:
    """Write ``out_dir/jifen-audit-<period>-v<version>/`` and its ``.zip``; return the zip path.

    Reads the warehouse (read-only): raises ``WarehouseLocked`` while a close runs,
    ``NothingPublished`` for an unpublished period or version, and ``AuditError`` when the
    version's published rows no longer match their content hash (see ``jifen verify-chain``).
    """
    out_dir = Path(out_dir)
    with open_warehouse(ws) as warehouse:
        version = resolve_version(warehouse, period, version, schema="published")
        publication = _publication(warehouse, period, version)
        recomputed = store.content_hash(warehouse, period, version, schema="published")
        if recomputed != publication["content_hash"]:
            raise AuditError(
                f"the published rows of {period} v{version} no longer match their content hash "
                f"(recorded {publication['content_hash'][:12]}…, now {recomputed[:12]}…): they "
                "were altered after publication; run `jifen verify-chain`"
            )
        name = f"jifen-audit-{period}-v{version}"
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = out_dir / f".{name}.partial"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        try:
            books, seeds = _rulebooks(ws, publication)
            checks = _write_contents(ws, warehouse, staging, publication, seeds)
            (staging / "README.md").write_text(
                render_readme(period, version, publication, checks, books, seeds),
                encoding="utf-8",
            )
            _write_checksums(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    folder = out_dir / name
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(staging, folder)
    return _zip(folder, out_dir / f"{name}.zip")


def _publication(warehouse: Warehouse, period: str, version: int) -> dict:
    columns = ", ".join(
        f'"{name}"' for name in warehouse.table_columns("publications", "published")
    )
    rows = warehouse.dicts(
        f"select {columns} from published.publications where period = ? and version = ?",
        [period, version],
    )
    if len(rows) != 1:
        raise AuditError(f"{period} v{version} has {len(rows)} publication records, not 1")
    return rows[0]


def _rulebooks(ws: Workspace, publication: dict) -> tuple[dict[str, RuleBook], SeedRows]:
    """The rule book versions a publication used, read from the workspace's seeds, and their
    seed rows as compiled (what the pack ships in ``rulebook/*.csv``)."""
    versions = [v for v in (publication.get("rulebook_version") or "").split(",") if v]
    books = {book.version: book for book in read_books(ws) if book.version in versions}
    seeds: SeedRows = {}
    for name, content in render_seeds(list(books.values())).items():
        rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
        seeds[name.removesuffix(".csv")] = (rows[0], rows[1:])
    return books, seeds


def _write_contents(
    ws: Workspace,
    warehouse: Warehouse,
    folder: Path,
    publication: dict,
    seeds: SeedRows,
) -> dict:
    period, version = publication["period"], publication["version"]
    checks: dict[str, Any] = {}
    for table in VERSIONED:
        columns = ", ".join(table.column_names)
        rows = warehouse.rows(
            f"select {columns} from published.{table.name} where period = ? and version = ? "
            f"order by {table.order_by}",
            [period, version],
        )
        if any(value == "" for row in rows for value in row):
            raise AuditError(
                f"published.{table.name} of {period} v{version} holds an empty text value; "
                "the pack writes NULL as an empty field and could not be hashed back"
            )
        _write_csv(folder / f"{table.name}.csv", list(table.column_names), rows)
    checks["content_hash"] = _csv_content_hash(folder)
    if checks["content_hash"] != publication["content_hash"]:
        raise AuditError(
            "internal error: the pack's CSV files do not hash back to the content hash "
            f"{publication['content_hash']} (got {checks['content_hash']})"
        )
    checks["signoff"] = write_signoff_logs(warehouse, folder, period, version, _write_csv)
    (folder / "publication.json").write_text(
        json.dumps({k: _json(v) for k, v in publication.items()}, indent=2, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    chained = all(field in publication for field in (*CHAINED_FIELDS, "publication_hash"))
    checks["publication_hash"] = (
        store.publication_hash(publication) == publication["publication_hash"] if chained else None
    )
    versions = [v for v in (publication.get("rulebook_version") or "").split(",") if v]
    checks["derivations"] = _write_derivations(warehouse, folder, period, version)
    rulebook_dir = folder / "rulebook"
    rulebook_dir.mkdir()
    for seed, (header, rows) in sorted(seeds.items()):
        _write_csv(rulebook_dir / f"{seed}.csv", header, rows)
    checks["rulebook_versions"] = versions
    checks["loyalty_rulebooks"] = write_loyalty_rulebook(
        ws, warehouse, period, version, rulebook_dir
    )
    checks["loyalty"] = loyalty_checks(warehouse, period, version)
    checks["rulebook_sources"] = _rulebook_sources(ws, versions, seeds, rulebook_dir)
    checks["fingerprint"] = _fingerprint_check(warehouse, publication, versions, seeds)
    manifest = _manifest(warehouse, publication)
    _write_csv(
        folder / "inputs_manifest.csv",
        ["source", "file", "sha256", "format", "bytes", "rows", "ingested_at", "run_id", "status"],
        manifest,
    )
    ingested = {(row[0], row[1]) for row in manifest if row[-1] == "ingested"}
    checks["landing"] = _landing_check(ws, manifest)
    checks["publication_inputs"] = _inputs_check(warehouse, publication, manifest)
    paid = {
        tuple(row)
        for row in warehouse.rows(
            "select source, source_file, source_row_number from published.points_ledger "
            "where period = ? and version = ? and source_file is not null union "
            "select 'members' as source, source_file, source_row_number "  # a forfeit's member
            "from published.loyalty_ledger where period = ? and version = ? and kind = 'FORFEIT' "
            "union select source, source_file, source_row_number from published.loyalty_ledger "
            "where period = ? and version = ? and source_file is not null and kind <> 'FORFEIT'",
            [period, version] * 3,
        )
    }
    quarantine = _quarantine(warehouse, period, ingested, paid)
    _write_csv(
        folder / "quarantine.csv",
        ["scope", "source", "source_file", "row_number", "reason", "detail", "raw", "note"],
        quarantine,
    )
    counts = _validation_counts(warehouse, period, ingested)
    _write_csv(
        folder / "validation_counts.csv",
        ["scope", "source", "source_file", "period", *COUNT_FIELDS],
        counts,
    )
    checks["counts"] = {
        field: sum(row[4 + i] for row in counts if row[0] != "undated")
        for i, field in enumerate(COUNT_FIELDS)
    }
    checks["quarantined_rows"] = sum(1 for row in quarantine if row[0] != "undated")
    checks["undated"] = sum(1 for row in quarantine if row[0] == "undated")
    checks["rules"] = [
        row[0]
        for row in warehouse.rows(
            "select distinct rule_id from published.points_ledger where period = ? and version = ?"
            " order by 1",
            [period, version],
        )
    ]
    (folder / "check_hashes.py").write_text(check_script(), encoding="utf-8")
    return checks


def _write_derivations(warehouse: Warehouse, folder: Path, period: str, version: int) -> int:
    """``ledger_derivations.csv``: the derivations recorded with the version (none for a version
    published before they were recorded: no file). Returns the number of rows written."""
    if not warehouse.table_columns(DERIVATIONS.name, "published"):
        return 0
    columns = list(DERIVATIONS.column_names)
    rows = warehouse.rows(
        f"select {', '.join(columns)} from published.{DERIVATIONS.name} "
        f"where period = ? and version = ? order by {DERIVATIONS.order_by}",
        [period, version],
    )
    if rows:
        _write_csv(folder / f"{DERIVATIONS.name}.csv", columns, rows)
    return len(rows)


# CSV and hashing --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):  # never expected: decimals come back as Decimal
        raise AuditError(f"refusing to write a float ({value!r}): decimals must stay exact")
    return str(value)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal | datetime | date):
        return str(value)  # the text the hashes use
    return str(value)


def _write_csv(path: Path, header: list[str], rows: list) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(value) for value in row])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _csv_rows_sha256(path: Path, columns: list[str]) -> str:
    """The published rows hash (hashing.rows_sha256) recomputed from a pack CSV."""
    digest = hashlib.sha256()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if next(reader, None) != columns:
            raise AuditError(f"{path.name}: unexpected header")
        for row in reader:
            digest.update("\x1f".join("\x00" if value == "" else value for value in row).encode())
            digest.update(b"\n")
    return digest.hexdigest()


def _csv_content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for table in VERSIONED:
        digest.update(table.name.encode())
        digest.update(
            _csv_rows_sha256(folder / f"{table.name}.csv", list(table.column_names)).encode()
        )
    return digest.hexdigest()


def _write_checksums(folder: Path) -> None:
    lines = []
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        if path.is_file() and path.name != "SHA256SUMS":
            lines.append(f"{sha256_of(path)}  {path.relative_to(folder).as_posix()}\n")
    (folder / "SHA256SUMS").write_text("".join(lines))


def _zip(folder: Path, target: Path) -> Path:
    """Sorted entries, fixed timestamps and modes: the same folder gives the same bytes."""
    partial = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        paths = sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix())
        for path in paths:
            if not path.is_file():
                continue
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}")
            info.date_time = ZIP_TIME
            info.create_system = 3
            info.external_attr = (0o100755 if path.suffix == ".py" else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    os.replace(partial, target)
    return target


# the rule book ----------------------------------------------------------------------------------


def _fingerprint_check(
    warehouse: Warehouse,
    publication: dict,
    versions: list[str],
    seeds: dict[str, tuple[list[str], list[list[str]]]],
) -> tuple[bool | None, str]:
    """Do the pack's rule book rows, with the version's ledger and roster, give the published
    input fingerprint? Recomputed with the pipeline's own function on the pack's rows."""
    period, version = publication["period"], publication["version"]
    memory = open_database()
    try:
        for seed in store.RULEBOOK_SEEDS:
            header, rows = seeds.get(seed, ([], []))
            if not _seed_like_warehouse(warehouse, memory, seed, header):
                return None, f"the columns of seed {seed} differ from the warehouse's"
            marks = ", ".join("?" for _ in header)
            for row in rows:
                memory.run(f"insert into {seed} values ({marks})", [value or None for value in row])
        for table in ("points_ledger", "rep_period_points"):
            columns = [c for c in warehouse.table_columns(table, "published") if c != "version"]
            listed = ", ".join(f'"{name}"' for name in columns)
            frame = warehouse.arrow(
                f"select {listed} from published.{table} where period = ? and version = ?",
                [period, version],
            )
            with memory.registered(f"{table}_rows", frame):
                memory.run(f"create table {table} as select * from {table}_rows")
        fingerprint = store.input_fingerprint(memory, versions)
    except WarehouseError as error:
        return None, f"could not be recomputed ({str(error).splitlines()[0]})"
    finally:
        memory.close()
    return fingerprint == publication.get("input_fingerprint"), fingerprint


def _seed_like_warehouse(warehouse: Warehouse, memory: Warehouse, seed: str, header) -> bool:
    """An empty ``seed`` table in ``memory`` with the warehouse seed's columns and types, taken
    from its rows' Arrow schema (either engine's); False when the pack's header differs."""
    empty = warehouse.arrow(f"select * from main.{seed} limit 0")
    if not empty.column_names or empty.column_names != header:
        return False
    with memory.registered(f"{seed}_columns", empty):
        memory.run(f"create table {seed} as select * from {seed}_columns")
    return True


def _yaml_version(text: str) -> str | None:
    found = re.search(r"""^version:\s*["']?([^"'\s#]+)""", text, re.MULTILINE)
    return found[1] if found else None


def _rulebook_sources(
    ws: Workspace,
    versions: list[str],
    seeds: dict[str, tuple[list[str], list[list[str]]]],
    folder: Path,
) -> dict[str, dict]:
    """Copy the YAML file of each version used into ``rulebook/yaml/<version>.yaml`` and say
    whether it compiles to the pack's rows of that version (it may have been edited since)."""
    from orchestration.rulebooks.live import rulebook_files

    found: dict[str, dict] = {}
    for path in rulebook_files(ws):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        version = _yaml_version(text)
        if version not in versions or version in found:
            continue
        target = folder / "yaml" / f"{version}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(path.read_bytes())
        found[version] = {
            "file": str(path),
            "pack_file": f"rulebook/yaml/{version}.yaml",
            "matches": _compiles_to(path, version, seeds),
        }
    return found


def _compiles_to(
    path: Path, version: str, seeds: dict[str, tuple[list[str], list[list[str]]]]
) -> bool | None:
    """Does the YAML file compile to the seed rows of its version? None if it cannot compile."""
    from orchestration.rulebooks.check import check_files
    from orchestration.rulebooks.compiler import render_seeds

    try:
        report = check_files([path], against_reps=False)
        if not report.ok or not report.books:
            return None
        rendered = render_seeds(report.books)
    except Exception:  # noqa: BLE001 - a file that does not load is "not checked", not a crash
        return None
    for name, content in rendered.items():
        seed = name.removesuffix(".csv")
        if seed not in seeds or not name.endswith(".csv"):
            continue
        reader = csv.reader(io.StringIO(content.decode("utf-8")))
        header = next(reader, [])
        compiled = [row for row in reader if row]
        at = header.index("rulebook_version") if "rulebook_version" in header else None
        compiled = [row for row in compiled if at is None or row[at] == version]
        pack_header, pack_rows = seeds[seed]
        if at is not None and pack_header == header:
            ours = [row for row in pack_rows if row[at] == version]
        else:
            ours = pack_rows
        if header != pack_header or compiled != ours:
            return False
    return True


# inputs, quarantine, counts ---------------------------------------------------------------------


def _manifest(warehouse: Warehouse, publication: dict) -> list[list]:
    """Every file ingested at or before the publication (its own run included)."""
    published_at, run_id = publication["published_at"], publication["run_id"]
    rows = [
        [*row, "ingested"]
        for row in warehouse.rows(
            "select source, source_file, file_hash, file_format, byte_size, row_count, "
            "ingested_at, run_id from ingested_files where ingested_at <= ? or run_id = ? "
            "order by source, source_file, ingested_at",
            [published_at, run_id],
        )
    ]
    if warehouse.table_columns("skipped_files"):
        for source, name, digest, same_as, seen in warehouse.rows(
            "select source, source_file, file_hash, same_as, min(first_seen_at) "
            "from skipped_files where first_seen_at <= ? group by all "
            "order by source, source_file",
            [published_at],
        ):
            rows.append(
                [source, name, digest, None, None, None, seen, None, f"skipped: same as {same_as}"]
            )
    rows.sort(key=lambda row: (row[0], row[1].encode(), row[-1]))
    return rows


def _inputs_check(
    warehouse: Warehouse, publication: dict, manifest: list[list]
) -> tuple[bool, bool] | None:
    """The manifest against the version's own per-file accounting (publication_inputs), when
    the version publishes one: same files and hashes; counts adding up to the record's."""
    if "publication_inputs" not in {table.name for table in VERSIONED}:
        return None
    rows = warehouse.rows(
        "select source, source_file, file_hash, rows_read, rows_loaded, rows_deduplicated, "
        "rows_quarantined from published.publication_inputs where period = ? and version = ? "
        "and source <> ?",  # files no source reads are recorded, not ingested
        [publication["period"], publication["version"], store.NOT_READ],
    )
    files = {tuple(row[:3]) for row in rows}
    listed = {tuple(row[:3]) for row in manifest if row[-1] == "ingested"}
    sums = [sum(row[3 + i] for row in rows) for i in range(len(COUNT_FIELDS))]
    counts = all(
        publication.get(field) is None or publication[field] == total
        for field, total in zip(COUNT_FIELDS, sums, strict=True)
    )
    return files == listed, counts


def _landing_check(ws: Workspace, manifest: list[list]) -> list[str]:
    """Landing files of the manifest that are gone or changed now."""
    problems = []
    for source, name, digest, *_rest in manifest:
        path = ws.landing_dir(source) / name
        if not path.is_file():
            problems.append(f"{source}/{name}: no longer in the landing folder")
        elif sha256_of(path) != digest:
            problems.append(f"{source}/{name}: changed since it was ingested")
    return problems


def _scope(source: str, month: str | None, period: str) -> str | None:
    if source in REFERENCE_SOURCES:
        return "reference"
    if month is None:
        return "undated"
    return "period" if month == period else None


def _quarantine(warehouse: Warehouse, period: str, files: set, paid: set) -> list[list]:
    rows = []
    for source, name, number, reason, raw, detail in warehouse.rows(
        "select source, source_file, row_number, reason, raw, detail from quarantine "
        "order by source, source_file, row_number"
    ):
        if (source, name) not in files:
            continue
        values = json.loads(raw) if raw else {}
        spec = SPECS.get(source)
        month = period_of(values.get(spec.period_column)) if spec and spec.period_column else None
        scope = _scope(source, month, period)
        if scope is None:
            continue
        personal = [f for f in SPECS[source].personal if values.get(f)]
        if personal:
            values.update({field: WITHHELD for field in personal})
            raw = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        note = LATER if (source, name, number) in paid else None
        rows.append([scope, source, name, number, reason, detail, raw, note])
    rows.sort(key=lambda row: ({"period": 0, "reference": 1}.get(row[0], 2), row[1], row[2]))
    return rows


def _validation_counts(warehouse: Warehouse, period: str, files: set) -> list[list]:
    rows = []
    for source, name, month, *counts in warehouse.rows(
        "select source, source_file, period, rows_read, rows_loaded, rows_deduplicated, "
        "rows_quarantined from validation_counts order by source, source_file, period nulls first"
    ):
        if (source, name) not in files:
            continue
        scope = _scope(source, period_of(month), period)
        if scope is not None:
            rows.append([scope, source, name, month, *(int(c) for c in counts)])
    rows.sort(key=lambda row: ({"period": 0, "reference": 1}.get(row[0], 2), row[1], row[2]))
    return rows
