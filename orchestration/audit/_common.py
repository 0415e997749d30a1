"""Read-only access to a workspace for the audit tools: connections, versions, the rule book.

Nothing here writes: the warehouse and the readers' copy are opened read-only, and the audit
never takes the writer lock (a running close must not be blocked by an auditor).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import duckdb

from orchestration.lib.paths import REPO_ROOT  # noqa: F401
from orchestration.lib.paths import REPO_SEEDS as SEEDS_DIR
from orchestration.lib.workspace import Workspace, WorkspaceBusy
from orchestration.warehouse.published import NothingPublished, open_published

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

SeedSource = Workspace | Path | None
# Kinds computed from one landed row each, and the landing source of that row.
ROW_KINDS = {
    "amount_rate": "sales",
    "spiff": "sales",
    "first_sale": "sales",
    "score_points": "surveys",
}
MANUAL_ADJUSTMENT = "MANUAL_ADJUSTMENT"
PRIOR_PERIOD_ADJUSTMENT = "PRIOR_PERIOD_ADJUSTMENT"


def seeds_dir(source: SeedSource = None) -> Path:
    """The seed CSVs a workspace's closes read: ``ws.seeds`` (compiled from its live rule books
    at every close), else the repository's ``seeds/`` (a workspace that never closed)."""
    if source is None:
        return SEEDS_DIR
    folder = source.seeds if isinstance(source, Workspace) else Path(source)
    return folder if (folder / "rules.csv").is_file() else SEEDS_DIR


def seed_files(source: SeedSource = None) -> list[Path]:
    return sorted(seeds_dir(source).glob("*.csv"), key=lambda path: path.name)


@lru_cache(maxsize=32)
def _read_seed(path: Path, mtime_ns: int, size: int) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        return header, [row for row in reader if row]


def read_seed(path: Path) -> tuple[list[str], list[list[str]]]:
    """A seed CSV as text: (header, rows). Never floats."""
    stat = path.stat()
    return _read_seed(path, stat.st_mtime_ns, stat.st_size)


def rulebook_rows(
    source: SeedSource, versions: list[str]
) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Each seed's rows of the given rule book versions, keyed by seed name, from the seeds of
    the workspace (``seeds_dir``)."""
    wanted = set(versions)
    found = {}
    for path in seed_files(source):
        header, rows = read_seed(path)
        if "rulebook_version" in header:
            at = header.index("rulebook_version")
            rows = [row for row in rows if row[at] in wanted]
        found[path.stem] = (header, rows)
    return found


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split("|") if part.strip())


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text not in (None, "") else None


@dataclass(frozen=True)
class Rule:
    """One rule of a rule book version: its kind and the kind's parameters (``None`` when the
    kind does not use a parameter). ``values`` holds every non-empty seed value as text."""

    rule_id: str
    kind: str
    values: dict[str, str]
    rate: Decimal | None = None
    points: Decimal | None = None
    multiplier: Decimal | None = None
    limit_points: Decimal | None = None
    min_surveys: int | None = None
    mean_score_below: Decimal | None = None
    factor: Decimal | None = None
    family: tuple[str, ...] = ()
    cap_rule_id: str | None = None
    base_rule_id: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    segment: str | None = None
    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    default_target: Decimal | None = None
    description: str = ""

    @classmethod
    def from_seed(cls, row: dict[str, str]) -> Rule:
        def text(name: str) -> str | None:
            value = (row.get(name) or "").strip()
            return value or None

        surveys = text("min_surveys")
        return cls(
            rule_id=row["rule_id"],
            kind=row["kind"],
            values={
                key: value
                for key, value in row.items()
                if key not in ("rulebook_version", "rule_id", "kind", "description") and value
            },
            rate=_decimal(text("rate")),
            points=_decimal(text("points")),
            multiplier=_decimal(text("multiplier")),
            limit_points=_decimal(text("limit_points")),
            min_surveys=int(surveys) if surveys else None,
            mean_score_below=_decimal(text("mean_score_below")),
            factor=_decimal(text("factor")),
            family=_split(text("family")),
            cap_rule_id=text("cap_rule_id"),
            base_rule_id=text("base_rule_id"),
            window_start=text("window_start"),
            window_end=text("window_end"),
            segment=text("segment"),
            roles=_split(text("roles")),
            teams=_split(text("teams")),
            default_target=_decimal(text("default_target")),
            description=row.get("description") or "",
        )

    def applies_to(self, role: str | None, team: str | None) -> bool:
        """Eligibility as in dbt: every role / team when the rule lists none."""
        return (not self.roles or role in self.roles) and (not self.teams or team in self.teams)

    @property
    def eligibility(self) -> str:
        parts = []
        if self.roles:
            parts.append("roles " + ", ".join(self.roles))
        if self.teams:
            parts.append("teams " + ", ".join(self.teams))
        return "; ".join(parts) or "every rep"


class RuleBook:
    """One rule book version, from the seeds of a workspace: its rules by id (kind and
    parameters as decimals), the score tables, the team targets and the tiers."""

    def __init__(self, version: str, source: SeedSource = None) -> None:
        self.version = version
        self.folder = seeds_dir(source)
        seeds = rulebook_rows(source, [version])

        def records(name: str) -> list[dict[str, str]]:
            header, rows = seeds.get(name, ([], []))
            return [dict(zip(header, row, strict=False)) for row in rows]

        books = records("rulebooks")
        rules = records("rules")
        if not rules:
            raise AuditError(f"rule book {version} has no row in {self.folder / 'rules.csv'}")
        self.effective_from = books[0]["effective_from"] if books else None
        self.currency = books[0].get("currency") if books else None
        self.description = books[0].get("description", "") if books else ""
        self.rules: dict[str, Rule] = {row["rule_id"]: Rule.from_seed(row) for row in rules}
        self.score_points: dict[str, dict[int, Decimal]] = {}
        for row in records("score_points"):
            table = self.score_points.setdefault(row["rule_id"], {})
            table[int(row["score"])] = Decimal(row["points"])
        self.team_targets: dict[str, dict[str, Decimal]] = {}
        for row in records("team_targets"):
            targets = self.team_targets.setdefault(row["rule_id"], {})
            targets[row["team_id"]] = Decimal(row["monthly_target"])
        self.tiers = sorted((Decimal(row["min_points"]), row["tier"]) for row in records("tiers"))

    def rule(self, rule_id: str | None) -> Rule | None:
        return self.rules.get(rule_id or "")

    def of_kind(self, *kinds: str) -> list[Rule]:
        return [rule for rule in self.rules.values() if rule.kind in kinds]

    def team_target(self, rule_id: str, team_id: str) -> Decimal | None:
        """The team's own monthly target for a team_bonus rule, else the rule's default."""
        own = self.team_targets.get(rule_id, {})
        if team_id in own:
            return own[team_id]
        rule = self.rule(rule_id)
        return rule.default_target if rule else None


def rulebook_calendar(source: SeedSource = None) -> list[tuple[str, str]]:
    """(effective_from, version) of every rule book version of the seeds, oldest first."""
    path = seeds_dir(source) / "rulebooks.csv"
    if not path.is_file():
        return []
    header, rows = read_seed(path)
    found = [dict(zip(header, row, strict=False)) for row in rows]
    return sorted((row["effective_from"], row["rulebook_version"]) for row in found)


def version_on(calendar: list[tuple[str, str]], day: str | None) -> str | None:
    """The version in effect on an ISO date (the latest effective_from on or before it)."""
    if not day:
        return None
    found = [version for start, version in calendar if start <= day.strip()[:10]]
    return found[-1] if found else None
