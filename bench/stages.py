"""What a close's Dagster run says about itself: seconds and peak memory per stage (ingest,
validate, dbt build, gate + publish), and how the publication step split its time, from the
times of the files it wrote."""

from __future__ import annotations

from pathlib import Path

from bench.measure import Measured

STAGES = ("ingest", "validate", "dbt build", "gate+publish", "other steps")
STEP_STAGES = {
    "unread_landing_files": "ingest",  # the scan of landing/ for files no source reads
    "validated_inputs": "validate",
    "points_models": "dbt build",
    "quality_gate": "gate+publish",
    "publication": "gate+publish",
    "reports": "gate+publish",
}
RUN_STARTS = ("PIPELINE_START", "RUN_START")
RUN_ENDS = ("PIPELINE_SUCCESS", "RUN_SUCCESS", "PIPELINE_FAILURE", "RUN_FAILURE")


def stage_of(step_key: str) -> str:
    if step_key.startswith("raw_"):
        return "ingest"
    return STEP_STAGES.get(step_key, "other steps")


def latest_run(home: Path, period: str) -> tuple[str | None, list]:
    """The id and event log of the latest close run of the period in the workspace."""
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


def stage_times(events: list) -> dict:
    """Seconds per stage, of the run and of all its steps, and each stage's time window
    ([first start, last end], epoch seconds), from a run's STEP_* and RUN_* events."""
    started: dict[str, float] = {}
    steps: dict[str, float] = {}
    windows: dict[str, list[float]] = {}
    run_start = run_end = None
    for event in events:
        kind = event.dagster_event.event_type_value if event.dagster_event else None
        if kind == "STEP_START":
            started[event.step_key] = event.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            first = started[event.step_key]
            steps[event.step_key] = event.timestamp - first
            window = windows.setdefault(stage_of(event.step_key), [first, event.timestamp])
            window[0], window[1] = min(window[0], first), max(window[1], event.timestamp)
        elif kind in RUN_STARTS:
            run_start = event.timestamp
        elif kind in RUN_ENDS:
            run_end = event.timestamp
    out: dict = dict.fromkeys(STAGES, 0.0)
    for key, spent in steps.items():
        out[stage_of(key)] += spent
    out["steps"] = sum(steps.values())
    out["run"] = (run_end - run_start) if run_start and run_end else out["steps"]
    out["windows"] = windows
    return out


def close_stages(home: Path, period: str, previous_run: str | None) -> dict | None:
    """Seconds per stage of the latest close run of the period (None: no new run)."""
    run_id, events = latest_run(home, period)
    if run_id is None or run_id == previous_run:
        return None
    return {**stage_times(events), "run_id": run_id}


def stage_memory(windows: dict[str, list[float]], measured: Measured) -> dict[str, int]:
    """Peak RSS of the process tree within each stage's window, and outside the steps."""
    peaks = {stage: measured.peak_between(first, last) for stage, (first, last) in windows.items()}
    outside = [
        rss
        for at, rss in measured.samples
        if not any(first <= at <= last for first, last in windows.values())
    ]
    peaks["outside steps"] = max(outside, default=None)
    return {k: v for k, v in peaks.items() if v is not None}


def _mtimes(files) -> list[float]:
    return [p.stat().st_mtime for p in files if p.is_file()]


def publish_parts(home: Path, window: list[float], gate: float | None) -> dict | None:
    """What the publication step spent after the gate, from the times of the files it
    wrote: the versioned store and the readers' database (until ``published.duckdb`` is put in
    place), the Delta tables (until their last commit), the HTML reports, the Data Docs. An
    estimate, to within a second."""
    try:
        step_start, step_end = window
        copy_start_s = (home / "published.duckdb").stat().st_mtime
        if not step_start - 1 <= copy_start_s <= step_end:
            return None  # nothing was published by this run
        commits = _mtimes((home / "published").glob("*/_delta_log/*.json"))
        copy_end = max((t for t in commits if copy_start_s <= t <= step_end), default=copy_start_s)
        reports = home / "reports"
        pages = [p for p in reports.rglob("*") if "datadocs" not in p.relative_to(reports).parts]
        fresh = [t for t in _mtimes(pages) if copy_end <= t <= step_end]
        reports_end = max(fresh, default=copy_end)
        docs = [t for t in _mtimes((reports / "datadocs").rglob("*")) if t <= step_end]
        docs_end = max(docs, default=reports_end)
    except (OSError, ValueError):
        return None
    return {
        "store": max(0.0, copy_start_s - step_start - (gate or 0.0)),
        "serving": max(0.0, copy_end - copy_start_s),
        "reports": max(0.0, reports_end - copy_end),
        "report files": len(fresh),
        "data docs": max(0.0, docs_end - reports_end),
    }
