"""The loyalty lot walk: the one rule computed outside SQL (docs/architecture.md).

Points are redeemed, reversed, expired and forfeited lot by lot, oldest first, per member in
event order: a sequential walk, written once as a Python function of one member's events
(orchestration/loyalty/walk.py) and applied here member by member over Arrow batches. A member
without new or late events resumes from the state the previous close saved.
"""

from datetime import date, timedelta


def model(dbt, session):
    dbt.config(materialized="table")
    from orchestration.loyalty.batches import saved_states, walk_events

    until = date.fromisoformat(dbt.config.get("period_end"))
    previous_end = until.replace(day=1) - timedelta(days=1)
    states = saved_states(
        dbt.ref("int_loyalty_resumed").fetch_arrow_table().to_pylist(),
        dbt.ref("int_loyalty_resumed_lots").fetch_arrow_table().to_pylist(),
        previous_end,
    )
    events = dbt.ref("int_loyalty_walk_events").order("customer_id")
    return walk_events(events.fetch_record_batch(), until, states)
