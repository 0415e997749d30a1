"""The floor: the close's validation and points as three hand-written DuckDB scripts, run
straight over a landing folder with the rule book's compiled seeds.

    python -m bench.floor --landing HOME/landing --period 2026-07 --out DIR [--seeds DIR]
    python -m bench.floor --landing HOME/landing --period 2026-07 --print > floor-2026-07.sql

The scripts run in this order, in one DuckDB connection, with their @@...@@ markers filled in:
floor_rulebook.sql (the seeds, typed; stops on anything it does not implement),
floor_validation.sql (the landing rows and their outcomes), floor_points.sql (the period's
lines, totals, tiers and ranks). ``--print`` writes the filled-in script for the duckdb CLI.
The benchmark times this module as a process of its own, so it imports nothing but duckdb and
the landing-folder helpers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.files import SOURCES, distinct_files, sql_text
from orchestration.lib.paths import REPO_SEEDS
from orchestration.lib.period import window
from schemas.contract import SPECS

BENCH = Path(__file__).resolve().parent
RESULTS = ("floor_rep_points", "floor_rule_points")
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "union_by_name = true, filename = true"
)


def _relation(source: str, kind: str, files: list[Path]) -> str:
    """A read of the source's files of one kind, or an empty relation with its columns."""
    chosen = [f for f in files if f.suffix.lower() == f".{kind}"]
    if not chosen:
        columns = ", ".join(f"null::varchar as {c}" for c in ("filename", *SPECS[source].columns))
        return f"(select {columns} where false)"
    listing = "[" + ", ".join(sql_text(str(f)) for f in chosen) + "]"
    if kind == "csv":
        return f"read_csv({listing}, {CSV_OPTIONS})"
    return f"read_parquet({listing}, union_by_name = true, filename = true)"


def rulebook_script(seeds: Path) -> str:
    """floor_rulebook.sql reading the compiled seeds in ``seeds``."""
    folder = str(seeds.resolve()).replace("'", "''")  # inside a SQL string literal
    return (BENCH / "floor_rulebook.sql").read_text().replace("@@seeds@@", folder)


def validation_script(landing: Path) -> tuple[str, float]:
    """floor_validation.sql reading ``landing``, and the seconds spent hashing its files."""
    start = time.monotonic()
    text = (BENCH / "floor_validation.sql").read_text()
    for source in SOURCES:
        files = distinct_files(landing / source)
        for kind in ("csv", "parquet"):
            text = text.replace(f"@@{source}_{kind}@@", _relation(source, kind, files))
    return text, time.monotonic() - start


def points_script(period: str) -> str:
    """floor_points.sql for one month."""
    month = window(period)
    text = (BENCH / "floor_points.sql").read_text()
    text = text.replace("@@period_start@@", f"date '{month.first_day}'")
    text = text.replace("@@period_end@@", f"date '{month.last_day}'")
    return text.replace("@@period@@", month.period)


def floor_script(landing: Path, period: str, seeds: Path) -> tuple[str, float]:
    """The whole floor with its markers filled in, and the seconds spent hashing files."""
    validation, hashing = validation_script(landing)
    return "\n".join((rulebook_script(seeds), validation, points_script(period))), hashing


def run_floor(landing: Path, period: str, out: Path, seeds: Path = REPO_SEEDS) -> dict:
    """Run the floor; write its results (Parquet) and floor.json (times, row outcomes) to out."""
    import duckdb

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    script, hashing = floor_script(landing, period, seeds)
    with duckdb.connect() as con:
        con.execute(f"set temp_directory = {sql_text(str(out / 'spill'))}")
        sql_start = time.monotonic()
        con.execute(script)
        sql_seconds = time.monotonic() - sql_start
        for table in RESULTS:
            target = sql_text(str(out / f"{table}.parquet"))
            con.execute(f"copy {table} to {target} (format parquet)")
        outcomes = con.execute("select source, status, reason, rows from floor_outcomes")
        rows = [list(row) for row in outcomes.fetchall()]
    summary = {
        "period": period,
        "hash_seconds": hashing,
        "sql_seconds": sql_seconds,
        "seconds": time.monotonic() - started,
        "outcomes": rows,
    }
    (out / "floor.json").write_text(json.dumps(summary, indent=1))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.floor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--landing", type=Path, required=True, help="a workspace's landing folder")
    parser.add_argument("--period", required=True, help="the month, YYYY-MM")
    parser.add_argument("--out", type=Path, help="folder for the results")
    parser.add_argument(
        "--seeds", type=Path, default=REPO_SEEDS, help="compiled rule book (default: seeds/)"
    )
    parser.add_argument("--print", action="store_true", help="print the script, run nothing")
    args = parser.parse_args(argv)
    if args.print:
        print(floor_script(args.landing, args.period, args.seeds)[0])
        return 0
    if args.out is None:
        parser.error("--out is required unless --print")
    run_floor(args.landing, args.period, args.out, args.seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
