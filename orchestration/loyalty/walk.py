"""The ledger walk of one loyalty member: lots, debt and redemption verdicts.

The exact semantics are the contract's (loyalty-program.md section 3): events by date; within a
date WELCOME, sales, returns, FREQUENCY_BONUS, redemptions, then at the end of the day EXPIRY of
the lots whose last day it is, then FORFEIT. Lots are consumed oldest first (creation order);
what no lot covers becomes ``debt``, which the next lot repays and nothing expires or forfeits.

The walk is sequential per member and independent across members. ``walk_member`` returns the
lines and verdicts of the events it processed plus a ``State`` from which a later call resumes
exactly: walking to d1 and resuming to d2 gives what one walk to d2 gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from heapq import heapify, heappop, heappush
from itertools import groupby
from operator import attrgetter

# The place of the walk's own EXPIRY in a day; events sort before (< 5) or after it (FORFEIT, 6).
EXPIRY_ORDER = 5
EXPIRY_KIND = "EXPIRY"
LOT_SOURCE = "lots"
ACCEPTED = "accepted"
OVER_LIMIT = "over_redemption_limit"
INSUFFICIENT = "insufficient_points"
ACTIONS = ("earn", "reverse", "redeem", "forfeit")


@dataclass(frozen=True)
class Event:
    """One row of int_loyalty_events (LOYALTY.md "Walk events")."""

    event_date: date
    order: int  # 0 WELCOME, 1 sale, 2 return, 3 FREQUENCY_BONUS, 4 redemption, 6 FORFEIT
    action: str  # earn | reverse | redeem | forfeit
    kind: str  # the kind of the lines it writes
    source: str
    source_id: str
    points: int  # earn: the line's points; reverse: taken back (>= 0); redeem: asked
    rulebook_version: str
    lot_id: str | None = None  # earn: the lot it creates
    lot_expires_on: date | None = None  # earn: the lot's last day (None: never expires)
    reverses_lot: str | None = None  # reverse: the sale's lot, taken from first
    monthly_limit: int | None = None  # redeem: None means no limit
    honoured: bool = False  # redeem: accepted in a published version, never quarantined


@dataclass(frozen=True)
class Line:
    customer_id: str
    kind: str
    event_date: date
    points: int
    lot_id: str | None  # the lot created or taken from; None for the part added to debt
    source: str
    source_id: str
    rulebook_version: str


@dataclass(frozen=True)
class Verdict:
    redemption_id: str
    status: str  # accepted | over_redemption_limit | insufficient_points
    detail: str


@dataclass(frozen=True)
class Lot:
    lot_id: str
    seq: int  # creation order: lots are consumed by ascending seq
    earned_on: date
    expires_on: date | None
    remaining: int
    rulebook_version: str


@dataclass(frozen=True)
class State:
    """Everything a later walk needs to resume after ``through`` (inclusive)."""

    lots: tuple[Lot, ...]  # the lots still holding points, in creation order
    debt: int
    through: date
    next_seq: int
    month: str | None  # 'YYYY-MM' of ``through`` when redemptions were accepted in it, else None
    month_redeemed: int  # points accepted in ``month`` so far


@dataclass(frozen=True)
class WalkResult:
    lines: list[Line]
    verdicts: list[Verdict]
    state: State


def balance(state: State) -> int:
    """The member's balance: the lots' remaining points minus the debt."""
    return sum(lot.remaining for lot in state.lots) - state.debt


def walk_member(
    customer_id: str, events: Iterable[Event], until: date, state: State | None = None
) -> WalkResult:
    """Walk the member's events dated after ``state.through`` (all without a state) to ``until``.

    Every expiry day on or before ``until`` is processed, with or without events on it.
    """
    if state is not None and until < state.through:
        raise ValueError(
            f"member {customer_id}: cannot walk to {until}, the state is already at {state.through}"
        )
    walker = _Walker(customer_id, state)
    start = state.through if state is not None else None
    pending = sorted(
        (e for e in events if (start is None or e.event_date > start) and e.event_date <= until),
        key=_event_order,
    )
    for event in pending:
        _check(customer_id, event)
    for day, day_events in groupby(pending, key=attrgetter("event_date")):
        walker.expire_through(day - timedelta(days=1))
        for event in day_events:
            if event.order > EXPIRY_ORDER:  # FORFEIT comes after the day's EXPIRY
                walker.expire_through(day)
            walker.apply(event)
        walker.expire_through(day)  # expiring twice in a day finds nothing the second time
    walker.expire_through(until)
    return WalkResult(walker.lines, walker.verdicts, walker.state(until))


def walk_members(
    events_by_member: Iterable[tuple[str, list[Event]]],
    until: date,
    states: Mapping[str, State],
) -> Iterator[tuple[str, WalkResult]]:
    """Walk each given member from its saved state (if any) to ``until``.

    Only the members given are walked: a member with a state and no new events still needs an
    entry (with no events) for its lots to expire and its state to reach ``until``.
    """
    for customer_id, events in events_by_member:
        yield customer_id, walk_member(customer_id, events, until, states.get(customer_id))


def _event_order(event: Event) -> tuple[date, int, str]:
    return (event.event_date, event.order, event.source_id)


def _month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _check(customer_id: str, event: Event) -> None:
    """Refuse an event the walk cannot apply, naming the member and the event."""
    where = (
        f"member {customer_id}: {event.action} {event.source}/{event.source_id} {event.event_date}"
    )
    if event.action not in ACTIONS:
        raise ValueError(f"{where}: unknown action (expected one of {', '.join(ACTIONS)})")
    if event.order == EXPIRY_ORDER:
        raise ValueError(f"{where}: order {EXPIRY_ORDER} is the walk's own EXPIRY")
    if event.points < 0:
        raise ValueError(f"{where}: points {event.points} < 0")
    if event.action == "earn" and event.points and event.lot_id is None:
        raise ValueError(f"{where}: an earning of {event.points} points has no lot_id")
    expires = event.lot_expires_on
    if event.action == "earn" and expires is not None and expires < event.event_date:
        raise ValueError(f"{where}: the lot expires on {expires}, before it is earned")


@dataclass(slots=True)
class _OpenLot:
    """A lot while the walk changes it; frozen into ``Lot`` in the state."""

    lot_id: str
    seq: int
    earned_on: date
    expires_on: date | None
    remaining: int
    rulebook_version: str

    @classmethod
    def of(cls, lot: Lot) -> _OpenLot:
        return cls(
            lot.lot_id, lot.seq, lot.earned_on, lot.expires_on, lot.remaining, lot.rulebook_version
        )

    def frozen(self) -> Lot:
        return Lot(
            self.lot_id,
            self.seq,
            self.earned_on,
            self.expires_on,
            self.remaining,
            self.rulebook_version,
        )


class _Walker:
    """One member's lots, debt and month counter while its events are applied in order."""

    def __init__(self, customer_id: str, state: State | None) -> None:
        self.customer_id = customer_id
        self.lots = (
            [_OpenLot.of(lot) for lot in sorted(state.lots, key=attrgetter("seq"))] if state else []
        )
        self.debt = state.debt if state else 0
        self.next_seq = state.next_seq if state else 0
        self.month = state.month if state else None
        self.month_redeemed = state.month_redeemed if state else 0
        # Every lot's last day, soonest first (a spent lot's day stays, and expires nothing).
        self.expiry_days = [lot.expires_on for lot in self.lots if lot.expires_on]
        heapify(self.expiry_days)
        self.lines: list[Line] = []
        self.verdicts: list[Verdict] = []

    def state(self, through: date) -> State:
        # The month counter is kept only for the month of `through`: the next event is later.
        keep_month = self.month == _month_of(through) and self.month_redeemed > 0
        return State(
            lots=tuple(lot.frozen() for lot in self.lots if lot.remaining),
            debt=self.debt,
            through=through,
            next_seq=self.next_seq,
            month=self.month if keep_month else None,
            month_redeemed=self.month_redeemed if keep_month else 0,
        )

    def apply(self, event: Event) -> None:
        if event.action == "earn":
            self.earn(event)
            return
        if event.action == "reverse":
            own = [lot for lot in self.lots if lot.lot_id == event.reverses_lot]
            others = [lot for lot in self.lots if lot.lot_id != event.reverses_lot]
            self.debit(event, event.points, own + others)
        elif event.action == "redeem":
            self.redeem(event)
        else:
            self.forfeit(event)
        self.lots = [lot for lot in self.lots if lot.remaining]

    def write(
        self,
        kind: str,
        day: date,
        points: int,
        lot_id: str | None,
        source: str,
        source_id: str,
        rulebook_version: str,
    ) -> None:
        if points:
            self.lines.append(
                Line(
                    self.customer_id, kind, day, points, lot_id, source, source_id, rulebook_version
                )
            )

    def write_for(self, event: Event, points: int, lot_id: str | None) -> None:
        self.write(
            event.kind,
            event.event_date,
            points,
            lot_id,
            event.source,
            event.source_id,
            event.rulebook_version,
        )

    def earn(self, event: Event) -> None:
        if not event.points:
            return
        repaid = min(event.points, self.debt)
        self.debt -= repaid
        if event.points > repaid:  # a lot that only repaid debt holds nothing: it is not kept
            self.lots.append(
                _OpenLot(
                    event.lot_id,
                    self.next_seq,
                    event.event_date,
                    event.lot_expires_on,
                    event.points - repaid,
                    event.rulebook_version,
                )
            )
            if event.lot_expires_on:
                heappush(self.expiry_days, event.lot_expires_on)
        self.next_seq += 1
        self.write_for(event, event.points, event.lot_id)

    def take(self, event: Event, points: int, order: list[_OpenLot]) -> int:
        """Take up to ``points`` from the lots in ``order``, one line per lot; return the rest."""
        for lot in order:
            if not points:
                break
            part = min(points, lot.remaining)
            lot.remaining -= part
            points -= part
            self.write_for(event, -part, lot.lot_id)
        return points

    def debit(self, event: Event, points: int, order: list[_OpenLot]) -> int:
        """Take from the lots in ``order``; what they do not cover is added to debt (one line)."""
        shortfall = self.take(event, points, order)
        self.debt += shortfall
        self.write_for(event, -shortfall, None)
        return shortfall

    def redeem(self, event: Event) -> None:
        month = _month_of(event.event_date)
        if self.month != month:
            self.month, self.month_redeemed = month, 0
        would_reach = self.month_redeemed + event.points
        available = sum(lot.remaining for lot in self.lots)
        if event.honoured:
            shortfall = self.debit(event, event.points, self.lots)
            detail = (
                f"honoured (accepted in a published version): {event.points - shortfall} from "
                f"lots, {shortfall} added to debt"
            )
            status = ACCEPTED
        elif event.monthly_limit is not None and would_reach > event.monthly_limit:
            status = OVER_LIMIT
            detail = (
                f"redemptions accepted in {month} would reach {would_reach} > limit "
                f"{event.monthly_limit}"
            )
        elif available < event.points:
            status = INSUFFICIENT
            detail = f"available {available} < {event.points} asked"
        else:
            self.take(event, event.points, self.lots)
            status = ACCEPTED
            limit = "no limit" if event.monthly_limit is None else f"limit {event.monthly_limit}"
            detail = (
                f"available {available} >= {event.points} asked; accepted in {month} "
                f"{would_reach}, {limit}"
            )
        if status == ACCEPTED:
            self.month_redeemed = would_reach
        self.verdicts.append(Verdict(event.source_id, status, detail))

    def forfeit(self, event: Event) -> None:
        for lot in self.lots:
            self.write(
                event.kind,
                event.event_date,
                -lot.remaining,
                lot.lot_id,
                LOT_SOURCE,
                lot.lot_id,
                event.rulebook_version,
            )
            lot.remaining = 0

    def expire_through(self, last: date) -> None:
        """Expire, day by day, every lot whose last day is on or before ``last``."""
        while self.expiry_days and self.expiry_days[0] <= last:
            day = heappop(self.expiry_days)
            while self.expiry_days and self.expiry_days[0] == day:  # lots sharing the day
                heappop(self.expiry_days)
            for lot in self.lots:
                if lot.expires_on == day:
                    self.write(
                        EXPIRY_KIND,
                        day,
                        -lot.remaining,
                        lot.lot_id,
                        LOT_SOURCE,
                        lot.lot_id,
                        lot.rulebook_version,
                    )
                    lot.remaining = 0
            self.lots = [lot for lot in self.lots if lot.remaining]
