"""The clean business of each month: sales, the returns and surveys they cause, sales keyed
late, and a return keyed by a teammate after the seller left."""

from __future__ import annotations

from orchestration.generate.customers import SEGMENT_FACTOR, Customer, new_customer
from orchestration.generate.draft import Draft
from orchestration.generate.roster import Rep, teammate
from orchestration.generate.rows import (
    S_AMT,
    S_CAT,
    S_CUST,
    S_ORDER,
    S_REP,
    S_SORT,
    S_TYPE,
    sale_row,
)

SCORE_CDF = {False: (0.04, 0.10, 0.22, 0.55), True: (0.22, 0.52, 0.77, 0.92)}  # by rep.poor


def amount(draft: Draft, scale: float, seg: str) -> int:
    """Cents, lognormal around the rep's level; some land on round hundreds/thousands."""
    rng = draft.rng
    x = draft.base_cny * scale * SEGMENT_FACTOR[seg] * rng.lognormvariate(0.0, 0.8)
    r = rng.random()
    if r < 0.06:
        cents = max(1, round(x / 100)) * 10_000
    elif r < 0.08:
        cents = max(1, round(x / 1000)) * 100_000
    else:
        cents = max(100, round(x * 100))
    return min(cents, 99_999_999_999)


def survey_score(draft: Draft, poor: bool) -> int:
    r = draft.rng.random()
    for s, edge in enumerate(SCORE_CDF[poor], start=1):
        if r < edge:
            return s
    return 5


def draw_month(draft: Draft, i: int) -> None:
    """Sales of month i, then the returns and surveys they cause (any later month)."""
    _key_sales(draft, i, _draw_sales(draft, i))


def _draw_sales(draft: Draft, i: int) -> list[tuple[int, Rep, Customer, int]]:
    """(date, rep, customer, cents) of every sale of month i: new accounts and repeat business."""
    rng, spm = draft.rng, draft.spm
    _, start, end, nd = draft.months[i]
    month_sales = []
    for p in draft.active_reps:
        lo, hi = max(start, p.hire), min(end, p.leave if p.leave is not None else end)
        if lo > hi:
            continue
        frac = (hi - lo + 1) / nd
        # stars sell on their own strength: above the SALES cap whatever their team
        scale = p.mult * (1.0 if p.star else draft.team_mult[p.team(i)])
        scale *= draft.team_noise[(p.team(i), i)]
        n = round(spm * p.count_mult * frac * rng.uniform(0.75, 1.25))
        # ~2 new accounts a month whatever the volume: more rows means repeat business
        k_new = min(n, max(0, round(rng.gauss(2 * min(1.0, p.count_mult) * frac, 0.8))))
        for _ in range(k_new):
            c = new_customer(draft, None, rng.randint(lo, hi))
            draft.new_custs[i].append(c)
            p.book.append(c)
            month_sales.append(
                (min(hi, c.created + rng.randrange(3)), p, c, amount(draft, scale, c.seg))
            )
        book, n_base = p.book, p.n_base
        for _ in range(n - k_new):
            d = rng.randint(lo, hi)
            c = book[int(len(book) * rng.random() ** 1.5)]
            if c.created > d:
                c = book[rng.randrange(n_base)]
            month_sales.append((d, p, c, amount(draft, scale, c.seg)))
    month_sales.sort(key=lambda s: s[0])
    return month_sales


def _key_sales(draft: Draft, i: int, month_sales: list[tuple[int, Rep, Customer, int]]) -> None:
    rng, rows = draft.rng, draft.sales[i]
    for d, p, c, cents in month_sales:
        oid = draft.next_order()
        rows.append(sale_row(d, "n", "sale", oid, p.rep_id, c.cid, cents, draft.pick_file(i)))
        r = rng.random()
        if r < 0.05:
            part = cents if rng.random() < 0.35 else round(cents * rng.uniform(0.1, 0.9))
            add_return(draft, p, c.cid, oid, d + rng.randint(1, 30), part)
        elif r < 0.058:
            d2 = d + rng.randint(1, 12)
            add_return(draft, p, c.cid, oid, d2, max(1, round(cents * 0.3)))
            add_return(draft, p, c.cid, oid, d2 + rng.randint(1, 12), max(1, round(cents * 0.4)))
        if rng.random() < 1 / 3:
            sd = d + rng.randrange(11)
            if p.leave is not None:
                sd = min(sd, p.leave)
            j = draft.month_of(sd)
            if j is not None:
                order = oid if rng.random() < 0.8 else ""
                draft.surveys[j].append(
                    [sd, "n", "", p.rep_id, c.cid, order, survey_score(draft, p.poor), sd]
                )


def add_return(draft: Draft, rep: Rep, cid: str, oid: str, d: int, cents: int) -> None:
    """A return by the seller, or by an active teammate once the seller has left."""
    j = draft.month_of(d)
    if j is None:
        return
    if not rep.active(d):
        rep = teammate(draft, rep, j, d)
        if rep is None:
            return
    draft.returned.add(oid)
    draft.sales[j].append(
        sale_row(d, "n", "return", oid, rep.rep_id, cid, cents, draft.pick_file(j))
    )


def draw_late_sales(draft: Draft) -> None:
    """Sales keyed late: dated in the last days of month i, delivered with month i+1."""
    rng = draft.rng
    for i in range(draft.n_months - 1):
        end = draft.months[i][2]
        cands = [
            r
            for r in draft.sales[i]
            if r[S_TYPE] == "sale" and r[S_CAT] == "n" and r[S_SORT] >= end - 2
        ]
        for _ in range(max(1, round(0.004 * len(draft.sales[i]))) if cands else 0):
            t = rng.choice(cands)
            cents = max(100, round(t[S_AMT] * rng.uniform(0.5, 1.5)))
            file = "b" if draft.has_b(i + 1) else "a"
            draft.sales[i + 1].append(
                sale_row(
                    t[S_SORT],
                    "n",
                    "sale",
                    draft.next_order(),
                    t[S_REP],
                    t[S_CUST],
                    cents,
                    file,
                    "late",
                )
            )


def draw_return_after_leave(draft: Draft) -> None:
    """A return keyed by a teammate after the seller left: points go to the seller."""
    for p in draft.active_reps:
        i = None if p.leave is None else draft.month_of(p.leave)
        if i is None or draft.month_of(p.leave + 2) is None:
            continue
        sales = [
            r
            for r in draft.sales[i]
            if r[S_REP] == p.rep_id
            and r[S_TYPE] == "sale"
            and r[S_ORDER] not in draft.returned
            and r[S_SORT] >= draft.months[i][1]
        ]
        if sales:
            r = sales[-1]
            add_return(draft, p, r[S_CUST], r[S_ORDER], p.leave + 2, r[S_AMT])
            return
