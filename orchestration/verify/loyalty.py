"""What `jifen verify` does with the loyalty program's tables (docs/decisions.md, "Verifying the
loyalty tables").

A loyalty close continues from the previous month's loyalty close: its published balances (in
the publication history) and its walk (``LOYALTY_STATE``, which each loyalty close replaces, so
it is gone once the next month is closed). Verify therefore recomputes that walk too, from the
previous close's own recorded inputs: a full re-walk equals a resumed one, so the state is
exactly what the close continued from. A restatement carries its loyalty tables over from the
version before (they are never restated): they are checked to be that version's rows, and the
version that first published them is the one that recomputes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from orchestration.lib.period import month_before
from orchestration.warehouse.connection import Warehouse
from schemas.published import INTERNAL, LOYALTY_STATE, VERSIONED

LOYALTY_TABLES = tuple(table for table in VERSIONED if table.program == "loyalty")
# What a close reads of the history besides the published tables: the redemptions accepted in
# earlier versions are honoured, never quarantined again (validation and the walk read them).
HISTORY_INTERNAL = tuple(table for table in INTERNAL if table.program == "loyalty")


@dataclass(frozen=True)
class PreviousClose:
    """The loyalty close a version continued from: period, version and chain position."""

    period: str
    version: int
    seq: int


def previous_close(source: Warehouse, period: str, seq: int) -> PreviousClose | None:
    """The first version of the month before ``period`` published before ``seq``, if it has
    loyalty rows: the walk it saved is the one the version at ``seq`` continued from."""
    before = month_before(period)
    row = source.row(
        "select p.version, p.seq from published.publications p where p.period = ? "
        "and p.version = 1 and p.seq < ? and exists (select 1 from published.loyalty_kpis k "
        "where k.period = p.period and k.version = p.version)",
        [before, seq],
    )
    return PreviousClose(before, row[0], row[1]) if row else None


def accepted_redemptions_sql(table) -> str:
    """The rows of an internal history table accepted by the publications before ``seq`` (its
    one parameter), from the workspace's warehouse (``{src}``, as ``recompute.recorded_rows``)."""
    columns = ", ".join(f"t.{name}" for name in table.column_names)
    return (
        f"select {columns} from {{src}}published.{table.name} t "
        "join {src}published.publications p using (period, version) where p.seq < ?"
    )


def walk_state(warehouse: Warehouse, close: PreviousClose) -> dict[str, pa.Table]:
    """The walk a recomputation of ``close`` produced, as the rows of its saved state."""
    state = {}
    for table in LOYALTY_STATE:
        columns = ", ".join(name for name, _ in table.columns)
        state[table.name] = warehouse.arrow(
            f"select ? as period, cast(? as integer) as version, {columns} from {table.candidate}",
            [close.period, close.version],
        )
    return state


def load_walk_state(warehouse: Warehouse, state: dict[str, pa.Table]) -> None:
    for name, rows in state.items():
        with warehouse.registered("recomputed_state", rows):
            warehouse.run(f"insert into published.{name} select * from recomputed_state")


def compare_carried(warehouse: Warehouse, period: str, version: int) -> list[str]:
    """A restatement's loyalty tables against the version before's (kept in the scratch
    warehouse's history): one difference line per table that is not an exact copy."""
    differences = []
    for table in LOYALTY_TABLES:
        columns = ", ".join(name for name, _ in table.columns)
        carried = f"select period, {columns} from stored_{table.name}"
        before = (
            f"select period, {columns} from published.{table.name} "
            f"where period = '{period}' and version = {version - 1}"
        )
        missing = warehouse.value(f"select count(*) from ({before} except all {carried})")
        extra = warehouse.value(f"select count(*) from ({carried} except all {before})")
        if missing or extra:
            sample = warehouse.rows(f"{carried} except all {before} limit 3")
            differences.append(
                f"{table.name}: not the rows of v{version - 1} it carries over ({missing} row(s) "
                f"of v{version - 1} missing, {extra} other row(s)); e.g. {sample}"
            )
    return differences
