"""Benchmark of a period close against the floor: the contract as one hand-written DuckDB script.

    python bench/run.py --scales 100k,1m,10m [--out docs/benchmarks.md] [--keep DIR]

For each scale (sales rows in the closed month M) it lands the same data and times, one after
the other, in fresh processes:

    floor        bench/floor.sql over the landing folder (validation + points of M, nothing else)
    close        `jifen close M` end to end, with the Dagster run's per-stage breakdown
    re-close     `jifen close M` again, nothing changed
    next floor   the floor for M+1 once M+1's files have landed
    next close   `jifen close M+1`: the cost should not grow with the history

Each run reports wall time and the peak RSS of its whole process tree (sampled from /proc every
50 ms), and the floor's per-rep totals are checked against the published ones. See
bench/README.md for the data (history, "fast mode" replication) and how to read the table.

The module is also its own helper: ``run.py _floor`` and ``run.py _gate`` are the measured
child processes (kept import-light: the floor imports nothing but duckdb).
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from schemas.contract import SPECS

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
FLOOR_SQL = BENCH / "floor.sql"
SOURCES = tuple(SPECS)
COLUMNS = {name: spec.columns for name, spec in SPECS.items()}
# The ids a replica renames (consistently across sources, so every relation between rows of
# one replica, planted problems included, is the same as in the original).
ID_COLUMNS = {
    "reps": ("rep_id", "team_id"),
    "customers": ("customer_id",),
    "sales": ("txn_id", "order_id", "rep_id", "customer_id"),
    "surveys": ("survey_id", "rep_id", "customer_id", "order_id"),
}
CSV_OPTIONS = (
    "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
    "union_by_name = true, filename = true"
)
SALES_PER_REP_MONTH = 50
ROWS_PER_REP_MONTH = 45.0  # sales rows per rep and month the generator gives at 50 (measured)
MAX_ROWS_PER_FILE = 1_000_000  # replicas are split into deliveries of about this size
DEFAULT_HISTORY_ROWS = 100_000  # the generator needs ~12 s and ~0.7 GB per million rows
SAMPLE_SECONDS = 0.05
PPA = "PRIOR_PERIOD_ADJUSTMENT"


# --- small helpers ---------------------------------------------------------------------------


def parse_count(text: str) -> int:
    """'10k' -> 10000, '1m' -> 1000000, '2500' -> 2500."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r} (e.g. 100k, 1m, 2500)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()]
    return int(float(match[1]) * factor)


def count_label(rows: int) -> str:
    for unit, size in (("m", 1_000_000), ("k", 1_000)):
        if rows >= size and rows % (size // 10 or 1) == 0:
            value = rows / size
            return f"{value:g}{unit}"
    return str(rows)


def add_months(period: str, n: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_bounds(period: str) -> tuple[str, str]:
    year, month = int(period[:4]), int(period[5:7])
    return f"{period}-01", f"{period}-{calendar.monthrange(year, month)[1]:02d}"


def month_of_file(name: str) -> str | None:
    match = re.search(r"(\d{4}-\d{2})", name)
    return match[1] if match else None


def data_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".parquet")
    )


def mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:,.0f}"


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- measuring a process tree ----------------------------------------------------------------

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                kids.extend(int(k) for k in handle.read().split())
        except OSError:
            continue
    return kids


def _children_by_scan(pid: int) -> list[int]:
    """Fallback when the kernel has no /proc/<pid>/task/<tid>/children."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry))
    return kids


_HAS_CHILDREN_FILE = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def tree_rss(root: int) -> list[tuple[int, int]]:
    """(pid, resident bytes) of a process and all its descendants. Shared pages count once per
    process, as `ps` shows them."""
    found, stack, seen = [], [root], set()
    find = _children if _HAS_CHILDREN_FILE else _children_by_scan
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as handle:
                found.append((pid, int(handle.read().split()[1]) * PAGE))
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(find(pid))
    return found


def process_name(pid: int) -> str:
    """'jifen', 'dbt', ...: the script a Python process runs, else the program."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return "?"
    if not argv:
        return "?"
    name = Path(argv[0]).name
    if name.startswith("python") and len(argv) > 1:
        if "-c" in argv:
            return "python -c"
        if "-m" in argv[:-1]:
            return argv[argv.index("-m") + 1]
        rest = [a for a in argv[1:] if not a.startswith("-")]
        name = Path(rest[0]).name if rest else name
    return name


@dataclass
class Measured:
    wall: float
    peak_rss: int
    returncode: int
    log: Path
    started: float = 0.0  # epoch seconds, comparable with Dagster's event times
    samples: list[tuple[float, int]] = field(default_factory=list)  # (epoch, tree RSS)
    peak_parts: dict[str, int] = field(default_factory=dict)  # process name -> RSS at the peak

    def peak_between(self, first: float, last: float) -> int | None:
        inside = [rss for at, rss in self.samples if first <= at <= last]
        return max(inside) if inside else None


def run_measured(command: list[str], log: Path, env: dict[str, str] | None = None) -> Measured:
    """Run a command to completion; wall time and peak RSS of its process tree."""
    log.parent.mkdir(parents=True, exist_ok=True)
    measured = Measured(0.0, 0, 0, log, started=time.time())
    with log.open("w") as out:
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                parts = tree_rss(process.pid)
                total = sum(rss for _, rss in parts)
                measured.samples.append((time.time(), total))
                if total > measured.peak_rss:
                    measured.peak_rss = total
                    named: dict[str, int] = {}
                    for pid, rss in parts:
                        named[process_name(pid)] = named.get(process_name(pid), 0) + rss
                    measured.peak_parts = named
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        measured.returncode = process.wait()
        measured.wall = time.monotonic() - start
        done.set()
        sampler.join()
    return measured


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


