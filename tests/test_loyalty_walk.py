"""The loyalty ledger walk of one member (loyalty-program.md section 3), rule by rule.

Events are written by hand from the walk's event contract (LOYALTY.md "Walk events"); the
expected lines follow from the contract's rules, one table row per rule. The worked example's
members (shared/design/loyalty-example) are walked from their landed rows, and a property test
checks that resuming from a saved state is the same as one walk.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.loyalty.walk import (
    Event,
    Line,
    Lot,
    State,
    balance,
    walk_member,
    walk_members,
)

BOOK = "loyalty-2026.1"
LIMIT = 5000
D = date.fromisoformat


def last_day_12_months_on(day: date) -> date:
    """The default book's expiry: the last day of the 12th month after the month earned."""
    return date(day.year + 1, day.month, calendar.monthrange(day.year + 1, day.month)[1])


def earning(
    order: int,
    kind: str,
    source: str,
    source_id: str,
    day: str,
    points: int,
    expires: str | None = None,
) -> Event:
    """An earn event: the lot is '<KIND>:<source_id>', by default on the default book's expiry."""
    when = D(day)
    expires_on = D(expires) if expires else last_day_12_months_on(when)
    return Event(
        when,
        order,
        "earn",
        kind,
        source,
        source_id,
        points,
        BOOK,
        lot_id=f"{kind}:{source_id}",
        lot_expires_on=expires_on,
    )


def welcome(customer_id: str, day: str) -> Event:
    return earning(0, "WELCOME", "members", customer_id, day, 100)


def sale(txn_id: str, day: str, points: int, expires: str | None = None) -> Event:
    return earning(1, "PURCHASE", "sales", txn_id, day, points, expires)


def ret(txn_id: str, day: str, points: int, sale_txn_id: str) -> Event:
    return Event(
        D(day),
        2,
        "reverse",
        "PURCHASE",
        "sales",
        txn_id,
        points,
        BOOK,
        reverses_lot=f"PURCHASE:{sale_txn_id}",
    )


def bonus(customer_id: str, month: str) -> Event:
    year, number = map(int, month.split("-"))
    last_day = date(year, number, calendar.monthrange(year, number)[1]).isoformat()
    return earning(3, "FREQUENCY_BONUS", "sales", f"{customer_id}:{month}", last_day, 50)


def redeem(
    redemption_id: str, day: str, points: int, honoured: bool = False, limit: int | None = LIMIT
) -> Event:
    return Event(
        D(day),
        4,
        "redeem",
        "REDEMPTION",
        "redemptions",
        redemption_id,
        points,
        BOOK,
        monthly_limit=limit,
        honoured=honoured,
    )


def forfeit(customer_id: str, day: str, book: str = BOOK) -> Event:
    return Event(D(day), 6, "forfeit", "FORFEIT", "members", customer_id, 0, book)


def compact(lines: list[Line]) -> list[tuple]:
    """(date, kind, points, lot, source_id) per line, in the order written."""
    return [
        (ln.event_date.isoformat(), ln.kind, ln.points, ln.lot_id, ln.source_id) for ln in lines
    ]


def statuses(verdicts) -> list[tuple[str, str]]:
    return [(v.redemption_id, v.status) for v in verdicts]


