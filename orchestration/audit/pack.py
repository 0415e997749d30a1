"""The audit pack: one published version and everything needed to check it by hand.

``jifen-audit-<period>-v<version>/`` holds the version's published rows as CSV, its publication
record, the rule book rows it used (from the workspace's seeds) and the rule book YAML files they
were compiled from, the manifest of the landing files it was computed from, the
period's quarantine and validation counts, a README with the checking procedure, a stdlib-only
``check_hashes.py`` and ``SHA256SUMS``. The same folder is zipped deterministically (sorted
entries, fixed timestamps), so the same published version gives the same bytes.

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

import duckdb

from orchestration.audit._common import (
    AuditError,
    RuleBook,
    columns_of,
    fetch_dicts,
    open_warehouse,
    period_of,
    resolve_version,
    rulebook_rows,
)
from orchestration.audit.readme import render_readme
from orchestration.ingest.reader import sha256_of
from orchestration.lib.workspace import Workspace
from orchestration.publish import store
from schemas.contract import SPECS
from schemas.published import CHAINED_FIELDS, VERSIONED

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REFERENCE_SOURCES = tuple(name for name, spec in SPECS.items() if spec.period_column is None)
PERSONAL_FIELDS = {"customers": ("customer_name",)}
WITHHELD = "(withheld: personal data)"
LATER = "loaded when this version was published (a ledger line uses it); quarantined since"
COUNT_FIELDS = ("rows_read", "rows_loaded", "rows_deduplicated", "rows_quarantined")


def write_audit_pack(ws: Workspace, period: str, version: int | None, out_dir: Path) -> Path:
    """Write ``out_dir/jifen-audit-<period>-v<version>/`` and its ``.zip``; return the zip path.

    Reads the warehouse (read-only): raises ``WarehouseLocked`` while a close runs,
    ``NothingPublished`` for an unpublished period or version, and ``AuditError`` when the
    version's published rows no longer match their content hash (see ``jifen verify-chain``).
    """
    out_dir = Path(out_dir)
    with open_warehouse(ws) as con:
        version = resolve_version(con, period, version, schema="published")
        publication = _publication(con, period, version)
        recomputed = store.content_hash(con, period, version, schema="published")
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
            checks = _write_contents(ws, con, staging, period, version, publication)
            (staging / "README.md").write_text(
                _readme(ws, period, version, publication, checks), encoding="utf-8"
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


def _publication(con: duckdb.DuckDBPyConnection, period: str, version: int) -> dict:
    columns = ", ".join(f'"{name}"' for name in columns_of(con, "publications", "published"))
    rows = fetch_dicts(
        con,
        f"select {columns} from published.publications where period = ? and version = ?",
        [period, version],
    )
    if len(rows) != 1:
        raise AuditError(f"{period} v{version} has {len(rows)} publication records, not 1")
    return rows[0]


def _write_contents(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    period: str,
    version: int,
    publication: dict,
) -> dict:
    checks: dict[str, Any] = {}
    for table in VERSIONED:
        columns = ", ".join(table.column_names)
        rows = con.execute(
            f"select {columns} from published.{table.name} where period = ? and version = ? "
            f"order by {table.order_by}",
            [period, version],
        ).fetchall()
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
    rulebook_dir = folder / "rulebook"
    rulebook_dir.mkdir()
    seeds = rulebook_rows(ws, versions)
    for seed, (header, rows) in sorted(seeds.items()):
        _write_csv(rulebook_dir / f"{seed}.csv", header, rows)
    checks["rulebook_versions"] = versions
    checks["rulebook_sources"] = _rulebook_sources(ws, versions, seeds, rulebook_dir)
    checks["fingerprint"] = _fingerprint_check(con, publication, versions, seeds)
    manifest = _manifest(con, publication)
    _write_csv(
        folder / "inputs_manifest.csv",
        ["source", "file", "sha256", "format", "bytes", "rows", "ingested_at", "run_id", "status"],
        manifest,
    )
    ingested = {(row[0], row[1]) for row in manifest if row[-1] == "ingested"}
    checks["landing"] = _landing_check(ws, manifest)
    checks["publication_inputs"] = _inputs_check(con, publication, manifest)
    paid = {
        tuple(row)
        for row in con.execute(
            "select source, source_file, source_row_number from published.points_ledger "
            "where period = ? and version = ? and source_file is not null",
            [period, version],
        ).fetchall()
    }
    quarantine = _quarantine(con, period, ingested, paid)
    _write_csv(
        folder / "quarantine.csv",
        ["scope", "source", "source_file", "row_number", "reason", "detail", "raw", "note"],
        quarantine,
    )
    counts = _validation_counts(con, period, ingested)
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
        for row in con.execute(
            "select distinct rule_id from published.points_ledger where period = ? and version = ?"
            " order by 1",
            [period, version],
        ).fetchall()
    ]
    (folder / "check_hashes.py").write_text(_check_script(), encoding="utf-8")
    return checks


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
    con: duckdb.DuckDBPyConnection,
    publication: dict,
    versions: list[str],
    seeds: dict[str, tuple[list[str], list[list[str]]]],
) -> tuple[bool | None, str]:
    """Do the pack's rule book rows, with the version's ledger and roster, give the published
    input fingerprint? Recomputed with the pipeline's own function on the pack's rows."""
    period, version = publication["period"], publication["version"]
    memory = duckdb.connect()
    try:
        for seed in store.RULEBOOK_SEEDS:
            types = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'main' and table_name = ? order by ordinal_position",
                [seed],
            ).fetchall()
            header, rows = seeds.get(seed, ([], []))
            if not types or [name for name, _ in types] != header:
                return None, f"the columns of seed {seed} differ from the warehouse's"
            memory.execute(
                f"create table {seed} (" + ", ".join(f'"{n}" {t}' for n, t in types) + ")"
            )
            marks = ", ".join("?" for _ in header)
            for row in rows:
                memory.execute(
                    f"insert into {seed} values ({marks})", [value or None for value in row]
                )
        for table in ("points_ledger", "rep_period_points"):
            columns = [c for c in columns_of(con, table, "published") if c != "version"]
            listed = ", ".join(f'"{name}"' for name in columns)
            frame = con.sql(
                f"select {listed} from published.{table} where period = ? and version = ?",
                params=[period, version],
            ).to_arrow_table()
            memory.register(f"{table}_rows", frame)
            memory.execute(f"create table {table} as select * from {table}_rows")
        fingerprint = store.input_fingerprint(memory, versions)
    except duckdb.Error as error:
        return None, f"could not be recomputed ({str(error).splitlines()[0]})"
    finally:
        memory.close()
    return fingerprint == publication.get("input_fingerprint"), fingerprint


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
    from orchestration.rulebooks.workspace import rulebook_files

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


def _manifest(con: duckdb.DuckDBPyConnection, publication: dict) -> list[list]:
    """Every file ingested at or before the publication (its own run included)."""
    published_at, run_id = publication["published_at"], publication["run_id"]
    rows = [
        [*row, "ingested"]
        for row in con.execute(
            "select source, source_file, file_hash, file_format, byte_size, row_count, "
            "ingested_at, run_id from ingested_files where ingested_at <= ? or run_id = ? "
            "order by source, source_file, ingested_at",
            [published_at, run_id],
        ).fetchall()
    ]
    if columns_of(con, "skipped_files"):
        for source, name, digest, same_as, seen in con.execute(
            "select source, source_file, file_hash, same_as, min(first_seen_at) "
            "from skipped_files where first_seen_at <= ? group by all "
            "order by source, source_file",
            [published_at],
        ).fetchall():
            rows.append(
                [source, name, digest, None, None, None, seen, None, f"skipped: same as {same_as}"]
            )
    rows.sort(key=lambda row: (row[0], row[1].encode(), row[-1]))
    return rows


def _inputs_check(
    con: duckdb.DuckDBPyConnection, publication: dict, manifest: list[list]
) -> tuple[bool, bool] | None:
    """The manifest against the version's own per-file accounting (publication_inputs), when
    the version publishes one: same files and hashes; counts adding up to the record's."""
    if "publication_inputs" not in {table.name for table in VERSIONED}:
        return None
    rows = con.execute(
        "select source, source_file, file_hash, rows_read, rows_loaded, rows_deduplicated, "
        "rows_quarantined from published.publication_inputs where period = ? and version = ?",
        [publication["period"], publication["version"]],
    ).fetchall()
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


