"""The landing folder as the benchmark reads it: data files in name order, byte copies dropped,
rows counted. Import-light (the floor's process uses it): duckdb is imported when needed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from schemas.contract import SPECS

SOURCES = tuple(SPECS)


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def month_of_file(name: str) -> str | None:
    match = re.search(r"(\d{4}-\d{2})", name)
    return match[1] if match else None


def data_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".parquet")
    )


def distinct_files(folder: Path) -> list[Path]:
    """Data files in name order, without byte-identical copies of an earlier one (SHA-256)."""
    seen: set[str] = set()
    kept = []
    for path in data_files(folder):
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        if digest not in seen:
            seen.add(digest)
            kept.append(path)
    return kept


def reader(path: Path) -> str:
    """A DuckDB relation of one landed file, every CSV value as text."""
    if path.suffix.lower() == ".csv":
        options = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"
        return f"read_csv({sql_text(str(path))}, {options})"
    return f"read_parquet({sql_text(str(path))})"


def count_rows(paths: list[Path]) -> int:
    import duckdb

    with duckdb.connect() as con:
        return sum(con.execute(f"select count(*) from {reader(p)}").fetchone()[0] for p in paths)


def sales_rows(landing: Path, month: str) -> int:
    """Rows of the month's sales deliveries (byte copies counted once)."""
    files = [p for p in distinct_files(landing / "sales") if month_of_file(p.name) == month]
    return count_rows(files)


def landing_rows(landing: Path) -> int:
    """Rows of every source's deliveries (byte copies counted once)."""
    return count_rows([p for source in SOURCES for p in distinct_files(landing / source)])


def warm(landing: Path) -> None:
    """Read every landed file once, so neither contestant pays for a cold page cache."""
    for source in SOURCES:
        for path in data_files(landing / source):
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass
