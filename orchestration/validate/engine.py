"""Every landed row ends loaded, deduplicated or quarantined under the contract's first reason.

Row-level checks run in pandera (``schemas/``); checks across rows (keys, orders, references,
dates of activity, returns) run here in the contract's order, each on the rows that passed the
checks before it. Row-level verdicts are kept (a row's values never change); the checks across
rows judge the whole landing history at every close: a later roster may make an earlier
``unknown_rep`` load, and a corrected row may replace a quarantined one.

Manual adjustments (an optional source) are facts judged the same way: a key unique across
deliveries, a known rep, active on at least one day of the adjustment's month. Their
``validated_adjustments`` table always exists, empty when nothing was landed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from orchestration.lib.paths import REPO_ROOT
from schemas import SCHEMAS
from schemas.contract import SPECS, SourceSpec
from schemas.reasons import RANK, ROW_LEVEL

Progress = Callable[[str], None]
SCHEMA_DIR = REPO_ROOT / "schemas"
BATCH_ROWS = 500_000  # raw rows judged by pandas at a time: bounds validation's memory

STATUS_DDL = """create or replace table validation_status (
    source VARCHAR, raw_id BIGINT, status VARCHAR, reason VARCHAR, detail VARCHAR)"""


FACTS = ("sales", "surveys", "adjustments")


def validate_all(con: duckdb.DuckDBPyConnection, progress: Progress = lambda _: None) -> None:
    con.execute(STATUS_DDL)
    _judgement_cache(con)
    for source in ("reps", "customers", "sales", "surveys", "adjustments"):
        progress(f"validating {source}: row checks")
        _row_checks(con, SPECS[source], progress)
    for source in ("reps", "customers"):
        _duplicates(con, SPECS[source], per_delivery=True)
        _current_snapshot(con, SPECS[source])
    progress("validating sales and surveys: keys, references, activity, returns")
    for source in ("sales", "surveys"):
        _duplicates(con, SPECS[source], per_delivery=False)
    _duplicate_orders(con)
    for source in ("sales", "surveys"):
        _references(con, SPECS[source])
    _unknown_orders(con)
    _over_returns(con)
    progress("validating adjustments: keys, references, activity")
    _duplicates(con, SPECS["adjustments"], per_delivery=False)
    _adjustment_references(con, SPECS["adjustments"])
    for source in FACTS:
        con.execute(
            f"create or replace table validated_{source} as "
            f"select * from alive_{source} order by {SPECS[source].key}"
        )
    _finish(con)


# --- row level -------------------------------------------------------------------------------


def _typed(spec: SourceSpec, column: str) -> str:
    if column in spec.dates:
        return f"cast(nullif({column}, '') as date) as {column}"
    if column in spec.decimals:
        return f"cast({column} as decimal(18, 2)) as {column}"
    if column in spec.integers:
        return f"cast({column} as integer) as {column}"
    if column in spec.optional:
        return f"nullif(cast({column} as varchar), '') as {column}"
    return f"cast({column} as varchar) as {column}"


def _judge_rows(con: duckdb.DuckDBPyConnection, spec: SourceSpec, progress: Progress) -> None:
    """Row-level checks of the raw rows not judged yet, in batches; their verdicts are kept.

    A row-level verdict depends on the row's values alone and landed rows never change, so each
    row is judged once (rows are read back only when the schemas or this module change): a
    close's row-level work follows the size of what landed since the last one, not the history,
    and batches bound the memory pandas needs whatever that size.
    """
    upto = con.execute(
        "select coalesce(max(raw_id), 0) from row_judgements where source = ?", [spec.name]
    ).fetchall()[0][0]
    waiting = con.execute(
        f"select count(*) from raw_{spec.name} where raw_id > ?", [upto]
    ).fetchall()[0][0]
    done = 0
    while done < waiting:
        upto, judged = _judge_batch(con, spec, upto)
        done += judged
        if waiting > BATCH_ROWS:
            progress(f"validating {spec.name}: row checks {done:,} / {waiting:,} new rows")


def _judge_batch(con: duckdb.DuckDBPyConnection, spec: SourceSpec, upto: int) -> tuple[int, int]:
    """Judge the next batch of raw rows after ``upto``; returns (new high-water mark, rows)."""
    judged = f"judged_{spec.name}"
    columns = ", ".join(spec.columns)
    frame = (
        con.sql(
            f"select raw_id, {columns}, source_file, row_number, file_hash from raw_{spec.name} "
            f"where raw_id > {int(upto)} order by raw_id limit {BATCH_ROWS}"
        )
        .to_arrow_table()
        .to_pandas()
    )
    if frame.empty:
        return upto, 0
    for column in spec.columns:
        frame[column] = frame[column].astype(str).str.strip()
    rejects = _pandera_rejects(frame, spec)
    con.register("trimmed", pa_arrow.Table.from_pandas(frame, preserve_index=False))
    con.register("row_rejects", pa_arrow.Table.from_pandas(rejects, preserve_index=False))
    typed = ", ".join(_typed(spec, column) for column in spec.columns)
    alive = (
        f"select cast(raw_id as bigint) as raw_id, {typed}, "
        "cast(source_file as varchar) as source_file, cast(row_number as bigint) as row_number, "
        "cast(file_hash as varchar) as file_hash from trimmed "
        "where raw_id not in (select raw_id from row_rejects)"
    )
    last = int(frame["raw_id"].max())
    con.execute("begin transaction")
    try:
        con.execute(f"create table if not exists {judged} as {alive} limit 0")
        con.execute(f"insert into {judged} {alive}")
        con.execute(
            "insert into row_judgements select ?, raw_id, reason, detail from row_rejects",
            [spec.name],
        )
        # the high-water mark: an accepted row leaves no verdict of its own
        con.execute("insert into row_judgements values (?, ?, null, null)", [spec.name, last])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("trimmed")
        con.unregister("row_rejects")
    return last, len(frame)


def _empty_judged(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """The judged table of a source with nothing landed yet, typed like a real one."""
    typed = ", ".join(_typed(spec, column) for column in spec.columns)
    columns = ", ".join(f"cast(null as varchar) as {column}" for column in spec.columns)
    con.execute(
        f"create table if not exists judged_{spec.name} as "
        f"select cast(null as bigint) as raw_id, {typed}, cast(null as varchar) as source_file, "
        f"cast(null as bigint) as row_number, cast(null as varchar) as file_hash "
        f"from (select {columns}) limit 0"
    )


def _row_checks(con: duckdb.DuckDBPyConnection, spec: SourceSpec, progress: Progress) -> None:
    _judge_rows(con, spec, progress)
    _empty_judged(con, spec)
    con.execute(
        "insert into validation_status select source, raw_id, 'quarantined', reason, detail "
        "from row_judgements where source = ? and reason is not null",
        [spec.name],
    )
    con.execute(
        f"create or replace temp table alive_{spec.name} as select * from judged_{spec.name}"
    )


def _judgement_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the row-level verdicts only while the code that gave them is the same."""
    code = hashlib.sha256()
    for path in sorted(SCHEMA_DIR.glob("*.py")) + [Path(__file__)]:
        code.update(path.name.encode() + path.read_bytes())
    key = code.hexdigest()
    con.execute("create table if not exists row_judgement_code (code VARCHAR)")
    stored = con.execute("select code from row_judgement_code").fetchall()
    if stored != [(key,)]:
        for spec in SPECS.values():
            con.execute(f"drop table if exists judged_{spec.name}")
        con.execute("drop table if exists row_judgements")
        con.execute("delete from row_judgement_code")
        con.execute("insert into row_judgement_code values (?)", [key])
    con.execute(
        """create table if not exists row_judgements (
            source VARCHAR, raw_id BIGINT, reason VARCHAR, detail VARCHAR)"""
    )


