"""The timed runs, each a fresh process on the same landing folder: the floor (python -m
bench.floor, with the workspace's rule books compiled as a close compiles them) and `jifen
close`, with the close's stages, memory per stage and the gate timed alone."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.files import warm
from bench.measure import Measured, log_tail, run_measured
from bench.report import mib
from bench.stages import close_stages, publish_parts, stage_memory

CLOSE_OUTCOME = re.compile(r"(version \d+ published|unchanged[^\n]*)")


def compile_seeds(home: Path, folder: Path) -> Path:
    """The workspace's live rule books compiled into ``folder`` (what a close compiles into
    HOME/state/seeds), so the floor reads the same rule book as the close."""
    from orchestration.lib.workspace import Workspace
    from orchestration.rulebooks.compiler import compile_files
    from orchestration.rulebooks.live import rulebook_files

    return compile_files(rulebook_files(Workspace.at(home)), folder).folder


def record_engine(home: Path, engine: str) -> None:
    """Record the workspace's engine before its first jifen command, as `jifen close --engine`
    would: `jifen standings` (the warm-up) runs on the recorded engine and, on a new
    workspace, on DuckDB whatever JIFEN_ENGINE says. Refused if the workspace has another."""
    from orchestration.lib.engine import workspace_engine
    from orchestration.lib.workspace import Workspace

    workspace_engine(Workspace.at(home), engine)


def failure(measured: Measured) -> str:
    code = measured.returncode
    why = f"killed by signal {-code}" if code < 0 else f"exit {code}"
    if code in (-9, 137):
        why += " (out of memory?)"
    return f"failed ({why}) after {measured.wall:.0f} s, log {measured.log}"


@dataclass
class Runner:
    say: Callable[[str], None]  # a progress line
    error_budget: float | None = 1.0
    gate_split: bool = True
    notes: list[str] = field(default_factory=list)  # for the report
    engine: str = "duckdb"  # of every jifen process; the floor is DuckDB whatever this says
    spark_master: str | None = None
    spark_conf: Path | None = None
    python: str = sys.executable
    env: dict[str, str] = field(init=False)
    jifen: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = {k: v for k, v in os.environ.items() if k not in ("JIFEN_HOME", "DAGSTER_HOME")}
        self.env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        # the first jifen command of a workspace (the warm-up or the close) records the engine
        self.env["JIFEN_ENGINE"] = self.engine
        if self.spark_master:
            self.env["JIFEN_SPARK_MASTER"] = self.spark_master
        if self.spark_conf:
            self.env["JIFEN_SPARK_CONF"] = str(self.spark_conf)
        jifen = Path(self.python).with_name("jifen")
        self.jifen = [str(jifen)] if jifen.exists() else [self.python, "-m", "orchestration.cli"]

    def jifen_run(self, home: Path, log: Path, *args: str) -> Measured:
        record_engine(home, self.engine)
        return run_measured([*self.jifen, *args, "--home", str(home)], log, self.env)

    def close(self, home: Path, period: str, log: Path) -> Measured:
        budget = [] if self.error_budget is None else ["--error-budget", str(self.error_budget)]
        return self.jifen_run(home, log, "close", period, *budget)

    def floor(self, home: Path, period: str, folder: Path) -> Measured:
        shutil.rmtree(folder, ignore_errors=True)
        seeds = compile_seeds(home, folder / "seeds")
        command = [self.python, "-m", "bench.floor", "--landing", str(home / "landing")]
        command += ["--period", period, "--out", str(folder), "--seeds", str(seeds)]
        return run_measured(command, folder.with_suffix(".log"), self.env)

    def loyalty_floor(
        self, home: Path, period: str, folder: Path, honoured: Path | None
    ) -> Measured:
        shutil.rmtree(folder, ignore_errors=True)
        seeds = compile_seeds(home, folder / "seeds")
        command = [self.python, "-m", "bench.floor_loyalty", "--landing", str(home / "landing")]
        command += ["--period", period, "--out", str(folder), "--seeds", str(seeds)]
        if honoured is not None and honoured.exists():
            command += ["--honoured", str(honoured)]
        return run_measured(command, folder.with_suffix(".log"), self.env)

    def gate_alone(self, home: Path, log: Path) -> float | None:
        out = log.with_suffix(".json")
        command = [self.python, "-m", "bench.gate", "--home", str(home), "--out", str(out)]
        measured = run_measured(command, log, self.env)
        if measured.returncode != 0 or not out.exists():
            self.notes.append(
                f"the gate could not be timed alone ({log}); gate and publish are shown together"
            )
            return None
        return json.loads(out.read_text())["seconds"]

    # -- one timed run, as a row of the table ---------------------------------------------------

    def timed(
        self,
        scale: dict,
        home: Path,
        folder: Path,
        name: str,
        period: str,
        previous_run: str | None = None,
    ) -> bool:
        """Time one run (a floor or a close) and add it to the scale's runs; False if it failed."""
        label = scale["label"]
        warm(home / "landing")
        self.say(f"{label}: {name} {period} …")
        entry: dict = {"run": name, "period": period, "stages": None, "note": ""}
        entry["load"] = os.getloadavg()[0]  # other work on the machine skews the numbers
        slug = name.replace(" ", "-")
        if name.endswith("loyalty floor"):
            measured = self._loyalty_floor_run(entry, home, period, folder, slug)
        elif name.endswith("floor"):
            measured = self._floor_run(entry, home, period, folder / slug)
        else:
            measured = self._close_run(entry, home, period, folder, slug, previous_run)
        entry.update(wall=measured.wall, peak_rss=measured.peak_rss, ok=measured.returncode == 0)
        scale["runs"].append(entry)
        if measured.returncode != 0:
            entry["note"] = failure(measured)
            self.say(f"[red]{label}: {name} {period} failed[/]:\n{log_tail(measured.log)}")
            return False
        self.say(
            f"{label}: {name} {period}: {measured.wall:.1f} s, peak {mib(measured.peak_rss)} MiB"
            + (f" ({entry['note']})" if entry["note"] else "")
        )
        return True

    def _floor_run(self, entry: dict, home: Path, period: str, folder: Path) -> Measured:
        measured = self.floor(home, period, folder)
        if measured.returncode == 0:
            inner = json.loads((folder / "floor.json").read_text())
            entry["note"] = (
                f"hashing files {inner['hash_seconds']:.2f} s, SQL {inner['sql_seconds']:.2f} s"
            )
        return measured

    def _loyalty_floor_run(
        self, entry: dict, home: Path, period: str, folder: Path, slug: str
    ) -> Measured:
        # the month before's loyalty floor names the redemptions its close accepted (honoured)
        before = folder / "loyalty-floor" / "floor_accepted.parquet"
        honoured = None if slug == "loyalty-floor" else before
        measured = self.loyalty_floor(home, period, folder / slug, honoured)
        if measured.returncode == 0:
            inner = json.loads((folder / slug / "floor_loyalty.json").read_text())
            entry["note"] = (
                f"hashing files {inner['hash_seconds']:.2f} s, SQL {inner['sql_seconds']:.2f} s, "
                f"walk {inner['walk_seconds']:.2f} s ({inner['events']:,} events)"
            )
        return measured

    def _close_run(
        self, entry: dict, home: Path, period: str, folder: Path, slug: str, previous_run
    ) -> Measured:
        measured = self.close(home, period, folder / "logs" / f"{slug}.log")
        if measured.returncode != 0:
            return measured
        try:
            entry["stages"] = close_stages(home, period, previous_run)
        except Exception as error:  # the breakdown is a bonus; never lose the timing for it
            self.notes.append(f"no stage breakdown for {period}: {error}")
            entry["stages"] = {}
        if entry["stages"] is None:
            entry["note"] = "no Dagster run (the CLI found the period unchanged)"
        elif entry["stages"]:
            self._close_parts(entry, measured, home, folder / "logs" / f"gate-{slug}.log")
        outcome = CLOSE_OUTCOME.search(log_tail(measured.log, 200))
        if outcome:
            entry["note"] = (entry["note"] + "; " if entry["note"] else "") + outcome[1]
        return measured

    def _close_parts(self, entry: dict, measured: Measured, home: Path, gate_log: Path) -> None:
        """Memory per stage, the gate timed alone, and the publication's parts."""
        entry["stage_peaks"] = stage_memory(entry["stages"]["windows"], measured)
        entry["peak_parts"] = measured.peak_parts
        gate = self.gate_alone(home, gate_log) if self.gate_split else None
        if self.gate_split:
            entry["stages"]["gate"] = gate
        window = entry["stages"]["windows"].get("gate+publish")
        if window:
            entry["publish_parts"] = publish_parts(home, window, gate)