def _quarantine(con: duckdb.DuckDBPyConnection, period: str, files: set, paid: set) -> list[list]:
    rows = []
    for source, name, number, reason, raw, detail in con.execute(
        "select source, source_file, row_number, reason, raw, detail from quarantine "
        "order by source, source_file, row_number"
    ).fetchall():
        if (source, name) not in files:
            continue
        values = json.loads(raw) if raw else {}
        spec = SPECS.get(source)
        month = period_of(values.get(spec.period_column)) if spec and spec.period_column else None
        scope = _scope(source, month, period)
        if scope is None:
            continue
        personal = [f for f in PERSONAL_FIELDS.get(source, ()) if values.get(f)]
        if personal:
            values.update({field: WITHHELD for field in personal})
            raw = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        note = LATER if (source, name, number) in paid else None
        rows.append([scope, source, name, number, reason, detail, raw, note])
    rows.sort(key=lambda row: ({"period": 0, "reference": 1}.get(row[0], 2), row[1], row[2]))
    return rows


def _validation_counts(con: duckdb.DuckDBPyConnection, period: str, files: set) -> list[list]:
    rows = []
    for source, name, month, *counts in con.execute(
        "select source, source_file, period, rows_read, rows_loaded, rows_deduplicated, "
        "rows_quarantined from validation_counts order by source, source_file, period nulls first"
    ).fetchall():
        if (source, name) not in files:
            continue
        scope = _scope(source, period_of(month), period)
        if scope is not None:
            rows.append([scope, source, name, month, *(int(c) for c in counts)])
    rows.sort(key=lambda row: ({"period": 0, "reference": 1}.get(row[0], 2), row[1], row[2]))
    return rows


