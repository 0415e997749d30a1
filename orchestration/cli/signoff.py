"""Sign-off and payouts: ``approve`` and ``reject`` a published version (maker-checker),
``payout`` the latest approved one. Each launches a Dagster job (defs/signoff)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from orchestration.cli.output import BUSY, HomeOption, console, err, fail, period_argument
from orchestration.lib.workspace import Workspace, WorkspaceBusy

ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Your user id (default: $JIFEN_USER, else your OS user)."),
]
VersionOption = Annotated[
    int | None,
    typer.Option(help="The version you reviewed (default: the latest; it must be the latest)."),
]


def approve(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: VersionOption = None,
    by: ByOption = None,
    note: Annotated[str, typer.Option(help="A note kept with the approval.")] = "",
) -> None:
    """Approve a published version for payout (not by the user who closed it)."""
    decision = _decide(home, "approve", period, version, by, note)
    closer = f" (closed by {decision.closed_by})" if decision.closed_by else ""
    console.print(
        f"{decision.period} v{decision.version}: approved by {decision.decided_by}{closer}. "
        f"Pay it: jifen payout {decision.period} --out DIR",
        highlight=False,
    )


def reject(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    reason: Annotated[str, typer.Option(help="Why it is rejected (stored, shown to all).")],
    home: HomeOption = None,
    version: VersionOption = None,
    by: ByOption = None,
) -> None:
    """Reject a published version: it cannot be paid until a later approval (or restatement)."""
    if not reason.strip():
        raise fail('a rejection needs a reason: --reason "<why>"', 2)
    decision = _decide(home, "reject", period, version, by, reason)
    console.print(
        f"{decision.period} v{decision.version}: rejected by {decision.decided_by}: "
        f"{decision.note}. It cannot be paid; a later approval stands over this rejection, or "
        f"restate the period to fix its data "
        f'(jifen close {decision.period} --restate --reason "...")',
        highlight=False,
        markup=False,
    )


def payout(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the CSV and its control file.")],
    home: HomeOption = None,
    by: ByOption = None,
) -> None:
    """Write the payroll CSV and control file of the period's latest approved version (once)."""
    from orchestration.defs.signoff.run import run_payout

    month = period_argument(period)
    try:
        with err.status(f"paying {month}…"):
            batch, errors = run_payout(Workspace.at(home), month, out, _user(by))
    except WorkspaceBusy as busy:
        raise fail(str(busy), BUSY) from None
    if batch is None:
        raise fail(escape("\n".join(errors) or "the payout failed"))
    kind = (
        f"differences from v{batch.previous_version} (top-ups +, claw-backs -)"
        if batch.previous_version is not None
        else "first payout"
    )
    console.print(
        f"{batch.payout_batch_id}: {batch.period} v{batch.version}, {kind}, approved by "
        f"{batch.approved_by}: {len(batch.lines)} rows, total {batch.total_amount:,.2f}\n"
        f"  {batch.csv_file}\n  {batch.control_file}",
        highlight=False,
        markup=False,
    )


def _decide(home, job_name: str, period: str, version: int | None, by: str | None, note: str):
    from orchestration.defs.signoff.run import run_decision

    config = {"period": period_argument(period), "by": _user(by), "version": version or 0}
    config["note"] = note
    try:
        with err.status(f"recording the decision on {config['period']}…"):
            decision, errors = run_decision(Workspace.at(home), job_name, config)
    except WorkspaceBusy as busy:
        raise fail(str(busy), BUSY) from None
    if decision is None:
        raise fail(escape("\n".join(errors) or f"the {job_name} run failed"))
    return decision


def _user(by: str | None) -> str:
    from orchestration.signoff import SignoffRefused, acting_user

    try:
        return acting_user(by)
    except SignoffRefused as refused:
        raise fail(escape(str(refused)), 2) from None