# --- the floor (child process) ---------------------------------------------------------------


def distinct_files(folder: Path) -> list[Path]:
    """Data files in name order, without byte-identical copies of an earlier one (SHA-256)."""
    seen: set[str] = set()
    kept = []
    for path in data_files(folder):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 22), b""):
                digest.update(chunk)
        if digest.hexdigest() not in seen:
            seen.add(digest.hexdigest())
            kept.append(path)
    return kept


def _relation(source: str, kind: str, files: list[Path]) -> str:
    chosen = [f for f in files if f.suffix.lower() == f".{kind}"]
    if not chosen:
        columns = ", ".join(f"null::varchar as {c}" for c in ("filename", *COLUMNS[source]))
        return f"(select {columns} where false)"
    listing = "[" + ", ".join(sql_text(str(f)) for f in chosen) + "]"
    if kind == "csv":
        return f"read_csv({listing}, {CSV_OPTIONS})"
    return f"read_parquet({listing}, union_by_name = true, filename = true)"


def floor_sql(landing: Path, period: str) -> tuple[str, float]:
    """floor.sql with its markers filled in, and the seconds spent hashing files."""
    start = time.monotonic()
    text = FLOOR_SQL.read_text()
    for source in SOURCES:
        files = distinct_files(landing / source)
        for kind in ("csv", "parquet"):
            text = text.replace(f"@@{source}_{kind}@@", _relation(source, kind, files))
    hashing = time.monotonic() - start
    first, last = period_bounds(period)
    text = text.replace("@@period_start@@", f"date '{first}'")
    text = text.replace("@@period_end@@", f"date '{last}'")
    text = text.replace("@@period@@", period)
    return text, hashing


def floor_main(landing: Path, period: str, out: Path) -> None:
    import duckdb

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    script, hashing = floor_sql(landing, period)
    con = duckdb.connect()
    con.execute(f"set temp_directory = {sql_text(str(out / 'spill'))}")
    sql_start = time.monotonic()
    con.execute(script)
    sql_seconds = time.monotonic() - sql_start
    for table in ("floor_rep_points", "floor_rule_points"):
        con.execute(f"copy {table} to {sql_text(str(out / (table + '.parquet')))} (format parquet)")
    outcomes = con.execute("select source, status, reason, rows from floor_outcomes").fetchall()
    con.close()
    summary = {
        "period": period,
        "hash_seconds": hashing,
        "sql_seconds": sql_seconds,
        "seconds": time.monotonic() - started,
        "outcomes": [list(row) for row in outcomes],
    }
    (out / "floor.json").write_text(json.dumps(summary, indent=1))


# --- the gate alone (child process) ----------------------------------------------------------


def gate_main(home: Path, out: Path) -> None:
    """Time the close's quality gate alone, on the candidate tables the close left behind.

    great-expectations is imported before the clock starts: the close imports it in the
    background while dbt runs, so its import is not part of the gate's time there."""
    import great_expectations  # noqa: F401

    from orchestration.gate.expectations import run_gate
    from orchestration.lib.workspace import Workspace
    from orchestration.warehouse.duckdb import connect

    start = time.monotonic()
    with connect(Workspace.at(home), read_only=True) as con:
        result = run_gate(con)
    elapsed = time.monotonic() - start
    out.write_text(
        json.dumps({"seconds": elapsed, "checked": result.checked, "passed": result.passed})
    )


# --- landing data ----------------------------------------------------------------------------


