"""Runs of the close's road: ``close`` publishes a version of a period, ``standings`` refreshes
an open period's provisional leaderboard. Both launch a Dagster job in this process."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from orchestration.cli.output import (
    BUSY,
    EngineOption,
    HomeOption,
    choose_engine,
    console,
    err,
    fail,
    period_argument,
)
from orchestration.cli.results import (
    add_ranking_columns,
    add_ranking_row,
    print_leaderboard,
    print_unread,
)
from orchestration.lib.workspace import Workspace, WorkspaceBusy
from orchestration.warehouse.published import NothingPublished, open_published


def close(
    period: Annotated[str, typer.Argument(help="Period to close, YYYY-MM.")],
    home: HomeOption = None,
    engine: EngineOption = None,
    restate: Annotated[
        bool, typer.Option(help="Publish a new version of a closed period.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why a restatement is needed (stored).")] = "",
    error_budget: Annotated[
        float | None, typer.Option(help="Max quarantined share per source and period (0.05).")
    ] = None,
    verbose: Annotated[bool, typer.Option(help="Show the Dagster run's log.")] = False,
    strict: Annotated[
        bool,
        typer.Option(
            help="Stop when a file under landing/ is not read by any source (as the workspace "
            "setting strict_landing = true in settings.toml)."
        ),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Your user id, recorded as the version's closer (who may not approve it). "
            "Default: $JIFEN_USER, else your OS user.",
        ),
    ] = None,
) -> None:
    """Close a period through Dagster: validate, compute, gate and publish a new version."""
    from orchestration.signoff import SignoffRefused, acting_user

    if restate and not reason.strip():
        raise fail('a restatement needs a reason: --reason "<why>"', 2)
    workspace = Workspace.at(home)
    choose_engine(workspace, engine)
    try:
        closed_by = acting_user(by)
    except SignoffRefused as refused:
        raise fail(escape(str(refused)), 2) from None
    close_period(
        workspace,
        period_argument(period),
        restate=restate,
        reason=reason,
        error_budget=error_budget,
        verbose=verbose,
        strict=strict,
        closed_by=closed_by,
    )


def close_period(
    workspace: Workspace,
    period: str,
    *,
    restate: bool = False,
    reason: str = "",
    error_budget: float | None = None,
    verbose: bool = False,
    strict: bool = False,
    closed_by: str = "",
) -> dict:
    """Close one period and print its summary; an unchanged re-close answers without Dagster."""
    from orchestration.publish import unchanged

    started = time.monotonic()
    not_read = _unread_or_stop(workspace, period, strict)
    if not restate:
        standing = unchanged.unchanged_version(workspace, period)
        if standing is not None:
            console.print(
                f"[bold]{period}: unchanged (version {standing} stands)[/]: nothing landed or "
                f"changed since its close ({time.monotonic() - started:.1f} s)"
            )
            print_unread([(unread.path, unread.reason) for unread in not_read])
            return {"publication": {"version": standing, "published": False}}
    from orchestration.cli.progress import RunDisplay
    from orchestration.defs.launch import run_close

    display = RunDisplay(err, f"closing {period}")
    try:
        with display.showing() as progress:
            run = run_close(
                workspace,
                period,
                restate=restate,
                reason=reason,
                error_budget=error_budget,
                verbose=verbose,
                progress=progress,
                closed_by=closed_by,
            )
    except WorkspaceBusy as busy:
        raise fail(str(busy), BUSY) from None
    display.print_times()
    if not run.success:
        message = "\n".join(run.errors) or "the run failed (see `dagster dev` for its logs)"
        raise fail(f"close of {period} stopped; nothing was published.\n{message}")
    _print_close_summary(workspace, period, run.metadata, time.monotonic() - started)
    unchanged.remember(workspace, period, int(run.metadata["publication"]["version"]))
    return run.metadata


def _unread_or_stop(workspace: Workspace, period: str, strict: bool) -> list:
    """The landing files no source reads; under --strict (or the workspace setting) any of them
    stops the close here, before anything runs."""
    from orchestration.ingest.unread import stop_message, unread_files
    from orchestration.lib.settings import SettingsError, load_settings

    found = unread_files(workspace)
    try:
        strict = strict or load_settings(workspace).strict_landing
    except SettingsError as error:
        raise fail(escape(str(error))) from None
    if found and strict:
        stopped = f"close of {period} stopped; nothing was published.\n{stop_message(found)}"
        raise fail(escape(stopped))
    return found


def _print_close_summary(workspace: Workspace, period: str, metadata: dict, seconds: float) -> None:
    _print_inputs(workspace, period, metadata)
    not_read = metadata.get("unread_landing_files", {}).get("not_read") or []
    print_unread([(unread["file"], unread["reason"]) for unread in not_read])
    outcome = metadata.get("publication", {})
    version = int(outcome.get("version", 0))
    with open_published(workspace) as published:
        reps = published.value(
            "select count(*) from rep_period_points where period = ? and version = ?",
            [period, version],
        )
        tiers = published.rows(
            "select coalesce(tier, '(none)'), count(*) from rep_period_points "
            "where period = ? and version = ? group by 1 order by 1",
            [period, version],
        )
    console.print(f"reps: {reps}; tiers: " + ", ".join(f"{t} {n}" for t, n in tiers))
    print_leaderboard(workspace, period, version, limit=5)
    console.print(f"[bold]{period}: {outcome.get('outcome', '?')}[/] in {seconds:.1f} s")


def _print_inputs(workspace: Workspace, period: str, metadata: dict) -> None:
    """Rows read, loaded, deduplicated and quarantined per source in the period."""
    from orchestration.validate.budget import listed_counts, period_counts
    from orchestration.warehouse.open import connect

    with connect(workspace) as warehouse:
        counts = listed_counts(period_counts(warehouse, period))
    table = Table(title=f"inputs for {period} (facts dated in the period; all reference rows)")
    for column in ("source", "new files", "read", "loaded", "deduplicated", "quarantined"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for c in counts:
        new_files = metadata.get(f"raw_{c.source}", {}).get("files_loaded", 0)
        table.add_row(
            c.source,
            str(new_files),
            f"{c.read:,}",
            f"{c.loaded:,}",
            f"{c.deduplicated:,}",
            f"{c.quarantined:,}",
        )
    console.print(table)


def standings(
    home: HomeOption = None,
    period: Annotated[
        str | None, typer.Option(help="Open period, YYYY-MM (default: the current month).")
    ] = None,
    refresh: Annotated[bool, typer.Option(help="Recompute before showing.")] = True,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    engine: EngineOption = None,
) -> None:
    """Provisional leaderboard of an open period (refreshed through Dagster; never a version)."""
    from datetime import date

    workspace = Workspace.at(home)
    if refresh:  # a workspace's first command records its engine, whichever command it is
        choose_engine(workspace, engine)
    period = period_argument(period) if period else date.today().strftime("%Y-%m")
    if refresh:
        _refresh_standings(workspace, period)
    try:
        with open_published(workspace) as published:
            rows = published.rows(
                "select as_of, company_rank, rep_id, rep_name, team_id, team_rank, total_points, "
                "tier from provisional_rep_points where period = ? order by company_rank, rep_id "
                "limit ?",
                [period, limit],
            )
    except NothingPublished as missing:
        raise fail(str(missing)) from None
    if not rows:
        raise fail(
            f"no provisional standings for {period}: run `jifen standings --period {period}`"
        )
    table = Table(title=f"PROVISIONAL standings {period} as of {rows[0][0]:%Y-%m-%d %H:%M} UTC")
    add_ranking_columns(table)
    for _as_of, *ranking in rows:
        add_ranking_row(table, *ranking)
    console.print(table)
    console.print("provisional: not final until the period is closed; never published as a version")


def _refresh_standings(workspace: Workspace, period: str) -> None:
    from orchestration.defs.launch import run_standings

    try:
        with err.status(f"refreshing provisional standings of {period}…"):
            run = run_standings(workspace, period)
    except WorkspaceBusy as busy:
        raise fail(str(busy), BUSY) from None
    if not run.success:
        raise fail("\n".join(run.errors) or "the standings refresh failed")