def _pandera_rejects(frame: pd.DataFrame, spec: SourceSpec) -> pd.DataFrame:
    empty = pd.DataFrame({"raw_id": pd.Series([], dtype="int64"), "reason": [], "detail": []})
    if frame.empty:
        return empty
    try:
        SCHEMAS[spec.name].validate(frame[list(spec.columns)], lazy=True)
        return empty
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    cases = cases[cases["index"].notna()].copy()
    cases["reason"] = cases["check"].astype(str).str.split(":").str[0]
    unknown = set(cases["reason"]) - set(ROW_LEVEL)
    if unknown:  # a schema-level failure we did not expect: fail loudly, never drop
        raise RuntimeError(f"unexpected validation failure in {spec.name}: {sorted(unknown)}")
    cases["rank"] = cases["reason"].map(RANK)
    order = {column: position for position, column in enumerate(spec.columns)}
    cases["column_order"] = cases["column"].map(order)
    cases = cases.sort_values(["index", "rank", "column_order"]).drop_duplicates("index")
    positions = cases["index"].astype("int64").to_numpy()
    detail = (
        cases["column"].astype(str)
        + ": "
        + cases["check"].astype(str).str.split(": ", n=1).str[1]
        + " ("
        + cases["failure_case"].astype(str).str.slice(0, 60)
        + ")"
    )
    return pd.DataFrame(
        {
            "raw_id": frame["raw_id"].to_numpy()[positions],
            "reason": cases["reason"].to_numpy(),
            "detail": detail.to_numpy(),
        }
    )