@dataclass
class Plan:
    period: str  # the month closed and re-closed (M)
    history: list[str]  # the months before it, landed and ingested first (never closed)
    following: str  # M + 1
    history_rows: int  # sales rows per month of the generated base
    seed: int

    @property
    def months(self) -> list[str]:
        return [*self.history, self.period, self.following]

    def key(self) -> dict:
        return {
            "months": self.months,
            "reps": self.reps,
            "spm": SALES_PER_REP_MONTH,
            "seed": self.seed,
            "dirty_rate": 0.01,
        }

    @property
    def reps(self) -> int:
        return max(5, round(self.history_rows / ROWS_PER_REP_MONTH))


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        from rich.console import Console

        self.args = args
        self.workdir = workdir
        self.console = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
        self.python = sys.executable
        jifen = Path(sys.executable).with_name("jifen")
        self.jifen = [str(jifen)] if jifen.exists() else [sys.executable, "-m", "orchestration.cli"]
        self.env = {k: v for k, v in os.environ.items() if k not in ("JIFEN_HOME", "DAGSTER_HOME")}
        self.env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        history = [add_months(args.period, -n) for n in range(args.history_months, 0, -1)]
        self.plan = Plan(
            args.period, history, add_months(args.period, 1), args.history_scale, args.seed
        )
        self.results: dict = {"scales": [], "notes": []}

    def say(self, message: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.console.print(f"[dim]{stamp}[/] {message}")

    # -- base data: every month at the history scale, one generator call ----------------------

    def base(self) -> Path:
        from orchestration.generate.synthetic import generate

        plan = self.plan
        folder = self.workdir / "base"
        stamp = folder / "params.json"
        if stamp.exists() and json.loads(stamp.read_text()) == plan.key():
            self.say(f"base data: reusing {folder}")
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        self.say(
            f"base data: generating {len(plan.months)} months ({plan.months[0]}..{plan.months[-1]})"
            f" with {plan.reps:,} reps x {SALES_PER_REP_MONTH} sales (~{plan.history_rows:,} "
            "sales rows a month), 1 % dirty"
        )
        start = time.monotonic()
        counts = generate(
            folder,
            seed=plan.seed,
            months=plan.months,
            reps=plan.reps,
            sales_per_rep_month=SALES_PER_REP_MONTH,
            dirty_rate=0.01,
        )
        elapsed = time.monotonic() - start
        self.results["base_generation"] = {"seconds": elapsed, "counts": counts}
        self.say(f"base data: {counts} in {elapsed:.1f} s")
        stamp.write_text(json.dumps(plan.key()))
        return folder

    def base_files(self, base: Path, month: str) -> list[tuple[str, Path]]:
        return [
            (source, path)
            for source in SOURCES
            for path in data_files(base / "landing" / source)
            if month_of_file(path.name) == month
        ]

    def land(self, base: Path, home: Path, month: str) -> None:
        for source, path in self.base_files(base, month):
            target = home / "landing" / source / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)

    # -- replicas: the "fast mode" that scales a base month up --------------------------------

    def replicate(
        self, base: Path, home: Path, copies: int, months: set[str], sources=SOURCES
    ) -> None:
        """Land ``copies`` renamed replicas of the base deliveries of ``months`` (only those of
        ``sources``), next to the originals. The history's customer deliveries are replicated
        too (the replicas' customer master), but not its sales or surveys."""
        import duckdb

        con = duckdb.connect()
        con.execute("set threads = 2")
        con.execute(f"set temp_directory = {sql_text(str(self.workdir / 'spill'))}")
        history = set(self.plan.history)
        old_files = [
            path
            for path in data_files(base / "landing" / "sales")
            if month_of_file(path.name) in history
        ]
        orders = " union all ".join(
            f"select trim(cast(order_id as varchar)) as order_id, "
            f"trim(cast(txn_type as varchar)) as txn_type from {self._reader(p)}"
            for p in old_files
        )
        # A replica of a return whose sale lies in the (unreplicated) history would return an
        # order that does not exist: such returns are left out of the replicas.
        con.execute(
            "create temp table history_orders as select distinct order_id from "
            f"({orders}) where txn_type = 'sale'"
            if old_files
            else "create temp table history_orders (order_id varchar)"
        )
        for source in sources:
            for path in data_files(base / "landing" / source):
                if month_of_file(path.name) in months and "_resend" not in path.name:
                    self._replicate_file(con, path, home / "landing" / source, copies)
        con.close()

    @staticmethod
    def _reader(path: Path) -> str:
        if path.suffix.lower() == ".csv":
            options = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'"
            return f"read_csv({sql_text(str(path))}, {options})"
        return f"read_parquet({sql_text(str(path))})"

    def _replicate_file(self, con, path: Path, folder: Path, copies: int) -> int:
        source = path.parent.name
        con.execute(
            "create or replace temp table original as "
            f"select row_number() over () as seq, * from {self._reader(path)}"
        )
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
                f"copy (select {', '.join(select)} from original, range({first}, {last + 1}) r(j) "
                f"where {keep} order by j, seq) to {sql_text(str(partial))} ({options})"
            )
            os.replace(partial, target)
            written += rows * (last - first + 1)
        return written

    def sales_rows(self, landing: Path, month: str) -> int:
        """Rows of the month's sales deliveries (byte copies counted once)."""
        import duckdb

        con = duckdb.connect()
        total = 0
        for path in distinct_files(landing / "sales"):
            if month_of_file(path.name) == month:
                total += con.execute(f"select count(*) from {self._reader(path)}").fetchone()[0]
        con.close()
        return total

    # -- closes -------------------------------------------------------------------------------

    def close(self, home: Path, period: str, log: Path) -> Measured:
        command = [*self.jifen, "close", period, "--home", str(home)]
        if self.args.error_budget is not None:
            command += ["--error-budget", str(self.args.error_budget)]
        return run_measured(command, log, self.env)

    def warm_up(self, home: Path, folder: Path) -> dict:
        """Ingest and validate the history before the benchmark, as earlier closes would have:
        a provisional-standings run of the last history month (never publishes anything)."""
        month = self.plan.history[-1]
        command = [*self.jifen, "standings", "--period", month, "--home", str(home)]
        measured = run_measured(
            [*command, "--limit", "1"], folder / "logs" / "warm-up.log", self.env
        )
        if measured.returncode != 0:
            raise RuntimeError(f"the warm-up (jifen standings) failed:\n{log_tail(measured.log)}")
        return {"period": month, "wall": measured.wall, "peak_rss": measured.peak_rss}

    # -- what the Dagster run says about itself -----------------------------------------------

    def latest_run(self, home: Path, period: str) -> tuple[str | None, list]:
        from dagster import DagsterInstance
        from dagster._core.storage.dagster_run import RunsFilter

        dagster_home = home / "state" / "dagster"
        if not (dagster_home / "dagster.yaml").exists():
            return None, []
        instance = DagsterInstance.from_config(str(dagster_home))
        try:
            runs = instance.get_runs(
                filters=RunsFilter(job_name="close", tags={"dagster/partition": f"{period}-01"}),
                limit=1,
            )
            if not runs:
                return None, []
            return runs[0].run_id, list(instance.all_logs(runs[0].run_id))
        finally:
            instance.dispose()

    def stages(self, home: Path, period: str, previous_run: str | None) -> dict | None:
        """Seconds per stage of the latest close run of the period (None: no new run)."""
        try:
            run_id, events = self.latest_run(home, period)
        except Exception as error:  # the breakdown is a bonus; never lose the timing for it
            self.results["notes"].append(f"no stage breakdown for {period}: {error}")
            return {}
        if run_id is None or run_id == previous_run:
            return None
        started: dict[str, float] = {}
        steps: dict[str, float] = {}
        windows: dict[str, list[float]] = {}  # stage -> [first start, last end], epoch seconds
        run_start = run_end = None
        for event in events:
            kind = event.dagster_event.event_type_value if event.dagster_event else None
            if kind == "STEP_START":
                started[event.step_key] = event.timestamp
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
                steps[event.step_key] = event.timestamp - started[event.step_key]
                window = windows.setdefault(stage_of(event.step_key), [event.timestamp] * 2)
                window[0] = min(window[0], started[event.step_key])
                window[1] = max(window[1], event.timestamp)
            elif kind in ("PIPELINE_START", "RUN_START"):
                run_start = event.timestamp
            elif kind in ("PIPELINE_SUCCESS", "RUN_SUCCESS", "PIPELINE_FAILURE", "RUN_FAILURE"):
                run_end = event.timestamp
        out: dict = {"ingest": 0.0, "validate": 0.0, "dbt build": 0.0, "gate+publish": 0.0}
        out["other steps"] = 0.0
        for key, spent in steps.items():
            out[stage_of(key)] += spent
        out["run"] = (run_end - run_start) if run_start and run_end else sum(steps.values())
        out["steps"] = sum(steps.values())
        out["run_id"] = run_id
        out["windows"] = windows
        return out

    def publish_parts(self, home: Path, window: list[float], gate: float | None) -> dict | None:
        """What the publication step spent after the gate, from the times of the files it
        wrote: the versioned store (until the readers' copy starts; the snapshot folder is
        named by that moment, to the second), the readers' copy (published.duckdb and the
        Parquet folder), the HTML reports, the Data Docs. An estimate, to within a second."""
        try:
            step_start, step_end = window
            snapshot = sorted((home / ".published").iterdir())[-1]
            copy_start = datetime.strptime(snapshot.name[:15], "%Y%m%dT%H%M%S")
            copy_start_s = copy_start.replace(tzinfo=UTC).timestamp()
            if not step_start - 1 <= copy_start_s <= step_end:
                return None  # nothing was published by this run
            copy_end = max(p.stat().st_mtime for p in snapshot.iterdir())
            reports = home / "reports"
            written = [
                p.stat().st_mtime
                for p in reports.rglob("*")
                if p.is_file() and "datadocs" not in p.relative_to(reports).parts
            ]
            fresh = [t for t in written if copy_end <= t <= step_end]
            reports_end = max(fresh, default=copy_end)
            docs = [p.stat().st_mtime for p in (reports / "datadocs").rglob("*") if p.is_file()]
            docs_end = max([t for t in docs if t <= step_end], default=reports_end)
            return {
                "store": max(0.0, copy_start_s - step_start - (gate or 0.0)),
                "serving": max(0.0, copy_end - copy_start_s),
                "reports": max(0.0, reports_end - copy_end),
                "report files": len(fresh),
                "data docs": max(0.0, docs_end - reports_end),
            }
        except (OSError, ValueError, IndexError):
            return None

    def gate_alone(self, home: Path, log: Path) -> float | None:
        out = log.with_suffix(".json")
        command = [self.python, str(Path(__file__).resolve()), "_gate", "--home", str(home)]
        measured = run_measured([*command, "--out", str(out)], log, self.env)
        if measured.returncode != 0 or not out.exists():
            self.results["notes"].append(
                f"the gate could not be timed alone ({log}); gate and publish are shown together"
            )
            return None
        return json.loads(out.read_text())["seconds"]

    # -- the floor and its check --------------------------------------------------------------

    def floor(self, home: Path, period: str, folder: Path) -> Measured:
        shutil.rmtree(folder, ignore_errors=True)
        command = [self.python, str(Path(__file__).resolve()), "_floor"]
        command += ["--landing", str(home / "landing"), "--period", period, "--out", str(folder)]
        return run_measured(command, folder.with_suffix(".log"), self.env)

    def compare(self, home: Path, period: str, folder: Path) -> dict:
        """The floor's results against the close's published ones (prior-period adjustments,
        which the floor does not compute, left out)."""
        import duckdb

        con = duckdb.connect(str(home / "published.duckdb"), read_only=True)
        try:
            reps = sql_text(str(folder / "floor_rep_points.parquet"))
            rules = sql_text(str(folder / "floor_rule_points.parquet"))
            p = sql_text(period)
            totals = con.execute(
                f"""
                with close as (
                    select rep_id, total_points, tier, company_rank, team_rank
                    from latest_rep_period_points where period = {p}
                ),
                adjustments as (
                    select rep_id, sum(points) as points from latest_rep_period_rule_points
                    where period = {p} and rule_id = '{PPA}' group by rep_id
                ),
                floor as (select * from read_parquet({reps}))
                select
                    count(*),
                    count(*) filter (where coalesce(f.total_points, 0)
                        <> coalesce(c.total_points, 0) - coalesce(a.points, 0)),
                    count(*) filter (where f.rep_id is null),
                    count(*) filter (where c.rep_id is null),
                    count(*) filter (where a.points is null and c.rep_id is not null
                        and f.rep_id is not null and (f.tier is distinct from c.tier
                        or f.company_rank <> c.company_rank or f.team_rank <> c.team_rank)),
                    count(a.rep_id),
                    coalesce(sum(f.total_points), 0),
                    coalesce(sum(c.total_points), 0) - coalesce(sum(a.points), 0)
                from floor f
                full join close c on f.rep_id = c.rep_id
                left join adjustments a on coalesce(f.rep_id, c.rep_id) = a.rep_id
                """
            ).fetchone()
            rule_mismatches = con.execute(
                f"""
                with close as (
                    select rep_id, rule_id, points from latest_rep_period_rule_points
                    where period = {p} and rule_id <> '{PPA}' and points <> 0
                ),
                floor as (select * from read_parquet({rules}) where points <> 0)
                select count(*) from floor f full join close c using (rep_id, rule_id)
                where f.points is distinct from c.points
                """
            ).fetchone()[0]
            published_quarantine = con.execute(
                "select source, reason, count(*) from quarantine group by all"
            ).fetchall()
        finally:
            con.close()
        floor_summary = json.loads((folder / "floor.json").read_text())
        floor_quarantine = {
            (source, reason): rows
            for source, status, reason, rows in floor_summary["outcomes"]
            if status == "quarantined"
        }
        close_quarantine = {(source, reason): rows for source, reason, rows in published_quarantine}
        keys = sorted(set(floor_quarantine) | set(close_quarantine))
        pairs = [(k, floor_quarantine.get(k, 0), close_quarantine.get(k, 0)) for k in keys]
        differing = [f"{s}/{r}: floor {f}, close {c}" for (s, r), f, c in pairs if f != c]
        compared, mismatched, only_floor, only_close, ranks, adjusted, floor_sum, close_sum = totals
        return {
            "reps": compared,
            "mismatched": mismatched,
            "only_floor": only_floor,
            "only_close": only_close,
            "tier_rank_mismatched": ranks,
            "reps_with_adjustments": adjusted,
            "floor_total": str(floor_sum),
            "close_total_without_adjustments": str(close_sum),
            "rule_subtotals_mismatched": rule_mismatches,
            "quarantine_reasons": len(keys),
            "quarantine_differences": differing,
            "quarantined_rows": sum(close_quarantine.values()),
            "match": mismatched == 0 and rule_mismatches == 0 and not differing,
        }

    # -- one scale ----------------------------------------------------------------------------

    def run_fixed_cost(self) -> dict:
        """The fixed cost of a close: a month of ~1,000 sales rows, no history (goal <= 10 s)."""
        from orchestration.generate.synthetic import generate

        folder = self.workdir / "scale-1k"
        shutil.rmtree(folder, ignore_errors=True)
        home = folder / "home"
        start = time.monotonic()
        generate(
            home,
            seed=self.plan.seed,
            months=[self.plan.period],
            reps=20,
            sales_per_rep_month=50,
            dirty_rate=0.01,
        )
        scale: dict = {"label": "1k", "target": 1000, "replicas": 1, "runs": []}
        scale["generate_seconds"] = time.monotonic() - start
        scale["sales_rows"] = self.sales_rows(home / "landing", self.plan.period)
        scale["landing_rows"] = self.landing_rows(home / "landing")
        self.results["scales"].append(scale)
        self.say(f"1k: {scale['sales_rows']:,} sales rows in {self.plan.period}, no history")
        if self.timed(scale, home, folder, "floor", self.plan.period) and self.timed(
            scale, home, folder, "close", self.plan.period, previous_run=None
        ):
            scale["check"] = self.compare(home, self.plan.period, folder / "floor")
            self.report_check("1k", self.plan.period, scale["check"])
            previous = self.latest_run(home, self.plan.period)[0]
            self.timed(scale, home, folder, "re-close", self.plan.period, previous_run=previous)
        return scale

    def run_scale(self, target: int, base: Path, base_rows: int) -> dict:
        plan = self.plan
        label = count_label(target)
        folder = self.workdir / f"scale-{label}"
        shutil.rmtree(folder, ignore_errors=True)
        home = folder / "home"
        copies = max(1, round(target / base_rows)) - 1
        scale: dict = {"label": label, "target": target, "replicas": copies + 1, "runs": []}
        self.results["scales"].append(scale)
        for source in SOURCES:
            (home / "landing" / source).mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        for month in plan.history:
            self.land(base, home, month)
        if copies and plan.history:
            self.replicate(base, home, copies, set(plan.history), ("customers",))
        scale["history_rows"] = self.landing_rows(home / "landing")
        warm_up = 0.0
        if plan.history:
            self.say(
                f"[bold]{label}[/]: {home}: {len(plan.history)} history months landed "
                f"({scale['history_rows']:,} rows); warming up (ingest, validate, dbt; "
                "nothing is published)"
            )
            scale["warm_up"] = self.warm_up(home, folder)
            warm_up = scale["warm_up"]["wall"]
            self.say(
                f"{label}: warm-up {warm_up:.1f} s, peak {mib(scale['warm_up']['peak_rss'])} MiB"
            )
        self.land(base, home, plan.period)
        if copies:
            self.replicate(base, home, copies, {plan.period})
        scale["generate_seconds"] = time.monotonic() - start - warm_up
        scale["sales_rows"] = self.sales_rows(home / "landing", plan.period)
        scale["landing_rows"] = self.landing_rows(home / "landing")
        self.say(
            f"{label}: landed {plan.period}: {scale['sales_rows']:,} sales rows "
            f"({copies + 1} x the base month); {scale['landing_rows']:,} rows in the landing "
            f"folder; data written in {scale['generate_seconds']:.1f} s"
        )
        if not self.timed(scale, home, folder, "floor", plan.period):
            return scale
        previous = self.latest_run(home, plan.period)[0]
        if not self.timed(scale, home, folder, "close", plan.period, previous_run=previous):
            return scale
        scale["check"] = self.compare(home, plan.period, folder / "floor")
        self.report_check(label, plan.period, scale["check"])
        previous = self.latest_run(home, plan.period)[0]
        self.timed(scale, home, folder, "re-close", plan.period, previous_run=previous)
        self.land(base, home, plan.following)
        if copies:
            self.replicate(base, home, copies, {plan.following})
        scale["next_sales_rows"] = self.sales_rows(home / "landing", plan.following)
        self.say(f"{label}: landed {plan.following}: {scale['next_sales_rows']:,} sales rows")
        if self.timed(scale, home, folder, "next floor", plan.following) and self.timed(
            scale, home, folder, "next close", plan.following, previous_run=None
        ):
            scale["next_check"] = self.compare(home, plan.following, folder / "next-floor")
            self.report_check(label, plan.following, scale["next_check"])
        if not self.args.keep:
            shutil.rmtree(home, ignore_errors=True)
        return scale

    @staticmethod
    def landing_rows(landing: Path) -> int:
        import duckdb

        con = duckdb.connect()
        total = 0
        for source in SOURCES:
            for path in distinct_files(landing / source):
                total += con.execute(f"select count(*) from {Bench._reader(path)}").fetchone()[0]
        con.close()
        return total

    def timed(
        self,
        scale: dict,
        home: Path,
        folder: Path,
        name: str,
        period: str,
        previous_run: str | None = None,
    ) -> bool:
        label = scale["label"]
        warm(home / "landing")
        self.say(f"{label}: {name} {period} …")
        entry: dict = {"run": name, "period": period, "stages": None, "note": ""}
        entry["load"] = os.getloadavg()[0]  # other work on the machine skews the numbers
        if name.endswith("floor"):
            floor_dir = folder / name.replace(" ", "-")
            measured = self.floor(home, period, floor_dir)
            if measured.returncode == 0:
                inner = json.loads((floor_dir / "floor.json").read_text())
                entry["note"] = (
                    f"hashing files {inner['hash_seconds']:.2f} s, SQL {inner['sql_seconds']:.2f} s"
                )
        else:
            measured = self.close(home, period, folder / "logs" / f"{name.replace(' ', '-')}.log")
            if measured.returncode == 0:
                entry["stages"] = self.stages(home, period, previous_run)
                if entry["stages"] is None:
                    entry["note"] = "no Dagster run (the CLI found the period unchanged)"
                elif entry["stages"]:
                    self.stage_memory(entry, measured)
                    gate = None
                    if not self.args.no_gate_split:
                        gate = self.gate_alone(
                            home, folder / "logs" / f"gate-{name.replace(' ', '-')}.log"
                        )
                        entry["stages"]["gate"] = gate
                    window = entry["stages"]["windows"].get("gate+publish")
                    if window:
                        entry["publish_parts"] = self.publish_parts(home, window, gate)
                outcome = re.search(
                    r"(version \d+ published|unchanged[^\n]*)", log_tail(measured.log, 200)
                )
                if outcome:
                    entry["note"] = (entry["note"] + "; " if entry["note"] else "") + outcome[1]
        entry.update(wall=measured.wall, peak_rss=measured.peak_rss, ok=measured.returncode == 0)
        scale["runs"].append(entry)
        if measured.returncode != 0:
            code = measured.returncode
            why = f"killed by signal {-code}" if code < 0 else f"exit {code}"
            if code in (-9, 137):
                why += " (out of memory?)"
            entry["note"] = f"failed ({why}) after {measured.wall:.0f} s, log {measured.log}"
            self.say(f"[red]{label}: {name} {period} failed[/]:\n{log_tail(measured.log)}")
            return False
        self.say(
            f"{label}: {name} {period}: {measured.wall:.1f} s, peak {mib(measured.peak_rss)} MiB"
            + (f" ({entry['note']})" if entry["note"] else "")
        )
        return True

    @staticmethod
    def stage_memory(entry: dict, measured: Measured) -> None:
        """Peak RSS of the process tree within each stage, and outside the steps."""
        windows = entry["stages"]["windows"]
        peaks = {
            stage: measured.peak_between(first, last) for stage, (first, last) in windows.items()
        }
        outside = [
            rss
            for at, rss in measured.samples
            if not any(first <= at <= last for first, last in windows.values())
        ]
        peaks["outside steps"] = max(outside, default=None)
        entry["stage_peaks"] = {k: v for k, v in peaks.items() if v is not None}
        entry["peak_parts"] = measured.peak_parts

    def report_check(self, label: str, period: str, check: dict) -> None:
        verdict = "[green]match[/]" if check["match"] else "[red]MISMATCH[/]"
        self.say(
            f"{label}: floor vs close {period}: {verdict}: {check['reps']:,} reps, "
            f"{check['mismatched']} totals and {check['rule_subtotals_mismatched']} rule "
            f"subtotals differ; quarantine {check['quarantined_rows']:,} rows in "
            f"{check['quarantine_reasons']} (source, reason) pairs, "
            f"{len(check['quarantine_differences'])} differ"
        )
        for line in check["quarantine_differences"][:10]:
            self.say(f"    {line}")

    # -- everything ---------------------------------------------------------------------------

    def run(self) -> dict:
        self.results["machine"] = machine()
        self.results["plan"] = {
            "period": self.plan.period,
            "history": self.plan.history,
            "following": self.plan.following,
            "history_rows": self.plan.history_rows,
            "reps": self.plan.reps,
            "seed": self.plan.seed,
            "scales": [count_label(s) for s in self.args.scales],
            "error_budget": self.args.error_budget,
        }
        self.results["started"] = datetime.now(UTC).isoformat(timespec="seconds")
        if not self.args.no_fixed_cost:
            self.run_fixed_cost()
            self.write()
        base = self.base()
        base_rows = self.sales_rows(base / "landing", self.plan.period)
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
            self.args.out.write_text(markdown(self.results))


