"""The walk's verdicts on redemptions, recorded as the rows' outcomes.

``over_redemption_limit`` and ``insufficient_points`` are business outcomes decided by the ledger
walk (dbt model ``int_loyalty_verdicts``), not data errors: after dbt, a redemption the walk
refused is quarantined under that code (listed by the close report and ``jifen quarantine``),
never counted against the error budget, and never stops a close. Validation starts from scratch
at every close, so a redemption a later walk accepts leaves the quarantine.
"""

from __future__ import annotations

from orchestration.validate.outcomes import write_outcome_tables
from orchestration.warehouse.connection import Warehouse


def _refusals_table(warehouse: Warehouse) -> str:
    """The walk whose verdicts stand: this close's when it carries the program forward (a month
    after the latest loyalty close, or provisional standings), else the latest loyalty close's
    saved refusals, so that re-closing or restating an earlier month changes nothing here."""
    closing = warehouse.value("select period from int_periods where is_closing")
    saved = warehouse.value("select max(period) from published.loyalty_walk_states")
    if saved is None or closing is None or closing > saved:
        return "int_loyalty_verdicts"
    return "published.loyalty_walk_refusals"


def record_walk_verdicts(warehouse: Warehouse) -> int:
    """Quarantine the redemptions the walk refused; returns how many."""
    if not warehouse.table_exists("int_loyalty_verdicts"):
        return 0
    warehouse.replace_table(
        "walk_refused",
        f"""select r.raw_id, v.status as reason, v.detail
            from {_refusals_table(warehouse)} v
            join validated_redemptions r on r.redemption_id = v.redemption_id
            where v.status <> 'accepted'""",
        temp=True,
    )
    refused = warehouse.value("select count(*) from walk_refused")
    if refused:
        _quarantine_refused(warehouse)
        write_outcome_tables(warehouse)
    return refused


def _quarantine_refused(warehouse: Warehouse) -> None:
    """The refused redemptions' outcomes, in a new ``validation_status`` rather than by an
    UPDATE, which Spark's Parquet tables refuse."""
    warehouse.replace_table(
        "validation_status_walked",
        """select s.source, s.raw_id,
                  case when w.raw_id is null then s.status else 'quarantined' end as status,
                  case when w.raw_id is null then s.reason else w.reason end as reason,
                  case when w.raw_id is null then s.detail else w.detail end as detail
           from validation_status s
           left join walk_refused w on s.source = 'redemptions' and s.raw_id = w.raw_id""",
        temp=True,
    )
    warehouse.replace_table("validation_status", "select * from validation_status_walked")
