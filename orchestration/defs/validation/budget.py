"""The error budget: a close stops when too many of a period's rows were quarantined."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

DEFAULT_ERROR_BUDGET = 0.05
BUDGETED_SOURCES = ("sales", "surveys")  # reference data carries no period (docs/decisions.md)


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


def period_counts(con: duckdb.DuckDBPyConnection, period: str) -> list[SourceCounts]:
    """Rows of each source for the period (facts by date; reference data: all rows)."""
    rows = con.execute(
        """select source, sum(rows_read), sum(rows_loaded), sum(rows_deduplicated),
                  sum(rows_quarantined)
           from validation_counts
           where period = ? or period is null
           group by source""",
        [period],
    ).fetchall()
    found = {row[0]: SourceCounts(*(row[0], *(int(value) for value in row[1:]))) for row in rows}
    return [
        found.get(name, SourceCounts(name, 0, 0, 0, 0))
        for name in ("reps", "customers", "sales", "surveys")
    ]


def budget_breaches(con: duckdb.DuckDBPyConnection, period: str, budget: float) -> list[str]:
    messages = []
    for counts in period_counts(con, period):
        if counts.source not in BUDGETED_SOURCES or counts.share <= budget:
            continue
        reasons = con.execute(
            """select reason, count(*) from quarantine where source = ? and period = ?
               group by reason order by count(*) desc, reason""",
            [counts.source, period],
        ).fetchall()
        top = ", ".join(f"{reason} {count}" for reason, count in reasons)
        messages.append(
            f"{counts.source} {period}: {counts.quarantined} of {counts.read} rows quarantined "
            f"({counts.share:.1%}), over the error budget of {budget:.1%} ({top})"
        )
    return messages