def stage_of(step_key: str) -> str:
    if step_key.startswith("raw_"):
        return "ingest"
    return {
        "validated_inputs": "validate",
        "points_models": "dbt build",
        "publication": "gate+publish",
    }.get(step_key, "other steps")


def warm(landing: Path) -> None:
    """Read every landed file once, so neither contestant pays for a cold page cache."""
    for source in SOURCES:
        for path in data_files(landing / source):
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass


# --- the report ------------------------------------------------------------------------------


def machine() -> dict:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    def pkg(name: str) -> str:
        try:
            return package_version(name)
        except PackageNotFoundError:
            return "-"

    memory = first("/proc/meminfo", "MemTotal")
    try:
        gib = f"{int(memory.split()[0]) / 2**20:.1f} GiB"
    except (ValueError, IndexError):
        gib = memory
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cpus": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory": gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": pkg("duckdb"),
        "dbt-core": pkg("dbt-core"),
        "dbt-duckdb": pkg("dbt-duckdb"),
        "dagster": pkg("dagster"),
        "great-expectations": pkg("great-expectations"),
        "jifen": commit or "?",
    }


def table_rows(results: dict) -> list[dict]:
    """One row per scale and run, with the stage columns and the ratio to the floor."""
    rows = []
    for scale in results["scales"]:
        floors = {r["run"]: r for r in scale["runs"] if r["run"].endswith("floor")}
        for run in scale["runs"]:
            stages = run.get("stages") or {}
            gate = stages.get("gate")
            both = stages.get("gate+publish")
            row = {
                "scale": scale["label"],
                "rows": scale.get(
                    "next_sales_rows" if run["run"].startswith("next") else "sales_rows"
                ),
                "run": run["run"],
                "period": run["period"],
                "ok": run["ok"],
                "wall": run["wall"] if run["ok"] else None,
                "peak_rss": run["peak_rss"],
                "ingest": stages.get("ingest"),
                "validate": stages.get("validate"),
                "dbt build": stages.get("dbt build"),
                "gate": gate,
                "publish": (max(0.0, both - gate) if gate is not None else None)
                if both is not None
                else None,
                "gate+publish": both,
                "other": (run["wall"] - stages["steps"]) if stages.get("steps") else None,
                "note": run.get("note", ""),
                "ratio": None,
                "load": run.get("load"),
            }
            reference = floors.get("next floor" if run["run"].startswith("next") else "floor")
            if (
                not run["run"].endswith("floor")
                and reference
                and reference["ok"]
                and run["ok"]
                and reference["wall"]
            ):
                row["ratio"] = run["wall"] / reference["wall"]
            rows.append(row)
    return rows


