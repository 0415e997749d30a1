"""Checks 7 to 13 of docs/sales-program.md ("Order of the checks"): rows compared with rows.

Each check runs on the rows still alive after the checks before it (``alive_<source>``) and
judges the whole landing history at every close: a later roster may make an earlier
``unknown_rep`` load, and a corrected row may replace a quarantined one. Reference data keeps
its current row per key (``validated_reps``, ``validated_customers``, ``validated_members``).

Manual adjustments are facts judged the same way (docs/workspace.md): a key unique across
deliveries, a known rep, active on at least one day of the adjustment's month. The loyalty
sources (docs/loyalty-program.md, section 1): members are a snapshot whose customers must be
known; redemptions are facts whose customer must be known and a member on ``redeemed_date``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pyarrow as pa

from orchestration.warehouse.connection import Warehouse
from schemas.contract import SIGNOFF_SOURCES, SPECS, SourceSpec

# The sources by the checks they take (schemas/contract.py): reference snapshots, facts dated by a
# day (sales, surveys, redemptions), facts of a month (adjustments); the sign-off sources have
# checks of their own (signoff_checks.py, run after these).
SNAPSHOTS = tuple(spec for spec in SPECS.values() if spec.snapshot)
DATED_FACTS = tuple(
    spec for spec in SPECS.values() if spec.period_date and spec.name not in SIGNOFF_SOURCES
)
MONTH_FACTS = tuple(spec for spec in SPECS.values() if spec.period_month)
# A column named after a reference source's key refers to that source's loaded rows (a source's
# own key is no reference: customers' customer_id).
REFERENCES = {"rep_id": "reps", "customer_id": "customers"}
ACCEPTED_REDEMPTIONS = "loyalty_accepted_redemptions"  # published schema, written by publishing


def _refers_to(spec: SourceSpec, column: str) -> bool:
    return column in spec.columns and REFERENCES[column] != spec.name


def check_across_rows(warehouse: Warehouse, progress: Callable[[str], None]) -> None:
    """Every check across rows, in the contract's order within each source."""
    for spec in SNAPSHOTS:
        _duplicates(warehouse, spec, per_delivery=True)
    for spec in sorted(SNAPSHOTS, key=_refers_to_others):  # members after the customers
        if _refers_to(spec, "customer_id"):
            _unknown_customers(warehouse, spec)
        _current_snapshot(warehouse, spec)
    progress("validating sales, surveys and redemptions: keys, references, activity, returns")
    for spec in DATED_FACTS:
        _duplicates(warehouse, spec, per_delivery=False)
    _duplicate_orders(warehouse)  # the sales' own order and return checks
    for spec in DATED_FACTS:
        _references(warehouse, spec)
    _unknown_orders(warehouse)
    _over_returns(warehouse)
    _not_members(warehouse, SPECS["redemptions"])
    progress("validating adjustments: keys, references, activity")
    for spec in MONTH_FACTS:
        _duplicates(warehouse, spec, per_delivery=False)
        _adjustment_references(warehouse, spec)


def _refers_to_others(spec: SourceSpec) -> bool:
    return any(_refers_to(spec, column) for column in REFERENCES)


def _quarantine(warehouse: Warehouse, source: str, reason: str, select_sql: str) -> None:
    """``select_sql`` yields (raw_id, detail); those rows leave the alive set."""
    warehouse.replace_table("hits", select_sql, temp=True)
    warehouse.run(
        "insert into validation_status select ?, raw_id, 'quarantined', ?, detail from hits",
        [source, reason],
    )
    warehouse.remove_rows(f"alive_{source}", "hits")


def _canonical(spec: SourceSpec) -> str:
    parts = [f"coalesce(cast({column} as varchar), chr(0))" for column in spec.columns]
    return "concat_ws(chr(31), " + ", ".join(parts) + ")"


def _key_text(spec: SourceSpec) -> str:
    """SQL naming a row's key in a detail: ``txn_id T1``, or each column of a composite key."""
    return " || ', ' || ".join(
        f"'{column} ' || cast({column} as varchar)" for column in spec.key_columns
    )


