"""The landing data while it is drawn: one random stream, the months, every row so far.

Each step of ``build`` reads and extends one ``Draft`` in a fixed order; that order, not the
modules the steps live in, fixes which random number each draw gets.
"""

from __future__ import annotations

import bisect
import calendar
import random
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.generate.customers import Customer
    from orchestration.generate.members import Member
    from orchestration.generate.roster import Rep

# Calibration against rule book 2026.1: a typical rep sells ~60k CNY a month (600 points),
# a team of ~6.7 reps lands around its 300k target, stars pass the 3000-point cap.
REP_MONTH_CNY = 60_000
MEAN_SALE_FACTOR = 1.6  # E[segment factor * lognormal(0, 0.8)] for the customers' segment mix


class Draft:
    def __init__(
        self,
        seed: int,
        months: list[str],
        reps: int,
        spm: int,
        dirty_rate: float,
        loyalty: bool = True,
    ):
        self.rng = random.Random(seed)
        self.months: list[tuple[str, int, int, int]] = []  # (YYYY-MM, first, last day, days)
        for ym in months:
            y, m = int(ym[:4]), int(ym[5:])
            nd = calendar.monthrange(y, m)[1]
            start = date(y, m, 1).toordinal()
            self.months.append((ym, start, start + nd - 1, nd))
        self.n_months = len(months)
        self.starts = [m[1] for m in self.months]
        self.first, self.last = self.months[0][1], self.months[-1][2]
        self.year0 = self.months[0][0][:4]
        self.nreps, self.spm, self.dirty_rate = reps, spm, dirty_rate
        self.dirty = dirty_rate > 0
        self.base_cny = REP_MONTH_CNY / (spm * MEAN_SALE_FACTOR)
        self.order_no = self.txn_no = self.survey_no = self.cust_no = 0
        # rows per month of delivery; trail_*: rows appended to a file after the rest
        self.sales: list[list[list]] = [[] for _ in months]
        self.surveys: list[list[list]] = [[] for _ in months]
        self.trail_sales: dict[tuple[int, str], list[list]] = {}
        self.trail_surveys: list[list[list]] = [[] for _ in months]
        self.rep_extra: list[list[list[str]]] = [[] for _ in months]
        self.cust_extra: list[list[list[str]]] = [[] for _ in months]
        self.cust_updates: list[list[Customer]] = [[] for _ in months]
        self.new_custs: list[list[Customer]] = [[] for _ in months]
        self.returned: set[str] = set()  # orders with a return
        self.touched: set[str] = set()  # orders a planted scenario uses
        self.planted = 0
        self.planted_in: dict[tuple[str, int], int] = {}
        self._iso_cache: dict[int, str] = {}
        self._date_cache: dict[int, date] = {}
        # the roster (``roster.draw_roster``)
        self.teams: list[str] = []
        self.team_mult: dict[str, float] = {}
        self.team_noise: dict[tuple[str, int], float] = {}
        self.people: list[Rep] = []
        self.rep_by_id: dict[str, Rep] = {}
        self.active_reps: list[Rep] = []
        self.base_custs: list[Customer] = []
        self.rep_width = self.rep_no = 0
        # keys that fail a check, for planted facts to refer to (``planted_reference``)
        self.ghost_rep = self.ghost_cust_enum = self.ghost_cust_missing = ""
        # the loyalty program (``members``, ``redemptions``): a stream of its own, so the sales
        # program's files are the same bytes with or without it
        self.loyalty = loyalty
        self.loyalty_rng = random.Random(f"loyalty:{seed}")
        self.members: list[Member] = []
        self.member_by_cid: dict[str, Member] = {}
        self.member_extra: list[list[list]] = [[] for _ in months]
        self.redemptions: list[list[list]] = [[] for _ in months]
        self.redemption_no = 0

    def iso(self, d: int) -> str:
        s = self._iso_cache.get(d)
        if s is None:
            s = self._iso_cache[d] = date.fromordinal(d).isoformat()
        return s

    def as_date(self, d: int) -> date:
        found = self._date_cache.get(d)
        if found is None:
            found = self._date_cache[d] = date.fromordinal(d)
        return found

    def month_of(self, d: int) -> int | None:
        i = bisect.bisect_right(self.starts, d) - 1
        return i if i >= 0 and d <= self.months[i][2] else None

    def has_b(self, i: int) -> bool:
        return i % 3 != 2  # every third month the sales come in a single file

    def alt_layout(self, i: int) -> bool:
        return i % 2 == 1 or self.n_months == 1

    @staticmethod
    def is_parquet(i: int) -> bool:
        return i % 2 == 1  # reps, customers and surveys alternate CSV / Parquet

    def pick_file(self, i: int) -> str:
        return "b" if self.has_b(i) and self.rng.random() < 0.45 else "a"

    def next_order(self) -> str:
        self.order_no += 1
        return f"O{self.order_no:07d}"

    def new_ghost_rep(self) -> str:
        self.rep_no += 1
        return f"R{self.rep_no:0{self.rep_width}d}"

    def plant(self, source: str, i: int, n: int = 1) -> None:
        """Count n rows of ``source`` in month i that the contract quarantines or deduplicates."""
        self.planted += n
        self.planted_in[(source, i)] = self.planted_in.get((source, i), 0) + n
