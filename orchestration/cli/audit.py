"""Checking what was published: ``verify`` recomputes a version, ``trace`` walks a ledger line
back to the landed values, ``audit-pack`` writes the evidence, ``verify-chain`` the hash chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orchestration.cli.output import BUSY, HomeOption, console, err, fail, period_argument
from orchestration.lib.workspace import Workspace, WorkspaceBusy
from orchestration.warehouse.published import NothingPublished


def verify(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Recompute a published version from its recorded inputs and rule book; report differences."""
    from orchestration.defs.launch import run_verify

    workspace = Workspace.at(home)
    try:
        with err.status(f"recomputing {period}…"):
            outcome, errors = run_verify(workspace, period_argument(period), version)
    except WorkspaceBusy as busy:
        raise fail(str(busy), BUSY) from None
    if outcome is None:
        raise fail("\n".join(errors) or "verification failed to run")
    if outcome.identical:
        console.print(
            f"{outcome.period} v{outcome.version}: identical — every published row "
            "was reproduced from the recorded inputs"
            + ("" if outcome.version == 1 else " (loyalty tables: see below)")
        )
    else:
        console.print(f"[bold red]{outcome.period} v{outcome.version}: differences[/]")
        for line in outcome.differences:
            console.print(f"  - {line}", markup=False, highlight=False)
    for note in getattr(outcome, "notes", []):
        console.print(f"  note: {note}", markup=False, highlight=False)
    if not outcome.identical:
        raise typer.Exit(1)


def trace(
    line: Annotated[
        str,
        typer.Option(
            "--line", help="Ledger line id, e.g. SALES:X0001234 or PURCHASE:S1@PURCHASE:S1."
        ),
    ],
    period: Annotated[str, typer.Option("--period", help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="A loyalty line's customer (names it among several)."),
    ] = None,
) -> None:
    """Walk one ledger line (sales points or loyalty) back to the raw values as landed (derived
    lines to their inputs, an expiry or forfeit to the lot it empties)."""
    from orchestration.audit import AuditError, trace_line
    from orchestration.audit.loyalty_trace import is_loyalty_line, trace_loyalty_line

    workspace, month = Workspace.at(home), period_argument(period)
    try:
        if customer is not None or is_loyalty_line(workspace, line, month, version):
            result = trace_loyalty_line(workspace, line, month, version, customer)
        else:
            result = trace_line(workspace, line, month, version)
    except (AuditError, NothingPublished, WorkspaceBusy) as problem:
        raise fail(str(problem)) from None
    console.print(f"{result['period']} v{result['version']}")
    _print_trace(result)
    if not result["ok"]:
        raise typer.Exit(1)


def _print_trace(trace: dict) -> None:
    """The recorded derivation, the landed row and the inputs (orchestration/audit/render.py)."""
    from orchestration.audit.loyalty_render import loyalty_trace_text
    from orchestration.audit.render import trace_text

    texts = loyalty_trace_text(trace) if trace.get("program") == "loyalty" else trace_text(trace)
    for text in texts:
        problem = text.lstrip().startswith("problem:")
        console.print(text, style="red" if problem else None, markup=False, highlight=False)


def audit_pack(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the pack into.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Write a self-contained audit pack (folder and zip) for a published version."""
    from orchestration.audit import AuditError, write_audit_pack

    try:
        archive = write_audit_pack(Workspace.at(home), period_argument(period), version, out)
    except (AuditError, NothingPublished, WorkspaceBusy) as problem:
        raise fail(str(problem)) from None
    console.print(f"audit pack: {archive.with_suffix('')}/ and {archive}")


def verify_chain(home: HomeOption = None) -> None:
    """Recompute every publication's content hash and the hash chain, in every copy."""
    from orchestration.audit import AuditError
    from orchestration.audit import verify_chain as check_chain

    try:
        problems = check_chain(Workspace.at(home))
    except (AuditError, NothingPublished, WorkspaceBusy) as problem:
        raise fail(str(problem)) from None
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/] {problem}", highlight=False)
        raise typer.Exit(1)
    console.print(
        "hash chain intact: every publication's rows and record, every approval and payout "
        "batch check out"
    )