# --- across rows -----------------------------------------------------------------------------


def _quarantine(con, source: str, reason: str, select_sql: str, params=None) -> None:
    """``select_sql`` yields (raw_id, detail); those rows leave the alive set."""
    con.execute(f"create or replace temp table hits as {select_sql}", params or [])
    con.execute(
        "insert into validation_status select ?, raw_id, 'quarantined', ?, detail from hits",
        [source, reason],
    )
    con.execute(f"delete from alive_{source} where raw_id in (select raw_id from hits)")


def _canonical(spec: SourceSpec) -> str:
    parts = [f"coalesce(cast({column} as varchar), chr(0))" for column in spec.columns]
    return "concat_ws(chr(31), " + ", ".join(parts) + ")"


def _duplicates(con, spec: SourceSpec, per_delivery: bool) -> None:
    group = f"source_file, {spec.key}" if per_delivery else spec.key
    con.execute(
        f"create or replace temp table keyed as select raw_id, {group}, source_file as sf, "
        f"row_number as rn, {_canonical(spec)} as canon from alive_{spec.name}"
    )
    _quarantine(
        con,
        spec.name,
        "duplicate_conflict",
        f"""select raw_id, '{spec.key} ' || {spec.key} || ' has ' || n
                   || ' rows with different values' as detail
            from keyed join (
                select {group}, count(*) as n from keyed group by {group}
                having count(distinct canon) > 1
            ) using ({group})""",
    )
    con.execute(
        f"""create or replace temp table dups as
            select raw_id, {spec.key} from (
                select raw_id, {spec.key}, row_number() over (
                    partition by {group} order by sf, rn) as position
                from keyed
                where raw_id in (select raw_id from alive_{spec.name})
            ) where position > 1"""
    )
    con.execute(
        "insert into validation_status select ?, raw_id, 'deduplicated', null, "
        f"'identical to an earlier row with {spec.key} ' || {spec.key} from dups",
        [spec.name],
    )
    con.execute(f"delete from alive_{spec.name} where raw_id in (select raw_id from dups)")


def _current_snapshot(con, spec: SourceSpec) -> None:
    """The current row of each key: from the latest delivery (file name order) that has one."""
    con.execute(
        f"""create or replace table validated_{spec.name} as
            select * exclude (position) from (
                select *, row_number() over (
                    partition by {spec.key} order by source_file desc, row_number desc
                ) as position
                from alive_{spec.name}
            ) where position = 1 order by {spec.key}"""
    )


