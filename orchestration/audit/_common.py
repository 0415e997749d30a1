"""Read-only access to a workspace for the audit tools: connections, versions, the rule book.

Nothing here writes: the warehouse and the readers' copy are opened read-only, and the audit
never takes the writer lock (a running close must not be blocked by an auditor).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import duckdb

from orchestration.lib.published import NothingPublished, open_published
from orchestration.lib.workspace import Workspace, WorkspaceBusy

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = REPO_ROOT / "seeds"
CENT = Decimal("0.01")


class AuditError(Exception):
    """An audit question that cannot be answered (with what to do about it)."""


class WarehouseLocked(AuditError, WorkspaceBusy):
    """The warehouse is held by a running close: DuckDB allows no reader beside a writer."""

    def __init__(self, workspace: Workspace, detail: str = "") -> None:
        found = re.search(r"PID (\d+)", detail)
        if found:
            pid = found[1]
        else:
            try:
                pid = workspace.lock_file.read_text().strip() or "?"
            except OSError:
                pid = "?"
        Exception.__init__(
            self,
            f"the warehouse {workspace.warehouse} is locked by a running jifen close "
            f"(pid {pid}) or another program writing to it; the audit reads it, so wait for "
            "the close to finish and run the command again",
        )


class LineNotFound(AuditError, LookupError):
    pass


@contextmanager
def open_warehouse(workspace: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """The pipeline's warehouse, read-only; a clear error while a close holds it."""
    if not workspace.warehouse.exists():
        raise NothingPublished(
            f"{workspace.home} has no warehouse yet: run `jifen close PERIOD` first"
        )
    try:
        con = duckdb.connect(str(workspace.warehouse), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseLocked(workspace, str(error)) from None
        raise
    try:
        yield con
    finally:
        con.close()


open_readers_copy = open_published  # one way to open the readers' copy


def columns_of(con: duckdb.DuckDBPyConnection, table: str, schema: str = "main") -> list[str]:
    """Column names of a table or view, in their order (empty when it does not exist)."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def resolve_version(
    con: duckdb.DuckDBPyConnection, period: str, version: int | None, schema: str = "main"
) -> int:
    found = con.execute(
        f"select max(version) from {schema}.publications where period = ?"
        + ("" if version is None else " and version = ?"),
        [period] if version is None else [period, version],
    ).fetchone()[0]
    if found is None:
        what = f"version {version} of {period}" if version else f"period {period}"
        raise NothingPublished(f"{what} is not published (see `jifen status`)")
    return int(found)


def round_half_away(value: Decimal) -> Decimal:
    """Round to 2 places, half away from zero (Decimal's ROUND_HALF_UP is away from zero)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_of(date_text: str | None) -> str | None:
    """The month a fact row belongs to, from its date as landed (the validation's rule)."""
    if date_text is None:
        return None
    month = date_text.strip()[:7]
    return month if PERIOD_RE.match(month) else None


# The rule book ----------------------------------------------------------------------------------


def seed_files() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.csv"), key=lambda path: path.name)


@lru_cache(maxsize=8)
def _read_seed(path: Path, mtime_ns: int) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        return header, [row for row in reader if row]


def read_seed(path: Path) -> tuple[list[str], list[list[str]]]:
    """A seed CSV as text: (header, rows). Never floats."""
    return _read_seed(path, path.stat().st_mtime_ns)


def rulebook_rows(versions: list[str]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Each seed's rows of the given rule book versions, keyed by seed name."""
    wanted = set(versions)
    found = {}
    for path in seed_files():
        header, rows = read_seed(path)
        if "rulebook_version" in header:
            at = header.index("rulebook_version")
            rows = [row for row in rows if row[at] in wanted]
        found[path.stem] = (header, rows)
    return found


class RuleBook:
    """The parameters of one rule book version, as decimals, from the seeds."""

    def __init__(self, version: str) -> None:
        self.version = version
        seeds = rulebook_rows([version])

        def records(name: str) -> list[dict[str, str]]:
            header, rows = seeds.get(name, ([], []))
            return [dict(zip(header, row, strict=False)) for row in rows]

        parameters = records("rule_parameters")
        if not parameters:
            raise AuditError(f"rule book {version} has no rule_parameters row in {SEEDS_DIR}")
        self.parameters = {
            key: value for key, value in parameters[0].items() if key != "rulebook_version"
        }
        self.satisfaction = {
            int(row["score"]): Decimal(row["points"]) for row in records("satisfaction_points")
        }
        self.team_targets = {
            row["team_id"]: Decimal(row["monthly_target"]) for row in records("team_targets")
        }
        self.tiers = sorted((Decimal(row["min_points"]), row["tier"]) for row in records("tiers"))

    def decimal(self, name: str) -> Decimal:
        return Decimal(self.parameters[name])

    def team_target(self, team_id: str) -> Decimal | None:
        return self.team_targets.get(team_id, self.team_targets.get("*"))
