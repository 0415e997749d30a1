"""The loyalty walk on Spark (orchestration/loyalty/spark_walk.py) against the walk DuckDB runs
(orchestration/loyalty/duckdb_walk.py, in one process and in one per core): the same rows for a
few hundred generated members spread over several partitions, some walked whole, some resumed
from a saved state, some resumed with no new event. The close scenario (test_spark_close.py)
compares the walk of real closes; this test reaches the partitioning itself in seconds.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pyarrow as pa
from test_loyalty_walk import forfeit, redeem, ret, sale, welcome

from orchestration.loyalty.batches import OUTPUT, previous_period_end
from orchestration.loyalty.walk import Event, walk_member

UNTIL = date(2026, 8, 31)
THROUGH = previous_period_end(UNTIL)
START = date(2025, 9, 1)
COALESCE = "spark.sql.adaptive.coalescePartitions.enabled"

EVENTS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("event_date", pa.date32()),
        ("event_order", pa.int32()),
        ("action", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("points", pa.int64()),
        ("rulebook_version", pa.string()),
        ("lot_id", pa.string()),
        ("lot_expires_on", pa.date32()),
        ("reverses_lot", pa.string()),
        ("monthly_limit", pa.int32()),
        ("honoured", pa.bool_()),
        ("explanation", pa.string()),  # carried by the model's rows, unused by the walk
    ]
)
MEMBERS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("debt", pa.int64()),
        ("next_seq", pa.int64()),
        ("month", pa.string()),
        ("month_redeemed", pa.int64()),
    ]
)
LOTS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("lot_id", pa.string()),
        ("seq", pa.int64()),
        ("earned_on", pa.date32()),
        ("expires_on", pa.date32()),
        ("remaining", pa.int64()),
        ("rulebook_version", pa.string()),
    ]
)


def member_events(rng: random.Random, customer_id: str) -> list[Event]:
    """A welcome, earnings, returns, redemptions and now and then a forfeit, over a year to
    UNTIL (the event makers of test_loyalty_walk.py)."""
    events = []
    for number in range(rng.randint(0, 20)):
        day = START + timedelta(days=rng.randint(0, (UNTIL - START).days))
        when, source_id = day.isoformat(), f"{customer_id}-{number}"
        action = rng.choice(["sale", "sale", "return", "redeem", "redeem", "other"])
        if action == "sale":
            lasts = rng.choice([None, 30, 200, 400])
            expires = None if lasts is None else (day + timedelta(lasts)).isoformat()
            events.append(sale(source_id, when, rng.randint(0, 300), expires))
        elif action == "return":
            sold = f"{customer_id}-{rng.randint(0, 20)}"
            events.append(ret(source_id, when, rng.randint(0, 300), sold))
        elif action == "redeem":
            limit = rng.choice([None, 300, 500])
            honoured = rng.random() < 0.3
            events.append(redeem(source_id, when, rng.randint(0, 4) * 100, honoured, limit))
        elif number == 0:
            events.append(welcome(customer_id, when))
        elif rng.random() < 0.3:
            events.append(forfeit(customer_id, when))
    return events


def event_row(customer_id: str, event: Event) -> dict:
    return {
        "customer_id": customer_id,
        "event_date": event.event_date,
        "event_order": event.order,
        "action": event.action,
        "kind": event.kind,
        "source": event.source,
        "source_id": event.source_id,
        "points": event.points,
        "rulebook_version": event.rulebook_version,
        "lot_id": event.lot_id,
        "lot_expires_on": event.lot_expires_on,
        "reverses_lot": event.reverses_lot,
        "monthly_limit": event.monthly_limit,
        "honoured": event.honoured,
        "explanation": f"{event.kind} {event.source_id}",
    }


def inputs() -> tuple[list[dict], list[dict], list[dict]]:
    """The walk's inputs as the dbt models give them: int_loyalty_walk_events (all events of a
    member walked whole, the period's only of a resumed one), int_loyalty_resumed and
    int_loyalty_resumed_lots (what the walk to THROUGH saved)."""
    rng = random.Random(12)
    events, members, lots = [], [], []
    for number in range(400):
        customer_id = f"C{number:04d}"
        walked = member_events(rng, customer_id)
        if number % 3:  # walked whole
            events += [event_row(customer_id, event) for event in walked]
            continue
        saved = walk_member(customer_id, walked, THROUGH).state
        members.append(
            {
                "customer_id": customer_id,
                "debt": saved.debt,
                "next_seq": saved.next_seq,
                "month": saved.month,
                "month_redeemed": saved.month_redeemed,
            }
        )
        lots += [
            {
                "customer_id": customer_id,
                "lot_id": lot.lot_id,
                "seq": lot.seq,
                "earned_on": lot.earned_on,
                "expires_on": lot.expires_on,
                "remaining": lot.remaining,
                "rulebook_version": lot.rulebook_version,
            }
            for lot in saved.lots
        ]
        events += [event_row(customer_id, event) for event in walked if event.event_date > THROUGH]
    return events, members, lots


def on_duckdb(
    events: list[dict], members: list[dict], lots: list[dict], *, walkers: bool = False
) -> list[tuple]:
    """What int_loyalty_walk's DuckDB branch computes from the same rows: in dbt's process, or
    with ``walkers`` in one process per core whatever the size."""
    import duckdb

    from orchestration.loyalty import duckdb_walk

    with duckdb.connect() as con:
        for name, rows, schema in (
            ("events", events, EVENTS),
            ("members", members, MEMBERS),
            ("lots", lots, LOTS),
        ):
            con.from_arrow(pa.Table.from_pylist(rows, schema=schema)).create(name)
        con.execute("set memory_limit = '2500MB'")
        limit = duckdb_walk.IN_PROCESS_ROWS
        duckdb_walk.IN_PROCESS_ROWS = 0 if walkers else limit
        try:
            walked = duckdb_walk.walk_on_duckdb(
                con, con.table("events"), con.table("members"), con.table("lots"), UNTIL
            )
            rows = sorted_rows(walked.to_arrow_table())
        finally:
            duckdb_walk.IN_PROCESS_ROWS = limit
        # the memory dbt's DuckDB gave up while the walkers ran is back (to DuckDB's rounding)
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] in (
            "2.3 GiB",
            "2.2 GiB",
        )
        return rows


def sorted_rows(table: pa.Table) -> list[tuple]:
    return sorted(tuple(map(repr, row.values())) for row in table.to_pylist())


def test_the_walk_on_spark_is_the_walk_on_duckdb(spark):
    from orchestration.loyalty.spark_walk import walk_on_spark

    events, members, lots = inputs()

    def frame(rows: list[dict], schema: pa.Schema):
        return spark.createDataFrame(pa.Table.from_pylist(rows, schema=schema)).repartition(5)

    walked = walk_on_spark(frame(events, EVENTS), frame(members, MEMBERS), frame(lots, LOTS), UNTIL)
    # Small data: without this, adaptive execution would walk every member in one partition.
    spark.conf.set(COALESCE, "false")
    try:
        on_spark = pa.Table.from_batches(walked._collect_as_arrow())
        sizes = walked.rdd.mapPartitions(lambda rows: [sum(1 for _ in rows)]).collect()
    finally:
        spark.conf.unset(COALESCE)
    assert len([size for size in sizes if size]) > 1

    expected = on_duckdb(events, members, lots)
    assert on_spark.schema.names == OUTPUT.names
    assert sorted_rows(on_spark) == expected
    # Every kind of record and every member comes out, resumed ones without events included.
    kinds = set(on_spark.column("record").to_pylist())
    assert kinds == {"line", "verdict", "lot", "member"}
    walked_members = {
        customer_id
        for record, customer_id in zip(
            on_spark.column("record").to_pylist(),
            on_spark.column("customer_id").to_pylist(),
            strict=True,
        )
        if record == "member"
    }
    without_events = {row["customer_id"] for row in members} - {
        row["customer_id"] for row in events
    }
    assert without_events and without_events <= walked_members
    assert walked_members == {row["customer_id"] for row in events + members}


def test_the_walk_in_a_process_per_core_is_the_walk_in_one():
    events, members, lots = inputs()
    in_one = on_duckdb(events, members, lots)
    assert on_duckdb(events, members, lots, walkers=True) == in_one
    records = {row[0] for row in in_one}
    assert records == {repr(kind) for kind in ("line", "verdict", "lot", "member")}
    walked_members = {row[1] for row in in_one if row[0] == repr("member")}
    assert walked_members == {repr(row["customer_id"]) for row in events + members}


def test_a_walker_that_fails_stops_the_walk_with_its_own_error(tmp_path):
    import pytest

    from orchestration.loyalty.duckdb_walk import _walk_in_processes

    missing = tmp_path / "in" / "bucket=1"  # no Parquet files: the walker's DuckDB refuses
    with pytest.raises(RuntimeError, match=r"(?s)walker of bucket=1 exited with 1: .*No files"):
        _walk_in_processes([(missing, tmp_path / "out-1.parquet", UNTIL)])


def test_a_walk_clears_the_scratch_a_killed_walk_left_beside_the_warehouse(tmp_path):
    import duckdb

    from orchestration.loyalty.duckdb_walk import SCRATCH, _scratch_folder

    left = tmp_path / f"{SCRATCH}killed"
    (left / "in" / "bucket=0").mkdir(parents=True)
    unrelated = tmp_path / "published"
    unrelated.mkdir()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        folder = _scratch_folder(con)
    assert not left.exists()
    assert folder.parent == tmp_path and folder.name.startswith(SCRATCH) and folder.is_dir()
    assert unrelated.is_dir()