# One row per rule: events (in any order: the walk sorts them), until, the lines written, the
# verdicts, the final debt and lots {lot: remaining}.
RULES = {
    "same day: welcome, sale, return, redemption, expiry, forfeit": (
        [
            forfeit("C", "2026-07-31"),
            redeem("X1", "2026-07-31", 100),
            ret("R1", "2026-07-31", 30, "S1"),
            sale("S1", "2026-07-31", 200),
            welcome("C", "2026-07-31"),
            sale("S0", "2025-07-01", 150, expires="2026-07-31"),
        ],
        "2026-07-31",
        [
            ("2025-07-01", "PURCHASE", 150, "PURCHASE:S0", "S0"),
            ("2026-07-31", "WELCOME", 100, "WELCOME:C", "C"),
            ("2026-07-31", "PURCHASE", 200, "PURCHASE:S1", "S1"),
            ("2026-07-31", "PURCHASE", -30, "PURCHASE:S1", "R1"),
            ("2026-07-31", "REDEMPTION", -100, "PURCHASE:S0", "X1"),
            ("2026-07-31", "EXPIRY", -50, "PURCHASE:S0", "PURCHASE:S0"),
            ("2026-07-31", "FORFEIT", -100, "WELCOME:C", "WELCOME:C"),
            ("2026-07-31", "FORFEIT", -170, "PURCHASE:S1", "PURCHASE:S1"),
        ],
        [("X1", "accepted")],
        0,
        {},
    ),
    "sales of a day by txn_id as text: S10 before S9, so its lot is older": (
        [
            sale("S9", "2026-07-01", 100),
            sale("S10", "2026-07-01", 100),
            redeem("X1", "2026-07-02", 150),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 100, "PURCHASE:S10", "S10"),
            ("2026-07-01", "PURCHASE", 100, "PURCHASE:S9", "S9"),
            ("2026-07-02", "REDEMPTION", -100, "PURCHASE:S10", "X1"),
            ("2026-07-02", "REDEMPTION", -50, "PURCHASE:S9", "X1"),
        ],
        [("X1", "accepted")],
        0,
        {"PURCHASE:S9": 50},
    ),
    "a return beyond every lot becomes debt, the next lot repays it first": (
        [
            sale("S1", "2026-07-01", 100),
            ret("R1", "2026-07-02", 150, "S1"),
            sale("S2", "2026-07-03", 80),
            redeem("X1", "2026-07-04", 40),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2026-07-02", "PURCHASE", -100, "PURCHASE:S1", "R1"),
            ("2026-07-02", "PURCHASE", -50, None, "R1"),
            ("2026-07-03", "PURCHASE", 80, "PURCHASE:S2", "S2"),
        ],
        [("X1", "insufficient_points")],
        0,
        {"PURCHASE:S2": 30},
    ),
    "a lot smaller than the debt repays part of it and holds nothing": (
        [
            sale("S1", "2026-07-01", 10),
            ret("R1", "2026-07-02", 110, "S1"),
            sale("S2", "2026-07-03", 60),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 10, "PURCHASE:S1", "S1"),
            ("2026-07-02", "PURCHASE", -10, "PURCHASE:S1", "R1"),
            ("2026-07-02", "PURCHASE", -100, None, "R1"),
            ("2026-07-03", "PURCHASE", 60, "PURCHASE:S2", "S2"),
        ],
        [],
        40,
        {},
    ),
    "an honoured redemption is forced through: lots first, the shortfall to debt": (
        [sale("S1", "2026-07-01", 40), redeem("X1", "2026-07-02", 100, honoured=True)],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 40, "PURCHASE:S1", "S1"),
            ("2026-07-02", "REDEMPTION", -40, "PURCHASE:S1", "X1"),
            ("2026-07-02", "REDEMPTION", -60, None, "X1"),
        ],
        [("X1", "accepted")],
        60,
        {},
    ),
    "an honoured redemption passes the monthly limit and counts towards it": (
        [
            sale("S1", "2026-07-01", 9000),
            redeem("X1", "2026-07-02", 5100, honoured=True),
            redeem("X2", "2026-07-03", 100),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 9000, "PURCHASE:S1", "S1"),
            ("2026-07-02", "REDEMPTION", -5100, "PURCHASE:S1", "X1"),
        ],
        [("X1", "accepted"), ("X2", "over_redemption_limit")],
        0,
        {"PURCHASE:S1": 3900},
    ),
    "a redemption consumes lots oldest first, one line per lot": (
        [
            sale("S3", "2026-07-03", 100),
            sale("S1", "2026-07-01", 100),
            sale("S2", "2026-07-02", 100),
            redeem("X1", "2026-07-04", 250),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2026-07-02", "PURCHASE", 100, "PURCHASE:S2", "S2"),
            ("2026-07-03", "PURCHASE", 100, "PURCHASE:S3", "S3"),
            ("2026-07-04", "REDEMPTION", -100, "PURCHASE:S1", "X1"),
            ("2026-07-04", "REDEMPTION", -100, "PURCHASE:S2", "X1"),
            ("2026-07-04", "REDEMPTION", -50, "PURCHASE:S3", "X1"),
        ],
        [("X1", "accepted")],
        0,
        {"PURCHASE:S3": 50},
    ),
    "a reversal takes from its own sale's lot first, then the oldest": (
        [
            sale("S1", "2026-07-01", 100),
            sale("S2", "2026-07-02", 100),
            sale("S3", "2026-07-03", 100),
            ret("R2", "2026-07-04", 150, "S2"),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2026-07-02", "PURCHASE", 100, "PURCHASE:S2", "S2"),
            ("2026-07-03", "PURCHASE", 100, "PURCHASE:S3", "S3"),
            ("2026-07-04", "PURCHASE", -100, "PURCHASE:S2", "R2"),
            ("2026-07-04", "PURCHASE", -50, "PURCHASE:S1", "R2"),
        ],
        [],
        0,
        {"PURCHASE:S1": 50, "PURCHASE:S3": 100},
    ),
    "a reversal whose own lot is spent takes from the oldest lots": (
        [
            sale("S1", "2026-07-01", 100),
            sale("S2", "2026-07-02", 100),
            redeem("X1", "2026-07-03", 150),
            ret("R1", "2026-07-04", 60, "S1"),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2026-07-02", "PURCHASE", 100, "PURCHASE:S2", "S2"),
            ("2026-07-03", "REDEMPTION", -100, "PURCHASE:S1", "X1"),
            ("2026-07-03", "REDEMPTION", -50, "PURCHASE:S2", "X1"),
            ("2026-07-04", "PURCHASE", -50, "PURCHASE:S2", "R1"),
            ("2026-07-04", "PURCHASE", -10, None, "R1"),
        ],
        [("X1", "accepted")],
        10,
        {},
    ),
    "several lots expire the same day, in creation order, the partly used one with its rest": (
        [
            sale("S1", "2025-07-01", 100),
            sale("S2", "2025-07-20", 50),
            sale("S3", "2025-08-01", 10),
            redeem("X1", "2025-09-01", 70),
        ],
        "2026-07-31",
        [
            ("2025-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2025-07-20", "PURCHASE", 50, "PURCHASE:S2", "S2"),
            ("2025-08-01", "PURCHASE", 10, "PURCHASE:S3", "S3"),
            ("2025-09-01", "REDEMPTION", -70, "PURCHASE:S1", "X1"),
            ("2026-07-31", "EXPIRY", -30, "PURCHASE:S1", "PURCHASE:S1"),
            ("2026-07-31", "EXPIRY", -50, "PURCHASE:S2", "PURCHASE:S2"),
        ],
        [("X1", "accepted")],
        0,
        {"PURCHASE:S3": 10},
    ),
    "a spent lot writes no expiry line, debt never expires": (
        [sale("S1", "2025-07-01", 100), ret("R1", "2025-07-02", 120, "S1")],
        "2026-12-31",
        [
            ("2025-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2025-07-02", "PURCHASE", -100, "PURCHASE:S1", "R1"),
            ("2025-07-02", "PURCHASE", -20, None, "R1"),
        ],
        [],
        20,
        {},
    ),
    "the monthly limit: exactly 5000 accepted, one more over, a new month starts again": (
        [
            sale("S1", "2026-06-01", 9000),
            redeem("X1", "2026-07-01", 3000),
            redeem("X2", "2026-07-02", 2100),
            redeem("X3", "2026-07-03", 2000),
            redeem("X4", "2026-07-31", 100),
            redeem("X5", "2026-08-01", 100),
        ],
        "2026-08-31",
        [
            ("2026-06-01", "PURCHASE", 9000, "PURCHASE:S1", "S1"),
            ("2026-07-01", "REDEMPTION", -3000, "PURCHASE:S1", "X1"),
            ("2026-07-03", "REDEMPTION", -2000, "PURCHASE:S1", "X3"),
            ("2026-08-01", "REDEMPTION", -100, "PURCHASE:S1", "X5"),
        ],
        [
            ("X1", "accepted"),
            ("X2", "over_redemption_limit"),
            ("X3", "accepted"),
            ("X4", "over_redemption_limit"),
            ("X5", "accepted"),
        ],
        0,
        {"PURCHASE:S1": 3900},
    ),
    "the limit is judged before the points; a refused redemption consumes nothing": (
        [
            sale("S1", "2026-07-01", 40),
            redeem("X1", "2026-07-02", 5100),
            redeem("X2", "2026-07-03", 100),
            redeem("X3", "2026-07-04", 40),
        ],
        "2026-07-31",
        [
            ("2026-07-01", "PURCHASE", 40, "PURCHASE:S1", "S1"),
            ("2026-07-04", "REDEMPTION", -40, "PURCHASE:S1", "X3"),
        ],
        [("X1", "over_redemption_limit"), ("X2", "insufficient_points"), ("X3", "accepted")],
        0,
        {},
    ),
    "an expiry day without events is walked; a later one is not yet": (
        [sale("S1", "2025-07-01", 100), sale("S2", "2025-09-01", 30)],
        "2026-08-31",
        [
            ("2025-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2025-09-01", "PURCHASE", 30, "PURCHASE:S2", "S2"),
            ("2026-07-31", "EXPIRY", -100, "PURCHASE:S1", "PURCHASE:S1"),
        ],
        [],
        0,
        {"PURCHASE:S2": 30},
    ),
    "a lot expired between two event days is gone by the next one": (
        [sale("S1", "2025-07-01", 100), redeem("X1", "2026-08-05", 100)],
        "2026-08-31",
        [
            ("2025-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2026-07-31", "EXPIRY", -100, "PURCHASE:S1", "PURCHASE:S1"),
        ],
        [("X1", "insufficient_points")],
        0,
        {},
    ),
    "forfeit comes after the day's expiry and empties every other lot": (
        [
            forfeit("C", "2026-07-31"),
            sale("S1", "2025-07-01", 100),
            sale("S2", "2026-01-01", 50),
            ret("R2", "2026-02-01", 20, "S2"),
        ],
        "2027-12-31",
        [
            ("2025-07-01", "PURCHASE", 100, "PURCHASE:S1", "S1"),
            ("2026-01-01", "PURCHASE", 50, "PURCHASE:S2", "S2"),
            ("2026-02-01", "PURCHASE", -20, "PURCHASE:S2", "R2"),
            ("2026-07-31", "EXPIRY", -100, "PURCHASE:S1", "PURCHASE:S1"),
            ("2026-07-31", "FORFEIT", -30, "PURCHASE:S2", "PURCHASE:S2"),
        ],
        [],
        0,
        {},
    ),
    "an earning of 0 points writes no line and creates no lot": (
        [sale("S1", "2026-07-01", 0), ret("R1", "2026-07-02", 5, "S1")],
        "2026-07-31",
        [("2026-07-02", "PURCHASE", -5, None, "R1")],
        [],
        5,
        {},
    ),
    "events after until are left for a later walk": (
        [sale("S1", "2026-07-31", 10), sale("S2", "2026-08-01", 20)],
        "2026-07-31",
        [("2026-07-31", "PURCHASE", 10, "PURCHASE:S1", "S1")],
        [],
        0,
        {"PURCHASE:S1": 10},
    ),
}


