"""Launch a close as a Dagster run and turn its events into a result a person can read."""

from __future__ import annotations

import warnings
from contextlib import nullcontext, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

from orchestration.lib import period as periods
from orchestration.lib.period import partition_key
from orchestration.lib.workspace import Workspace


@dataclass
class CloseRun:
    period: str
    success: bool
    run_id: str
    errors: list[str] = field(default_factory=list)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)  # asset -> metadata


def run_close(
    workspace: Workspace,
    period: str,
    *,
    restate: bool = False,
    reason: str = "",
    error_budget: float | None = None,
    verbose: bool = False,
) -> CloseRun:
    """Close a period: the ``close`` job for its partition."""
    ops: dict[str, Any] = {"publication": {"config": {"restate": restate, "reason": reason}}}
    if error_budget is not None:
        ops["validated_inputs"] = {"config": {"error_budget": error_budget}}
    return run_job(workspace, "close", period, ops, verbose=verbose)


def run_standings(workspace: Workspace, period: str, *, verbose: bool = False) -> CloseRun:
    """Refresh the provisional standings of an open period: the ``provisional`` job."""
    ops = {"validated_inputs": {"config": {"error_budget": 1.0}}}  # standings show, never stop
    return run_job(workspace, "provisional", period, ops, verbose=verbose)


def run_verify(workspace: Workspace, period: str, version: int | None):
    """Recompute a published version (the ``verify`` job); returns (Verification, errors)."""
    workspace.prepare().export_env()
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def("verify")
    config = {"period": period, "version": version or 0}
    with workspace.writer_lock(), DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            run_config={
                "ops": {"verify_publication": {"config": config}},
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
            },
            raise_on_error=False,
        )
    if not result.success:
        return None, [_failure_text(event) for event in result.all_events if event.is_step_failure]
    return result.output_for_node("verify_publication"), []


def _failure_text(event) -> str:
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    return _clean(data.error.message if data.error else str(event.message))


def run_job(
    workspace: Workspace, job_name: str, period: str, ops: dict[str, Any], *, verbose: bool
) -> CloseRun:
    key = partition_key(period)
    keys = periods.monthly_partitions.get_partition_keys()
    if key not in keys:
        last = keys[-1][:7]
        return CloseRun(
            period, False, "", [f"{period} has not started yet: the latest period is {last}"]
        )
    workspace.prepare().export_env()
    warnings.filterwarnings("ignore", message=".*varying BackfillPolicies.*")
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def(job_name)
    run_config = {
        "ops": ops,
        "loggers": {"console": {"config": {"log_level": "INFO" if verbose else "CRITICAL"}}},
    }
    log_dir = workspace.state / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{job_name}-{period}.log"
    # dbt's own log goes to the run log; with --verbose it is shown as well.
    quiet = nullcontext() if verbose else redirect_stdout(log_path.open("w"))  # noqa: SIM115
    with workspace.writer_lock(), DagsterInstance.get() as instance, quiet:
        result = job.execute_in_process(
            partition_key=partition_key(period),
            instance=instance,
            run_config=run_config,
            raise_on_error=False,
            tags={"jifen/period": period, "jifen/trigger": "cli", "jifen/job": job_name},
        )
    run = CloseRun(period, result.success, result.run_id)
    for event in result.all_events:
        if event.is_step_failure:
            run.errors.append(_failure_text(event))
        elif event.is_step_materialization:
            materialization = event.step_materialization_data.materialization
            key = materialization.asset_key.to_user_string()
            run.metadata[key] = {k: v.value for k, v in materialization.metadata.items()}
    return run


def _clean(message: str) -> str:
    """An exception message without the class path noise, trimmed to what helps."""
    text = message.strip()
    for prefix in ("dagster._core.errors.", "dagster_dbt.errors.", "dagster_dbt.core."):
        text = text.replace(prefix, "")
    lines = text.splitlines()
    return "\n".join(lines[:40]) + ("\n…" if len(lines) > 40 else "")
