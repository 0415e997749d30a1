"""Run the jobs of the code location in this process, for the CLI and the tests.

``execute_job`` is the one launcher: the named job of ``orchestration.definitions``, on the
workspace's Dagster instance (so CLI runs show in ``make ui``), under the workspace's writer
lock. ``failure_text`` turns a failed step into a sentence a person can read.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.lib.period import partition_key
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.open import engine_of

if TYPE_CHECKING:
    from dagster import DagsterEvent, ExecuteInProcessResult

    from orchestration.progress import Tracker
    from orchestration.trial.run import TrialResult
    from orchestration.verify.recompute import Verification

# Module paths that only make a message longer.
NOISE = (
    "dagster._core.errors.",
    "dagster_dbt.errors.",
    "dagster_dbt.core.",
    "orchestration.trial.score.",
    "orchestration.rulebooks.problems.",
)
MAX_LINES = 40


@dataclass
class CloseRun:
    period: str
    success: bool
    run_id: str
    errors: list[str] = field(default_factory=list)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)  # asset -> metadata


def execute_job(
    workspace: Workspace,
    job_name: str,
    ops: dict[str, Any],
    *,
    period: str | None = None,
    verbose: bool = False,
    log_file: Path | None = None,
    progress: Tracker | None = None,
) -> ExecuteInProcessResult:
    """Execute ``job_name`` with ``ops`` config (for ``period``'s partition when given).

    The run's stdout (dbt's own log) goes to ``log_file`` unless ``verbose``; Dagster's log
    shows only with ``verbose``; ``progress`` hears the run's events as they happen. Raises
    ``WorkspaceBusy`` before Dagster loads when another process holds the workspace."""
    workspace.prepare().export_env()
    with workspace.writer_lock():
        from dagster import DagsterInstance

        from orchestration.definitions import defs

        job = defs.resolve_job_def(job_name)
        run_config = {
            "ops": ops,
            "loggers": {"console": {"config": {"log_level": "INFO" if verbose else "CRITICAL"}}},
        }
        if progress is not None:
            from orchestration.defs.progress import progress_logger

            job = job.with_logger_defs({**job.loggers, "progress": progress_logger(progress)})
            run_config["loggers"]["progress"] = {}
        tags = {"jifen/trigger": "cli", "jifen/job": job_name, "jifen/engine": engine_of(workspace)}
        if period is not None:
            tags["jifen/period"] = period
        with DagsterInstance.get() as instance, _stdout_to(None if verbose else log_file):
            return job.execute_in_process(
                partition_key=partition_key(period) if period is not None else None,
                instance=instance,
                run_config=run_config,
                raise_on_error=False,
                tags=tags,
            )


@contextmanager
def _stdout_to(log_file: Path | None) -> Iterator[None]:
    if log_file is None:
        yield
        return
    with log_file.open("w") as handle, redirect_stdout(handle):
        yield


def failure_texts(result: ExecuteInProcessResult) -> list[str]:
    return [failure_text(event) for event in result.all_events if event.is_step_failure]


def failure_text(event: DagsterEvent) -> str:
    """The description of a ``Failure``, else the message of the error the step raised (Dagster
    wraps it in its own), without module paths and at most ``MAX_LINES`` lines."""
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    error = data.error
    if error is None:
        return str(event.message)
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    for prefix in NOISE:
        message = message.replace(prefix, "")
    if error.cls_name and message.startswith(f"{error.cls_name}:"):
        message = message.split(":", 1)[1].strip()
    lines = message.splitlines()
    return "\n".join(lines[:MAX_LINES]) + ("\n…" if len(lines) > MAX_LINES else "")


def run_close(
    workspace: Workspace,
    period: str,
    *,
    restate: bool = False,
    reason: str = "",
    error_budget: float | None = None,
    verbose: bool = False,
    progress: Tracker | None = None,
    closed_by: str = "",
) -> CloseRun:
    """Close a period: the ``close`` job for its partition (``progress`` hears its events).
    ``closed_by``: the closing user's id (default: JIFEN_USER, else the OS user)."""
    publication = {"restate": restate, "reason": reason, "closed_by": closed_by}
    ops: dict[str, Any] = {"publication": {"config": publication}}
    if error_budget is not None:
        ops["validated_inputs"] = {"config": {"error_budget": error_budget}}
    return _run_period(workspace, "close", period, ops, verbose=verbose, progress=progress)


def run_standings(workspace: Workspace, period: str, *, verbose: bool = False) -> CloseRun:
    """Refresh the provisional standings of an open period: the ``provisional`` job."""
    from orchestration.defs.standings import PROVISIONAL_OPS  # loads Dagster

    return _run_period(workspace, "provisional", period, PROVISIONAL_OPS, verbose=verbose)


def _run_period(
    workspace: Workspace,
    job_name: str,
    period: str,
    ops: dict[str, Any],
    *,
    verbose: bool,
    progress: Tracker | None = None,
) -> CloseRun:
    """A partitioned job for one period, with the metadata each asset materialized."""
    from orchestration.defs.partitions import monthly_partitions  # loads Dagster

    keys = monthly_partitions.get_partition_keys()
    if partition_key(period) not in keys:
        last = keys[-1][:7]
        return CloseRun(
            period, False, "", [f"{period} has not started yet: the latest period is {last}"]
        )
    warnings.filterwarnings("ignore", message=".*varying BackfillPolicies.*")
    # pandera imports pyspark.pandas whenever pyspark is installed, even for a DuckDB close;
    # jifen's Spark code runs with pandas 3 (tests/test_spark_*.py), so the warning is noise
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    log_dir = workspace.state / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    result = execute_job(
        workspace,
        job_name,
        ops,
        period=period,
        verbose=verbose,
        log_file=log_dir / f"{job_name}-{period}.log",
        progress=progress,
    )
    run = CloseRun(period, result.success, result.run_id, failure_texts(result))
    for event in result.all_events:
        if event.is_step_materialization:
            materialization = event.step_materialization_data.materialization
            key = materialization.asset_key.to_user_string()
            run.metadata[key] = {k: v.value for k, v in materialization.metadata.items()}
    return run


def run_verify(
    workspace: Workspace, period: str, version: int | None
) -> tuple[Verification | None, list[str]]:
    """Recompute a published version (the ``verify`` job); returns (Verification, errors)."""
    config = {"period": period, "version": version or 0}
    result = execute_job(workspace, "verify", {"verify_publication": {"config": config}})
    if not result.success:
        return None, failure_texts(result)
    return result.output_for_node("verify_publication"), []


def run_trial(
    workspace: Workspace, rules: Path, periods: str, out: Path | None = None
) -> tuple[TrialResult | None, list[str]]:
    """Score a candidate rule book (the ``trial`` job); returns (TrialResult, errors).

    Raises ``CandidateRejected`` (with every problem of the candidate), ``TrialError`` (bad
    periods) or ``WorkspaceBusy`` before launching a run."""
    from orchestration.trial.run import parse_periods
    from orchestration.trial.score import check_candidate

    workspace.prepare().export_env()
    rules = Path(rules).resolve()
    months = parse_periods(periods)
    check_candidate(rules, workspace)
    config = {
        "rules": str(rules),
        "periods": ",".join(months),
        "out": str(Path(out).resolve()) if out else "",
    }
    result = execute_job(workspace, "trial", {"trial_rulebook": {"config": config}})
    if not result.success:
        return None, failure_texts(result)
    return result.output_for_node("trial_rulebook"), []