@pytest.mark.parametrize(
    ("events", "until", "lines", "verdicts", "debt", "lots"), RULES.values(), ids=RULES.keys()
)
def test_rule(events, until, lines, verdicts, debt, lots):
    result = walk_member("C", events, D(until))
    assert compact(result.lines) == lines
    assert statuses(result.verdicts) == verdicts
    assert result.state.debt == debt
    assert {lot.lot_id: lot.remaining for lot in result.state.lots} == lots
    assert sum(line.points for line in result.lines) == balance(result.state)


def test_expiry_and_forfeit_lines_name_the_lot_and_their_book():
    events = [
        sale("S1", "2025-07-01", 100),
        sale("S2", "2026-01-01", 50),
        forfeit("C", "2026-07-31", book="loyalty-2026.2"),
    ]
    events[0] = replace(events[0], rulebook_version="loyalty-2025.1")
    expiry, forfeited = walk_member("C", events, D("2026-07-31")).lines[2:]
    assert expiry == Line(
        "C", "EXPIRY", D("2026-07-31"), -100, "PURCHASE:S1", "lots", "PURCHASE:S1", "loyalty-2025.1"
    )
    assert forfeited == Line(
        "C", "FORFEIT", D("2026-07-31"), -50, "PURCHASE:S2", "lots", "PURCHASE:S2", "loyalty-2026.2"
    )


