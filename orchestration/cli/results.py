"""Published results: ``status``, ``leaderboard``, ``explain`` and the ``quarantine`` of the last
validation. They read the readers' database (or the warehouse) and never start Dagster."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from orchestration.cli.output import HomeOption, console, fail, period_argument, points_text
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse
from orchestration.warehouse.published import NothingPublished, open_published, resolve_version

Row = dict  # a published row by column name (orchestration.reports.data, imported lazily)


def status(home: HomeOption = None) -> None:
    """Publications per period: version, when, rule book, fingerprint, reason; per period the
    latest version's sign-off, its payout batches and the open disputes."""
    workspace = Workspace.at(home)
    try:
        with open_published(workspace) as published:
            rows = published.rows(
                "select period, version, published_at, rulebook_version, input_fingerprint, "
                "reason, rows_read, rows_quarantined from publications order by period, version"
            )
            signoff = signoff_lines(published)
    except NothingPublished as missing:
        raise fail(str(missing)) from None
    table = Table(title=f"publications in {workspace.home}")
    for column in (
        "period",
        "version",
        "published (UTC)",
        "rule book",
        "fingerprint",
        "reason",
        "rows read",
        "quarantined",
    ):
        table.add_column(column)
    for period, version, at, book, fingerprint, reason, read, quarantined in rows:
        table.add_row(
            period,
            str(version),
            f"{at:%Y-%m-%d %H:%M:%S}",
            book,
            fingerprint[:12],
            reason,
            f"{read:,}",
            f"{quarantined:,}",
        )
    console.print(table)
    print_signoff(signoff)
    from orchestration.ingest.unread import unread_files

    print_unread([(unread.path, unread.reason) for unread in unread_files(workspace)])


def signoff_lines(published: Warehouse) -> list[tuple[str, int, Row, list[Row], int | None]]:
    """Per period: its latest version, the decision standing on it, the period's payout batches
    and the disputes open at the version (None: not recorded in this readers' copy)."""
    from orchestration.reports import data
    from orchestration.reports.signoff import standing

    found = []
    for period, version in data.latest_versions(published).items():
        disputes = data.disputes(published, period, version)
        found.append(
            (
                period,
                version,
                standing(data.decisions(published, period), version),
                data.payout_batches(published, period),
                None if disputes is None else sum(d["status"] == "open" for d in disputes),
            )
        )
    return found


def print_signoff(lines: list[tuple[str, int, Row, list[Row], int | None]]) -> None:
    table = Table(title="sign-off of the latest versions")
    for column in ("period", "version", "sign-off", "by", "when (UTC)", "payout batches"):
        table.add_column(column)
    table.add_column("open disputes", justify="right")
    for period, version, decision, batches, open_disputes in lines:
        table.add_row(
            period,
            str(version),
            *_decision_cells(decision),
            escape("\n".join(_batch_text(batch) for batch in batches)) or "none",
            "not recorded" if open_disputes is None else str(open_disputes),
        )
    console.print(table)


def _decision_cells(decision: Row) -> tuple[str, str, str]:
    """Status, who (the decider, or the closer while pending) and when."""
    who = decision["decided_by"] or f"closed by {decision['closed_by'] or '-'}"
    at = decision.get("decided_at")
    return decision["status"], escape(who), f"{at:%Y-%m-%d %H:%M:%S}" if at else ""


def _batch_text(batch: Row) -> str:
    differences = batch["previous_version"]
    return (
        f"{batch['payout_batch_id']} v{batch['version']}"
        + (f" (differences from v{differences})" if differences is not None else "")
        + f": {batch['row_count']:,} rows, {batch['total_amount']:,.2f} {batch['currency']}"
    )


def print_unread(files: list[tuple[str, str]]) -> None:
    """Files under landing/ that no source reads, with the reason (nothing when there are none)."""
    if not files:
        return
    table = Table(title=f"not read: {len(files)} file(s) under landing/ that no source reads")
    for column in ("file", "reason"):
        table.add_column(column)
    for path, reason in files:
        table.add_row(escape(f"landing/{path}"), escape(reason))
    console.print(table)


def leaderboard(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
) -> None:
    """The published leaderboard of a period."""
    try:
        print_leaderboard(Workspace.at(home), period_argument(period), version, limit)
    except NothingPublished as missing:
        raise fail(str(missing)) from None