def _duplicate_orders(con) -> None:
    _quarantine(
        con,
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


def _references(con, spec: SourceSpec) -> None:
    date = spec.period_date
    _quarantine(
        con,
        spec.name,
        "unknown_rep",
        f"""select raw_id, 'rep ' || rep_id || ' is not in the loaded reps' as detail
            from alive_{spec.name} where rep_id not in (select rep_id from validated_reps)""",
    )
    _quarantine(
        con,
        spec.name,
        "unknown_customer",
        f"""select raw_id, 'customer ' || customer_id || ' is not in the loaded customers'
                   as detail
            from alive_{spec.name}
            where customer_id not in (select customer_id from validated_customers)""",
    )
    _quarantine(
        con,
        spec.name,
        "rep_inactive",
        f"""select f.raw_id, 'rep ' || f.rep_id || ' is active ' || cast(r.hire_date as varchar)
                   || '..' || coalesce(cast(r.leave_date as varchar), '') || ', not on '
                   || cast(f.{date} as varchar) as detail
            from alive_{spec.name} f join validated_reps r using (rep_id)
            where f.{date} < r.hire_date or f.{date} > r.leave_date""",
    )


def _adjustment_references(con, spec: SourceSpec) -> None:
    """A known rep, active on at least one day of the adjustment's month (the contract's
    "active in the period": hire_date <= last day and leave_date empty or >= first day)."""
    month = spec.period_month
    _quarantine(
        con,
        spec.name,
        "unknown_rep",
        f"""select raw_id, 'rep ' || rep_id || ' is not in the loaded reps' as detail
            from alive_{spec.name} where rep_id not in (select rep_id from validated_reps)""",
    )
    _quarantine(
        con,
        spec.name,
        "rep_inactive",
        f"""select f.raw_id, 'rep ' || f.rep_id || ' is active ' || cast(r.hire_date as varchar)
                   || '..' || coalesce(cast(r.leave_date as varchar), '')
                   || ', not on any day of ' || f.{month} as detail
            from alive_{spec.name} f join validated_reps r using (rep_id)
            where r.hire_date > last_day(cast(f.{month} || '-01' as date))
               or r.leave_date < cast(f.{month} || '-01' as date)""",
    )


def _unknown_orders(con) -> None:
    _quarantine(
        con,
        "sales",
        "unknown_order",
        """select raw_id, 'return of order ' || order_id || ' which has no loaded sale' as detail
           from alive_sales
           where txn_type = 'return'
             and order_id not in (select order_id from alive_sales where txn_type = 'sale')""",
    )


def _over_returns(con) -> None:
    """Returns of an order in (txn_date, txn_id) order; the one that crosses is not counted."""
    rows = con.execute(
        """select r.raw_id, r.order_id, r.amount, s.amount
           from alive_sales r join alive_sales s
             on s.order_id = r.order_id and s.txn_type = 'sale'
           where r.txn_type = 'return'
           order by r.order_id, r.txn_date, r.txn_id"""
    ).fetchall()
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
    table = pa_arrow.table(
        {"raw_id": [r for r, _ in crossing], "detail": [d for _, d in crossing]},
        schema=pa_arrow.schema([("raw_id", pa_arrow.int64()), ("detail", pa_arrow.string())]),
    )
    con.register("crossing", table)
    _quarantine(con, "sales", "over_return", "select raw_id, detail from crossing")
    con.unregister("crossing")


# --- results ---------------------------------------------------------------------------------


def _finish(con) -> None:
    for spec in SPECS.values():
        con.execute(
            f"insert into validation_status select '{spec.name}', raw_id, 'loaded', null, null "
            f"from alive_{spec.name}"
        )
    parts = []
    for spec in SPECS.values():
        raw_values = ", ".join(
            f"'{column}', " + ("'(withheld)'" if column in spec.personal else f"r.{column}")
            for column in spec.columns
        )
        period = f"left(trim(r.{spec.period_column}), 7)" if spec.period_column else "null"
        parts.append(
            f"""select '{spec.name}' as source, r.raw_id, r.source_file, r.row_number,
                       r.file_hash, {period} as period, s.status, s.reason, s.detail,
                       case when s.status = 'quarantined'
                            then cast(json_object({raw_values}) as varchar) end as raw
                from raw_{spec.name} r join validation_status s
                  on s.source = '{spec.name}' and s.raw_id = r.raw_id"""
        )
    con.execute("create or replace table row_outcomes as " + " union all ".join(parts))
    con.execute(
        """create or replace table quarantine as
           select source, source_file, row_number, reason, raw, detail, file_hash, period
           from row_outcomes where status = 'quarantined'
           order by source, source_file, row_number"""
    )
    con.execute(
        """create or replace table validation_counts as
           select source, source_file, period, count(*) as rows_read,
                  count(*) filter (where status = 'loaded') as rows_loaded,
                  count(*) filter (where status = 'deduplicated') as rows_deduplicated,
                  count(*) filter (where status = 'quarantined') as rows_quarantined
           from row_outcomes group by all order by all"""
    )
    landed = " union all ".join(
        f"select '{spec.name}' as source, raw_id from raw_{spec.name}" for spec in SPECS.values()
    )
    missing = con.execute(
        f"""select source, count(*) from ({landed}) r
            anti join validation_status s using (source, raw_id) group by source"""
    ).fetchall()
    if missing:  # nothing may be silently dropped
        raise RuntimeError(f"rows without a validation outcome: {missing}")
