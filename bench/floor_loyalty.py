"""The loyalty floor: the loyalty program's earning lines and member balances of a month as a
user would write them by hand: DuckDB SQL over the landing files plus the pipeline's own walk
function (orchestration/loyalty/batches.py ``walk_partition``, hence orchestration/loyalty/walk.py
``walk_member``) in one process, every member walked from the start; no lineage, versions or
publishing.

    python -m bench.floor_loyalty --landing HOME/landing --period 2026-07 --out DIR [--seeds DIR]
        [--honoured DIR-OF-THE-MONTH-BEFORE/floor_accepted.parquet]

In one DuckDB connection: floor_rulebook.sql (the compiled seeds), the sales part of
floor_validation.sql (the loaded sales, which are the purchases), floor_loyalty.sql (members and
redemptions validated, the walk's events), then the walk, then floor_loyalty_balances.sql (the
balances, verdicts and totals). ``--honoured`` names the redemptions an earlier close accepted
(the floor of the month before writes them): the contract never quarantines them again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.files import distinct_files, sql_text
from bench.floor import BENCH, _relation, rulebook_script
from orchestration.lib.paths import REPO_SEEDS
from orchestration.lib.period import window
from schemas.contract import REDEMPTION_UNIT

# floor_validation.sql up to its surveys, which the loyalty program does not read
SURVEYS_MARKER = "-- Facts: surveys"
SOURCES = ("reps", "customers", "sales", "members", "redemptions")
RESULTS = ("floor_member_balances", "floor_accepted")
NO_HONOURED = "(select null::varchar as redemption_id where false)"
WALK_COLUMNS = "record, customer_id, kind, event_date, points, source_id, status, expires_on"
EVENT_COLUMNS = (
    "customer_id, event_date, event_order, action, kind, source, source_id, points, "
    "rulebook_version, lot_id, lot_expires_on, reverses_lot, monthly_limit, honoured"
)


def _fill(text: str, period: str, honoured: Path | None) -> str:
    month = window(period)
    text = text.replace("@@period_start@@", f"date '{month.first_day}'")
    text = text.replace("@@period_end@@", f"date '{month.last_day}'")
    text = text.replace("@@redemption_unit@@", str(REDEMPTION_UNIT))
    relation = f"read_parquet({sql_text(str(honoured))})" if honoured else NO_HONOURED
    return text.replace("@@honoured@@", relation)


def events_script(
    landing: Path, period: str, seeds: Path, honoured: Path | None
) -> tuple[str, float]:
    """Everything before the walk, markers filled in, and the seconds spent hashing files."""
    start = time.monotonic()
    sales, marker, _ = (BENCH / "floor_validation.sql").read_text().partition(SURVEYS_MARKER)
    if not marker:
        raise RuntimeError(f"floor_validation.sql has no line {SURVEYS_MARKER!r}")
    text = sales + "\n" + (BENCH / "floor_loyalty.sql").read_text()
    for source in SOURCES:
        files = distinct_files(landing / source)
        for kind in ("csv", "parquet"):
            text = text.replace(f"@@{source}_{kind}@@", _relation(source, kind, files))
    script = rulebook_script(seeds) + "\n" + _fill(text, period, honoured)
    return script, time.monotonic() - start


def balances_script(period: str) -> str:
    return _fill((BENCH / "floor_loyalty_balances.sql").read_text(), period, None)


def run_floor_loyalty(
    landing: Path,
    period: str,
    out: Path,
    seeds: Path = REPO_SEEDS,
    honoured: Path | None = None,
) -> dict:
    """Run the loyalty floor; write its results (Parquet) and floor_loyalty.json to ``out``."""
    import duckdb
    import pyarrow as pa

    from orchestration.loyalty.batches import OUTPUT, SAVED, walk_partition

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    script, hashing = events_script(landing, period, seeds, honoured)
    with duckdb.connect() as con:
        con.execute(f"set temp_directory = {sql_text(str(out / 'spill'))}")
        sql_start = time.monotonic()
        con.execute(script)
        # a table of the main schema, not temp: the walk reads it through a second connection
        # while this one stores what the walk writes
        con.execute(f"create table walk_events as select {EVENT_COLUMNS} from floor_walk_events")
        con.execute("drop table floor_walk_events")
        events = con.execute("select count(*) from walk_events").fetchall()[0][0]
        walk_start = time.monotonic()
        reader = con.cursor()
        batches = reader.sql(
            f"select *, null::varchar as {SAVED} from walk_events order by customer_id"
        ).to_arrow_reader()
        walked = pa.RecordBatchReader.from_batches(
            OUTPUT, walk_partition(batches, until=window(period).last_day)
        )
        con.register("walk_records", walked)
        con.execute(f"create temp table walk as select {WALK_COLUMNS} from walk_records")
        reader.close()
        walk_seconds = time.monotonic() - walk_start
        con.execute("drop table walk_events")
        con.execute(balances_script(period))
        sql_seconds = time.monotonic() - sql_start - walk_seconds
        for table in RESULTS:
            target = sql_text(str(out / f"{table}.parquet"))
            con.execute(f"copy {table} to {target} (format parquet)")
        outcomes = [list(r) for r in con.execute("from loyalty_outcomes").fetchall()]
        totals = con.execute(
            "select count(*), sum(earned), sum(reversed), sum(redeemed), sum(expired), "
            "sum(forfeited), sum(closing_points), sum(debt_points) from floor_member_balances"
        ).fetchall()[0]
    summary = {
        "period": period,
        "hash_seconds": hashing,
        "sql_seconds": sql_seconds,
        "walk_seconds": walk_seconds,
        "seconds": time.monotonic() - started,
        "events": events,
        "outcomes": outcomes,
        "totals": dict(zip(TOTALS, [int(v or 0) for v in totals], strict=True)),
    }
    (out / "floor_loyalty.json").write_text(json.dumps(summary, indent=1))
    return summary


TOTALS = ("members", "earned", "reversed", "redeemed", "expired", "forfeited", "closing", "debt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor_loyalty", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--landing", type=Path, required=True, help="a workspace's landing folder")
    parser.add_argument("--period", required=True, help="the month, YYYY-MM")
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    parser.add_argument(
        "--seeds", type=Path, default=REPO_SEEDS, help="compiled rule book (default: seeds/)"
    )
    parser.add_argument(
        "--honoured", type=Path, help="floor_accepted.parquet of the month before's loyalty floor"
    )
    args = parser.parse_args(argv)
    run_floor_loyalty(args.landing, args.period, args.out, args.seeds, args.honoured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