def test_verdicts_explain_with_the_numbers():
    events = [
        sale("S1", "2026-07-01", 3040),
        redeem("X1", "2026-07-02", 3000),
        redeem("X2", "2026-07-03", 2500),
        redeem("X3", "2026-07-04", 100),
        redeem("X4", "2026-07-05", 100, honoured=True),
    ]
    details = [v.detail for v in walk_member("C", events, D("2026-07-31")).verdicts]
    assert details[1] == "redemptions accepted in 2026-07 would reach 5500 > limit 5000"
    assert details[2] == "available 40 < 100 asked"
    assert "40 from lots, 60 added to debt" in details[3]


def test_the_state_keeps_the_month_counter_only_within_its_month():
    events = [sale("S1", "2026-07-01", 9000), redeem("X1", "2026-07-10", 3000)]
    july = walk_member("C", events, D("2026-07-20")).state
    assert (july.month, july.month_redeemed) == ("2026-07", 3000)
    august = walk_member("C", events, D("2026-08-01")).state
    assert (august.month, august.month_redeemed) == (None, 0)


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        (Event(D("2026-07-01"), 1, "award", "PURCHASE", "sales", "S1", 10, BOOK), "unknown action"),
        (Event(D("2026-07-01"), 1, "earn", "PURCHASE", "sales", "S1", 10, BOOK), "no lot_id"),
        (ret("R1", "2026-07-01", -5, "S1"), "points -5 < 0"),
        (sale("S1", "2026-07-01", 10, expires="2026-06-30"), "expires on 2026-06-30, before"),
        (Event(D("2026-07-01"), 5, "forfeit", "EXPIRY", "lots", "L", 0, BOOK), "order 5"),
    ],
)
def test_an_event_the_walk_cannot_apply_is_refused_by_name(event, problem):
    with pytest.raises(ValueError, match=problem) as refused:
        walk_member("C7", [event], D("2026-07-31"))
    assert "member C7" in str(refused.value) and event.source_id in str(refused.value)


