"""``jifen report``: render the HTML reports again from the readers' database."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestration.cli.output import HomeOption, console, fail, period_argument
from orchestration.lib.workspace import Workspace


def report(
    home: HomeOption = None,
    period: Annotated[
        list[str] | None, typer.Option("--period", help="Periods (default: every one).")
    ] = None,
    statements: Annotated[
        bool | None,
        typer.Option(
            "--statements/--no-statements",
            help="Per-rep statements (default: when a period has at most 5,000 reps).",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            help="Language of the pages: zh or en (default: $JIFEN_LANG, else the rule book's "
            "language, else en)."
        ),
    ] = None,
) -> None:
    """Write the HTML reports (close reports, statements, quarterly summaries) again."""
    from orchestration.reports import render_reports

    workspace = Workspace.at(home)
    try:
        written = render_reports(
            workspace.published_db,
            workspace.reports_dir,
            [period_argument(p) for p in period or []] or None,
            statements=statements,
            lang=lang,
        )
    except (FileNotFoundError, ValueError) as problem:
        raise fail(str(problem)) from None
    console.print(f"{len(written)} files in {workspace.reports_dir}/ (open index.html)")
