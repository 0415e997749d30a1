"""Checks 1 to 6 of docs/sales-program.md ("Order of the checks"): each row judged alone.

The checks are the pandera schemas in ``schemas/`` (a check's name is its reason code). A row's
verdict depends on its values alone and landed rows never change, so each row is judged once and
its verdict kept (``verdict_cache.py`` drops them when this code or the schemas change): a
close's row-level work follows the size of what landed since the last one, not the history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from orchestration.warehouse.connection import Warehouse
from schemas import SCHEMAS
from schemas.contract import SourceSpec
from schemas.reasons import RANK, ROW_LEVEL

BATCH_ROWS = 500_000  # raw rows judged by pandas at a time: bounds validation's memory
# Judges the raw rows not judged yet into ``judged_<source>`` and ``row_judgements``.
Judge = Callable[[Any, SourceSpec, Callable[[str], None]], None]


def check_rows(
    warehouse: Warehouse, spec: SourceSpec, progress: Callable[[str], None], judge: Judge
) -> None:
    """Quarantine the source's rows that fail a row-level check; the others start the set of
    rows still alive (``alive_<source>``) that the checks across rows narrow down."""
    judge(warehouse, spec, progress)
    _empty_judged(warehouse, spec)
    warehouse.run(
        "insert into validation_status select source, raw_id, 'quarantined', reason, detail "
        "from row_judgements where source = ? and reason is not null",
        [spec.name],
    )
    warehouse.replace_table(f"alive_{spec.name}", f"select * from judged_{spec.name}", temp=True)


def typed(spec: SourceSpec, column: str) -> str:
    """The SQL that casts a column's text to its contract type."""
    if column in spec.dates:
        return f"cast(nullif({column}, '') as date) as {column}"
    if column in spec.decimals:
        return f"cast({column} as decimal(18, 2)) as {column}"
    if column in spec.integers:
        return f"cast(nullif({column}, '') as integer) as {column}"  # may be optional
    if column in spec.optional:
        return f"nullif(cast({column} as varchar), '') as {column}"
    return f"cast({column} as varchar) as {column}"


def judge_new_rows_in_batches(
    warehouse: Warehouse, spec: SourceSpec, progress: Callable[[str], None]
) -> None:
    """The raw rows not judged yet, in batches that bound the memory pandas needs."""
    upto = warehouse.value(
        "select coalesce(max(raw_id), 0) from row_judgements where source = ?", [spec.name]
    )
    waiting = warehouse.value(f"select count(*) from raw_{spec.name} where raw_id > ?", [upto])
    done = 0
    while done < waiting:
        upto, judged = _judge_batch(warehouse, spec, upto)
        done += judged
        if waiting > BATCH_ROWS:
            progress(f"validating {spec.name}: row checks {done:,} / {waiting:,} new rows")


def _judge_batch(warehouse: Warehouse, spec: SourceSpec, upto: int) -> tuple[int, int]:
    """Judge the next batch of raw rows after ``upto``; returns (new high-water mark, rows)."""
    judged = f"judged_{spec.name}"
    columns = ", ".join(spec.columns)
    frame = warehouse.arrow(
        f"select raw_id, {columns}, source_file, row_number, file_hash from raw_{spec.name} "
        f"where raw_id > {int(upto)} order by raw_id limit {BATCH_ROWS}"
    ).to_pandas()
    if frame.empty:
        return upto, 0
    for column in spec.columns:
        frame[column] = frame[column].astype(str).str.strip()
    rejects = pandera_rejects(frame, spec)
    casts = ", ".join(typed(spec, column) for column in spec.columns)
    alive = (
        f"select cast(raw_id as bigint) as raw_id, {casts}, "
        "cast(source_file as varchar) as source_file, cast(row_number as bigint) as row_number, "
        "cast(file_hash as varchar) as file_hash from trimmed "
        "where raw_id not in (select raw_id from row_rejects)"
    )
    last = int(frame["raw_id"].max())
    with (
        warehouse.registered("trimmed", pa_arrow.Table.from_pandas(frame, preserve_index=False)),
        warehouse.registered(
            "row_rejects", pa_arrow.Table.from_pandas(rejects, preserve_index=False)
        ),
        warehouse.transaction(),
    ):
        warehouse.run(f"create table if not exists {judged} as {alive} limit 0")
        warehouse.run(f"insert into {judged} {alive}")
        warehouse.run(
            "insert into row_judgements select ?, raw_id, reason, detail from row_rejects",
            [spec.name],
        )
        # the high-water mark: an accepted row leaves no verdict of its own
        warehouse.run("insert into row_judgements values (?, ?, null, null)", [spec.name, last])
    return last, len(frame)


def _empty_judged(warehouse: Warehouse, spec: SourceSpec) -> None:
    """The judged table of a source with nothing landed yet, typed like a real one."""
    casts = ", ".join(typed(spec, column) for column in spec.columns)
    columns = ", ".join(f"cast(null as varchar) as {column}" for column in spec.columns)
    warehouse.run(
        f"create table if not exists judged_{spec.name} as "
        f"select cast(null as bigint) as raw_id, {casts}, cast(null as varchar) as source_file, "
        f"cast(null as bigint) as row_number, cast(null as varchar) as file_hash "
        f"from (select {columns}) limit 0"
    )


def pandera_rejects(frame: pd.DataFrame, spec: SourceSpec) -> pd.DataFrame:
    """(raw_id, reason, detail) of each failing row, under its first reason in the contract's
    order (then its first column)."""
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
    cases["column_order"] = _column_order(cases, spec)
    cases = cases.sort_values(["index", "rank", "column_order"]).drop_duplicates("index")
    positions = cases["index"].astype("int64").to_numpy()
    value = cases["failure_case"].astype(str).str.slice(0, 60)
    # a personal value never reaches the quarantine (an empty one says nothing)
    value = value.where(~cases["column"].isin(spec.personal) | (value == ""), "(withheld)")
    detail = (
        cases["column"].astype(str)
        + ": "
        + cases["check"].astype(str).str.split(": ", n=1).str[1]
        + " ("
        + value
        + ")"
    )
    return pd.DataFrame(
        {
            "raw_id": frame["raw_id"].to_numpy()[positions],
            "reason": cases["reason"].to_numpy(),
            "detail": detail.to_numpy(),
        }
    )


def _column_order(cases: pd.DataFrame, spec: SourceSpec) -> pd.Series:
    """Which failing column a row's detail names: the contract's column order; for a check that
    compares columns of one row (pandera reports every column), the column its message names
    first (``left_date is earlier than enrolled_date``: left_date)."""
    order = cases["column"].map({column: n for n, column in enumerate(spec.columns)})
    row_wide = cases["schema_context"] == "DataFrameSchema"
    named = [
        message.find(column) if column in message else len(message) + position
        for message, column, position in zip(
            cases.loc[row_wide, "check"].astype(str).str.split(": ", n=1).str[1],
            cases.loc[row_wide, "column"].astype(str),
            order[row_wide],
            strict=True,
        )
    ]
    return order.where(~row_wide, pd.Series(named, index=cases.index[row_wide], dtype="float64"))
