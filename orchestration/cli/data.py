"""Sample data: ``generate`` writes synthetic landing files, ``demo`` generates and closes every
month. The generator is loaded by these two commands only."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestration.cli.close import close_period
from orchestration.cli.output import EngineOption, HomeOption, choose_engine, console, err
from orchestration.cli.results import print_leaderboard
from orchestration.lib.period import parse_months
from orchestration.lib.workspace import Workspace


def months_argument(text: str) -> list[str]:
    """Months given on the command line; a bad list is a usage error."""
    try:
        return parse_months(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def generate(
    home: HomeOption = None,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 7,
    months: Annotated[str, typer.Option(help="Months to generate, e.g. 2026-07..2026-10.")] = (
        "2026-07..2026-10"
    ),
    reps: Annotated[int, typer.Option(help="Number of sales reps.")] = 40,
    sales_per_rep_month: Annotated[int, typer.Option(help="Sales rows per rep and month.")] = 20,
    dirty_rate: Annotated[float, typer.Option(help="Share of rows with a problem.")] = 0.01,
    loyalty: Annotated[
        bool, typer.Option(help="Also the loyalty program's members/ and redemptions/.")
    ] = True,
) -> None:
    """Write realistic synthetic landing files (CSV and Parquet) into the workspace."""
    from orchestration.generate import generate as write

    month_list = months_argument(months)
    workspace = Workspace.at(home).prepare().create_landing()
    with err.status("generating landing files…") as status:
        counts = write(
            workspace.home,
            seed=seed,
            months=month_list,
            reps=reps,
            sales_per_rep_month=sales_per_rep_month,
            dirty_rate=dirty_rate,
            loyalty=loyalty,
            progress=lambda message: status.update(message),
        )
    summary = ", ".join(f"{key} {value:,}" for key, value in counts.items())
    console.print(f"generated into {workspace.landing}: {summary}")


def demo(
    home: HomeOption = None,
    seed: Annotated[int, typer.Option(help="Random seed of the sample data.")] = 7,
    months: Annotated[str, typer.Option(help="Months to generate and close.")] = "2026-07..2026-10",
    engine: EngineOption = None,
) -> None:
    """Generate sample data, close every month in order, show the latest leaderboard."""
    workspace = Workspace.at(home).prepare()
    choose_engine(workspace, engine)
    month_list = parse_months(months)
    if any(workspace.landing.glob("*/*")):
        console.print(f"landing files already in {workspace.landing}; using them")
    else:
        generate(home=workspace.home, seed=seed, months=months)
    for period in month_list:
        close_period(workspace, period)
    console.rule("demo done")
    print_leaderboard(workspace, month_list[-1], None, limit=10)
    console.print(
        f"published DuckDB: {workspace.published_db}\n"
        f"published Delta tables: {workspace.published_dir}/\n"
        f"reports: {workspace.reports_dir}/index.html\n"
        f"try: jifen explain --home {workspace.home} --rep <rep> --period {month_list[-1]}\n"
        f"     jifen status --home {workspace.home}"
    )
