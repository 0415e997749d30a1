"""One benchmark: the fixed-cost run, then for each scale the data landed and the floor and the
close timed one after the other on it (M, a re-close of M, then M + 1)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.compare import compare
from bench.compare_loyalty import compare_loyalty
from bench.data import base_data, generate_month_data, land, replicate
from bench.files import SOURCES, data_files, landing_rows, sales_rows
from bench.machine import engine_settings, machine
from bench.measure import log_tail
from bench.plan import Plan, count_label
from bench.report import hand_written, markdown, mib, rich_table
from bench.runs import Runner
from bench.stages import latest_run

FIXED_COST_REPS = 20  # x 50 sales: a month of ~1,000 sales rows


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        from rich.console import Console

        self.args = args
        self.workdir = workdir
        self.console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
        self.plan = Plan.before(args.period, args.history_months, args.history_scale, args.seed)
        self.results: dict = {"scales": [], "notes": []}
        # what a reader wrote under the generated page survives its rewriting
        out = args.out
        self.kept = hand_written(out.read_text()) if out and out.exists() else ""
        self.runner = Runner(
            self.say,
            args.error_budget,
            not args.no_gate_split,
            notes=self.results["notes"],
            engine=args.engine,
            spark_master=args.spark_master,
            spark_conf=args.spark_conf,
        )

    def say(self, message: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.console.print(f"[dim]{stamp}[/] {message}")

    def run(self) -> dict:
        self.results["machine"] = machine()
        self.results["engine"] = engine_settings(self.args)
        self.results["plan"] = self.plan.describe(self.args.scales, self.args.error_budget)
        self.results["started"] = datetime.now(UTC).isoformat(timespec="seconds")
        if not self.args.no_fixed_cost:
            self.run_fixed_cost()
            self.write()
        base = self.workdir / "base"
        generation = base_data(base, self.plan, self.say)
        if generation:
            self.results["base_generation"] = generation
        base_rows = sales_rows(base / "landing", self.plan.period)
        self.results["plan"]["base_month_sales_rows"] = base_rows
        for target in self.args.scales:
            try:
                self.run_scale(target, base, base_rows)
            except Exception as error:  # report and go on with the next scale
                self.say(f"[red]{count_label(target)} failed: {error}[/]")
                self.results["notes"].append(f"{count_label(target)}: {error}")
            self.write()
        self.results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.write()
        self.console.print(rich_table(self.results))
        return self.results

    def write(self) -> None:
        (self.workdir / "results.json").write_text(json.dumps(self.results, indent=1, default=str))
        if self.args.out:
            self.args.out.parent.mkdir(parents=True, exist_ok=True)
            self.args.out.write_text(markdown(self.results, self.kept))

    # -- the runs of one period -----------------------------------------------------------------

    def floor_and_close(
        self, scale: dict, home: Path, folder: Path, period: str, next_month: bool = False
    ) -> bool:
        """Time the floor, the loyalty floor (when members landed), then the close, of a period,
        and compare their results."""
        prefix, key = ("next ", "next_check") if next_month else ("", "check")
        previous = None if next_month else latest_run(home, period)[0]
        timed = self.timed
        if not timed(scale, home, folder, f"{prefix}floor", period):
            return False
        loyalty = bool(data_files(home / "landing" / "members"))
        if loyalty and not timed(scale, home, folder, f"{prefix}loyalty floor", period):
            return False
        if not timed(scale, home, folder, f"{prefix}close", period, previous_run=previous):
            return False
        published = home / "published.duckdb"
        floor_dir = folder / f"{prefix}floor".replace(" ", "-")
        scale[key] = compare(published, period, floor_dir)
        self.report_check(scale["label"], period, scale[key])
        if loyalty:
            loyalty_dir = folder / f"{prefix}loyalty floor".replace(" ", "-")
            scale[f"loyalty_{key}"] = compare_loyalty(published, period, loyalty_dir)
            self.report_loyalty_check(scale["label"], period, scale[f"loyalty_{key}"])
        return True

    def timed(self, scale: dict, *args, **kwargs) -> bool:
        """One timed run (Runner.timed), written to the report at once: a long run can be
        read while the next one goes."""
        ok = self.runner.timed(scale, *args, **kwargs)
        self.write()
        return ok

    def re_close(self, scale: dict, home: Path, folder: Path, period: str) -> None:
        previous = latest_run(home, period)[0]
        self.timed(scale, home, folder, "re-close", period, previous_run=previous)

    def report_check(self, label: str, period: str, check: dict) -> None:
        self._say_check(
            f"{label}: floor vs close {period}",
            check,
            f"{check['reps']:,} reps, {check['mismatched']} totals and "
            f"{check['rule_subtotals_mismatched']} rule subtotals differ; quarantine "
            f"{check['quarantined_rows']:,} rows in {check['quarantine_reasons']} (source, "
            f"reason) pairs, {len(check['quarantine_differences'])} differ",
        )

    def report_loyalty_check(self, label: str, period: str, check: dict) -> None:
        self._say_check(
            f"{label}: loyalty floor vs close {period}",
            check,
            f"{check['members']:,} members, {check['mismatched']} differ, totals differing: "
            f"{', '.join(check['totals_differing']) or 'none'}; quarantine "
            f"{check['quarantined_rows']:,} rows, {len(check['quarantine_differences'])} "
            "(source, reason) pairs differ",
        )

    def _say_check(self, what: str, check: dict, counts: str) -> None:
        verdict = "[green]match[/]" if check["match"] else "[red]MISMATCH[/]"
        self.say(f"{what}: {verdict}: {counts}")
        for line in check["quarantine_differences"][:10]:
            self.say(f"    {line}")

    # -- the fixed cost -------------------------------------------------------------------------

    def run_fixed_cost(self) -> dict:
        """The fixed cost of a close: a month of ~1,000 sales rows on a workspace that closed the
        month before (issue 14's goal: <= 5 s as a user runs it); that first close is timed too."""
        period = self.plan.period
        before = self.plan.history[-1] if self.plan.history else None
        folder = self.workdir / "scale-1k"
        shutil.rmtree(folder, ignore_errors=True)
        home = folder / "home"
        start = time.monotonic()
        months = [before, period] if before else [period]
        generate_month_data(home, self.plan, months, FIXED_COST_REPS)
        scale: dict = {"label": "1k", "target": 1000, "replicas": 1, "runs": []}
        scale["generate_seconds"] = time.monotonic() - start
        scale["sales_rows"] = sales_rows(home / "landing", period)
        scale["landing_rows"] = landing_rows(home / "landing")
        self.results["scales"].append(scale)
        self.say(f"1k: {scale['sales_rows']:,} sales rows in {period}, one month before it")
        if before and not self.timed(scale, home, folder, "first close", before):
            return scale
        if self.floor_and_close(scale, home, folder, period):
            self.re_close(scale, home, folder, period)
        return scale

    # -- one scale ------------------------------------------------------------------------------

    def run_scale(self, target: int, base: Path, base_rows: int) -> dict:
        plan = self.plan
        label = count_label(target)
        folder = self.workdir / f"scale-{label}"
        shutil.rmtree(folder, ignore_errors=True)
        home = folder / "home"
        copies = max(1, round(target / base_rows)) - 1
        scale: dict = {"label": label, "target": target, "replicas": copies + 1, "runs": []}
        self.results["scales"].append(scale)
        start = time.monotonic()
        warm_up = self.land_history(scale, base, home, copies)
        self.land_month(base, home, copies, plan.period)
        scale["generate_seconds"] = time.monotonic() - start - warm_up
        scale["sales_rows"] = sales_rows(home / "landing", plan.period)
        scale["landing_rows"] = landing_rows(home / "landing")
        self.say(
            f"{label}: landed {plan.period}: {scale['sales_rows']:,} sales rows "
            f"({copies + 1} x the base month); {scale['landing_rows']:,} rows in the landing "
            f"folder; data written in {scale['generate_seconds']:.1f} s"
        )
        if self.floor_and_close(scale, home, folder, plan.period):
            self.re_close(scale, home, folder, plan.period)
            if not self.args.no_next_month:
                self.next_month(scale, base, home, folder, copies)
        if not self.args.keep:
            shutil.rmtree(home, ignore_errors=True)
        return scale

    def next_month(self, scale: dict, base: Path, home: Path, folder: Path, copies: int) -> None:
        following = self.plan.following
        self.land_month(base, home, copies, following)
        scale["next_sales_rows"] = sales_rows(home / "landing", following)
        self.say(f"{scale['label']}: landed {following}: {scale['next_sales_rows']:,} sales rows")
        self.floor_and_close(scale, home, folder, following, next_month=True)

    def land_month(self, base: Path, home: Path, copies: int, month: str) -> None:
        land(base, home, month)
        if copies:
            replicate(base, home, copies, {month}, self.plan.history)

    def land_history(self, scale: dict, base: Path, home: Path, copies: int) -> float:
        """Land the history (and replicas of its customers), then warm up on it: the seconds
        the warm-up took."""
        history = self.plan.history
        for source in SOURCES:
            (home / "landing" / source).mkdir(parents=True, exist_ok=True)
        for month in history:
            land(base, home, month)
        if copies and history:
            # the replicas' customer master and members (the first member export holds them all)
            replicate(base, home, copies, set(history), history, ("customers", "members"))
        scale["history_rows"] = landing_rows(home / "landing")
        if not history:
            return 0.0
        self.say(
            f"[bold]{scale['label']}[/]: {home}: {len(history)} history months landed "
            f"({scale['history_rows']:,} rows); warming up (ingest, validate, dbt; "
            "nothing is published)"
        )
        scale["warm_up"] = self.warm_up(home)
        wall, peak = scale["warm_up"]["wall"], scale["warm_up"]["peak_rss"]
        self.say(f"{scale['label']}: warm-up {wall:.1f} s, peak {mib(peak)} MiB")
        return wall

    def warm_up(self, home: Path) -> dict:
        """Ingest and validate the history before the benchmark, as earlier closes would have:
        a provisional-standings run of the last history month (never publishes anything)."""
        month = self.plan.history[-1]
        log = home.parent / "logs" / "warm-up.log"
        measured = self.runner.jifen_run(home, log, "standings", "--period", month, "--limit", "1")
        if measured.returncode != 0:
            raise RuntimeError(f"the warm-up (jifen standings) failed:\n{log_tail(measured.log)}")
        return {"period": month, "wall": measured.wall, "peak_rss": measured.peak_rss}
