"""The walk over Arrow batches: events of many members in, one table of lines, verdicts and
final lot states out (dbt model ``int_loyalty_walk``), the same on both engines.

A member's events and the state the previous close saved for it (its debt and numbering, and its
lots) travel as rows of one stream sorted by ``customer_id`` (a ``saved`` column tells them
apart), so a member with a saved state and no events is walked too; the walk orders each member's
events itself. Members are independent: the walk streams member by member and never holds more
than one member's rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from itertools import groupby, islice
from operator import itemgetter

import pyarrow as pa

from orchestration.loyalty.walk import Event, Lot, State, WalkResult, walk_member

BATCH_ROWS = 65_536
SAVED = "saved"  # 'member' or 'lot' on a saved row, null on an event

OUTPUT = pa.schema(
    [
        ("record", pa.string()),  # line | verdict | lot | member
        ("customer_id", pa.string()),
        ("kind", pa.string()),
        ("event_date", pa.date32()),
        ("points", pa.int64()),
        ("lot_id", pa.string()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("rulebook_version", pa.string()),
        ("status", pa.string()),
        ("detail", pa.string()),
        ("line_seq", pa.int64()),  # order of the line in the member's walk
        ("earned_on", pa.date32()),
        ("expires_on", pa.date32()),
        ("next_seq", pa.int64()),  # member: the walk state a later close resumes from
        ("month", pa.string()),
        ("month_redeemed", pa.int64()),
    ]
)
EVENT_FIELDS = (
    "event_date",
    "event_order",
    "action",
    "kind",
    "source",
    "source_id",
    "points",
    "rulebook_version",
    "lot_id",
    "lot_expires_on",
    "reverses_lot",
    "monthly_limit",
    "honoured",
)


def _event(row: dict) -> Event:
    return Event(
        event_date=row["event_date"],
        order=row["event_order"],
        action=row["action"],
        kind=row["kind"],
        source=row["source"],
        source_id=row["source_id"],
        points=int(row["points"]),
        rulebook_version=row["rulebook_version"],
        lot_id=row["lot_id"],
        lot_expires_on=row["lot_expires_on"],
        reverses_lot=row["reverses_lot"],
        monthly_limit=None if row["monthly_limit"] is None else int(row["monthly_limit"]),
        honoured=bool(row["honoured"]),
    )


def _records(customer_id: str, result: WalkResult) -> Iterator[dict]:
    empty = dict.fromkeys(OUTPUT.names)
    for number, line in enumerate(result.lines):
        yield {
            **empty,
            "record": "line",
            "customer_id": customer_id,
            "kind": line.kind,
            "event_date": line.event_date,
            "points": line.points,
            "lot_id": line.lot_id,
            "source": line.source,
            "source_id": line.source_id,
            "rulebook_version": line.rulebook_version,
            "line_seq": number,
        }
    for verdict in result.verdicts:
        yield {
            **empty,
            "record": "verdict",
            "customer_id": customer_id,
            "source": "redemptions",
            "source_id": verdict.redemption_id,
            "status": verdict.status,
            "detail": verdict.detail,
        }
    for lot in result.state.lots:
        yield {
            **empty,
            "record": "lot",
            "customer_id": customer_id,
            "points": lot.remaining,
            "lot_id": lot.lot_id,
            "rulebook_version": lot.rulebook_version,
            "line_seq": lot.seq,
            "earned_on": lot.earned_on,
            "expires_on": lot.expires_on,
        }
    state = result.state
    yield {
        **empty,
        "record": "member",
        "customer_id": customer_id,
        "points": -state.debt,
        "next_seq": state.next_seq,
        "month": state.month,
        "month_redeemed": state.month_redeemed,
    }


def previous_period_end(until: date) -> date:
    """The end of the period before the one ending ``until``: what the saved states are as of."""
    return until.replace(day=1) - timedelta(days=1)


def saved_states(members: list[dict], lots: list[dict], through: date) -> dict[str, State]:
    """The walk states saved by the previous close (rows of ``int_loyalty_resumed`` and
    ``int_loyalty_resumed_lots``), as of the end of that close's period ``through``."""
    lots_of: dict[str, list[Lot]] = {}
    for row in sorted(lots, key=lambda row: (row["customer_id"], row["seq"])):
        lots_of.setdefault(row["customer_id"], []).append(
            Lot(
                lot_id=row["lot_id"],
                seq=row["seq"],
                earned_on=row["earned_on"],
                expires_on=row["expires_on"],
                remaining=row["remaining"],
                rulebook_version=row["rulebook_version"],
            )
        )
    return {
        row["customer_id"]: State(
            lots=tuple(lots_of.get(row["customer_id"], ())),
            debt=row["debt"],
            through=through,
            next_seq=row["next_seq"],
            month=row["month"],
            month_redeemed=row["month_redeemed"],
        )
        for row in members
    }


def walk_rows(
    customer_id: str, rows: list[dict], until: date, state: State | None
) -> Iterator[dict]:
    """One member's event rows (of ``int_loyalty_walk_events``) walked up to ``until`` from
    ``state``, as rows of OUTPUT."""
    events = [_event(row) for row in rows]
    return _records(customer_id, walk_member(customer_id, events, until, state))


def record_batches(records: Iterable[dict]) -> pa.RecordBatchReader:
    """Rows of OUTPUT as Arrow batches of BATCH_ROWS, made as they are read."""
    rows = iter(records)
    batches = (
        pa.RecordBatch.from_pylist(chunk, schema=OUTPUT)
        for chunk in iter(lambda: list(islice(rows, BATCH_ROWS)), [])
    )
    return pa.RecordBatchReader.from_batches(OUTPUT, batches)


def walk_partition(batches: Iterable[pa.RecordBatch], *, until: date) -> Iterator[pa.RecordBatch]:
    """Rows of members (every row of a member, sorted by customer_id: events, and the saved
    ``member`` and ``lot`` rows of the previous close) walked up to ``until``, as batches of
    OUTPUT."""
    through = previous_period_end(until)
    rows = (row for batch in batches for row in batch.to_pylist())

    def records() -> Iterator[dict]:
        for customer_id, member_rows in groupby(rows, key=itemgetter("customer_id")):
            events = list(member_rows)
            state = None
            if any(row[SAVED] for row in events):  # resumed from the previous close
                saved: dict[str, list[dict]] = {"member": [], "lot": []}
                for row in events:
                    if row[SAVED]:
                        saved[row[SAVED]].append(row)
                events = [row for row in events if not row[SAVED]]
                state = saved_states(saved["member"], saved["lot"], through).get(customer_id)
            yield from walk_rows(customer_id, events, until, state)

    yield from record_batches(records())
