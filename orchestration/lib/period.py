"""Periods are calendar months, written ``YYYY-MM``; a monthly partition key (``YYYY-MM-01``,
``defs/partitions.py``) maps to one period window. The one place that parses a period or a list of
months: everything else asks this module."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

PERIOD_REGEX = r"^\d{4}-(0[1-9]|1[0-2])$"  # also what DuckDB's regexp_matches is given
PERIOD_PATTERN = re.compile(PERIOD_REGEX)
MAX_MONTHS = 120  # in one list of months


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
            "JIFEN_PREVIOUS_PERIOD": month_before(self.period),
        }


def month_before(period: str) -> str:
    """The month before ``YYYY-MM``."""
    return previous_period(date(int(period[:4]), int(period[5:7]), 1))


def is_period(text: object) -> bool:
    """``YYYY-MM`` with a real month, nothing around it."""
    return isinstance(text, str) and PERIOD_PATTERN.fullmatch(text) is not None


def parse_period(text: str) -> str:
    """Accept ``YYYY-MM`` (or a Dagster key ``YYYY-MM-01``) and return ``YYYY-MM``."""
    value = text.strip()
    if len(value) == 10 and value.endswith("-01"):  # a partition key
        value = value[:7]
    if not is_period(value):
        raise ValueError(f"period must look like YYYY-MM (e.g. 2026-07), got {text!r}")
    return value


def parse_months(spec: str) -> list[str]:
    """Parse '2026-07', '2026-07..2026-10' or a comma list of either into sorted months."""
    items = [part.strip() for part in spec.split(",")]
    if not spec.strip() or not all(items):
        raise ValueError(
            f"bad month list {spec!r}: expected YYYY-MM, YYYY-MM..YYYY-MM "
            "or a comma-separated list of those"
        )
    found: set[tuple[int, int]] = set()
    for item in items:
        lo_text, sep, hi_text = item.partition("..")
        lo = _month(lo_text.strip(), spec)
        hi = _month(hi_text.strip(), spec) if sep else lo
        if hi < lo:
            raise ValueError(f"bad month range {item!r} in {spec!r}: start is after end")
        y, m = lo
        while (y, m) <= hi:
            found.add((y, m))
            if len(found) > MAX_MONTHS:
                raise ValueError(f"too many months in {spec!r} (at most {MAX_MONTHS})")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [f"{y:04d}-{m:02d}" for y, m in sorted(found)]


def _month(text: str, spec: str) -> tuple[int, int]:
    if not is_period(text) or int(text[:4]) < 1900:
        raise ValueError(f"bad month {text!r} in {spec!r}: expected YYYY-MM, e.g. 2026-07")
    return int(text[:4]), int(text[5:])


def window(period: str) -> PeriodWindow:
    year, month = (int(part) for part in parse_period(period).split("-"))
    last = calendar.monthrange(year, month)[1]
    return PeriodWindow(f"{year:04d}-{month:02d}", date(year, month, 1), date(year, month, last))


def partition_key(period: str) -> str:
    return f"{parse_period(period)}-01"


def previous_period(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"
