"""The loyalty program's members: about two thirds of the customers, enrolled since the program's
launch years before the first month (so points expire during the generated months), at the
till with their first purchase or later, with leavers before and during the months.

The member export is a delta, like the customer master's: the first delivery holds every
member ever enrolled (leavers included), each later one the rows that changed in its month (new
members, leaves, corrected enrolment dates). A leave keyed late reaches the next month's export.
"""

from __future__ import annotations

from orchestration.generate.customers import Customer
from orchestration.generate.draft import Draft

LAUNCH_DAYS = 1000  # the program started this many days before the first month
JOIN_AT_TILL = 0.55  # a new customer takes a card with the first purchase
JOIN_LATER = 0.10  # or some weeks after it
JOIN_BASE = 0.65  # an existing customer joined at some point since the launch
LEFT_BEFORE = 0.10  # members enrolled before the months who left before them
LEAVE_A_MONTH = 0.006  # members who leave in a month
LEAVE_KEYED_LATE = 0.25  # leaves that reach the export a month late
CORRECTED = 0.02  # new members whose enrolment date the next export corrects


class Member:
    __slots__ = (
        "cid",
        "card",
        "enrolled",  # day ordinals
        "left",
        "first_snap",  # the first export (month) that lists the member
        "left_snap",  # the export that first shows the leave
        "keyed",  # the enrolment date as first exported, before a correction
        "fix_snap",  # the export that corrects it (None: never wrong)
    )

    def active(self, d: int) -> bool:
        return self.enrolled <= d and (self.left is None or d <= self.left)

    def row(self, snap: int) -> list:
        """The member as the export of month ``snap`` shows them (dates as ordinals)."""
        enrolled = (
            self.keyed if self.fix_snap is not None and snap < self.fix_snap else self.enrolled
        )
        left = self.left if self.left is not None and self.left_snap <= snap else None
        return [self.cid, self.card, enrolled, left]


def draw_members(draft: Draft) -> None:
    members = [m for c in draft.base_custs if (m := _existing_member(draft, c)) is not None]
    for i in range(draft.n_months):
        members += [m for c in draft.new_custs[i] if (m := _new_member(draft, c)) is not None]
    members.sort(key=lambda m: (m.enrolled, m.cid))
    for k, m in enumerate(members):  # cards are issued in enrolment order
        m.card = f"6288{30_000_000 + 7 * k:012d}"
    draft.members = members
    draft.member_by_cid = {m.cid: m for m in members}
    _draw_leaves(draft)
    _draw_corrections(draft)


def _member(draft: Draft, cid: str, enrolled: int) -> Member | None:
    """A member enrolled on day ``enrolled``; None when that is after the last month."""
    if enrolled > draft.last:
        return None
    m = Member()
    m.cid, m.card, m.enrolled, m.keyed, m.fix_snap = cid, "", enrolled, enrolled, None
    m.left, m.left_snap = None, 0
    m.first_snap = draft.month_of(enrolled) or 0
    return m


def _existing_member(draft: Draft, c: Customer) -> Member | None:
    rng = draft.loyalty_rng
    if rng.random() >= JOIN_BASE:
        return None
    launch = draft.first - LAUNCH_DAYS
    if c.created < launch:  # joined in the launch campaign or over the years after it
        return _member(draft, c.cid, launch + round(rng.expovariate(1 / 250)))
    lag = 0 if rng.random() < 0.3 else round(rng.expovariate(1 / 150))
    return _member(draft, c.cid, c.created + lag)


def _new_member(draft: Draft, c: Customer) -> Member | None:
    rng = draft.loyalty_rng
    r = rng.random()
    if r < JOIN_AT_TILL:
        return _member(draft, c.cid, c.created)
    if r < JOIN_AT_TILL + JOIN_LATER:
        return _member(draft, c.cid, c.created + rng.randint(5, 60))
    return None


def _draw_leaves(draft: Draft) -> None:
    rng, first = draft.loyalty_rng, draft.first
    for m in draft.members:
        if m.enrolled < first - 60 and rng.random() < LEFT_BEFORE:
            m.left = rng.randint(m.enrolled + 30, first - 1)
    for i, (_, start, end, _) in enumerate(draft.months):
        for m in draft.members:
            if m.left is None and m.enrolled < start and rng.random() < LEAVE_A_MONTH:
                m.left = rng.randint(start, end)
                late = i + 1 < draft.n_months and rng.random() < LEAVE_KEYED_LATE
                m.left_snap = i + 1 if late else i


def _draw_corrections(draft: Draft) -> None:
    """An enrolment keyed a few days late in month i's export, corrected in the next one."""
    rng = draft.loyalty_rng
    for i in range(draft.n_months - 1):
        joined = [m for m in draft.members if m.first_snap == i and m.enrolled >= draft.first]
        joined = [m for m in joined if m.left is None]
        if not joined:
            continue
        for m in rng.sample(joined, max(1, round(CORRECTED * len(joined)))):
            m.keyed = min(m.enrolled + rng.randint(1, 5), draft.months[i][2])
            m.fix_snap = i + 1


def member_rows(draft: Draft, i: int) -> list[list]:
    """Month i's export: everyone at first, then the members enrolled, leaving or corrected."""
    return [
        m.row(i)
        for m in draft.members
        if (m.first_snap == i or (m.left is not None and m.left_snap == i) or m.fix_snap == i)
        and m.first_snap <= i
    ]
