"""The loyalty lot walk: the one rule computed outside SQL (docs/architecture.md).

Points are redeemed, reversed, expired and forfeited lot by lot, oldest first, per member in
event order: a sequential walk, written once as a Python function of one member's events
(orchestration/loyalty/walk.py) and applied here member by member: in buckets of members walked
by one process per core on DuckDB (orchestration/loyalty/duckdb_walk.py), partitioned by
customer_id across the cluster on Spark (orchestration/loyalty/spark_walk.py). A member without
new or late events resumes from the state the previous close saved.
"""

from datetime import date


def model(dbt, session):
    dbt.config(materialized="table")
    until = date.fromisoformat(dbt.config.get("period_end"))
    resumed = dbt.ref("int_loyalty_resumed")
    resumed_lots = dbt.ref("int_loyalty_resumed_lots")
    events = dbt.ref("int_loyalty_walk_events")
    if dbt.config.get("engine") == "spark":
        from orchestration.loyalty.spark_walk import walk_on_spark

        return walk_on_spark(events, resumed, resumed_lots, until)
    from orchestration.loyalty.duckdb_walk import walk_on_duckdb

    return walk_on_duckdb(session, events, resumed, resumed_lots, until)