def _stage_cell(row: dict, name: str) -> str:
    if name == "gate" and row["gate"] is None and row["gate+publish"] is not None:
        return "(with publish)"
    if name == "publish" and row["publish"] is None and row["gate+publish"] is not None:
        return seconds(row["gate+publish"]) + " (gate incl.)"
    return seconds(row[name]) if row[name] is not None else "-"


HEADER = (
    "scale",
    "run",
    "period",
    "sales rows",
    "wall s",
    "peak RSS MiB",
    "ingest",
    "validate",
    "dbt build",
    "gate",
    "publish",
    "other",
    "x floor",
    "load",
)


def _cells(row: dict) -> list[str]:
    return [
        row["scale"],
        row["run"],
        row["period"],
        f"{row['rows']:,}" if row["rows"] else "-",
        seconds(row["wall"]) if row["ok"] else "failed",
        mib(row["peak_rss"]),
        *(
            _stage_cell(row, name)
            for name in ("ingest", "validate", "dbt build", "gate", "publish")
        ),
        seconds(row["other"]),
        f"{row['ratio']:.1f}" if row["ratio"] is not None else "-",
        f"{row['load']:.1f}" if row.get("load") is not None else "-",
    ]


def rich_table(results: dict):
    from rich.table import Table

    table = Table(title="jifen close vs floor (seconds; peak RSS of the process tree)")
    for name in HEADER:
        table.add_column(name, justify="left" if name in ("scale", "run", "period") else "right")
    for row in table_rows(results):
        table.add_row(*_cells(row))
    return table


