"""The quarantine seen from one period.

The table is cumulative and carries no period; a sales or survey row is attributed to a period
through the date it was landed with (``txn_date``/``survey_date`` in the raw JSON, an adjustment
through its ``period``), when that date is a real one. Roster and customer rows, and rows whose
date is itself broken, stay unattributed and only count in the totals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from orchestration.lib.period import is_period
from orchestration.reports.data import Row
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS

# the columns that date a fact row (schemas/contract.py)
DATE_FIELDS = tuple(spec.period_date for spec in SPECS.values() if spec.period_date)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def period_of(raw: str | None) -> str | None:
    """``YYYY-MM`` of the row's own date, or None when it has no real one."""
    try:
        values = json.loads(raw or "")
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    for name in DATE_FIELDS:
        text = values.get(name)
        if isinstance(text, str) and ISO_DATE.fullmatch(text):
            try:
                return date.fromisoformat(text).strftime("%Y-%m")
            except ValueError:
                return None
    month = values.get("period")
    return month if is_period(month) else None  # an adjustment names its period


@dataclass
class Quarantine:
    rows: list[Row] = field(default_factory=list)

    @classmethod
    def load(cls, published: Warehouse) -> Quarantine:
        found = published.dicts(
            "select source, source_file, row_number, reason, raw, detail from quarantine "
            "order by source, source_file, row_number, reason",
        )
        for row in found:
            row["period"] = period_of(row["raw"])
        return cls(found)

    def summary(self, period: str) -> list[Row]:
        """Counts by source and reason: all rows, and those dated in ``period``."""
        counts: dict[tuple[str, str], Row] = {}
        for row in self.rows:
            key = (row["source"], row["reason"])
            entry = counts.setdefault(key, {"source": key[0], "reason": key[1], "all": 0, "in": 0})
            entry["all"] += 1
            entry["in"] += row["period"] == period
        return [counts[key] for key in sorted(counts)]

    def in_period(self, period: str) -> list[Row]:
        return [row for row in self.rows if row["period"] == period]

    def unattributed(self) -> int:
        return sum(row["period"] is None for row in self.rows)
