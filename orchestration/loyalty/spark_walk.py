"""The walk on Spark: members partitioned by ``customer_id`` across the cluster, each partition
walked member by member by the same code as on DuckDB (``batches.walk_partition``, hence
``walk.walk_member``).

A member's events and the state the previous close saved for it travel as rows of one DataFrame,
hashed to the same partition and sorted together. Each partition is one Python call over
Arrow batches (``mapInArrow``): a call per member (a cogroup) cost milliseconds of set-up each,
most of the walk's time at a million purchases. Decimals stay Decimal, dates stay dates, no
pandas. The DataFrames come from the dbt model; this module needs no pyspark import of its own.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pyarrow as pa

from orchestration.loyalty.batches import EVENT_FIELDS, OUTPUT, SAVED, walk_partition

# The Arrow types of OUTPUT, as Spark names them in a schema string.
SPARK_TYPES = {pa.string(): "string", pa.date32(): "date", pa.int64(): "bigint"}


def output_schema() -> str:
    """OUTPUT as a Spark schema string (``record string, customer_id string, ...``)."""
    return ", ".join(f"{field.name} {SPARK_TYPES[field.type]}" for field in OUTPUT)


def walk_on_spark(events: Any, resumed: Any, resumed_lots: Any, until: date) -> Any:
    """The walk's output (``OUTPUT``) as a Spark DataFrame: ``events`` (int_loyalty_walk_events)
    walked up to ``until``, each member from its saved state when ``resumed`` (members) and
    ``resumed_lots`` (their lots) hold one."""
    rows = (
        events.select("customer_id", *EVENT_FIELDS)
        .unionByName(resumed.selectExpr("*", f"'member' as {SAVED}"), allowMissingColumns=True)
        .unionByName(resumed_lots.selectExpr("*", f"'lot' as {SAVED}"), allowMissingColumns=True)
    )
    by_member = rows.repartition("customer_id").sortWithinPartitions("customer_id")
    return by_member.mapInArrow(partial(walk_partition, until=until), output_schema())
