"""What a benchmark run lands: the closed month, its history and the next month, and the counts
of rows that name the scales ('100k', '1m')."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

SALES_PER_REP_MONTH = 50
ROWS_PER_REP_MONTH = 45.0  # sales rows per rep and month the generator gives at 50 (measured)
DIRTY_RATE = 0.01  # share of planted problem rows (every reason code)
DEFAULT_HISTORY_ROWS = 100_000  # the generator needs ~12 s and ~0.7 GB per million rows


def parse_count(text: str) -> int:
    """'10k' -> 10000, '1m' -> 1000000, '2500' -> 2500."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r} (e.g. 100k, 1m, 2500)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()]
    return int(float(match[1]) * factor)


def count_label(rows: int) -> str:
    """10000 -> '10k', 1500000 -> '1.5m', 2500 -> '2.5k', 1234 -> '1234'."""
    for unit, size in (("m", 1_000_000), ("k", 1_000)):
        if rows >= size and rows % (size // 10 or 1) == 0:
            return f"{rows / size:g}{unit}"
    return str(rows)


def add_months(period: str, n: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass
class Plan:
    period: str  # the month closed and re-closed (M)
    history: list[str]  # the months before it, landed and ingested first (never closed)
    following: str  # M + 1
    history_rows: int  # sales rows per month of the generated base
    seed: int

    @classmethod
    def before(cls, period: str, history_months: int, history_rows: int, seed: int) -> Plan:
        history = [add_months(period, -n) for n in range(history_months, 0, -1)]
        return cls(period, history, add_months(period, 1), history_rows, seed)

    @property
    def months(self) -> list[str]:
        return [*self.history, self.period, self.following]

    @property
    def reps(self) -> int:
        return max(5, round(self.history_rows / ROWS_PER_REP_MONTH))

    def key(self) -> dict:
        """What the generated base depends on: a base with the same key is reused."""
        return {
            "months": self.months,
            "reps": self.reps,
            "spm": SALES_PER_REP_MONTH,
            "seed": self.seed,
            "dirty_rate": DIRTY_RATE,
        }

    def describe(self, scales: list[int], error_budget: float) -> dict:
        return {
            "period": self.period,
            "history": self.history,
            "following": self.following,
            "history_rows": self.history_rows,
            "reps": self.reps,
            "seed": self.seed,
            "scales": [count_label(s) for s in scales],
            "error_budget": error_budget,
        }
