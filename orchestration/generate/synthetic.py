"""Deterministic synthetic landing files for the default points program.

The files exercise every path of the contract (``points-program.md``): several
deliveries per source in CSV and Parquet, snapshot semantics of reps and customers,
returns and late sales, and (when ``dirty_rate > 0``) at least one row for every
quarantine reason code, while each period's quarantined share of sales and surveys
stays far below the default 5 % error budget, so a close runs.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, nothing reads
the clock or iterates a set, and files are serialised with fixed settings, so the same
arguments give byte-identical files.
"""

from __future__ import annotations

import bisect
import calendar
import csv
import io
import os
import random
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

CURRENCY = "CNY"
DEFAULT_MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10")
SOURCES = ("reps", "customers", "sales", "surveys")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


REP_COLUMNS = ("rep_id", "rep_name", "team_id", "role", "hire_date", "leave_date")
CUSTOMER_COLUMNS = ("customer_id", "customer_name", "segment", "region", "created_date")
SALES_COLUMNS = _words("txn_id txn_type order_id rep_id customer_id txn_date amount currency")
# Another exporter: other column order, whole amounts without decimals, an extra column.
SALES_ALT_COLUMNS = _words(
    "txn_date txn_id rep_id customer_id order_id txn_type currency amount channel"
)
SURVEY_COLUMNS = ("survey_id", "rep_id", "customer_id", "order_id", "score", "survey_date")
_COLUMNS = {
    "reps": REP_COLUMNS,
    "customers": CUSTOMER_COLUMNS,
    "sales": SALES_COLUMNS,
    "surveys": SURVEY_COLUMNS,
}
# Parquet is typed: ids and text as string, dates date32, amount decimal(12,2), score int64.
_TYPES = {"amount": pa.decimal128(12, 2), "score": pa.int64()}
_SCHEMAS = {
    source: pa.schema(
        [(c, pa.date32() if c.endswith("_date") else _TYPES.get(c, pa.string())) for c in cols]
    )
    for source, cols in _COLUMNS.items()
}

# Calibration against rule book 2026.1: a typical rep sells ~60k CNY a month (600 points),
# a team of ~6.7 reps lands around its 300k target, stars pass the 3000-point cap.
_REP_MONTH_CNY = 60_000
_MEAN_SALE_FACTOR = 1.6  # E[segment factor * lognormal(0, 0.8)] for the segment mix below
_SEGMENTS = (("enterprise", 0.15, 4.0), ("smb", 0.45, 1.0), ("consumer", 0.40, 0.3))
_SEG_FACTOR = {name: f for name, _, f in _SEGMENTS}
_SCORE_CDF = {False: (0.04, 0.10, 0.22, 0.55), True: (0.22, 0.52, 0.77, 0.92)}  # poor reps
_REGIONS = ("East", "North", "South", "West", "Central", "Northeast")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 浩然 子涵 欣怡 宇轩"
)
_PY_SUR = _words(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo"
)
_PY_GIVEN = _words(
    "Wei Fang Na Min Jing Li Qiang Lei Jun Yang Yong Yan Jie Juan Tao Ming Chao Xiaoyu Haoran Zihan"
)
_EN_GIVEN = _words(
    "Grace Kevin Emily David Vivian Jason Cindy Eric Helen Leo Sophie Tony Amy Frank Iris Max"
)
_CITIES = _words("上海 北京 深圳 杭州 成都 武汉 南京 苏州 广州 西安")
_WORDS = _words("华信 恒通 长风 瑞达 新源 博远 星海 中科 远航 嘉禾")
_SUFFIXES = _words("科技有限公司 贸易有限公司 网络科技有限公司 实业有限公司 信息技术有限公司")
_EN_WORDS = _words("Bright Harbor Golden Pacific Summit Jade Silver Eastern")
_EN_NOUNS = _words("Star Bridge River Peak Dragon Lotus Cloud Gate")
_EN_SUFFIXES = ("Trading Co., Ltd.", "Technology Co., Ltd.", "Logistics Ltd.", "Group")

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
_MAX_MONTHS = 120

# Sales row layout (lists, for speed): sort date, category, then the contract's columns
# (date and amount as ordinal / cents when clean, raw text when planted), file tag, tag.
S_SORT, S_CAT, S_TXN, S_TYPE, S_ORDER, S_REP, S_CUST, S_D, S_AMT, S_CUR, S_FILE, S_TAG = range(12)
# Survey row layout: sort date, category, survey_id, rep, customer, order, score, date.
V_SORT, V_CAT, V_ID, V_REP, V_CUST, V_ORDER, V_SCORE, V_D = range(8)
_OUT = (S_TXN, S_TYPE, S_ORDER, S_REP, S_CUST, S_D, S_AMT, S_CUR)  # contract column order
_SALE_FIELDS = {
    "sort": S_SORT,
    "type": S_TYPE,
    "order": S_ORDER,
    "rep": S_REP,
    "cust": S_CUST,
    "d": S_D,
    "amt": S_AMT,
    "cur": S_CUR,
}


def _sale(
    d: int,
    cat: str,
    kind: str,
    order: str,
    rep: str,
    cust: str,
    cents: int,
    file: str,
    tag: str = "",
) -> list:
    """A sales row in the S_* layout; cat 'n' is generated business, 'x' a planted row."""
    return [d, cat, "", kind, order, rep, cust, d, cents, CURRENCY, file, tag]


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
        lo = _parse_month(lo_text.strip(), spec)
        hi = _parse_month(hi_text.strip(), spec) if sep else lo
        if hi < lo:
            raise ValueError(f"bad month range {item!r} in {spec!r}: start is after end")
        y, m = lo
        while (y, m) <= hi:
            found.add((y, m))
            if len(found) > _MAX_MONTHS:
                raise ValueError(f"too many months in {spec!r} (at most {_MAX_MONTHS})")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [f"{y:04d}-{m:02d}" for y, m in sorted(found)]


def _parse_month(text: str, spec: str) -> tuple[int, int]:
    match = _MONTH_RE.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise ValueError(f"bad month {text!r} in {spec!r}: expected YYYY-MM, e.g. 2026-07")
    return int(match[1]), int(match[2])


