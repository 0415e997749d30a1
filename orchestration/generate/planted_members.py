"""Member export rows that fail a check: customers who are not members (so no member is lost),
ids the customer master lacks, and a conflict on a real member in a later export, which
keeps its earlier row."""

from __future__ import annotations

from orchestration.generate.customers import Customer
from orchestration.generate.draft import Draft
from orchestration.generate.members import Member

# reason -> needs a CSV export (a typed Parquet file cannot hold the text)
PLANS = (
    ("missing_field", False),
    ("bad_type", True),
    ("bad_date_range", False),
    ("duplicate_conflict", False),
    ("unknown_customer", False),
)


class Outsiders:
    """Customers who are not members, handed out once each, in a random order."""

    def __init__(self, draft: Draft) -> None:
        custs = draft.base_custs + [c for month in draft.new_custs for c in month]
        self.pool = [c for c in custs if c.cid not in draft.member_by_cid]
        draft.loyalty_rng.shuffle(self.pool)

    def take(self, before: int) -> Customer | None:
        """One created on or before day ``before``; None when none is left."""
        for k in range(len(self.pool) - 1, -1, -1):
            if self.pool[k].created <= before:
                return self.pool.pop(k)
        return None


def plant_members(draft: Draft, outsiders: Outsiders) -> None:
    csv_snaps = [i for i in range(draft.n_months) if not draft.is_parquet(i)]
    for reason, text_only in PLANS:
        i = 0
        if reason == "duplicate_conflict" and len(csv_snaps) > 1:
            _conflict_on_member(draft, csv_snaps[1])
            continue
        if text_only:
            i = csv_snaps[0]
        _plant(draft, outsiders, i, reason)
    for i in range(draft.n_months):
        _plant_random(draft, outsiders, i)


def _plant(draft: Draft, outsiders: Outsiders, i: int, reason: str) -> None:
    """One row of ``reason`` in month i's export (two for a conflict)."""
    rng, (ym, start, end, nd) = draft.loyalty_rng, draft.months[i]
    c = outsiders.take(end)
    if c is None:
        return
    enrolled = max(c.created, start - rng.randint(0, 400))
    card = f"6288{90_000_000 + len(outsiders.pool):012d}"
    row = [c.cid, card, enrolled, None]
    rows = [row]
    if reason == "missing_field":
        row[1] = ""
    elif reason == "bad_type":
        row[2] = rng.choice((f"{ym}-{nd + 1}", f"{ym[:4]}-02-30", f"{ym.replace('-', '/')}/01"))
    elif reason == "bad_date_range":
        row[3] = enrolled - rng.randint(1, 60)
    elif reason == "duplicate_conflict":
        rows.append([c.cid, f"6288{91_000_000 + len(outsiders.pool):012d}", enrolled, None])
    else:
        row[0] = f"{c.cid}0"  # a digit too many
    draft.member_extra[i].extend(rows)
    draft.plant("members", i, len(rows))


def _conflict_on_member(draft: Draft, s: int) -> None:
    """Two rows of a member of the first export in export s (different cards): both are
    quarantined and the member keeps the row of the first export."""
    rng = draft.loyalty_rng
    pool = [m for m in draft.members if _unchanged_in(m)]
    if not pool:
        return
    m = pool[rng.randrange(len(pool))]
    row = m.row(s)
    other = [row[0], f"{row[1][:-1]}{(int(row[1][-1]) + 1) % 10}", row[2], row[3]]
    draft.member_extra[s].extend((row, other))
    draft.plant("members", s, 2)


def _unchanged_in(m: Member) -> bool:
    return m.first_snap == 0 and m.left is None and m.fix_snap is None


def _plant_random(draft: Draft, outsiders: Outsiders, i: int) -> None:
    """Up to the dirty rate of the export's rows: assorted problems of non-members."""
    rng = draft.loyalty_rng
    exported = sum(1 for m in draft.members if m.first_snap == i)
    reasons = ("missing_field", "bad_date_range", "unknown_customer")
    reasons += () if draft.is_parquet(i) else ("bad_type",)
    for _ in range(int(draft.dirty_rate * exported + rng.random())):
        _plant(draft, outsiders, i, rng.choice(reasons))