# the stdlib-only checker shipped in the pack ----------------------------------------------------

_CHECK_SCRIPT = '''\
#!/usr/bin/env python3
"""Check this jifen audit pack with nothing but Python's standard library.

    python3 check_hashes.py                  # the pack's files, content hash, publication hash
    python3 check_hashes.py --landing DIR    # also every landing file of inputs_manifest.csv

Exit status 0 when every check passes.
"""

import csv
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The published tables in hashing order, each with its columns (the CSV header).
TABLES = __TABLES__
# The publication fields its own hash covers, in order.
CHAINED_FIELDS = __CHAINED__


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rows_sha256(path, columns):
    """Each row's values joined by 0x1F (NULL, an empty field, as 0x00), each followed by a
    newline, in the file's order."""
    digest = hashlib.sha256()
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != columns:
            raise SystemExit(f"{path.name}: header {header} is not {columns}")
        for row in reader:
            digest.update("\\x1f".join("\\x00" if v == "" else v for v in row).encode())
            digest.update(b"\\n")
    return digest.hexdigest()


def main(argv):
    ok = True

    def report(passed, text):
        nonlocal ok
        ok = ok and passed
        print(("OK       " if passed else "MISMATCH ") + text)

    for line in (HERE / "SHA256SUMS").read_text().splitlines():
        expected, name = line.split("  ", 1)
        path = HERE / name
        report(path.is_file() and sha256_file(path) == expected, f"file {name}")
    publication = json.loads((HERE / "publication.json").read_text(encoding="utf-8"))
    content = hashlib.sha256()
    for table, columns in TABLES:
        content.update(table.encode())
        content.update(rows_sha256(HERE / f"{table}.csv", columns).encode())
    report(
        content.hexdigest() == publication["content_hash"],
        f"content hash {content.hexdigest()} (publication.json: {publication['content_hash']})",
    )
    if publication.get("publication_hash"):
        text = "\\x1f".join(
            "" if publication[f] is None else str(publication[f]) for f in CHAINED_FIELDS
        )
        chained = hashlib.sha256(text.encode()).hexdigest()
        report(
            chained == publication["publication_hash"],
            f"publication hash {chained} (publication.json: {publication['publication_hash']})",
        )
    if len(argv) == 2 and argv[0] == "--landing":
        landing = Path(argv[1])
        with open(HERE / "inputs_manifest.csv", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                path = landing / row["source"] / row["file"]
                report(
                    path.is_file() and sha256_file(path) == row["sha256"],
                    f"landing file {row['source']}/{row['file']}",
                )
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
'''


def _check_script() -> str:
    tables = [[table.name, list(table.column_names)] for table in VERSIONED]
    return _CHECK_SCRIPT.replace("__TABLES__", json.dumps(tables)).replace(
        "__CHAINED__", json.dumps(list(CHAINED_FIELDS))
    )


def _readme(ws: Workspace, period: str, version: int, publication: dict, checks: dict) -> str:
    books = {}
    for name in checks["rulebook_versions"]:
        try:
            books[name] = RuleBook(name, ws)
        except AuditError:
            continue
    return render_readme(period, version, publication, checks, books)
