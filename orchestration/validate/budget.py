"""The error budget: a close stops when too many of a period's rows were quarantined.

Manual adjustments are not budgeted (a handful of hand-made rows, where a share means nothing):
instead any quarantined adjustment of the period that no loaded row of its ``adjustment_id``
replaces stops the close (docs/decisions.md). Loyalty members are reference data, like reps and
customers; redemptions are facts dated by a day, budgeted on their validation codes only
(``missing_field`` .. ``not_member``): the walk's verdicts are business outcomes, never data
errors (docs/loyalty-program.md, section 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.lib.period import PERIOD_REGEX
from orchestration.lib.workspace import SOURCES
from orchestration.warehouse.connection import Warehouse
from schemas.contract import LOYALTY_SOURCES, SIGNOFF_SOURCES, SPECS
from schemas.reasons import WALK_LEVEL

DEFAULT_ERROR_BUDGET = 0.05
# Facts dated by a day (sales, surveys, redemptions): reference data carries no period, a
# quarantined adjustment stops its period's close whatever the budget, and the sign-off sources
# (disputes, decisions, acknowledgements) never earn points (docs/decisions.md).
BUDGETED_SOURCES = tuple(
    spec.name for spec in SPECS.values() if spec.period_date and spec.name not in SIGNOFF_SOURCES
)
NEVER_STOP = 1.0  # a budget of 100 %: nothing quarantined stops the run (provisional standings)


@dataclass(frozen=True)
class SourceCounts:
    source: str
    read: int
    loaded: int
    deduplicated: int
    quarantined: int

    @property
    def share(self) -> float:
        return self.quarantined / self.read if self.read else 0.0


def period_counts(warehouse: Warehouse, period: str) -> list[SourceCounts]:
    """Rows of each source for the period (facts by date or month; reference data: all rows)."""
    rows = warehouse.rows(
        """select source, sum(rows_read), sum(rows_loaded), sum(rows_deduplicated),
                  sum(rows_quarantined)
           from validation_counts
           where period = ? or period is null
           group by source""",
        [period],
    )
    found = {row[0]: SourceCounts(*(row[0], *(int(value) for value in row[1:]))) for row in rows}
    return [found.get(name, SourceCounts(name, 0, 0, 0, 0)) for name in SOURCES]


def listed_counts(counts: list[SourceCounts]) -> list[SourceCounts]:
    """The counts a close's summary lists: the loyalty program's sources only when some of their
    rows were read, each sign-off source only when some of its rows were, so a workspace without
    them shows what it showed before them."""
    loyalty = any(c.read for c in counts if c.source in LOYALTY_SOURCES)
    return [
        c
        for c in counts
        if (loyalty or c.source not in LOYALTY_SOURCES)
        and (c.read or c.source not in SIGNOFF_SOURCES)
    ]


def budget_breaches(warehouse: Warehouse, period: str, budget: float) -> list[str]:
    messages = []
    for counts in period_counts(warehouse, period):
        if counts.source not in BUDGETED_SOURCES or counts.share <= budget:
            continue
        reasons = _budgeted_reasons(warehouse, counts.source, period)
        quarantined = sum(count for _, count in reasons)
        share = quarantined / counts.read
        if share <= budget:
            continue
        top = ", ".join(f"{reason} {count}" for reason, count in reasons)
        messages.append(
            f"{counts.source} {period}: {quarantined} of {counts.read} rows quarantined "
            f"({share:.1%}), over the error budget of {budget:.1%} ({top})"
        )
    return messages


def _budgeted_reasons(warehouse: Warehouse, source: str, period: str) -> list[tuple[str, int]]:
    """The source's quarantined rows of the period by reason, the walk's verdicts left out."""
    marks = ", ".join("?" for _ in WALK_LEVEL)
    return warehouse.rows(
        f"""select reason, count(*) from quarantine
            where source = ? and period = ? and reason not in ({marks})
            group by reason order by count(*) desc, reason""",
        [source, period, *WALK_LEVEL],
    )


def open_adjustments(warehouse: Warehouse, period: str) -> list[tuple]:
    """Quarantined adjustments that stop the close of ``period``: (file, row, adjustment_id,
    month, reason, detail) of each quarantined row of the period, or whose month text is no real
    month (its period is unknown, so it stops every close), unless a loaded row with the same
    ``adjustment_id`` replaced it."""
    return warehouse.rows(
        """select o.source_file, o.row_number, trim(r.adjustment_id), o.period, o.reason, o.detail
           from row_outcomes o join raw_adjustments r using (raw_id)
           where o.source = 'adjustments' and o.status = 'quarantined'
             and (o.period = ? or not regexp_matches(o.period, ?))
             and trim(r.adjustment_id) not in (select adjustment_id from validated_adjustments)
           order by o.source_file, o.row_number""",
        [period, PERIOD_REGEX],
    )


def adjustment_stops(warehouse: Warehouse, period: str, budget: float) -> list[str]:
    if budget >= NEVER_STOP:
        return []
    rows = open_adjustments(warehouse, period)
    if not rows:
        return []
    shown = "; ".join(
        f"{file} row {number}: {adjustment_id or '(no id)'} {reason} ({detail})"
        for file, number, adjustment_id, _month, reason, detail in rows[:5]
    )
    more = f"; and {len(rows) - 5} more" if len(rows) > 5 else ""
    return [
        f"adjustments {period}: {len(rows)} approved adjustment(s) quarantined and not replaced "
        f"by a loaded row with the same adjustment_id: {shown}{more}. Land a corrected row "
        "(same adjustment_id after a row-level reason; a new adjustment_id after "
        "duplicate_conflict), fix the roster, or close anyway with --error-budget 1 "
        "(the close then publishes without these adjustments)"
    ]
