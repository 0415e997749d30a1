"""What a workspace knows that a rule book depends on: its teams and roles, its closed periods.

Everything is read read-only (the warehouse and the readers' copy), so checking or promoting a
rule book never blocks a running close and never needs the writer lock to read. On a Spark
workspace the reps are read from Spark; the closed periods from the readers' copy, which a
close writes on either engine.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import WarehouseError, open_database
from orchestration.warehouse.open import connect, engine_of


@dataclass(frozen=True)
class RepFacts:
    """Teams and roles of the loaded reps; ``None`` when they could not be read (see ``note``)."""

    teams: frozenset[str] | None = None
    roles: frozenset[str] | None = None
    note: str = ""

    @property
    def known(self) -> bool:
        return self.teams is not None


@dataclass(frozen=True)
class ClosedPeriods:
    periods: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())  # where they were read

    @property
    def last_day(self) -> date | None:
        """The last day of the latest closed period: a new version must start after it."""
        if not self.periods:
            return None
        return last_day_of(max(self.periods))


def last_day_of(period: str) -> date:
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def rep_facts(workspace: Workspace | None) -> RepFacts:
    """Teams and roles of ``validated_reps`` in the workspace warehouse, opened read-only."""
    if workspace is None:
        return RepFacts(note="teams and roles were not checked: no workspace was given")
    if engine_of(workspace) == "spark":
        return _spark_rep_facts(workspace)
    if not workspace.warehouse.exists():
        return RepFacts(
            note=f"teams and roles were not checked: {workspace.home} has no warehouse yet "
            "(reps are loaded by the first close)"
        )
    try:
        warehouse = open_database(workspace.warehouse, read_only=True)
    except WarehouseError as error:
        return RepFacts(
            note=f"teams and roles were not checked: cannot read the warehouse ({error})"
        )
    try:
        rows = warehouse.rows(REPS_SQL)
    except WarehouseError:
        return RepFacts(
            note="teams and roles were not checked: the warehouse has no loaded reps yet"
        )
    finally:
        warehouse.close()
    return _facts_of(rows)


REPS_SQL = "select distinct team_id, role from validated_reps"


def _spark_rep_facts(workspace: Workspace) -> RepFacts:
    """The same from the Spark warehouse (read-only: no table is made)."""
    with connect(workspace, read_only=True) as warehouse:
        if not warehouse.table_exists("validated_reps"):
            return RepFacts(
                note="teams and roles were not checked: the warehouse has no loaded reps yet"
            )
        return _facts_of(warehouse.rows(REPS_SQL))


def _facts_of(rows: list[tuple]) -> RepFacts:
    if not rows:
        return RepFacts(note="teams and roles were not checked: the warehouse has no loaded reps")
    teams = frozenset(team for team, _ in rows if team)
    roles = frozenset(role for _, role in rows if role)
    return RepFacts(teams=teams, roles=roles)


def _periods(path, table: str) -> tuple[str, ...]:
    with open_database(path, read_only=True) as database:
        found = database.row(
            "select 1 from information_schema.tables where table_schema || '.' || table_name = ?",
            [table if "." in table else f"main.{table}"],
        )
        if not found:
            return ()
        rows = database.rows(f"select distinct period from {table}")
    return tuple(str(row[0]) for row in rows if row[0])


def closed_periods(workspace: Workspace) -> ClosedPeriods:
    """Periods with at least one published version, from the readers' copy and the warehouse's
    history (a period published but not yet copied counts too). Nothing published: none."""
    periods: set[str] = set()
    sources: list[str] = []
    errors: list[str] = []
    for path, table in (
        (workspace.published_db, "publications"),
        (workspace.warehouse, "published.publications"),
    ):
        if not path.exists():
            continue
        try:
            periods.update(_periods(path, table))
            sources.append(str(path))
        except WarehouseError as error:
            errors.append(f"{path}: {error}")
    if errors and not sources:
        raise ClosedPeriodsUnknown(
            "cannot tell which periods are closed: " + "; ".join(errors) + " (is a close running? "
            "wait for it to finish and run the command again)"
        )
    return ClosedPeriods(tuple(sorted(periods)), tuple(sources))


class ClosedPeriodsUnknown(RuntimeError):
    """The publications could not be read, so a promotion cannot be judged safe."""
