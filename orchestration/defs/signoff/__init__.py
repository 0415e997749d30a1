"""Sign-off and payouts as Dagster jobs (``approve``, ``reject``, ``payout``), so every decision
and batch shows in the UI beside the closes. The CLI launches them (``run.py``); from the UI,
give the op's config, e.g.::

    ops:
      approve_version:
        config: {period: 2026-07, by: li.wei, note: "checked against the CRM"}

After a decision the readers' copy is refreshed and the period's reports are rendered again
(they show its sign-off status); after a payout, the readers' copy.
"""

from pathlib import Path

from dagster import (
    Config,
    Definitions,
    Failure,
    OpExecutionContext,
    in_process_executor,
    job,
    op,
)

from orchestration.defs.resources import WorkspaceResource
from orchestration.lib.period import parse_period
from orchestration.lib.settings import SettingsError, load_settings
from orchestration.publish import serving
from orchestration.reports import render_reports
from orchestration.signoff import (
    Batch,
    Decision,
    SignoffRefused,
    acting_user,
    decide,
    pay_period,
    recover_payouts,
)
from orchestration.signoff.decisions import APPROVED, REJECTED
from orchestration.warehouse.open import connect


class DecisionConfig(Config):
    period: str  # YYYY-MM
    by: str  # the deciding user's id
    version: int = 0  # 0: the latest; else it must be the latest (the one reviewed)
    note: str = ""  # a rejection's reason (required), an approval's note


class PayoutConfig(Config):
    period: str
    out: str  # the folder the CSV and its control file are written into
    by: str = ""  # who runs the payout (default: JIFEN_USER, else the OS user)


def _record_decision(context: OpExecutionContext, ws, config: DecisionConfig, status: str):
    period = parse_period(config.period)
    try:
        approvers = load_settings(ws).approvers
        with ws.writer_lock(), connect(ws) as warehouse:
            for line in recover_payouts(ws, warehouse):
                context.log.warning(line)
            try:
                decision = decide(
                    warehouse,
                    period,
                    config.version or None,
                    status,
                    acting_user(config.by),
                    config.note,
                    approvers,
                )
            finally:  # a recovered payout shows even when the decision is refused
                serving.refresh(ws, warehouse)
    except (SignoffRefused, SettingsError) as refused:
        raise Failure(description=str(refused)) from None
    try:
        render_reports(ws.published_db, ws.reports_dir, [period])
    except Exception as error:  # noqa: BLE001 - the decision is recorded; the pages can wait
        context.log.warning(
            f"{period}: reports not rendered again ({error}); run `jifen report --period {period}`"
        )
    context.log.info(f"{period} v{decision.version}: {status} by {decision.decided_by}")
    context.add_output_metadata(
        {"period": period, "version": decision.version, "status": status, "seq": decision.seq}
    )
    return decision


@op(description="Approve the period's latest version (not by the user who closed it).")
def approve_version(
    context: OpExecutionContext, config: DecisionConfig, workspace: WorkspaceResource
) -> Decision:
    return _record_decision(context, workspace.get(), config, APPROVED)


@op(description="Reject the period's latest version, with a reason.")
def reject_version(
    context: OpExecutionContext, config: DecisionConfig, workspace: WorkspaceResource
) -> Decision:
    return _record_decision(context, workspace.get(), config, REJECTED)


@op(description="Write the payout CSV and control file of the latest approved version.")
def pay_version(
    context: OpExecutionContext, config: PayoutConfig, workspace: WorkspaceResource
) -> Batch:
    ws = workspace.get()
    period = parse_period(config.period)
    try:
        with ws.writer_lock(), connect(ws) as warehouse:
            for line in recover_payouts(ws, warehouse):
                context.log.warning(line)
            try:
                batch = pay_period(
                    ws, warehouse, period, Path(config.out), acting_user(config.by or None)
                )
            finally:  # a recovered batch shows even when this payout is refused
                serving.refresh(ws, warehouse)
    except SignoffRefused as refused:
        raise Failure(description=str(refused)) from None
    context.log.info(f"{batch.payout_batch_id}: {len(batch.lines)} rows, {batch.total_amount}")
    context.add_output_metadata(
        {
            "payout_batch_id": batch.payout_batch_id,
            "rows": len(batch.lines),
            "total_amount": str(batch.total_amount),
            "csv_file": str(batch.csv_file),
        }
    )
    return batch


@job(executor_def=in_process_executor, description="Approve a published version (sign-off).")
def approve():
    approve_version()


@job(executor_def=in_process_executor, description="Reject a published version (sign-off).")
def reject():
    reject_version()


@job(executor_def=in_process_executor, description="Pay the latest approved version once.")
def payout():
    pay_version()


defs = Definitions(jobs=[approve, reject, payout])