def test_a_state_cannot_walk_backwards():
    state = walk_member("C", [sale("S1", "2026-07-01", 10)], D("2026-07-31")).state
    with pytest.raises(ValueError, match="member C: cannot walk to 2026-07-30"):
        walk_member("C", [], D("2026-07-30"), state)


def test_a_stored_state_resumes_with_its_lots_in_creation_order():
    lot = dict(earned_on=D("2026-01-01"), expires_on=D("2027-01-31"), rulebook_version=BOOK)
    stored = State(
        lots=(
            Lot("PURCHASE:S9", 4, remaining=30, **lot),
            Lot("PURCHASE:S1", 2, remaining=20, **lot),
        ),
        debt=0,
        through=D("2026-07-15"),
        next_seq=5,
        month="2026-07",
        month_redeemed=4950,
    )
    events = [
        redeem("X1", "2026-07-20", 100, limit=None),
        redeem("X2", "2026-07-21", 50),
        sale("S2", "2026-07-21", 10),
    ]
    result = walk_member("C", events, D("2026-07-31"), stored)
    assert compact(result.lines) == [
        ("2026-07-21", "PURCHASE", 10, "PURCHASE:S2", "S2"),
        ("2026-07-21", "REDEMPTION", -20, "PURCHASE:S1", "X2"),
        ("2026-07-21", "REDEMPTION", -30, "PURCHASE:S9", "X2"),
    ]
    assert statuses(result.verdicts) == [("X1", "insufficient_points"), ("X2", "accepted")]
    assert result.state.lots == (Lot("PURCHASE:S2", 5, D("2026-07-21"), D("2027-07-31"), 10, BOOK),)
    assert (result.state.month, result.state.month_redeemed, result.state.next_seq) == (
        "2026-07",
        5000,
        6,
    )


