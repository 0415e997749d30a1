"""Benchmark of a period close against the floor (the same validation and points as three
hand-written DuckDB scripts that read the compiled rule book, bench/floor.py).

    python bench/run.py --scales 100k,1m,10m [--out docs/benchmarks.md] [--keep DIR]
    python bench/run.py --engine spark --scales 1m --out /tmp/spark.md   # the closes on Spark

For each scale (sales rows in the closed month M) it lands the same data and times, one after
the other, in fresh processes:

    floor        the floor over the landing folder (validation + points of M, nothing else)
    loyalty floor  the loyalty program's balances of M (SQL + the pipeline's walk function)
    close        `jifen close M` end to end, with the Dagster run's per-stage breakdown
    re-close     `jifen close M` again, nothing changed
    next floor   the floor for M+1 once M+1's files have landed (and the next loyalty floor)
    next close   `jifen close M+1`: the cost should not grow with the history

Each run reports wall time and the peak RSS of its whole process tree, and the floor's results
are checked against the published ones. See bench/README.md for the data and how to read the
table. The parts: plan.py (months, scales), data.py (generated base, replicas), files.py
(landing files), floor.py + floor_*.sql, floor_loyalty.py + compare_loyalty.py (the loyalty
floor), gate.py, measure.py (processes), stages.py (Dagster run), compare.py (floor vs
close), runs.py (one timed run), scales.py (one benchmark), report.py, goals.py and
machine.py (the table and docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

if __name__ == "__main__":  # run as a script: import `bench` from the repository, not bench/
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.plan import DEFAULT_HISTORY_ROWS, parse_count  # noqa: E402

# not Spark's local[*]: what docs/operations.md advises on a machine shared with other work
DEFAULT_SPARK_MASTER = "local[2]"
from orchestration.lib.paths import REPO_ROOT  # noqa: E402
from orchestration.lib.period import parse_period  # noqa: E402


def parser() -> argparse.ArgumentParser:
    ask = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Time `jifen close` against the floor (bench/floor.py) at several scales.",
    )
    ask.add_argument(
        "--scales",
        default="100k,1m,10m",
        help="sales rows in the closed month, comma-separated (default 100k,1m,10m)",
    )
    ask.add_argument(
        "--history-scale",
        type=parse_count,
        default=None,
        help="sales rows per history month (default: the smallest scale, at most 100k)",
    )
    ask.add_argument("--history-months", type=int, default=12, help="default 12")
    ask.add_argument("--period", default="2026-07", help="the closed month (default 2026-07)")
    ask.add_argument("--seed", type=int, default=7)
    ask.add_argument(
        "--out", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md", help="Markdown report"
    )
    ask.add_argument("--keep", type=Path, default=None, help="keep (and reuse) data in DIR")
    ask.add_argument(
        "--no-fixed-cost",
        action="store_true",
        help="skip the fixed-cost run (a close of a ~1,000-row month without history)",
    )
    ask.add_argument(
        "--error-budget",
        type=float,
        default=1.0,
        help="passed to jifen close (default 1.0: a data problem never stops the benchmark)",
    )
    ask.add_argument(
        "--no-gate-split", action="store_true", help="do not time the gate alone after closes"
    )
    ask.add_argument(
        "--no-next-month",
        action="store_true",
        help="stop each scale after the re-close: no floor and close of the next month",
    )
    ask.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="the engine of every jifen process (default duckdb); the floor is always DuckDB",
    )
    ask.add_argument(
        "--spark-master",
        default=None,
        help="with --engine spark: JIFEN_SPARK_MASTER (default: $JIFEN_SPARK_MASTER, else "
        f"{DEFAULT_SPARK_MASTER})",
    )
    ask.add_argument(
        "--spark-conf",
        type=Path,
        default=None,
        help="with --engine spark: a spark-defaults.conf file, passed as JIFEN_SPARK_CONF",
    )
    return ask


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ask = parser()
    args = ask.parse_args(argv)
    args.scales = sorted({parse_count(s) for s in args.scales.split(",") if s.strip()})
    try:
        args.period = parse_period(args.period)
    except ValueError as error:
        ask.error(f"--period: {error}")
    if args.history_months < 0:
        ask.error("--history-months must not be negative")
    args.history_scale = args.history_scale or min(args.scales[0], DEFAULT_HISTORY_ROWS)
    if args.history_scale > args.scales[0]:
        ask.error("--history-scale must not exceed the smallest scale")
    if args.engine == "spark":
        args.spark_master = (
            args.spark_master or os.environ.get("JIFEN_SPARK_MASTER") or DEFAULT_SPARK_MASTER
        )
        if args.spark_conf:
            args.spark_conf = args.spark_conf.resolve()
            if not args.spark_conf.is_file():
                ask.error(f"--spark-conf: no file {args.spark_conf}")
    elif args.spark_master or args.spark_conf:
        ask.error("--spark-master and --spark-conf need --engine spark")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bench.scales import Bench

    if args.keep:
        workdir = args.keep.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        Bench(args, workdir).run()
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="jifen-bench-"))
    try:
        Bench(args, workdir).run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