def generate(
    home: Path,
    *,
    seed: int = 7,
    months: list[str] = ["2026-07", "2026-08", "2026-09", "2026-10"],  # noqa: B006 - read only
    reps: int = 40,
    sales_per_rep_month: int = 20,
    dirty_rate: float = 0.01,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write synthetic landing files under ``home/landing/<source>/``.

    At the defaults every month's quarantined share of sales and surveys stays near 1-2.5 %.
    Very small runs (a handful of reps, one month) still get a row per reason code, so
    their share can pass the 5 % budget; use ``dirty_rate=0`` for a clean close there.

    Returns rows per source (counting each distinct file once: the byte copy is skipped by
    the pipeline), ``files`` written, ``duplicate_files`` (byte copies) and ``planted_rows``:
    the rows the contract sends to quarantine or counts as deduplicated (conflicting
    originals included), a check for the pipeline. Refuses to change an existing file, since
    a landed file never changes; identical existing files are left alone.
    """
    parsed = parse_months(",".join(months)) if months else []
    if not parsed or len(parsed) != len(months):
        raise ValueError(f"months must be distinct YYYY-MM strings, got {months!r}")
    if reps < 5:
        raise ValueError(f"reps must be at least 5, got {reps}")
    if sales_per_rep_month < 5:
        raise ValueError(f"sales_per_rep_month must be at least 5, got {sales_per_rep_month}")
    if not 0 <= dirty_rate <= 0.2:
        raise ValueError(f"dirty_rate must be between 0 and 0.2, got {dirty_rate}")
    gen = _Generator(seed, parsed, reps, sales_per_rep_month, dirty_rate)
    files = gen.build()
    landing = Path(home) / "landing"
    for source, name, data, _rows, _copy in files:
        path = landing / source / name
        if path.exists() and path.read_bytes() != data:
            raise FileExistsError(
                f"{path} already exists with other content; landed files "
                "never change, generate into an empty home"
            )
    counts = {source: 0 for source in SOURCES}
    for source, name, data, rows, copy in files:
        path = landing / source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            tmp = path.with_name(f".{name}.partial")  # atomic: a watcher never sees half a file
            tmp.write_bytes(data)
            os.replace(tmp, path)
        if not copy:
            counts[source] += rows
        if progress is not None:
            progress(f"wrote landing/{source}/{name} ({rows} rows)")
    counts["files"] = len(files)
    counts["duplicate_files"] = sum(1 for f in files if f[4])
    counts["planted_rows"] = gen.planted
    return counts


class _Rep:
    __slots__ = _words(
        "rep_id name role hire leave first_snap leave_snap team0 "
        "moves mult count_mult poor star book n_base former"
    )

    def team(self, snap: int) -> str:
        team = self.team0
        for at, new in self.moves:
            if at <= snap:
                team = new
        return team

    def active(self, d: int) -> bool:
        return self.hire <= d and (self.leave is None or d <= self.leave)


class _Cust:
    __slots__ = ("cid", "name", "seg", "region", "created")


class _Generator:
    """Builds every landing file in memory, in a fixed order of random draws."""

    def __init__(self, seed: int, months: list[str], reps: int, spm: int, dirty_rate: float):
        self.rng = random.Random(seed)
        self.months = []
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
        self.base_cny = _REP_MONTH_CNY / (spm * _MEAN_SALE_FACTOR)
        self.order_no = self.txn_no = self.survey_no = self.cust_no = 0
        self.sales: list[list[list]] = [[] for _ in months]
        self.surveys: list[list[list]] = [[] for _ in months]
        self.trail_sales: dict[tuple[int, str], list[list]] = {}
        self.trail_surveys: list[list[list]] = [[] for _ in months]
        self.rep_extra: list[list[list[str]]] = [[] for _ in months]
        self.cust_extra: list[list[list[str]]] = [[] for _ in months]
        self.cust_updates: list[list[_Cust]] = [[] for _ in months]
        self.new_custs: list[list[_Cust]] = [[] for _ in months]
        self.returned: set[str] = set()
        self.touched: set[str] = set()
        self.planted = 0
        self.planted_in: dict[tuple[str, int], int] = {}
        self._iso_cache: dict[int, str] = {}
        self._date_cache: dict[int, date] = {}

    # -- small helpers -------------------------------------------------------------------

    def iso(self, d: int) -> str:
        s = self._iso_cache.get(d)
        if s is None:
            s = self._iso_cache[d] = date.fromordinal(d).isoformat()
        return s

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

    def next_order(self) -> str:
        self.order_no += 1
        return f"O{self.order_no:07d}"

    def person_name(self) -> str:
        r, rng = self.rng.random(), self.rng
        if r < 0.45:
            return rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        if r < 0.75:
            return f"{rng.choice(_PY_SUR)} {rng.choice(_PY_GIVEN)}"
        return f"{rng.choice(_EN_GIVEN)} {rng.choice(_PY_SUR)}"

    def new_customer(self, seg: str | None, created: int) -> _Cust:
        rng = self.rng
        if seg is None:
            r = rng.random()
            seg = "consumer"
            for name, p, _ in _SEGMENTS:
                if r < p:
                    seg = name
                    break
                r -= p
        c = _Cust()
        self.cust_no += 1
        c.cid, c.seg, c.created = f"C{self.cust_no:06d}", seg, created
        c.region = rng.choice(_REGIONS)
        if seg == "consumer":
            c.name = self.person_name()
        elif rng.random() < 0.6:
            c.name = rng.choice(_CITIES) + rng.choice(_WORDS) + rng.choice(_SUFFIXES)
        else:
            c.name = f"{rng.choice(_EN_WORDS)} {rng.choice(_EN_NOUNS)} {rng.choice(_EN_SUFFIXES)}"
        return c

    def amount(self, scale: float, seg: str) -> int:
        """Cents, lognormal around the rep's level; some land on round hundreds/thousands."""
        rng = self.rng
        x = self.base_cny * scale * _SEG_FACTOR[seg] * rng.lognormvariate(0.0, 0.8)
        r = rng.random()
        if r < 0.06:
            cents = max(1, round(x / 100)) * 10_000
        elif r < 0.08:
            cents = max(1, round(x / 1000)) * 100_000
        else:
            cents = max(100, round(x * 100))
        return min(cents, 99_999_999_999)

    def score(self, poor: bool) -> int:
        r = self.rng.random()
        for s, edge in enumerate(_SCORE_CDF[poor], start=1):
            if r < edge:
                return s
        return 5

    def plant(self, source: str, i: int, n: int = 1) -> None:
        self.planted += n
        self.planted_in[(source, i)] = self.planted_in.get((source, i), 0) + n

    # -- build ---------------------------------------------------------------------------

    def build(self) -> list[tuple[str, str, bytes, int, bool]]:
        self.make_roster()
        for i in range(self.n_months):
            self.make_month(i)
        self.make_late_sales()
        self.make_return_after_leave()
        if self.dirty:
            self.plant_reference()
            self.plant_sales()
            self.plant_surveys()
            self.plant_random()
        self.assign_ids()
        if self.dirty:
            self.plant_duplicates()
        return self.serialise()

    def make_roster(self) -> None:
        rng, n_months, first = self.rng, self.n_months, self.first
        n_teams = max(1, round(self.nreps / 6.7))
        width = max(2, len(str(n_teams)))  # text order = numeric order, as ids compare as text
        self.teams = [f"T{t + 1:0{width}d}" for t in range(n_teams)]
        spread = [1.0] if n_teams == 1 else [0.65 + 0.7 * t / (n_teams - 1) for t in range(n_teams)]
        rng.shuffle(spread)
        self.team_mult = dict(zip(self.teams, spread, strict=True))
        self.team_noise = {
            (t, i): rng.uniform(0.85, 1.15) for i in range(n_months) for t in self.teams
        }
        n_hires = max(1, round(self.nreps * 0.08))
        n_former = max(1, round(self.nreps * 0.03))
        people: list[_Rep] = []
        for k in range(self.nreps - n_hires + n_former + n_hires):
            p = _Rep()
            p.name, p.moves, p.leave, p.leave_snap = self.person_name(), [], None, 0
            p.first_snap = 0
            p.former, p.poor, p.star, p.mult, p.count_mult = False, False, False, 1.0, 1.0
            p.role = "account_exec"
            if k < self.nreps - n_hires:
                p.hire = rng.randint(first - 2500, first - 30)
            elif k < self.nreps - n_hires + n_former:
                p.former = True
                p.hire = rng.randint(first - 2500, first - 400)
                p.leave = rng.randint(first - 150, first - 1)
            else:
                h = 1 + k % (n_months - 1) if n_months > 1 else 0
                _, start, _, nd = self.months[h]
                p.hire, p.first_snap = start + rng.randrange(min(20, nd)), h
            people.append(p)
        people.sort(key=lambda p: p.hire)
        n_ghosts = 0
        if self.dirty:
            csv_snaps = sum(1 for i in range(n_months) if not self.is_parquet(i))
            n_ghosts = 3 + round(self.dirty_rate * len(people) * csv_snaps)
        width = max(3, len(str(len(people) + n_ghosts + 1)))
        self.rep_width, self.rep_no = width, len(people)
        for k, p in enumerate(people, start=1):
            p.rep_id = f"R{k:0{width}d}"
        self.people = people
        self.rep_by_id = {p.rep_id: p for p in people}
        initial = [p for p in people if not p.former and p.hire < first]
        hires = [p for p in people if not p.former and p.hire >= first]
        rng.shuffle(initial)
        sizes = dict.fromkeys(self.teams, 0)
        for k, p in enumerate(initial):
            p.team0 = self.teams[k % n_teams]
            sizes[p.team0] += 1
            if k < n_teams:
                p.role, p.mult, p.count_mult = "manager", 0.8, 0.5
            elif rng.random() < 0.25:
                p.role, p.mult = "sdr", 0.6
        for p in hires:
            p.team0 = min(self.teams, key=lambda t: sizes[t])
            sizes[p.team0] += 1
            p.role = "sdr" if rng.random() < 0.4 else "account_exec"
            p.mult = 0.6 if p.role == "sdr" else 0.9
        for p in people:
            if p.former:
                p.team0 = rng.choice(self.teams)
            p.mult *= rng.lognormvariate(0.0, 0.4)
        pool = [p for p in initial[n_teams:]]
        n_star = max(1, round(self.nreps * 0.05))
        n_low = max(1, round(self.nreps * 0.05))
        stars = []
        for p in pool:  # one star per team at most, so a star alone never makes every team
            if len(stars) < n_star and p.team0 not in {s.team0 for s in stars}:
                stars.append(p)
        pool = [p for p in pool if p not in stars]
        low, pool = pool[:n_low], pool[n_low:]
        poor, pool = pool[:n_star], pool[n_star:]
        leavers, pool = pool[:n_star], pool[n_star:]
        movers = pool[:n_star] if n_months > 1 and n_teams > 1 else []
        for p in stars:
            p.role, p.mult, p.count_mult, p.star = "account_exec", rng.uniform(6.5, 8.0), 1.3, True
        for p in low:
            p.mult, p.count_mult = rng.uniform(0.15, 0.3), 0.5
        for p in poor:
            p.poor = True
        for k, p in enumerate(leavers):
            j = 1 + k % (n_months - 1) if n_months > 1 else 0
            _, start, _, nd = self.months[j]
            p.leave, p.leave_snap = start + rng.randint(7, nd - 6), j
        for k, p in enumerate(movers):
            at = 1 + k % (n_months - 1)
            p.moves.append((at, rng.choice([t for t in self.teams if t != p.team0])))
        # Books: a few existing accounts per rep, created before the program starts.
        active = [p for p in people if not p.former]
        base = []
        for p in active:
            p.n_base = rng.randint(2, 5)
            base.extend(
                self.new_customer(None, rng.randint(first - 1200, first - 1))
                for _ in range(p.n_base)
            )
        order = sorted(range(len(base)), key=lambda k: base[k].created)
        ids = [c.cid for c in base]
        for k, src in enumerate(order):
            base[src].cid = ids[k]  # ids follow creation date, like a real master
        pos = 0
        for p in active:
            p.book = base[pos : pos + p.n_base]
            pos += p.n_base
        self.base_custs = sorted(base, key=lambda c: c.cid)
        self.active_reps = active

    def teammate(self, rep: _Rep, snap: int, d: int) -> _Rep | None:
        team = rep.team(snap)
        for p in self.active_reps:
            if p is not rep and p.team(snap) == team and p.active(d):
                return p
        return None

    def make_month(self, i: int) -> None:
        """Sales of month i, then the returns and surveys they cause (any later month)."""
        rng, spm = self.rng, self.spm
        _, start, end, nd = self.months[i]
        month_sales = []  # (date, rep, customer, cents)
        for p in self.active_reps:
            lo, hi = max(start, p.hire), min(end, p.leave if p.leave is not None else end)
            if lo > hi:
                continue
            frac = (hi - lo + 1) / nd
            # stars sell on their own strength: above the SALES cap whatever their team
            scale = p.mult * (1.0 if p.star else self.team_mult[p.team(i)])
            scale *= self.team_noise[(p.team(i), i)]
            n = round(spm * p.count_mult * frac * rng.uniform(0.75, 1.25))
            # ~2 new accounts a month whatever the volume: more rows means repeat business
            k_new = min(n, max(0, round(rng.gauss(2 * min(1.0, p.count_mult) * frac, 0.8))))
            for _ in range(k_new):
                c = self.new_customer(None, rng.randint(lo, hi))
                self.new_custs[i].append(c)
                p.book.append(c)
                month_sales.append(
                    (min(hi, c.created + rng.randrange(3)), p, c, self.amount(scale, c.seg))
                )
            book, n_base = p.book, p.n_base
            for _ in range(n - k_new):
                d = rng.randint(lo, hi)
                c = book[int(len(book) * rng.random() ** 1.5)]
                if c.created > d:
                    c = book[rng.randrange(n_base)]
                month_sales.append((d, p, c, self.amount(scale, c.seg)))
        month_sales.sort(key=lambda s: s[0])
        rows = self.sales[i]
        for d, p, c, cents in month_sales:
            oid = self.next_order()
            rows.append(_sale(d, "n", "sale", oid, p.rep_id, c.cid, cents, self.pick_file(i)))
            r = rng.random()
            if r < 0.05:
                part = cents if rng.random() < 0.35 else round(cents * rng.uniform(0.1, 0.9))
                self.add_return(p, c.cid, oid, d + rng.randint(1, 30), part)
            elif r < 0.058:
                d2 = d + rng.randint(1, 12)
                self.add_return(p, c.cid, oid, d2, max(1, round(cents * 0.3)))
                self.add_return(p, c.cid, oid, d2 + rng.randint(1, 12), max(1, round(cents * 0.4)))
            if rng.random() < 1 / 3:
                sd = d + rng.randrange(11)
                if p.leave is not None:
                    sd = min(sd, p.leave)
                j = self.month_of(sd)
                if j is not None:
                    order = oid if rng.random() < 0.8 else ""
                    self.surveys[j].append(
                        [sd, "n", "", p.rep_id, c.cid, order, self.score(p.poor), sd]
                    )

    def pick_file(self, i: int) -> str:
        return "b" if self.has_b(i) and self.rng.random() < 0.45 else "a"

    def add_return(self, rep: _Rep, cid: str, oid: str, d: int, cents: int) -> None:
        """A return by the seller, or by an active teammate once the seller has left."""
        j = self.month_of(d)
        if j is None:
            return
        if not rep.active(d):
            rep = self.teammate(rep, j, d)
            if rep is None:
                return
        self.returned.add(oid)
        self.sales[j].append(
            _sale(d, "n", "return", oid, rep.rep_id, cid, cents, self.pick_file(j))
        )

    def make_late_sales(self) -> None:
        """Sales keyed late: dated in the last days of month i, delivered with month i+1."""
        rng = self.rng
        for i in range(self.n_months - 1):
            end = self.months[i][2]
            cands = [
                r
                for r in self.sales[i]
                if r[S_TYPE] == "sale" and r[S_CAT] == "n" and r[S_SORT] >= end - 2
            ]
            for _ in range(max(1, round(0.004 * len(self.sales[i]))) if cands else 0):
                t = rng.choice(cands)
                cents = max(100, round(t[S_AMT] * rng.uniform(0.5, 1.5)))
                file = "b" if self.has_b(i + 1) else "a"
                self.sales[i + 1].append(
                    _sale(
                        t[S_SORT],
                        "n",
                        "sale",
                        self.next_order(),
                        t[S_REP],
                        t[S_CUST],
                        cents,
                        file,
                        "late",
                    )
                )

    def make_return_after_leave(self) -> None:
        """A return keyed by a teammate after the seller left: points go to the seller."""
        for p in self.active_reps:
            i = None if p.leave is None else self.month_of(p.leave)
            if i is None or self.month_of(p.leave + 2) is None:
                continue
            sales = [
                r
                for r in self.sales[i]
                if r[S_REP] == p.rep_id
                and r[S_TYPE] == "sale"
                and r[S_ORDER] not in self.returned
                and r[S_SORT] >= self.months[i][1]
            ]
            if sales:
                r = sales[-1]
                self.add_return(p, r[S_CUST], r[S_ORDER], p.leave + 2, r[S_AMT])
                return

    # -- planted problems ----------------------------------------------------------------

    def pick_sale(
        self,
        i: int,
        ok: Callable[[list], bool] | None = None,
        file: str | None = None,
        claim: bool = True,
    ) -> list:
        """A clean sale of month i (dated in i, no returns, not used by another scenario)."""
        rows, (_, start, end, _) = self.sales[i], self.months[i]
        n = len(rows)
        at = self.rng.randrange(n)
        for k in range(n):
            r = rows[(at + k) % n]
            if (
                r[S_CAT] == "n"
                and r[S_TYPE] == "sale"
                and not r[S_TAG]
                and start <= r[S_SORT] <= end
                and r[S_ORDER] not in self.returned
                and r[S_ORDER] not in self.touched
                and (file is None or r[S_FILE] == file)
                and isinstance(r[S_AMT], int)
                and (ok is None or ok(r))
            ):
                if claim:
                    self.touched.add(r[S_ORDER])
                return r
        raise RuntimeError(f"no clean sale left in {self.months[i][0]} for a planted row")

    def extra_sale(self, i: int, tpl: list, file: str = "a", **values) -> list:
        """A new planted sales row (fresh order id) modelled on a clean template row."""
        file = file if file == "a" or self.has_b(i) else "a"
        row = _sale(
            tpl[S_SORT], "x", "sale", self.next_order(), tpl[S_REP], tpl[S_CUST], tpl[S_AMT], file
        )
        row[S_D] = tpl[S_D]
        for key, value in values.items():
            row[_SALE_FIELDS[key]] = value
        self.sales[i].append(row)
        j = self.month_of(row[S_SORT])  # the period the row counts against
        self.plant("sales", i if j is None else j)
        return row

    def extra_survey(
        self,
        i: int,
        rep: str,
        cust: str,
        d: int,
        score: int | str,
        d_text: str | None = None,
        order: str = "",
    ) -> None:
        self.surveys[i].append(
            [d, "x", "", rep, cust, order, score, d if d_text is None else d_text]
        )
        self.plant("surveys", i)

    def new_ghost_rep(self) -> str:
        self.rep_no += 1
        return f"R{self.rep_no:0{self.rep_width}d}"

    def rep_row(self, p: _Rep, snap: int) -> list:
        leave = p.leave if p.leave is not None and p.leave_snap <= snap else None
        return [p.rep_id, p.name, p.team(snap), p.role, p.hire, leave]

    def plant_reference(self) -> None:
        """Roster and customer master rows that fail; ghosts so no real key is lost."""
        rng, y0 = self.rng, self.year0
        hire = self.iso(self.first - 20)
        self.ghost_rep = self.new_ghost_rep()  # its row lacks a name -> its sales: unknown_rep
        self.rep_extra[0].append([self.ghost_rep, "", self.teams[0], "account_exec", hire, ""])
        self.rep_extra[0].append(
            [self.new_ghost_rep(), self.person_name(), self.teams[-1], "sdr", f"{y0}-02-30", ""]
        )  # bad_type
        csv_snaps = [i for i in range(self.n_months) if not self.is_parquet(i)]
        if len(csv_snaps) > 1:  # conflict inside a later delivery: key keeps earlier value
            s = csv_snaps[1]
            p = next(
                p
                for p in self.active_reps
                if p.first_snap == 0
                and not p.moves
                and p.leave is None
                and p.role != "manager"
                and p.mult < 3
            )
            row = [self.iso(v) if isinstance(v, int) else (v or "") for v in self.rep_row(p, s)]
            row[2] = next(t for t in self.teams + ["T99"] if t != row[2])
            self.rep_extra[s].append(row)
            self.plant("reps", s, 2)  # both rows of the key are quarantined
        else:
            gid = self.new_ghost_rep()
            self.rep_extra[0].append([gid, self.person_name(), self.teams[0], "sdr", hire, ""])
            self.rep_extra[0].append([gid, self.person_name(), self.teams[-1], "sdr", hire, ""])
            self.plant("reps", 0, 2)
        p = self.active_reps[0]
        self.rep_extra[0].append(
            [self.iso(v) if isinstance(v, int) else (v or "") for v in self.rep_row(p, 0)]
        )
        self.plant("reps", 0, 3)
        # customers: ghosts that fail, one used by a sale and one by a survey later
        created = self.iso(self.first - 40)

        def ghost(seg: str = "smb", region: str = "East", when: str = created) -> str:
            c = self.new_customer(seg, 0)
            self.cust_extra[0].append([c.cid, c.name, seg, region, when])
            return c.cid

        self.ghost_cust_enum = ghost(seg="Enterprise")
        self.ghost_cust_missing = ghost(region="")
        ghost(when=f"{y0}-02-30")
        self.plant("customers", 0, 3)
        conflict = self.base_custs[len(self.base_custs) // 2]
        if len(csv_snaps) > 1:
            s = csv_snaps[1]
            c = conflict
            for region in (c.region, next(r for r in _REGIONS if r != c.region)):
                self.cust_extra[s].append([c.cid, c.name, c.seg, region, self.iso(c.created)])
            self.plant("customers", s, 2)
        else:
            cid = ghost()
            self.cust_extra[0].append([cid, "Duplicate Name Ltd.", "smb", "West", created])
            self.plant("customers", 0, 2)
        c = self.base_custs[0]
        self.cust_extra[0].append([c.cid, c.name, c.seg, c.region, self.iso(c.created)])
        self.plant("customers", 0, 1)
        # Legitimate master-data changes in later deliveries (snapshot replacement).
        upgrade = {"consumer": "smb", "smb": "enterprise", "enterprise": "enterprise"}
        others = [c for c in self.base_custs if c is not conflict]
        for i in range(1, self.n_months):
            for old in rng.sample(others, max(1, round(len(others) * 0.01))):
                c = _Cust()
                c.cid, c.name, c.created = old.cid, old.name, old.created
                c.seg, c.region = upgrade[old.seg], old.region
                if c.seg == old.seg:
                    c.region = rng.choice(_REGIONS)
                self.cust_updates[i].append(c)

    def plant_sales(self) -> None:
        """One or more rows per sales reason code, spread over the months."""
        y0, n_months = self.year0, self.n_months
        kinds = _words(
            "missing_field bad_type bad_enum bad_amount bad_currency duplicate_order "
            "unknown_rep unknown_customer rep_inactive over_return"
        )
        for k, kind in enumerate(kinds):
            i = k % n_months
            tpl = self.pick_sale(i, claim=False)
            amt = tpl[S_AMT]
            text = f"{amt // 100}.{amt % 100:02d}"
            if kind == "missing_field":
                bad = self.extra_sale(i, tpl, cust="")
                # a return of that never-loaded sale: unknown_order (plus one for a made-up order)
                self.extra_sale(i, tpl, type="return", order=bad[S_ORDER], amt=max(1, amt // 2))
                self.extra_sale(i, tpl, "b", type="return", amt=max(1, amt // 3))
            elif kind == "bad_type":
                row = self.extra_sale(i, tpl, amt=f"{amt // 100},{amt % 100:02d}")
                row[S_TAG] = f"resend:{amt}"  # corrected row with the same txn_id lands later
                self.extra_sale(i, tpl, d=f"{y0}-02-30")
            elif kind == "bad_enum":
                self.extra_sale(i, tpl, type="refund")
            elif kind == "bad_amount":
                for value in ("0.00", f"-{text}", f"{text}5"):
                    self.extra_sale(i, tpl, amt=value)
            elif kind == "bad_currency":
                self.extra_sale(i, tpl, cur="USD")
            elif kind == "duplicate_order":
                orig = self.pick_sale(i)
                other = "a" if orig[S_FILE] == "b" else "b"
                self.extra_sale(i, orig, other, order=orig[S_ORDER], amt=orig[S_AMT] + 5000)
            elif kind == "unknown_rep":
                self.extra_sale(i, tpl, "b", rep=self.ghost_rep)
                self.extra_sale(i, tpl, rep=tpl[S_REP].lower())
                self.extra_sale(i, tpl, rep=self.new_ghost_rep() + "X", cust=self.ghost_cust_enum)
            elif kind == "unknown_customer":
                self.extra_sale(i, tpl, "b", cust=self.ghost_cust_enum)
            elif kind == "rep_inactive":
                self.plant_inactive_sales(i, tpl)
            else:
                self.plant_over_return(i)
        # Valid but unusual text: three decimals with a trailing zero, padded ids.
        r = self.pick_sale(0, file="a")
        r[S_AMT] = f"{r[S_AMT] // 100}.{r[S_AMT] % 100:02d}0"
        r[S_TAG] = "edge"
        r = self.pick_sale(0, file="a")
        r[S_REP], r[S_CUST], r[S_TAG] = f" {r[S_REP]} ", f"{r[S_CUST]}  ", "edge"

    def plant_inactive_sales(self, i: int, tpl: list) -> None:
        former = next(p for p in self.people if p.former)
        self.extra_sale(i, tpl, "b", rep=former.rep_id)
        for p in self.active_reps:
            if (
                p.leave is not None
                and p.leave >= self.first
                and self.month_of(p.leave + 3) is not None
            ):
                d = p.leave + 3
                j = self.month_of(d)
                self.extra_sale(j, tpl, rep=p.rep_id, cust=p.book[0].cid, sort=d, d=d)
                break
        for p in self.active_reps:
            if p.hire > self.first and self.month_of(p.hire - 1) is not None:
                d = p.hire - 1
                j = self.month_of(d)
                self.extra_sale(j, tpl, rep=p.rep_id, cust=p.book[0].cid, sort=d, d=d)
                break

    def plant_over_return(self, i: int) -> None:
        """Returns of 60 %, 60 % (crosses: quarantined) and the exact rest (fits)."""

        def fits(r: list) -> bool:
            rep = self.rep_by_id[r[S_REP]]
            return (
                r[S_AMT] >= 1000
                and rep.active(r[S_SORT] + 6)
                and self.month_of(r[S_SORT] + 6) is not None
            )

        sale = self.pick_sale(i, fits)
        amt, d = sale[S_AMT], sale[S_SORT]
        first = round(amt * 0.6)
        for step, cents in ((2, first), (4, first), (6, amt - first)):
            j = self.month_of(d + step)
            self.extra_sale(
                j,
                sale,
                self.pick_file(j),
                type="return",
                order=sale[S_ORDER],
                sort=d + step,
                d=d + step,
                amt=cents,
            )
            if step != 4:
                self.planted -= 1  # the two returns that fit load normally
                self.planted_in[("sales", j)] -= 1

    def plant_surveys(self) -> None:
        """One row per survey reason code (two when months allow); text errors in CSV only."""
        n_months = self.n_months
        csv_months = [i for i in range(n_months) if not self.is_parquet(i)]
        plans = [
            ("missing", True),
            ("bad_score", True),
            ("range", False),
            ("unknown_rep", False),
            ("unknown_customer", False),
        ]
        if len(csv_months) > 1:
            plans.append(("bad_date", True))
        for k, (kind, text_only) in enumerate(plans):
            i = csv_months[k % len(csv_months)] if text_only else k % n_months
            t = self.pick_survey(i)
            ym, _, _, nd = self.months[i]
            rep, cust, d, order = t[V_REP], t[V_CUST], t[V_SORT], t[V_ORDER]
            if kind == "missing":
                self.extra_survey(i, rep, cust, d, "")
            elif kind == "bad_score":
                self.extra_survey(i, rep, cust, d, "4.0", order=order)
            elif kind == "bad_date":
                self.extra_survey(i, rep, cust, d, 4, d_text=f"{ym}-{nd + 1}")
            elif kind == "range":
                self.extra_survey(i, rep, cust, d, 0 if self.is_parquet(i) else "6")
            elif kind == "unknown_rep":
                self.extra_survey(i, self.ghost_rep, cust, d, 5)
            else:
                self.extra_survey(i, rep, self.ghost_cust_missing, d, 5)
        # rep_inactive: a survey after a leaver's last day, else one for a rep long gone
        for p in self.active_reps:
            d = None if p.leave is None or p.leave < self.first else p.leave + 2
            if d is not None and self.month_of(d) is not None:
                self.extra_survey(self.month_of(d), p.rep_id, p.book[0].cid, d, 1)
                break
        else:
            former = next(p for p in self.people if p.former)
            t = self.pick_survey(0)
            self.extra_survey(0, former.rep_id, t[V_CUST], t[V_SORT], 2)

    def pick_survey(self, i: int) -> list:
        """A clean survey of month i, as a template for a planted one."""
        rows = self.surveys[i]
        at = self.rng.randrange(len(rows))
        return next(
            rows[(at + k) % len(rows)]
            for k in range(len(rows))
            if rows[(at + k) % len(rows)][V_CAT] == "n"
        )

    def plant_random(self) -> None:
        """Top each month up to dirty_rate with assorted problems (text ones in CSV only)."""
        rng = self.rng
        for i in range(self.n_months):
            ym, _, _, nd = self.months[i]
            want = int(self.dirty_rate * len(self.sales[i]) + rng.random())
            for _ in range(max(0, want - self.planted_in.get(("sales", i), 0))):
                file = "b" if self.has_b(i) and rng.random() < 0.3 else "a"
                self.random_sale(i, file, ym, nd)
            want = int(self.dirty_rate * len(self.surveys[i]) + rng.random())
            for _ in range(max(0, want - self.planted_in.get(("surveys", i), 0))):
                self.random_survey(i, ym, nd)
        for i in range(self.n_months):
            if not self.is_parquet(i):
                self.random_reference(i)

    def random_reference(self, i: int) -> None:
        """Ghost roster and customer rows that fail a check (real keys keep their value)."""
        rng = self.rng
        ym, start, _, nd = self.months[i]
        bad_dates = ("", f"{ym}-{nd + 1}", f"{ym[:4]}-06-31", "01/03/2024", "2026.01.05")
        snap_rows = sum(1 for p in self.people if p.first_snap <= i)
        for _ in range(int(self.dirty_rate * snap_rows + rng.random())):
            row = [
                self.new_ghost_rep(),
                self.person_name(),
                rng.choice(self.teams),
                "sdr",
                self.iso(start - 3),
                "",
            ]
            col = rng.randrange(1, 6)  # name, team, role: missing; hire, leave: bad date
            row[col] = rng.choice(bad_dates[1:] if col == 5 else bad_dates) if col >= 4 else ""
            self.rep_extra[i].append(row)
            self.plant("reps", i)
        cust_rows = len(self.new_custs[i]) + (len(self.base_custs) if i == 0 else 0)
        for _ in range(int(self.dirty_rate * cust_rows + rng.random())):
            c = self.new_customer(None, 0)
            row = [c.cid, c.name, c.seg, c.region, self.iso(start)]
            col = rng.randrange(1, 5)  # name, region: missing; segment: enum; created: date
            if col == 2:
                row[col] = rng.choice(("", "retail", "SMB", "Enterprise"))
            else:
                row[col] = rng.choice(bad_dates) if col == 4 else ""
            self.cust_extra[i].append(row)
            self.plant("customers", i)

    def random_sale(self, i: int, file: str, ym: str, nd: int) -> None:
        rng = self.rng
        tpl = self.sales[i][rng.randrange(len(self.sales[i]))]
        if (
            type(tpl[S_AMT]) is not int
            or tpl[S_CAT] != "n"
            or tpl[S_TAG]
            or not tpl[S_SORT] >= self.months[i][1]
        ):
            tpl = self.pick_sale(i, claim=False)
        amt = tpl[S_AMT]
        text = f"{amt // 100}.{amt % 100:02d}"
        kinds = ("unknown_rep", "unknown_customer", "unknown_order", "duplicate_order")
        if file == "a":
            kinds += _words("missing_field bad_date bad_number bad_enum bad_amount bad_currency")
        kind = rng.choice(kinds)
        if kind == "unknown_rep":
            self.extra_sale(
                i,
                tpl,
                file,
                rep=rng.choice((tpl[S_REP].lower(), self.new_ghost_rep() + "X", tpl[S_REP][:-1])),
            )
        elif kind == "unknown_customer":
            self.extra_sale(i, tpl, file, cust=rng.choice((tpl[S_CUST].lower(), tpl[S_CUST] + "0")))
        elif kind == "unknown_order":
            self.extra_sale(i, tpl, file, type="return", amt=max(1, amt // 2))
        elif kind == "duplicate_order":
            orig = self.pick_sale(i)
            self.extra_sale(i, orig, file, order=orig[S_ORDER], amt=orig[S_AMT] + 100)
        elif kind == "missing_field":
            col = rng.choice(("cust", "cur", "amt", "rep", "d"))
            self.extra_sale(i, tpl, **{col: "   " if col == "rep" else ""})
        elif kind == "bad_date":
            day = self.iso(tpl[S_SORT])[8:]
            self.extra_sale(
                i,
                tpl,
                d=rng.choice(
                    (
                        f"{ym}-{nd + 1}",
                        f"{ym.replace('-', '/')}/{day}",
                        f"{ym}-{int(day)}" if day < "10" else f"{day}.{ym[5:]}.{ym[:4]}",
                    )
                ),
            )
        elif kind == "bad_number":
            self.extra_sale(
                i,
                tpl,
                amt=rng.choice((text.replace(".", ","), f"{text} CNY", f"{amt // 100}e0", "N/A")),
            )
        elif kind == "bad_enum":
            self.extra_sale(i, tpl, type=rng.choice(("Sale", "SALE", "refund", "sales")))
        elif kind == "bad_amount":
            self.extra_sale(i, tpl, amt=rng.choice(("0", "-0", f"-{text}", f"{text}1")))
        else:
            self.extra_sale(i, tpl, cur=rng.choice(("USD", "RMB", "cny", "HKD")))

    def random_survey(self, i: int, ym: str, nd: int) -> None:
        rng = self.rng
        t = self.pick_survey(i)
        rep, cust, d = t[V_REP], t[V_CUST], t[V_SORT]
        if self.is_parquet(i):
            kind = rng.choice(("unknown_rep", "unknown_customer", "range"))
        else:
            kind = rng.choice(("unknown_rep", "unknown_customer", "range", "missing", "type"))
        if kind == "unknown_rep":
            self.extra_survey(i, rep.lower(), cust, d, 4)
        elif kind == "unknown_customer":
            self.extra_survey(i, rep, cust + "0", d, 3)
        elif kind == "range":
            self.extra_survey(i, rep, cust, d, rng.choice((0, 6, -1, 10)))
        elif kind == "missing":
            if rng.random() < 0.5:
                self.extra_survey(i, rep, cust, d, "")
            else:
                self.extra_survey(i, rep, cust, d, 5, d_text="")
        else:
            self.extra_survey(i, rep, cust, d, rng.choice(("4.0", "five", "4.5", " ")))

    def assign_ids(self) -> None:
        """Ids follow date order within each month's batch, like an order system's."""
        for i in range(self.n_months):
            rows = self.sales[i]
            rows.sort(key=lambda r: r[S_SORT])
            for r in rows:
                self.txn_no += 1
                r[S_TXN] = f"X{self.txn_no:07d}"
            rows = self.surveys[i]
            rows.sort(key=lambda r: r[V_SORT])
            for r in rows:
                self.survey_no += 1
                r[V_ID] = f"V{self.survey_no:07d}"

    def plant_duplicates(self) -> None:
        """Rows that repeat a key: conflicting, identical, and a corrected resend."""
        rng, n_months = self.rng, self.n_months
        i = 1 % n_months
        orig = self.pick_sale(i)
        copy = list(orig)
        copy[S_AMT] = orig[S_AMT] + 1000  # same txn_id, other amount: both quarantined
        self.trail_sales.setdefault((i, "b" if self.has_b(i) else "a"), []).append(copy)
        self.plant("sales", i, 2)
        i = 0
        orig = self.pick_sale(i, file="a")  # identical in the other file: deduplicated
        target = (0, "b") if self.has_b(0) else (min(1, n_months - 1), "a")
        self.trail_sales.setdefault(target, []).append(list(orig))
        self.plant("sales", i)
        for i in range(n_months):
            for r in self.sales[i]:
                if r[S_TAG].startswith("resend:"):
                    fixed = list(r)
                    fixed[S_AMT], fixed[S_TAG] = int(r[S_TAG][7:]), ""
                    self.trail_sales.setdefault((i, "b" if self.has_b(i) else "a"), []).append(
                        fixed
                    )
        for k, change in enumerate((True, False)):
            i = (k + 2) % n_months
            later = min(i + 1, n_months - 1)
            clean = [r for r in self.surveys[i] if r[V_CAT] == "n"]
            orig = clean[rng.randrange(len(clean))]
            copy = list(orig)
            if change:
                copy[V_SCORE] = orig[V_SCORE] % 5 + 1
            self.trail_surveys[later].append(copy)
            self.plant("surveys", i, 2 if change else 1)

    # -- serialisation -------------------------------------------------------------------

    def serialise(self) -> list[tuple[str, str, bytes, int, bool]]:
        out: list[tuple[str, str, bytes, int, bool]] = []
        for i, (_, start, _, _) in enumerate(self.months):
            rows = [self.rep_row(p, i) for p in self.people if p.first_snap <= i]
            rows = self.insert(rows, self.rep_extra[i])
            out.append(self.table("reps", f"reps_{self.iso(start)}", i, rows))
        for i, (ym, _, _, _) in enumerate(self.months):
            custs = (self.base_custs if i == 0 else []) + self.new_custs[i] + self.cust_updates[i]
            rows = [[c.cid, c.name, c.seg, c.region, c.created] for c in custs]
            rows = self.insert(rows, self.cust_extra[i])
            out.append(self.table("customers", f"customers_{ym}", i, rows, excel=(i == 0)))
        for i, (ym, _, _, _) in enumerate(self.months):
            for file in ("a", "b") if self.has_b(i) else ("a",):
                rows = [r for r in self.sales[i] if r[S_FILE] == file]
                rows += self.trail_sales.get((i, file), [])
                name = f"sales_{ym}_{file}"
                if file == "b":
                    out.append(self.parquet("sales", name, [[r[k] for k in _OUT] for r in rows]))
                else:
                    out.append(self.sales_csv(name, rows, self.alt_layout(i)))
                if i == 0 and file == "a":  # re-sent under another name: must be skipped
                    src = out[-1]
                    out.append(("sales", f"sales_{ym}_a_resend.csv", src[2], src[3], True))
        for i, (ym, _, _, _) in enumerate(self.months):
            rows = [
                [r[V_ID], r[V_REP], r[V_CUST], r[V_ORDER], r[V_SCORE], r[V_D]]
                for r in self.surveys[i] + self.trail_surveys[i]
            ]
            out.append(self.table("surveys", f"surveys_{ym}", i, rows))
        return out

    def insert(self, rows: list[list], extra: list[list]) -> list[list]:
        """Planted reference rows at random places (a pair may end up apart, as in life)."""
        for row in extra:
            rows.insert(self.rng.randint(0, len(rows)), row)
        return rows

    def table(
        self, source: str, stem: str, i: int, rows: list[list], excel: bool = False
    ) -> tuple[str, str, bytes, int, bool]:
        if self.is_parquet(i):
            return self.parquet(source, stem, rows)
        header = _COLUMNS[source]
        # The customer master comes from a spreadsheet: UTF-8 BOM and CRLF line ends.
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n" if excel else "\n")
        writer.writerow(header)
        iso = self.iso
        for row in rows:
            writer.writerow(
                [
                    iso(v)
                    if type(v) is int and k in _DATE_COLS[source]
                    else ("" if v is None else v)
                    for k, v in enumerate(row)
                ]
            )
        data = ("\ufeff" if excel else "") + buf.getvalue()
        return source, f"{stem}.csv", data.encode("utf-8"), len(rows), False

    def sales_csv(self, stem: str, rows: list[list], alt: bool) -> tuple:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(SALES_ALT_COLUMNS if alt else SALES_COLUMNS)
        iso, rng, channels = self.iso, self.rng, ("direct", "partner", "online")
        for r in rows:
            txn, kind, order, rep, cust, d, a, cur = (r[k] for k in _OUT)
            if type(d) is int:
                d = iso(d)
            if type(a) is int:  # the other exporter writes whole amounts without decimals
                a = str(a // 100) if alt and not a % 100 else f"{a // 100}.{a % 100:02d}"
            if alt:
                channel = channels[int(rng.random() * 3)]
                writer.writerow((d, txn, rep, cust, order, kind, cur, a, channel))
            else:
                writer.writerow((txn, kind, order, rep, cust, d, a, cur))
        return "sales", f"{stem}.csv", buf.getvalue().encode("utf-8"), len(rows), False

    def parquet(self, source: str, stem: str, rows: list[list]) -> tuple:
        """Typed Parquet with fixed writer settings (no pandas metadata, no timestamps)."""
        schema = _SCHEMAS[source]
        columns = []
        for k, field in enumerate(schema):
            values = [r[k] for r in rows]
            if pa.types.is_date32(field.type):
                values = [None if v is None else self.as_date(v) for v in values]
            elif pa.types.is_decimal(field.type):
                values = [Decimal(self.as_cents(v)).scaleb(-2) for v in values]
            elif field.name == "order_id" and source == "surveys":
                values = [v or None for v in values]
            columns.append(pa.array(values, type=field.type))
        table = pa.Table.from_arrays(columns, schema=schema)
        sink = pa.BufferOutputStream()
        pq.write_table(
            table,
            sink,
            compression="zstd",
            compression_level=3,
            use_dictionary=True,
            write_statistics=True,
            version="2.6",
        )
        return source, f"{stem}.parquet", sink.getvalue().to_pybytes(), len(rows), False

    @staticmethod
    def as_cents(v: int) -> int:
        if type(v) is not int:
            raise TypeError(f"planted text {v!r} cannot go into a typed Parquet file")
        return v

    def as_date(self, v: int) -> date:
        if type(v) is not int:
            raise TypeError(f"planted text {v!r} cannot go into a typed Parquet file")
        d = self._date_cache.get(v)
        if d is None:
            d = self._date_cache[v] = date.fromordinal(v)
        return d


_DATE_COLS = {"reps": (4, 5), "customers": (4,), "surveys": (5,)}