def test_walk_members_resumes_each_member_from_its_own_state():
    c1 = [sale("S1", "2026-07-01", 100), sale("S2", "2026-08-01", 10)]
    c2 = [sale("S3", "2026-07-02", 50), redeem("X1", "2026-08-02", 20)]
    states = {"C1": walk_member("C1", c1, D("2026-07-31")).state}
    walked = dict(walk_members([("C1", c1), ("C2", c2)], D("2026-08-31"), states))
    assert compact(walked["C1"].lines) == [("2026-08-01", "PURCHASE", 10, "PURCHASE:S2", "S2")]
    assert balance(walked["C1"].state) == 110
    assert [ln.customer_id for ln in walked["C2"].lines] == ["C2", "C2"]
    assert balance(walked["C2"].state) == 30


# The worked example (shared/design/loyalty-example), events written from its landed rows.
C1_EVENTS = [
    welcome("C1", "2025-07-10"),
    sale("S01", "2025-07-15", 123),  # 1,234.00 CNY
    redeem("X01", "2025-09-01", 100),
    sale("S02", "2026-06-10", 300),
    redeem("X02", "2026-07-20", 100),
]
C2_JULY = [
    welcome("C2", "2026-06-01"),
    sale("S10", "2026-07-01", 2000),
    sale("S11", "2026-07-02", 2000),
    sale("S12", "2026-07-03", 2000),
    sale("S13", "2026-07-04", 0),  # 5.00 CNY
    sale("S14", "2026-07-05", 10),
    sale("S15", "2026-07-06", 5),
    ret("R15", "2026-07-07", 5, "S15"),
    redeem("X10", "2026-07-10", 3000),
    redeem("X11", "2026-07-15", 2500),
    redeem("X12", "2026-07-20", 2000),
    redeem("X13", "2026-07-25", 100),
]
# At the August close: the late return R12 (07-28) undoes the July bonus (4 qualifying orders
# left), X10 and X12 are honoured (published in July), S20 and X20 are new.
C2_AUGUST = [replace(e, honoured=True) if e.source_id in ("X10", "X12") else e for e in C2_JULY] + [
    ret("R12", "2026-07-28", 2000, "S12"),
    sale("S20", "2026-08-05", 100),
    redeem("X20", "2026-08-10", 100),
]