def _duplicates(warehouse: Warehouse, spec: SourceSpec, per_delivery: bool) -> None:
    """``duplicate_conflict`` for a key with different values; an identical copy of an
    earlier row is deduplicated. Reference data compares within one delivery only."""
    group = f"source_file, {spec.key}" if per_delivery else spec.key
    warehouse.replace_table(
        "keyed",
        f"select raw_id, {group}, source_file as sf, row_number as rn, "
        f"{_canonical(spec)} as canon from alive_{spec.name}",
        temp=True,
    )
    _quarantine(
        warehouse,
        spec.name,
        "duplicate_conflict",
        f"""select raw_id, {_key_text(spec)} || ' has ' || n
                   || ' rows with different values' as detail
            from keyed join (
                select {group}, count(*) as n from keyed group by {group}
                having count(distinct canon) > 1
            ) using ({group})""",
    )
    warehouse.replace_table(
        "dups",
        f"""select raw_id, {spec.key} from (
                select raw_id, {spec.key}, row_number() over (
                    partition by {group} order by sf, rn) as position
                from keyed
                where raw_id in (select raw_id from alive_{spec.name})
            ) where position > 1""",
        temp=True,
    )
    warehouse.run(
        "insert into validation_status select ?, raw_id, 'deduplicated', null, "
        f"'identical to an earlier row with ' || {_key_text(spec)} from dups",
        [spec.name],
    )
    warehouse.remove_rows(f"alive_{spec.name}", "dups")


def _current_snapshot(warehouse: Warehouse, spec: SourceSpec) -> None:
    """The current row of each key: from the latest delivery (file name order) that has one."""
    columns = ", ".join(("raw_id", *spec.columns, "source_file", "row_number", "file_hash"))
    warehouse.replace_table(
        f"validated_{spec.name}",
        f"""select {columns} from (
                select *, row_number() over (
                    partition by {spec.key} order by source_file desc, row_number desc
                ) as position
                from alive_{spec.name}
            ) where position = 1 order by {spec.key}""",
    )


def _duplicate_orders(warehouse: Warehouse) -> None:
    _quarantine(
        warehouse,
        "sales",
        "duplicate_order",
        """select raw_id, 'order ' || order_id || ' already sold by ' || first_txn as detail
           from (
               select raw_id, order_id,
                      row_number() over (partition by order_id order by txn_date, txn_id) as n,
                      first_value(txn_id) over (
                          partition by order_id order by txn_date, txn_id) as first_txn
               from alive_sales where txn_type = 'sale'
           ) where n > 1""",
    )


def _unknown_reps(warehouse: Warehouse, spec: SourceSpec) -> None:
    _quarantine(
        warehouse,
        spec.name,
        "unknown_rep",
        f"""select raw_id, 'rep ' || rep_id || ' is not in the loaded reps' as detail
            from alive_{spec.name} where rep_id not in (select rep_id from validated_reps)""",
    )


def _unknown_customers(warehouse: Warehouse, spec: SourceSpec) -> None:
    _quarantine(
        warehouse,
        spec.name,
        "unknown_customer",
        f"""select raw_id, 'customer ' || customer_id || ' is not in the loaded customers'
                   as detail
            from alive_{spec.name}
            where customer_id not in (select customer_id from validated_customers)""",
    )


def _references(warehouse: Warehouse, spec: SourceSpec) -> None:
    """``unknown_rep``, ``unknown_customer``, then ``rep_inactive``, for the references the
    source's columns make (a redemption names no rep)."""
    date = spec.period_date
    if _refers_to(spec, "rep_id"):
        _unknown_reps(warehouse, spec)
    if _refers_to(spec, "customer_id"):
        _unknown_customers(warehouse, spec)
    if not _refers_to(spec, "rep_id"):
        return
    _quarantine(
        warehouse,
        spec.name,
        "rep_inactive",
        f"""select f.raw_id, 'rep ' || f.rep_id || ' is active ' || cast(r.hire_date as varchar)
                   || '..' || coalesce(cast(r.leave_date as varchar), '') || ', not on '
                   || cast(f.{date} as varchar) as detail
            from alive_{spec.name} f join validated_reps r using (rep_id)
            where f.{date} < r.hire_date or f.{date} > r.leave_date""",
    )