def print_leaderboard(workspace: Workspace, period: str, version: int | None, limit: int) -> None:
    with open_published(workspace) as published:
        version = resolve_version(published, period, version)
        rows = published.rows(
            "select company_rank, rep_id, rep_name, team_id, team_rank, total_points, tier "
            "from rep_period_points where period = ? and version = ? "
            "order by company_rank, rep_id limit ?",
            [period, version, limit],
        )
    table = Table(title=f"leaderboard {period} v{version}")
    add_ranking_columns(table)
    for row in rows:
        add_ranking_row(table, *row)
    console.print(table)


def add_ranking_columns(table: Table) -> None:
    """The columns of a leaderboard, final or provisional."""
    for column in ("rank", "rep", "name", "team", "team rank", "points", "tier"):
        table.add_column(column, justify="right" if column in ("rank", "points") else "left")


def add_ranking_row(table: Table, rank, rep, name, team, team_rank, total, tier) -> None:
    table.add_row(str(rank), rep, name or "", team, str(team_rank), points_text(total), tier or "")


def explain(
    period: Annotated[str, typer.Option("--period", help="Period, YYYY-MM.")],
    rep: Annotated[str | None, typer.Option("--rep", help="Rep id.")] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Loyalty member's customer id.")
    ] = None,
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Every ledger line of a rep (--rep) or loyalty member (--customer) in a period, and the
    total they sum to (a member's: with its lots and their expiry days)."""
    if (rep is None) == (customer is None):
        raise fail("give one of --rep REP or --customer CUSTOMER", code=2)
    period = period_argument(period)
    try:
        with open_published(Workspace.at(home)) as published:
            version = resolve_version(published, period, version)
            if customer is not None:
                from orchestration.cli.member import explain_member

                explain_member(published, customer, period, version)
                return
            lines = published.rows(
                "select line_id, rule_id, rulebook_version, source, source_id, points, explanation,"
                " source_file, source_row_number from points_ledger "
                "where period = ? and version = ? and rep_id = ? order by rule_id, line_id",
                [period, version, rep],
            )
            results = published.row(
                "select total_points, tier, company_rank, team_rank, team_id "
                "from rep_period_points where period = ? and version = ? and rep_id = ?",
                [period, version, rep],
            )
    except NothingPublished as missing:
        raise fail(str(missing)) from None
    if results is None:
        raise fail(f"rep {rep} has no results in {period} v{version}")
    _print_lines(rep, period, version, lines)
    total = sum((line[5] for line in lines), Decimal("0.00"))
    total_points, tier, company_rank, team_rank, team = results
    check = "=" if total == total_points else "≠ (MISMATCH)"
    console.print(
        f"{len(lines)} lines sum to {points_text(total)} {check} published total "
        f"{points_text(total_points)}; tier {tier or '(none)'}; rank {company_rank} in company, "
        f"{team_rank} in team {team}"
    )
    if total != total_points:
        raise typer.Exit(1)


def _print_lines(rep: str, period: str, version: int, lines: list[tuple]) -> None:
    books = ", ".join(sorted({line[2] for line in lines}))
    table = Table(title=f"{rep} in {period} v{version} (rule book {books or '-'})")
    for column in ("rule", "points", "explanation", "landed as"):
        table.add_column(column, justify="right" if column == "points" else "left")
    for _line_id, rule, _book, _source, _source_id, points, text, file, row in lines:
        table.add_row(rule, points_text(points), text, f"{file} row {row}" if file else "derived")
    console.print(table)


def quarantine(
    home: HomeOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
) -> None:
    """Quarantined rows with file, row, reason and what was wrong (from the last validation)."""
    from orchestration.warehouse.open import connect

    workspace = Workspace.at(home)
    if not workspace.warehouse.exists():
        raise fail(f"no close has run in {workspace.home} yet")
    with connect(workspace, read_only=True) as warehouse:
        summary = warehouse.rows(
            "select source, reason, count(*) from quarantine where ? is null or source = ? "
            "group by all order by all",
            [source, source],
        )
        rows = warehouse.rows(
            "select source, source_file, row_number, reason, detail from quarantine "
            "where ? is null or source = ? order by source, source_file, row_number limit ?",
            [source, source, limit],
        )
    console.print(", ".join(f"{s}/{r}: {n}" for s, r, n in summary) or "no quarantined rows")
    table = Table(title="quarantined rows")
    for column in ("source", "file", "row", "reason", "detail"):
        table.add_column(column)
    for src, file, row, reason, detail in rows:
        table.add_row(src, file, str(row), reason, detail or "")
    console.print(table)