def markdown(results: dict) -> str:
    plan, m = results["plan"], results["machine"]
    history = f"{plan['history'][0]}..{plan['history'][-1]}" if plan["history"] else "none"
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python bench/run.py "
        + f"--scales {','.join(plan['scales'])}` (see [bench/README.md](../bench/README.md)); "
        + f"started {results.get('started', '?')}, "
        + f"finished {results.get('finished', '(still running)')}.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cpus']} cores available; memory {m['memory']}; {m['os']}",
        f"- Python {m['python']}, duckdb {m['duckdb']}, dbt-core {m['dbt-core']}, "
        f"dbt-duckdb {m['dbt-duckdb']}, dagster {m['dagster']}, "
        f"great-expectations {m['great-expectations']}; jifen at `{m['jifen']}`",
        "",
        "## Data",
        "",
        f"- Closed month {plan['period']}, then the next month {plan['following']}; before them "
        f"{len(plan['history'])} months of history ({history}), landed and ingested before the "
        "benchmark by a `jifen standings` run (ingest, validate, dbt; nothing published). The "
        "history is not closed: the gate's rep-count band (within 50 % of the previous "
        "published period) would stop a scaled month after a closed base-scale history.",
        f"- Base: `orchestration.generate.synthetic.generate` over all months with "
        f"{plan['reps']:,} reps x "
        f"50 sales a month, 1 % dirty rows ({plan.get('base_month_sales_rows', 0):,} sales rows "
        f"in {plan['period']}); the history stays at this scale.",
        "- Scales: the closed and the next month are the base month plus renamed replicas "
        "(every id suffixed per replica: reps, teams, customers, orders, transactions, surveys), "
        "so customers, surveys, reps and dirty rows grow in proportion.",
        f"- Error budget passed to the closes: {plan['error_budget']}.",
        "",
        "## Results",
        "",
        "Seconds of wall time. Stages come from the Dagster run's step events: ingest = the "
        "`raw_*` steps, validate = `validated_inputs`, dbt build = `points_models`, gate = the "
        "great-expectations gate timed alone right after the close on the tables it left, "
        "publish = the `publication` step minus that gate (store, readers' copy, reports, Data "
        "Docs), other = the rest of the process (start-up, imports, planning, the summary). "
        "Peak RSS sums the resident memory of the process and all its descendants (dbt runs as "
        "a child), sampled every 50 ms. x floor = wall / the floor's wall on the same data. "
        "load = the 1-minute load average just before the run (anything well above 0 means "
        "other work shared the CPUs).",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" if i < 3 else "---:" for i in range(len(HEADER))) + "|",
    ]
    rows = table_rows(results)
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    lines += ["", "## Checks and notes", ""]
    for scale in results["scales"]:
        warm = scale.get("warm_up")
        lines.append(
            f"- {scale['label']}: {scale.get('replicas', 1)} x the base month, "
            f"{scale.get('landing_rows', 0):,} rows in the landing folder at the close of "
            f"{plan['period']} ({scale.get('history_rows', 0):,} of them history); data written "
            f"in {seconds(scale.get('generate_seconds'))} s"
            + (
                f"; warm-up (standings of {warm['period']}) {seconds(warm['wall'])} s, "
                f"peak {mib(warm['peak_rss'])} MiB."
                if warm
                else "."
            )
        )
        for key in ("check", "next_check"):
            check = scale.get(key)
            if check:
                period = plan["period"] if key == "check" else plan["following"]
                verdict = "match" if check["match"] else "MISMATCH"
                lines.append(
                    f"  - floor vs close {period}: **{verdict}**: {check['reps']:,} reps, "
                    f"{check['mismatched']} totals and {check['rule_subtotals_mismatched']} rule "
                    f"subtotals differ ({check['reps_with_adjustments']} reps have "
                    "prior-period adjustments, left out); quarantine: "
                    f"{check['quarantined_rows']:,} rows, {check['quarantine_reasons']} "
                    f"(source, reason) pairs, {len(check['quarantine_differences'])} differ"
                    + (
                        ": " + "; ".join(check["quarantine_differences"][:5])
                        if check["quarantine_differences"]
                        else ""
                    )
                )
        for run in scale["runs"]:
            details = [run["note"]] if run.get("note") else []
            if run.get("stage_peaks"):
                peaks = ", ".join(f"{k} {mib(v)}" for k, v in run["stage_peaks"].items())
                parts = ", ".join(
                    f"{k} {mib(v)}"
                    for k, v in sorted(run["peak_parts"].items(), key=lambda kv: -kv[1])
                    if v >= 0.02 * run["peak_rss"]
                )
                details.append(f"peak RSS by stage (MiB): {peaks}; at the peak: {parts}")
            publish = run.get("publish_parts")
            if publish:
                details.append(
                    "publish from file times (s): store "
                    f"{seconds(publish['store'])}, readers' copy "
                    f"{seconds(publish['serving'])}, HTML reports "
                    f"{seconds(publish['reports'])} ({publish['report files']:,} files), "
                    f"Data Docs {seconds(publish['data docs'])}"
                )
            if details:
                lines.append(f"  - {run['run']} {run['period']}: " + "; ".join(details))
    generation = results.get("base_generation")
    if generation:
        lines.append(f"- Base data generated in {generation['seconds']:.1f} s.")
    lines += [f"- {note}" for note in results.get("notes", [])]
    return "\n".join(lines) + "\n"


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_floor"]:
        parser = argparse.ArgumentParser(prog="run.py _floor")
        parser.add_argument("--landing", type=Path, required=True)
        parser.add_argument("--period", required=True)
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args(argv[1:])
        floor_main(args.landing, args.period, args.out)
        return 0
    if argv[:1] == ["_gate"]:
        parser = argparse.ArgumentParser(prog="run.py _gate")
        parser.add_argument("--home", type=Path, required=True)
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args(argv[1:])
        gate_main(args.home, args.out)
        return 0
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Time `jifen close` against the floor (bench/floor.sql) at several scales.",
    )
    parser.add_argument(
        "--scales",
        default="100k,1m,10m",
        help="sales rows in the closed month, comma-separated (default 100k,1m,10m)",
    )
    parser.add_argument(
        "--history-scale",
        type=parse_count,
        default=None,
        help="sales rows per history month (default: the smallest scale, at most 100k)",
    )
    parser.add_argument("--history-months", type=int, default=12, help="default 12")
    parser.add_argument("--period", default="2026-07", help="the closed month (default 2026-07)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--out", type=Path, default=REPO / "docs" / "benchmarks.md", help="Markdown report"
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) data in DIR")
    parser.add_argument(
        "--no-fixed-cost",
        action="store_true",
        help="skip the fixed-cost run (a close of a ~1,000-row month without history)",
    )
    parser.add_argument(
        "--error-budget",
        type=float,
        default=1.0,
        help="passed to jifen close (default 1.0: a data problem never stops the benchmark)",
    )
    parser.add_argument(
        "--no-gate-split", action="store_true", help="do not time the gate alone after closes"
    )
    args = parser.parse_args(argv)
    args.scales = sorted({parse_count(s) for s in args.scales.split(",") if s.strip()})
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.period):
        parser.error(f"--period must be YYYY-MM, got {args.period!r}")
    if args.history_months < 0:
        parser.error("--history-months must not be negative")
    args.history_scale = args.history_scale or min(args.scales[0], DEFAULT_HISTORY_ROWS)
    if args.history_scale > args.scales[0]:
        parser.error("--history-scale must not exceed the smallest scale")
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
