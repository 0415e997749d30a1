"""Redemption rows the contract quarantines: one per row-level reason code, each in the month
where it weighs least, then random ones up to the dirty rate, so every month stays well under
the error budget (text problems only in CSV months)."""

from __future__ import annotations

from orchestration.generate.draft import Draft
from orchestration.generate.members import Member
from orchestration.generate.planted_members import Outsiders
from orchestration.generate.redemptions import (
    R_CAT,
    R_CUST,
    R_D,
    R_POINTS,
    R_REWARD,
    R_SORT,
    redemption_row,
    reward,
)

# reason -> needs a CSV month (a typed Parquet file cannot hold the text), in contract order
PLANS = (
    ("missing_field", False),
    ("bad_type", True),
    ("bad_points", False),
    ("duplicate_conflict", False),
    ("unknown_customer", False),
    ("not_member", False),
)


def clean_rows(draft: Draft, i: int) -> list[list]:
    return [r for r in draft.redemptions[i] if r[R_CAT] == "n"]


def plant_redemptions(draft: Draft, outsiders: Outsiders) -> None:
    """Every reason once (the duplicate's copy comes with ``plant_redemption_duplicates``),
    then random ones up to the dirty rate."""
    sizes = [len(clean_rows(draft, i)) for i in range(draft.n_months)]
    leavers = _leavers(draft)
    csv_months = [i for i in range(draft.n_months) if not draft.is_parquet(i)]
    for reason, text_only in PLANS:
        months = csv_months if text_only else range(draft.n_months)
        weight = 2 if reason == "duplicate_conflict" else 1
        i = min(months, key=lambda j: (_planted(draft, j) + weight) / max(1, sizes[j]))
        _plant(draft, outsiders, leavers, i, reason)
    for i in range(draft.n_months):
        want = int(draft.dirty_rate * sizes[i] + draft.loyalty_rng.random())
        reasons = [
            reason
            for reason, text in PLANS
            if (not text or not draft.is_parquet(i)) and reason != "duplicate_conflict"
        ]  # a conflict is two rows: one is planted above
        for _ in range(max(0, want - _planted(draft, i))):
            _plant(draft, outsiders, leavers, i, draft.loyalty_rng.choice(reasons))


def _planted(draft: Draft, i: int) -> int:
    return draft.planted_in.get(("redemptions", i), 0)


def _leavers(draft: Draft) -> list[list[Member]]:
    """Per month, the members who leave in it (not on its last day) as its own export shows."""
    out: list[list[Member]] = [[] for _ in range(draft.n_months)]
    for m in draft.members:
        i = None if m.left is None else draft.month_of(m.left)
        if i is not None and m.left_snap == i and m.left < draft.months[i][2]:
            out[i].append(m)
    return out


def _plant(
    draft: Draft, outsiders: Outsiders, leavers: list[list[Member]], i: int, reason: str
) -> None:
    rng, (ym, start, end, nd) = draft.loyalty_rng, draft.months[i]
    clean = [r for r in clean_rows(draft, i) if start <= r[R_SORT] <= end]
    if not clean:
        return
    t = clean[rng.randrange(len(clean))]
    d, cid, points = t[R_SORT], t[R_CUST], t[R_POINTS]
    if reason == "duplicate_conflict":
        t[R_CAT] = "dup"  # its conflicting copy is added once ids are given
        draft.plant("redemptions", i, 2)
        return
    row = redemption_row(d, cid, points, "x")
    if reason == "missing_field":
        row[rng.choice((R_CUST, R_REWARD))] = ""
    elif reason == "bad_type":
        if rng.random() < 0.5:
            row[R_D] = rng.choice((f"{ym}-{nd + 1}", f"{ym.replace('-', '/')}/0{1 + d % 9}"))
        else:
            row[R_POINTS] = rng.choice((f"{points}.0", f"{points:,}" if points >= 1000 else "1e2"))
    elif reason == "bad_points":
        row[R_POINTS] = rng.choice((0, -points, points + 50, 50))
        row[R_REWARD] = reward(max(100, abs(row[R_POINTS])))
    elif reason == "unknown_customer":
        row[R_CUST] = rng.choice((cid.lower(), f"{cid}0", cid[:-1]))
    elif not _not_member(draft, outsiders, leavers[i], i, row):
        return
    draft.redemptions[i].append(row)
    draft.plant("redemptions", i)


def _not_member(
    draft: Draft, outsiders: Outsiders, leavers: list[Member], i: int, row: list
) -> bool:
    """Dated after a leave the month's export shows, else by a customer who never joined;
    False when there is neither."""
    rng, end = draft.loyalty_rng, draft.months[i][2]
    if leavers:
        m = leavers[rng.randrange(len(leavers))]
        d = rng.randint(m.left + 1, end)
        row[R_SORT], row[R_CUST], row[R_D] = d, m.cid, d
        return True
    c = outsiders.take(row[R_SORT])
    if c is not None:
        row[R_CUST] = c.cid
    return c is not None


def plant_redemption_duplicates(draft: Draft) -> None:
    """The conflicting copy of each marked redemption (same id, another coupon), at the end of
    the same month's file: both rows are quarantined."""
    for i in range(draft.n_months):
        for r in [r for r in draft.redemptions[i] if r[R_CAT] == "dup"]:
            copy = list(r)
            copy[R_CAT] = "x"
            copy[R_POINTS] = r[R_POINTS] + 100
            copy[R_REWARD] = reward(copy[R_POINTS])
            draft.redemptions[i].append(copy)
