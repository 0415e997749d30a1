"""What every ``jifen`` command shares: the consoles, the ``--home`` option, argument checks and
the one way an error ends a command."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from orchestration.lib.period import parse_period

console = Console()
err = Console(stderr=True)  # errors and spinners: stdout carries only results

EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="duckdb (default) or spark: chosen when the workspace is first used and recorded "
        "there; later commands use the recorded engine (default: $JIFEN_ENGINE).",
    ),
]
HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Workspace folder (default: $JIFEN_HOME, else ./workspace)."),
]
BUSY = 75  # exit code when another close holds the workspace (EX_TEMPFAIL: try again)


def period_argument(text: str) -> str:
    """A period given on the command line, ``YYYY-MM``; a bad one is a usage error."""
    try:
        return parse_period(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error on stderr; the caller raises the returned ``Exit``."""
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def points_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def choose_engine(workspace, engine: str | None) -> str:
    """The workspace's engine, recorded on first use; a conflicting request stops the command."""
    from orchestration.lib.engine import EngineConflict, workspace_engine

    try:
        return workspace_engine(workspace, engine)
    except EngineConflict as conflict:
        raise fail(escape(str(conflict)), 2) from None
