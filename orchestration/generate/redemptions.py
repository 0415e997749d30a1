"""Members redeeming points for coupons, month by month, against a rough estimate of what each
holds (welcome points, 1 point per 10 CNY bought, welcome points lapsing after 12 months): most
ask for what they have, a few for more (``insufficient_points``), and some big holders reach the
monthly limit in two steps, exactly (accepted) or past it (``over_redemption_limit``).

The estimate is the generator's, not the program's rule: the pipeline judges every redemption
with the real ledger walk, so a few more may fail there, as they do at a real till.
"""

from __future__ import annotations

import bisect
import itertools
from datetime import date

from orchestration.generate.draft import Draft
from orchestration.generate.members import Member
from orchestration.generate.rows import S_AMT, S_CAT, S_CUST, S_D, S_TAG, S_TYPE

# Redemptions: sort date, category ('n' drawn, 'x' planted), then the contract's columns
# (redemption_id, customer_id, redeemed_date, points, reward).
R_SORT, R_CAT, R_ID, R_CUST, R_D, R_POINTS, R_REWARD = range(7)
REDEMPTION_COLUMNS = (R_ID, R_CUST, R_D, R_POINTS, R_REWARD)

# Calibration against the loyalty book loyalty-2026.1 (the walk reads the book; these only
# shape the data): the welcome points, the monthly limit the limit attempts aim at.
WELCOME = 100
MONTHLY_LIMIT = 5000
CNY_PER_POINT = 10  # 1 point per 10 CNY bought
POINTS_PER_COUPON_CNY = 10  # 100 points = a 10 CNY coupon
# The coupon catalogue (points) and how often each is chosen when affordable: mostly small.
CATALOGUE = (100, 200, 300, 500, 1000, 2000, 3000, 5000)
WEIGHTS = (30, 20, 10, 20, 12, 5, 2, 1)
ASK_TOO_MUCH = 0.03  # a redemption asks for the next coupon above the estimate
BIG_HOLDER = 6000  # holders of this much may go for the monthly limit
GO_FOR_LIMIT = 0.35
# Dormant members never redeem (their points lapse): a share of all, and more of those who
# joined a year before the months and never came back for their welcome points.
DORMANT, DORMANT_WELCOME_LAPSING = 0.2, 0.6
COME_AGAIN = 0.5  # a member who redeemed comes back for another coupon later in the month
LATE_SYNC = 0.005  # redemptions a till syncs after the month's export: in the next one


def reward(points: int) -> str:
    return f"coupon {points // POINTS_PER_COUPON_CNY} CNY"


def redemption_row(d: int, cid: str, points: int, cat: str = "n") -> list:
    """A redemption; its id is given once every row is drawn (``number_redemptions``)."""
    return [d, cat, "", cid, d, points, reward(points)]


class Holder:
    """The generator's estimate of one member's points."""

    __slots__ = ("points", "redeemed", "month_total", "welcome_lapses", "dormant")

    def __init__(self, welcome_lapses: int, dormant: bool) -> None:
        self.points = self.redeemed = self.month_total = 0
        self.welcome_lapses = welcome_lapses
        self.dormant = dormant


