"""Launch the ``trial`` job in process on the workspace's Dagster instance (as ``jifen verify``
does), so CLI trials show in ``make ui`` too."""

from __future__ import annotations

from pathlib import Path

from orchestration.lib.workspace import Workspace
from orchestration.trial.run import TrialResult, parse_periods
from orchestration.trial.score import check_candidate


def run_trial(
    workspace: Workspace, rules: Path, periods: str, out: Path | None = None
) -> tuple[TrialResult | None, list[str]]:
    """Returns (result, errors). Raises ``CandidateRejected`` (with every problem of the
    candidate), ``TrialError`` (bad periods) or ``WorkspaceBusy`` before launching a run."""
    workspace.prepare().export_env()
    rules = Path(rules).resolve()
    months = parse_periods(periods)
    check_candidate(rules, workspace)
    with workspace.writer_lock():  # fail fast when a close is running (the job locks again)
        pass
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def("trial")
    config = {
        "rules": str(rules),
        "periods": ",".join(months),
        "out": str(Path(out).resolve()) if out else "",
    }
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            run_config={
                "ops": {"trial_rulebook": {"config": config}},
                "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
            },
            raise_on_error=False,
            tags={"jifen/job": "trial", "jifen/trigger": "cli"},
        )
    if not result.success:
        return None, [_failure(event) for event in result.all_events if event.is_step_failure]
    return result.output_for_node("trial_rulebook"), []


def _failure(event) -> str:
    """The message of the error the op raised (Dagster wraps it in a step execution error)."""
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    error = data.error
    if error is None:
        return str(event.message)
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    for prefix in ("orchestration.trial.score.", "orchestration.rulebooks.problems."):
        message = message.replace(prefix, "")
    if error.cls_name and message.startswith(f"{error.cls_name}:"):
        message = message.split(":", 1)[1].strip()
    return message