def _not_members(warehouse: Warehouse, spec: SourceSpec) -> None:
    """``not_member``: the customer's current member row (``validated_members``) does not cover
    the redemption's date (``enrolled_date`` <= date <= ``left_date``, an empty one open). A
    redemption accepted in a published version is never judged again: its coupon was issued."""
    date = spec.period_date
    accepted = (
        f"select redemption_id from published.{ACCEPTED_REDEMPTIONS} "
        "where redemption_id is not null"
        if warehouse.table_exists(ACCEPTED_REDEMPTIONS, "published")
        else "select null::varchar as redemption_id where false"
    )
    _quarantine(
        warehouse,
        spec.name,
        "not_member",
        f"""select f.raw_id,
                   case when m.customer_id is null
                        then 'customer ' || f.customer_id || ' is not a member'
                        else 'customer ' || f.customer_id || ' is a member '
                             || cast(m.enrolled_date as varchar) || '..'
                             || coalesce(cast(m.left_date as varchar), '') || ', not on '
                             || cast(f.{date} as varchar)
                   end as detail
            from alive_{spec.name} f left join validated_members m using (customer_id)
            where (m.customer_id is null or f.{date} < m.enrolled_date
                   or f.{date} > m.left_date)
              and f.{spec.key} not in ({accepted})""",
    )


def _adjustment_references(warehouse: Warehouse, spec: SourceSpec) -> None:
    """A known rep, active on at least one day of the adjustment's month ("active in the
    period": hire_date <= last day and leave_date empty or >= first day)."""
    month = spec.period_month
    _unknown_reps(warehouse, spec)
    _quarantine(
        warehouse,
        spec.name,
        "rep_inactive",
        f"""select f.raw_id, 'rep ' || f.rep_id || ' is active ' || cast(r.hire_date as varchar)
                   || '..' || coalesce(cast(r.leave_date as varchar), '')
                   || ', not on any day of ' || f.{month} as detail
            from alive_{spec.name} f join validated_reps r using (rep_id)
            where r.hire_date > last_day(cast(f.{month} || '-01' as date))
               or r.leave_date < cast(f.{month} || '-01' as date)""",
    )


def _unknown_orders(warehouse: Warehouse) -> None:
    # NOT EXISTS, not NOT IN: on Spark a NOT IN over a table too large to broadcast is a
    # nested-loop join (a sale's order_id is never null, so the two mean the same here)
    _quarantine(
        warehouse,
        "sales",
        "unknown_order",
        """select r.raw_id, 'return of order ' || r.order_id || ' which has no loaded sale'
                  as detail
           from alive_sales r
           where r.txn_type = 'return'
             and not exists (select 1 from alive_sales s
                             where s.txn_type = 'sale' and s.order_id = r.order_id)""",
    )


def _over_returns(warehouse: Warehouse) -> None:
    """Returns of an order in (txn_date, txn_id) order; the one that crosses is not counted."""
    rows = warehouse.rows(
        """select r.raw_id, r.order_id, r.amount, s.amount
           from alive_sales r join alive_sales s
             on s.order_id = r.order_id and s.txn_type = 'sale'
           where r.txn_type = 'return'
           order by r.order_id, r.txn_date, r.txn_id"""
    )
    crossing: list[tuple[int, str]] = []
    current, returned = None, Decimal(0)
    for raw_id, order_id, amount, sold in rows:
        if order_id != current:
            current, returned = order_id, Decimal(0)
        if returned + amount > sold:
            crossing.append(
                (
                    raw_id,
                    f"returns of order {order_id} would reach {returned + amount} > sold {sold}",
                )
            )
        else:
            returned += amount
    table = pa.table(
        {"raw_id": [r for r, _ in crossing], "detail": [d for _, d in crossing]},
        schema=pa.schema([("raw_id", pa.int64()), ("detail", pa.string())]),
    )
    with warehouse.registered("crossing", table):
        _quarantine(warehouse, "sales", "over_return", "select raw_id, detail from crossing")