def lapse_day(draft: Draft, d: int) -> int:
    """The last day of the 12th month after day d's month (when a lot earned on d expires)."""
    day = draft.as_date(d)
    index = day.year * 12 + day.month - 1 + 13  # the month after that one
    return date(index // 12, index % 12 + 1, 1).toordinal() - 1


def draw_redemptions(draft: Draft) -> None:
    holders = {}
    for m in draft.members:
        lapses = lapse_day(draft, m.enrolled)
        share = DORMANT_WELCOME_LAPSING if draft.first <= lapses <= draft.last else DORMANT
        h = holders[m.cid] = Holder(lapses, draft.loyalty_rng.random() < share)
        if m.enrolled < draft.first <= h.welcome_lapses and (m.left or draft.first) >= draft.first:
            h.points = WELCOME
    for i in range(draft.n_months):
        _draw_month(draft, i, holders)
    _sync_late(draft)


def _draw_month(draft: Draft, i: int, holders: dict[str, Holder]) -> None:
    """Welcomes, purchases, lapses and redemption attempts of month i, in date order."""
    _, start, end, _ = draft.months[i]
    seq = itertools.count()
    events: list[tuple] = []  # (day, order, seq, what, member or customer id, value)
    earning: dict[str, int] = {}  # points the month's purchases bring each member
    for r in draft.sales[i]:
        d = r[S_D]
        if r[S_CAT] == "n" and not r[S_TAG] and type(r[S_AMT]) is int and start <= d <= end:
            m = draft.member_by_cid.get(r[S_CUST])
            if m is not None and m.active(d):
                points = r[S_AMT] // (100 * CNY_PER_POINT)
                value = points if r[S_TYPE] == "sale" else -points
                events.append((d, 1, next(seq), "buy", m.cid, value))
                earning[m.cid] = earning.get(m.cid, 0) + value
    for m in draft.members:
        h = holders[m.cid]
        h.month_total = 0
        if start <= m.enrolled <= end:
            events.append((m.enrolled, 0, next(seq), "welcome", m.cid, WELCOME))
        if start <= h.welcome_lapses <= end:
            events.append((h.welcome_lapses, 3, next(seq), "lapse", m.cid, 0))
        day = _redemption_day(draft, m, h, h.points + earning.get(m.cid, 0), start, end)
        if day is not None:
            events.append((day, 2, next(seq), "redeem", m, "first"))
    events.sort(key=lambda e: e[:3])
    k = 0
    while k < len(events):  # a limit attempt adds its second step later in the month
        d, _, _, what, who, value = events[k]
        k += 1
        if what == "redeem":
            follow = _redeem(draft, i, who, holders[who.cid], d, value)
            if follow is not None:
                bisect.insort(events, (follow[0], 2, next(seq), "redeem", who, follow[1]))
        elif what == "lapse":  # redemptions take the oldest lot, the welcome one, first
            h = holders[who]
            h.points -= min(max(h.points, 0), max(0, WELCOME - h.redeemed))
        else:
            holders[who].points += value


def _redemption_day(
    draft: Draft, m: Member, h: Holder, points: int, start: int, end: int
) -> int | None:
    """The day a member comes to redeem in the month, if they do: more likely the more points
    they will have had."""
    rng = draft.loyalty_rng
    # not before the export shows the enrolment (a corrected one is keyed late): the till refuses
    lo, hi = max(start, m.keyed), end if m.left is None else min(end, m.left)
    if lo > hi or h.dormant:
        return None
    p = 0.12 if points < 100 else 0.45 if points < 1000 else 0.7 if points < 5000 else 0.85
    return rng.randint(lo, hi) if rng.random() < p else None


def _redeem(draft: Draft, i: int, m: Member, h: Holder, d: int, visit: str) -> tuple | None:
    """One attempt on day d (``visit``: 'first', 'again' or 'limit', the second step of a
    limit attempt); the (day, visit) of the member's next attempt in the month, if any."""
    rng = draft.loyalty_rng
    last = draft.months[i][2] if m.left is None else min(draft.months[i][2], m.left)
    if visit == "limit":
        room = MONTHLY_LIMIT - h.month_total
        if 0 < room <= h.points and rng.random() < 0.4:
            _ask(draft, i, m, h, d, room)  # exactly up to the limit: accepted
        else:
            over = next((c for c in CATALOGUE if c > room), None)
            if over is not None:
                _ask(draft, i, m, h, d, over)  # past the limit
        return None
    if visit == "first" and h.points >= BIG_HOLDER and d < last and rng.random() < GO_FOR_LIMIT:
        _ask(draft, i, m, h, d, rng.choice((2000, 3000)))
        return rng.randint(d + 1, last), "limit"
    affordable = [c for c in CATALOGUE if c <= h.points and h.month_total + c <= MONTHLY_LIMIT]
    if not affordable or rng.random() < ASK_TOO_MUCH:
        above = [c for c in CATALOGUE if c > h.points]
        if above and (affordable or rng.random() < 0.3):
            _ask(draft, i, m, h, d, above[0])  # more than the member holds
        return None
    _ask(draft, i, m, h, d, rng.choices(affordable, WEIGHTS[: len(affordable)])[0])
    if visit == "first" and d < last and rng.random() < COME_AGAIN:
        return rng.randint(d + 1, last), "again"
    return None


def _ask(draft: Draft, i: int, m: Member, h: Holder, d: int, points: int) -> None:
    """A redemption row; the estimate follows what the walk will probably decide."""
    draft.redemptions[i].append(redemption_row(d, m.cid, points))
    if points <= h.points and h.month_total + points <= MONTHLY_LIMIT:
        h.points -= points
        h.redeemed += points
        h.month_total += points


def _sync_late(draft: Draft) -> None:
    """A few redemptions of a month's last days reach the next month's file."""
    rng = draft.loyalty_rng
    for i in range(draft.n_months - 1):
        end = draft.months[i][2]
        rows = draft.redemptions[i]
        late = [r for r in rows if r[R_SORT] >= end - 1]
        for r in rng.sample(late, min(len(late), max(1, round(LATE_SYNC * len(rows))))):
            rows.remove(r)
            draft.redemptions[i + 1].append(r)


def number_redemptions(draft: Draft) -> None:
    """Ids follow date order within each month's file, like a till system's."""
    for i in range(draft.n_months):
        rows = draft.redemptions[i]
        rows.sort(key=lambda r: r[R_SORT])
        for r in rows:
            if not r[R_ID]:
                draft.redemption_no += 1
                r[R_ID] = f"RD{draft.redemption_no:08d}"