def test_example_c1_welcome_lot_used_long_ago_and_the_rest_of_a_lot_expiring():
    june = walk_member("C1", C1_EVENTS, D("2026-06-30"))
    assert balance(june.state) == 423
    july = walk_member("C1", C1_EVENTS, D("2026-07-31"), june.state)
    assert compact(july.lines) == [
        ("2026-07-20", "REDEMPTION", -100, "PURCHASE:S01", "X02"),
        ("2026-07-31", "EXPIRY", -23, "PURCHASE:S01", "PURCHASE:S01"),
    ]
    assert statuses(july.verdicts) == [("X02", "accepted")]
    assert balance(july.state) == 300
    assert [(lot.lot_id, lot.remaining) for lot in july.state.lots] == [("PURCHASE:S02", 300)]


def test_example_c2_july_close():
    july = walk_member("C2", C2_JULY + [bonus("C2", "2026-07")], D("2026-07-31"))
    assert statuses(july.verdicts) == [
        ("X10", "accepted"),
        ("X11", "over_redemption_limit"),
        ("X12", "accepted"),
        ("X13", "over_redemption_limit"),
    ]
    kinds = {}
    for line in july.lines:
        if line.event_date >= D("2026-07-01"):
            kinds[line.kind] = kinds.get(line.kind, 0) + line.points
    assert kinds == {"PURCHASE": 6010, "FREQUENCY_BONUS": 50, "REDEMPTION": -5000}
    assert balance(july.state) == 1160 and july.state.debt == 0
    assert {lot.lot_id: lot.remaining for lot in july.state.lots} == {
        "PURCHASE:S12": 1100,
        "PURCHASE:S14": 10,
        "FREQUENCY_BONUS:C2:2026-07": 50,
    }


def test_example_c2_august_rewalk_with_the_late_return():
    july = walk_member("C2", C2_AUGUST, D("2026-07-31"))
    assert balance(july.state) == -890  # published 1160: the adjustment is -2050
    assert compact([ln for ln in july.lines if ln.source_id == "R12"]) == [
        ("2026-07-28", "PURCHASE", -1100, "PURCHASE:S12", "R12"),
        ("2026-07-28", "PURCHASE", -10, "PURCHASE:S14", "R12"),
        ("2026-07-28", "PURCHASE", -890, None, "R12"),
    ]
    august = walk_member("C2", C2_AUGUST, D("2026-08-31"), july.state)
    assert compact(august.lines) == [("2026-08-05", "PURCHASE", 100, "PURCHASE:S20", "S20")]
    assert statuses(august.verdicts) == [("X20", "insufficient_points")]
    assert august.verdicts[0].detail == "available 0 < 100 asked"
    assert balance(august.state) == -790 and august.state.debt == 790
    assert august.state.lots == ()


def test_example_c3_reversal_then_forfeit_at_leaving():
    events = [
        welcome("C3", "2026-07-01"),
        sale("S30", "2026-07-02", 79),
        redeem("X30", "2026-07-03", 100, honoured=True),
        ret("R30", "2026-08-10", 30, "S30"),
        forfeit("C3", "2026-08-20"),
    ]
    july = walk_member("C3", events, D("2026-07-31"))
    assert balance(july.state) == 79
    august = walk_member("C3", events, D("2026-08-31"), july.state)
    assert compact(august.lines) == [
        ("2026-08-10", "PURCHASE", -30, "PURCHASE:S30", "R30"),
        ("2026-08-20", "FORFEIT", -49, "PURCHASE:S30", "PURCHASE:S30"),
    ]
    assert balance(august.state) == 0 and august.state.lots == ()


def test_example_c4_a_late_redemption_is_accepted_by_the_recomputed_walk():
    landed = [
        welcome("C4", "2026-03-01"),
        sale("S40", "2026-03-05", 250),
        redeem("X94", "2026-06-30", 100),
    ]
    july = walk_member("C4", landed, D("2026-07-31"))
    assert balance(july.state) == 250
    rewalk = walk_member("C4", [*landed, redeem("X31", "2026-07-30", 100)], D("2026-08-31"))
    assert statuses(rewalk.verdicts) == [("X94", "accepted"), ("X31", "accepted")]
    assert balance(rewalk.state) == 150  # the adjustment of August is -100


