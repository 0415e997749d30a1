"""Launch the sign-off jobs from the CLI (through ``defs/launch.execute_job``: under the writer
lock, on the workspace's Dagster instance, so the runs show in the UI)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.defs.launch import execute_job, failure_texts
from orchestration.lib.workspace import Workspace

if TYPE_CHECKING:
    from orchestration.signoff import Batch, Decision

OPS = {"approve": "approve_version", "reject": "reject_version", "payout": "pay_version"}


def run_decision(
    workspace: Workspace, job_name: str, config: dict[str, Any]
) -> tuple[Decision | None, list[str]]:
    """``approve`` or ``reject`` with the op's config; returns (Decision, errors)."""
    return _run(workspace, job_name, config)


def run_payout(
    workspace: Workspace, period: str, out: Path, by: str
) -> tuple[Batch | None, list[str]]:
    config = {"period": period, "out": str(Path(out).resolve()), "by": by}
    return _run(workspace, "payout", config)


def _run(workspace: Workspace, job_name: str, config: dict[str, Any]):
    op_name = OPS[job_name]
    result = execute_job(workspace, job_name, {op_name: {"config": config}})
    if not result.success:
        return None, failure_texts(result)
    return result.output_for_node(op_name), []
