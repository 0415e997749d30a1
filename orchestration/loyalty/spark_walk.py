"""The walk on Spark: members partitioned by ``customer_id`` across the cluster, each group walked
by the same code as on DuckDB (``batches.walk_events``, hence ``walk.walk_member``).

Each member's events are cogrouped with the state the previous close saved for it (its debt and
numbering, and its lots), so a member with a saved state and no events is walked too. Groups
travel as Arrow tables (``applyInArrow``): decimals stay Decimal, dates stay dates, no pandas.
The DataFrames come from the dbt model; this module needs no pyspark import of its own.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pyarrow as pa

from orchestration.loyalty.batches import OUTPUT, previous_period_end, saved_states, walk_events

# The Arrow types of OUTPUT, as Spark names them in a schema string.
SPARK_TYPES = {pa.string(): "string", pa.date32(): "date", pa.int64(): "bigint"}
SAVED = "saved"  # the column telling a saved member row (``member``) from a saved lot (``lot``)


def output_schema() -> str:
    """OUTPUT as a Spark schema string (``record string, customer_id string, ...``)."""
    return ", ".join(f"{field.name} {SPARK_TYPES[field.type]}" for field in OUTPUT)


def walk_on_spark(events: Any, resumed: Any, resumed_lots: Any, until: date) -> Any:
    """The walk's output (``OUTPUT``) as a Spark DataFrame: ``events`` (int_loyalty_walk_events)
    walked up to ``until``, each member from its saved state when ``resumed`` (members) and
    ``resumed_lots`` (their lots) hold one."""
    members = resumed.selectExpr("*", f"'member' as {SAVED}")
    lots = resumed_lots.selectExpr("*", f"'lot' as {SAVED}")
    saved = members.unionByName(lots, allowMissingColumns=True)
    walk = partial(walk_member_group, until=until)
    grouped = events.groupBy("customer_id").cogroup(saved.groupBy("customer_id"))
    return grouped.applyInArrow(walk, schema=output_schema())


def walk_member_group(events: pa.Table, saved: pa.Table, *, until: date) -> pa.Table:
    """One member's events and saved state (either may be empty) to its rows of OUTPUT."""
    rows = saved.to_pylist()
    states = saved_states(
        [row for row in rows if row[SAVED] == "member"],
        [row for row in rows if row[SAVED] == "lot"],
        previous_period_end(until),
    )
    return walk_events(
        pa.RecordBatchReader.from_batches(events.schema, events.to_batches()), until, states
    ).read_all()
