"""The benchmark's data: one generated base (every month at the history scale), landed month by
month into a workspace, and scaled up by renamed replicas ("fast mode", bench/README.md)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from bench.files import SOURCES, data_files, month_of_file, reader, sql_text
from bench.plan import DIRTY_RATE, SALES_PER_REP_MONTH, Plan

MAX_ROWS_PER_FILE = 1_000_000  # replicas are split into deliveries of about this size
# The ids a replica renames (consistently across sources, so every relation between rows of
# one replica, planted problems included, is the same as in the original).
ID_COLUMNS = {
    "reps": ("rep_id", "team_id"),
    "customers": ("customer_id",),
    "sales": ("txn_id", "order_id", "rep_id", "customer_id"),
    "surveys": ("survey_id", "rep_id", "customer_id", "order_id"),
    "members": ("customer_id",),
    "redemptions": ("redemption_id", "customer_id"),
}


def generate_month_data(home: Path, plan: Plan, months: list[str], reps: int) -> dict:
    """The synthetic generator (what `jifen generate` runs), as the benchmark calls it."""
    from orchestration.generate import generate

    return generate(
        home,
        seed=plan.seed,
        months=months,
        reps=reps,
        sales_per_rep_month=SALES_PER_REP_MONTH,
        dirty_rate=DIRTY_RATE,
    )


def base_data(folder: Path, plan: Plan, say) -> dict | None:
    """Generate the base into ``folder``, unless a base of the same plan is there already;
    the generation's seconds and row counts (None when reused)."""
    stamp = folder / "params.json"
    if stamp.exists() and json.loads(stamp.read_text()) == plan.key():
        say(f"base data: reusing {folder}")
        return None
    shutil.rmtree(folder, ignore_errors=True)
    say(
        f"base data: generating {len(plan.months)} months ({plan.months[0]}..{plan.months[-1]})"
        f" with {plan.reps:,} reps x {SALES_PER_REP_MONTH} sales (~{plan.history_rows:,} "
        "sales rows a month), 1 % dirty"
    )
    start = time.monotonic()
    counts = generate_month_data(folder, plan, plan.months, plan.reps)
    elapsed = time.monotonic() - start
    say(f"base data: {counts} in {elapsed:.1f} s")
    stamp.write_text(json.dumps(plan.key()))
    return {"seconds": elapsed, "counts": counts}


def land(base: Path, home: Path, month: str) -> None:
    """Copy the base's deliveries of a month into the workspace's landing folder."""
    for source in SOURCES:
        for path in data_files(base / "landing" / source):
            if month_of_file(path.name) == month:
                target = home / "landing" / source / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def _history_orders(con, base: Path, history: set[str]) -> None:
    """The orders sold in the history: a replica of a return of one of them would return an
    order that does not exist, so such returns are left out of the replicas."""
    old_files = [
        path
        for path in data_files(base / "landing" / "sales")
        if month_of_file(path.name) in history
    ]
    if not old_files:
        con.execute("create temp table history_orders (order_id varchar)")
        return
    orders = " union all ".join(
        f"select trim(cast(order_id as varchar)) as order_id, "
        f"trim(cast(txn_type as varchar)) as txn_type from {reader(p)}"
        for p in old_files
    )
    con.execute(
        "create temp table history_orders as select distinct order_id from "
        f"({orders}) where txn_type = 'sale'"
    )


def replicate(
    base: Path, home: Path, copies: int, months: set[str], history: list[str], sources=SOURCES
) -> None:
    """Land ``copies`` renamed replicas of the base deliveries of ``months`` (only those of
    ``sources``), next to the originals. The history's customer deliveries are replicated
    too (the replicas' customer master), but not its sales or surveys."""
    import duckdb

    with duckdb.connect() as con:
        con.execute("set threads = 2")
        con.execute(f"set temp_directory = {sql_text(str(home.parent / 'spill'))}")
        _history_orders(con, base, set(history))
        for source in sources:
            for path in data_files(base / "landing" / source):
                if month_of_file(path.name) in months and "_resend" not in path.name:
                    _replicate_file(con, path, home / "landing" / source, copies)


def _renamed_columns(con, source: str) -> list[str]:
    """The select list of a replica j: every id of ID_COLUMNS suffixed with _c<j>."""
    names = [row[0] for row in con.execute("describe original").fetchall() if row[0] != "seq"]
    suffix = "'_c' || lpad(cast(j as varchar), 3, '0')"
    select = []
    for name in names:
        quoted = f'"{name}"'
        if name in ID_COLUMNS[source]:
            text = f"trim(cast({quoted} as varchar))"
            select.append(
                f"case when {quoted} is null or {text} = '' then {quoted} "
                f"else {text} || {suffix} end as {quoted}"
            )
        else:
            select.append(quoted)
    return select


def _replicate_file(con, path: Path, folder: Path, copies: int) -> int:
    """Write the replicas of one delivery, in its own format, about 1M rows per file."""
    source = path.parent.name
    con.execute(
        "create or replace temp table original as "
        f"select row_number() over () as seq, * from {reader(path)}"
    )
    select = ", ".join(_renamed_columns(con, source))
    keep = "true"
    if source == "sales":
        keep = (
            "not (trim(cast(txn_type as varchar)) = 'return' and "
            "trim(cast(order_id as varchar)) in (select order_id from history_orders))"
        )
    rows = con.execute(f"select count(*) from original where {keep}").fetchone()[0]
    if rows == 0:
        return 0
    per_file = max(1, MAX_ROWS_PER_FILE // rows)
    kind = path.suffix.lower()
    options = "format csv, header true" if kind == ".csv" else "format parquet"
    written = 0
    for first in range(1, copies + 1, per_file):
        last = min(copies, first + per_file - 1)
        target = folder / f"{path.stem}_c{first:03d}{kind}"
        partial = target.with_name(f".{target.name}.partial")
        con.execute(
            f"copy (select {select} from original, range({first}, {last + 1}) r(j) "
            f"where {keep} order by j, seq) to {sql_text(str(partial))} ({options})"
        )
        os.replace(partial, target)
        written += rows * (last - first + 1)
    return written
