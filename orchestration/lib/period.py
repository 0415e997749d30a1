"""Periods are calendar months; a Dagster monthly partition key maps to one period window."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@cache
def _monthly_partitions():
    from dagster import MonthlyPartitionsDefinition  # the CLI's fast paths never need Dagster

    # History starts early enough for any realistic landing data; the end is open.
    return MonthlyPartitionsDefinition(start_date="2020-01-01", end_offset=1)


def __getattr__(name: str):
    if name == "monthly_partitions":
        return _monthly_partitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class PeriodWindow:
    period: str
    first_day: date
    last_day: date

    def env(self) -> dict[str, str]:
        """Passed to dbt as environment variables: changing ``--vars`` forces a full re-parse."""
        return {
            "JIFEN_PERIOD": self.period,
            "JIFEN_PERIOD_START": self.first_day.isoformat(),
            "JIFEN_PERIOD_END": self.last_day.isoformat(),
        }


def parse_period(text: str) -> str:
    """Accept ``YYYY-MM`` (or a Dagster key ``YYYY-MM-01``) and return ``YYYY-MM``."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-01", value):
        value = value[:7]
    if not PERIOD_PATTERN.match(value):
        raise ValueError(f"period must look like YYYY-MM (e.g. 2026-07), got {text!r}")
    return value


def window(period: str) -> PeriodWindow:
    year, month = (int(part) for part in parse_period(period).split("-"))
    last = calendar.monthrange(year, month)[1]
    return PeriodWindow(f"{year:04d}-{month:02d}", date(year, month, 1), date(year, month, last))


def partition_key(period: str) -> str:
    return f"{parse_period(period)}-01"


def previous_period(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"