def test_example_c5_two_lots_expire_in_a_month_without_events():
    events = [
        welcome("C5", "2025-08-01"),
        sale("S50", "2025-08-15", 200),
        sale("S51", "2026-07-01", 9),
    ]
    july = walk_member("C5", events, D("2026-07-31"))
    assert balance(july.state) == 309
    august = walk_member("C5", events, D("2026-08-31"), july.state)
    assert compact(august.lines) == [
        ("2026-08-31", "EXPIRY", -100, "WELCOME:C5", "WELCOME:C5"),
        ("2026-08-31", "EXPIRY", -200, "PURCHASE:S50", "PURCHASE:S50"),
    ]
    assert balance(august.state) == 9


# Property: resuming from a saved state is one walk; the balance is the lines' sum.
START = date(2025, 1, 1)
SPAN = 700  # days of events: long enough for lots to expire


@st.composite
def event_streams(draw):
    events = []
    for number in range(draw(st.integers(0, 25))):
        day = START + timedelta(days=draw(st.integers(0, SPAN)))
        source_id = str(number)  # compared as text: "10" sorts before "9"
        action = draw(st.sampled_from(["welcome", "sale", "return", "bonus", "redeem", "forfeit"]))
        if action in ("welcome", "sale", "bonus"):
            order, kind = {
                "welcome": (0, "WELCOME"),
                "sale": (1, "PURCHASE"),
                "bonus": (3, "FREQUENCY_BONUS"),
            }[action]
            lasts = draw(st.one_of(st.none(), st.integers(0, 400)))
            events.append(
                Event(
                    day,
                    order,
                    "earn",
                    kind,
                    "sales",
                    source_id,
                    draw(st.integers(0, 300)),
                    BOOK,
                    lot_id=f"{kind}:{source_id}",
                    lot_expires_on=None if lasts is None else day + timedelta(lasts),
                )
            )
        elif action == "return":
            sale_id = draw(st.integers(0, 25))
            events.append(
                Event(
                    day,
                    2,
                    "reverse",
                    "PURCHASE",
                    "sales",
                    source_id,
                    draw(st.integers(0, 300)),
                    BOOK,
                    reverses_lot=f"PURCHASE:{sale_id}",
                )
            )
        elif action == "redeem":
            events.append(
                Event(
                    day,
                    4,
                    "redeem",
                    "REDEMPTION",
                    "redemptions",
                    source_id,
                    draw(st.integers(0, 4)) * 100,
                    BOOK,
                    monthly_limit=draw(st.sampled_from([None, 300, 500])),
                    honoured=draw(st.booleans()),
                )
            )
        else:
            events.append(Event(day, 6, "forfeit", "FORFEIT", "members", "C", 0, BOOK))
    return events


@settings(max_examples=300, deadline=None, database=None)
@given(
    events=event_streams(),
    cut=st.integers(-1, SPAN + 400),
    end=st.integers(0, 400),
)
def test_resuming_from_a_saved_state_is_one_walk(events, cut, end):
    d1 = START + timedelta(days=cut)
    d2 = d1 + timedelta(days=end)
    whole = walk_member("C", events, d2)
    first = walk_member("C", events, d1)
    rest = walk_member("C", list(reversed(events)), d2, first.state)
    assert first.lines + rest.lines == whole.lines
    assert first.verdicts + rest.verdicts == whole.verdicts
    assert rest.state == whole.state
    for part in (first, whole):
        state = part.state
        assert sum(line.points for line in part.lines) == balance(state)
        assert all(line.points for line in part.lines)
        assert all(lot.remaining > 0 for lot in state.lots) and state.debt >= 0
        assert state.debt == 0 or state.lots == ()  # a new lot repays debt before holding points
        assert [lot.seq for lot in state.lots] == sorted(lot.seq for lot in state.lots)
