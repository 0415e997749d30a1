"""The ``jifen`` command line. Every command that changes data launches a Dagster run."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orchestration.cli.rules import rules_app
from orchestration.lib.period import parse_period
from orchestration.lib.workspace import Workspace, WorkspaceBusy
from orchestration.warehouse.published import NothingPublished, open_published, resolve_version

app = typer.Typer(
    help="jifen (积分): points-based sales incentives, validated, explained and versioned.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(rules_app, name="rules")
console = Console()
err = Console(stderr=True)  # errors and spinners: stdout carries only results

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Workspace folder (default: $JIFEN_HOME, else ./workspace)."),
]


def _workspace(home: Path | None) -> Workspace:
    return Workspace.at(home)


def _period(text: str) -> str:
    try:
        return parse_period(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _points(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


@app.command()
def generate(
    home: HomeOption = None,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 7,
    months: Annotated[str, typer.Option(help="Months to generate, e.g. 2026-07..2026-10.")] = (
        "2026-07..2026-10"
    ),
    reps: Annotated[int, typer.Option(help="Number of sales reps.")] = 40,
    sales_per_rep_month: Annotated[int, typer.Option(help="Sales rows per rep and month.")] = 20,
    dirty_rate: Annotated[float, typer.Option(help="Share of rows with a problem.")] = 0.01,
) -> None:
    """Write realistic synthetic landing files (CSV and Parquet) into the workspace."""
    from orchestration.generate.synthetic import generate as write
    from orchestration.generate.synthetic import parse_months

    try:
        month_list = parse_months(months)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    workspace = _workspace(home).prepare().create_landing()
    with err.status("generating landing files…") as status:
        counts = write(
            workspace.home,
            seed=seed,
            months=month_list,
            reps=reps,
            sales_per_rep_month=sales_per_rep_month,
            dirty_rate=dirty_rate,
            progress=lambda message: status.update(message),
        )
    summary = ", ".join(f"{key} {value:,}" for key, value in counts.items())
    console.print(f"generated into {workspace.landing}: {summary}")


def _close(
    workspace: Workspace,
    period: str,
    *,
    restate: bool,
    reason: str,
    error_budget: float | None,
    verbose: bool,
) -> dict:
    from orchestration.defs.launch import run_close
    from orchestration.publish import unchanged as fastpath

    started = time.monotonic()
    if not restate:
        standing = fastpath.unchanged_version(workspace, period)
        if standing is not None:
            console.print(
                f"[bold]{period}: unchanged (version {standing} stands)[/]: nothing landed or "
                f"changed since its close ({time.monotonic() - started:.1f} s)"
            )
            return {"publication": {"version": standing, "published": False}}
    try:
        with err.status(f"closing {period} (ingest, validate, dbt, gate, publish)…"):
            run = run_close(
                workspace,
                period,
                restate=restate,
                reason=reason,
                error_budget=error_budget,
                verbose=verbose,
            )
    except WorkspaceBusy as busy:
        raise _fail(str(busy), 75) from None
    if not run.success:
        message = "\n".join(run.errors) or "the run failed (see `dagster dev` for its logs)"
        raise _fail(f"close of {period} stopped; nothing was published.\n{message}")
    _print_close_summary(workspace, period, run.metadata, time.monotonic() - started)
    fastpath.remember(workspace, period, int(run.metadata["publication"]["version"]))
    return run.metadata


def _print_close_summary(workspace: Workspace, period: str, metadata: dict, seconds: float) -> None:
    from orchestration.validate.budget import period_counts
    from orchestration.warehouse.duckdb import connect

    with connect(workspace) as con:
        counts = period_counts(con, period)
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
    outcome = metadata.get("publication", {})
    version = int(outcome.get("version", 0))
    with open_published(workspace) as con:
        reps = con.execute(
            "select count(*) from rep_period_points where period = ? and version = ?",
            [period, version],
        ).fetchone()[0]
        tiers = con.execute(
            "select coalesce(tier, '(none)'), count(*) from rep_period_points "
            "where period = ? and version = ? group by 1 order by 1",
            [period, version],
        ).fetchall()
    console.print(f"reps: {reps}; tiers: " + ", ".join(f"{t} {n}" for t, n in tiers))
    _print_leaderboard(workspace, period, version, limit=5)
    console.print(f"[bold]{period}: {outcome.get('outcome', '?')}[/] in {seconds:.1f} s")


def _print_leaderboard(workspace: Workspace, period: str, version: int | None, limit: int) -> None:
    with open_published(workspace) as con:
        version = resolve_version(con, period, version)
        rows = con.execute(
            "select company_rank, rep_id, rep_name, team_id, team_rank, total_points, tier "
            "from rep_period_points where period = ? and version = ? "
            "order by company_rank, rep_id limit ?",
            [period, version, limit],
        ).fetchall()
    table = Table(title=f"leaderboard {period} v{version}")
    for column in ("rank", "rep", "name", "team", "team rank", "points", "tier"):
        table.add_column(column, justify="right" if column in ("rank", "points") else "left")
    for rank, rep, name, team, team_rank, total, tier in rows:
        table.add_row(str(rank), rep, name or "", team, str(team_rank), _points(total), tier or "")
    console.print(table)


@app.command()
def close(
    period: Annotated[str, typer.Argument(help="Period to close, YYYY-MM.")],
    home: HomeOption = None,
    restate: Annotated[
        bool, typer.Option(help="Publish a new version of a closed period.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why a restatement is needed (stored).")] = "",
    error_budget: Annotated[
        float | None, typer.Option(help="Max quarantined share per source and period (0.05).")
    ] = None,
    verbose: Annotated[bool, typer.Option(help="Show the Dagster run's log.")] = False,
) -> None:
    """Close a period through Dagster: validate, compute, gate and publish a new version."""
    if restate and not reason.strip():
        raise _fail('a restatement needs a reason: --reason "<why>"', 2)
    _close(
        _workspace(home),
        _period(period),
        restate=restate,
        reason=reason,
        error_budget=error_budget,
        verbose=verbose,
    )


@app.command()
def explain(
    rep: Annotated[str, typer.Option("--rep", help="Rep id.")],
    period: Annotated[str, typer.Option("--period", help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Every ledger line of a rep and period, and the total they sum to."""
    period = _period(period)
    workspace = _workspace(home)
    try:
        with open_published(workspace) as con:
            version = resolve_version(con, period, version)
            lines = con.execute(
                "select line_id, rule_id, rulebook_version, source, source_id, points, explanation,"
                " source_file, source_row_number from points_ledger "
                "where period = ? and version = ? and rep_id = ? order by rule_id, line_id",
                [period, version, rep],
            ).fetchall()
            published = con.execute(
                "select total_points, tier, company_rank, team_rank, team_id "
                "from rep_period_points where period = ? and version = ? and rep_id = ?",
                [period, version, rep],
            ).fetchone()
    except NothingPublished as missing:
        raise _fail(str(missing)) from None
    if published is None:
        raise _fail(f"rep {rep} has no results in {period} v{version}")
    books = ", ".join(sorted({line[2] for line in lines}))
    table = Table(title=f"{rep} in {period} v{version} (rule book {books or '-'})")
    for column in ("rule", "points", "explanation", "landed as"):
        table.add_column(column, justify="right" if column == "points" else "left")
    for _line_id, rule, _book, _source, _source_id, points, text, file, row in lines:
        table.add_row(rule, _points(points), text, f"{file} row {row}" if file else "derived")
    console.print(table)
    total = sum((line[5] for line in lines), Decimal("0.00"))
    total_points, tier, company_rank, team_rank, team = published
    check = "=" if total == total_points else "≠ (MISMATCH)"
    console.print(
        f"{len(lines)} lines sum to {_points(total)} {check} published total "
        f"{_points(total_points)}; tier {tier or '(none)'}; rank {company_rank} in company, "
        f"{team_rank} in team {team}"
    )
    if total != total_points:
        raise typer.Exit(1)


@app.command()
def status(home: HomeOption = None) -> None:
    """Publications per period: version, when, rule book, fingerprint, reason."""
    workspace = _workspace(home)
    try:
        with open_published(workspace) as con:
            rows = con.execute(
                "select period, version, published_at, rulebook_version, input_fingerprint, "
                "reason, rows_read, rows_quarantined from publications order by period, version"
            ).fetchall()
    except NothingPublished as missing:
        raise _fail(str(missing)) from None
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


@app.command()
def leaderboard(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
) -> None:
    """The published leaderboard of a period."""
    try:
        _print_leaderboard(_workspace(home), _period(period), version, limit)
    except NothingPublished as missing:
        raise _fail(str(missing)) from None


@app.command()
def quarantine(
    home: HomeOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 50,
) -> None:
    """Quarantined rows with file, row, reason and what was wrong (from the last validation)."""
    from orchestration.warehouse.duckdb import connect

    workspace = _workspace(home)
    if not workspace.warehouse.exists():
        raise _fail(f"no close has run in {workspace.home} yet")
    with connect(workspace, read_only=True) as con:
        summary = con.execute(
            "select source, reason, count(*) from quarantine where ? is null or source = ? "
            "group by all order by all",
            [source, source],
        ).fetchall()
        rows = con.execute(
            "select source, source_file, row_number, reason, detail from quarantine "
            "where ? is null or source = ? order by source, source_file, row_number limit ?",
            [source, source, limit],
        ).fetchall()
    console.print(", ".join(f"{s}/{r}: {n}" for s, r, n in summary) or "no quarantined rows")
    table = Table(title="quarantined rows")
    for column in ("source", "file", "row", "reason", "detail"):
        table.add_column(column)
    for src, file, row, reason, detail in rows:
        table.add_row(src, file, str(row), reason, detail or "")
    console.print(table)


@app.command()
def standings(
    home: HomeOption = None,
    period: Annotated[
        str | None, typer.Option(help="Open period, YYYY-MM (default: the current month).")
    ] = None,
    refresh: Annotated[bool, typer.Option(help="Recompute before showing.")] = True,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
) -> None:
    """Provisional leaderboard of an open period (refreshed through Dagster; never a version)."""
    from datetime import date

    from orchestration.defs.launch import run_standings

    workspace = _workspace(home)
    period = _period(period) if period else date.today().strftime("%Y-%m")
    if refresh:
        try:
            with err.status(f"refreshing provisional standings of {period}…"):
                run = run_standings(workspace, period)
        except WorkspaceBusy as busy:
            raise _fail(str(busy), 75) from None
        if not run.success:
            raise _fail("\n".join(run.errors) or "the standings refresh failed")
    try:
        with open_published(workspace) as con:
            rows = con.execute(
                "select as_of, company_rank, rep_id, rep_name, team_id, team_rank, total_points, "
                "tier from provisional_rep_points where period = ? order by company_rank, rep_id "
                "limit ?",
                [period, limit],
            ).fetchall()
    except NothingPublished as missing:
        raise _fail(str(missing)) from None
    if not rows:
        raise _fail(
            f"no provisional standings for {period}: run `jifen standings --period {period}`"
        )
    table = Table(title=f"PROVISIONAL standings {period} as of {rows[0][0]:%Y-%m-%d %H:%M} UTC")
    for column in ("rank", "rep", "name", "team", "team rank", "points", "tier"):
        table.add_column(column, justify="right" if column in ("rank", "points") else "left")
    for _, rank, rep, name, team, team_rank, total, tier in rows:
        table.add_row(str(rank), rep, name or "", team, str(team_rank), _points(total), tier or "")
    console.print(table)
    console.print("provisional: not final until the period is closed; never published as a version")


@app.command()
def verify(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Recompute a published version from its recorded inputs and rule book; report differences."""
    from orchestration.defs.launch import run_verify

    workspace = _workspace(home)
    try:
        with err.status(f"recomputing {period}…"):
            outcome, errors = run_verify(workspace, _period(period), version)
    except WorkspaceBusy as busy:
        raise _fail(str(busy), 75) from None
    if outcome is None:
        raise _fail("\n".join(errors) or "verification failed to run")
    if outcome.identical:
        console.print(
            f"{outcome.period} v{outcome.version}: identical — every published row "
            "was reproduced from the recorded inputs"
        )
        return
    console.print(f"[bold red]{outcome.period} v{outcome.version}: differences[/]")
    for line in outcome.differences:
        console.print(f"  - {line}")
    raise typer.Exit(1)


@app.command()
def trial(
    rules: Annotated[Path, typer.Option("--rules", help="Candidate rule book (YAML).")],
    periods: Annotated[
        str, typer.Option("--periods", help="Periods to score, e.g. 2026-07..2026-10.")
    ],
    home: HomeOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: HOME/trials/<version>-<periods>/)."),
    ] = None,
) -> None:
    """Score a candidate rule book on the loaded data (nothing is published) and compare it
    with the live rule books: CSV files and an HTML report."""
    from orchestration.defs.trial.launch import run_trial
    from orchestration.rulebooks.workspace import problems_text
    from orchestration.trial.score import CandidateRejected, TrialError

    workspace = _workspace(home)
    try:
        with err.status(f"scoring {rules.name} over {periods}…"):
            outcome, errors = run_trial(workspace, rules, periods, out)
    except WorkspaceBusy as busy:
        raise _fail(str(busy), 75) from None
    except CandidateRejected as rejected:
        raise _fail(f"{rejected.summary}\n{problems_text(rejected.problems)}") from None
    except TrialError as problem:
        raise _fail(str(problem)) from None
    if outcome is None:
        raise _fail("\n".join(errors) or "the trial failed to run")
    for warning in outcome.warnings:
        err.print(f"[yellow]{warning}[/]", highlight=False)
    table = Table(
        title=f"trial of {outcome.candidate_version} vs {', '.join(outcome.current_versions)}"
    )
    table.add_column("")
    table.add_column("current", justify="right")
    table.add_column("candidate", justify="right")
    table.add_column("difference", justify="right")
    table.add_row("rep-periods compared", str(outcome.reps_compared), "", "")
    table.add_row("rep-periods changed", "", "", str(outcome.reps_changed))
    table.add_row("tier changes", "", "", str(outcome.tier_changes))
    table.add_row(
        "reward cost",
        _points(outcome.current_cost),
        _points(outcome.candidate_cost),
        f"{outcome.cost_delta:+,.2f}",
    )
    for rule in [rule for rule in outcome.rule_deltas if rule.delta][:5]:
        table.add_row(
            f"points {rule.rule_id}",
            _points(rule.current_points),
            _points(rule.candidate_points),
            f"{rule.delta:+,.2f}",
        )
    console.print(table)
    console.print(f"periods {', '.join(outcome.periods)}; nothing was published")
    console.print(f"report: {outcome.report}")


def _print_trace(trace: dict, indent: str = "") -> None:
    line = trace["line"]
    console.print(
        f"{indent}[bold]{line['line_id']}[/] {line['rule_id']} {_points(line['points'])} "
        f"(rep {line['rep_id']}, rule book {line['rulebook_version']}): {line['explanation']}",
        highlight=False,
    )
    landed = trace.get("landed")
    if landed:
        file = landed.get("file") or {}
        state = "unchanged" if file.get("matches") else "CHANGED OR MISSING"
        console.print(
            f"{indent}  landed as {landed['source']}/{landed['source_file']} row "
            f"{landed['row_number']} (sha256 {landed['file_hash'][:12]}…, file now {state})",
            highlight=False,
        )
        raw = landed.get("raw") or {}
        console.print(f"{indent}  raw values: {raw}", highlight=False)
    elif trace.get("derived_from"):
        console.print(f"{indent}  derived from {trace['derived_from']}", highlight=False)
    if trace.get("recomputed_points") is not None:
        verdict = "matches" if trace.get("recomputed_matches") else "DOES NOT MATCH"
        console.print(
            f"{indent}  recomputed from the raw values and the rule book: "
            f"{_points(trace['recomputed_points'])} ({verdict})"
        )
    for problem in trace.get("problems", []):
        console.print(f"{indent}  [red]problem:[/] {problem}", highlight=False)
    for child in trace.get("inputs", [])[:50]:
        _print_trace(child, indent + "    ")


@app.command()
def trace(
    line: Annotated[str, typer.Option("--line", help="Ledger line id, e.g. SALES:X0001234.")],
    period: Annotated[str, typer.Option("--period", help="Period, YYYY-MM.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Walk one ledger line back to the raw values as landed (derived lines to their inputs)."""
    from orchestration.audit import AuditError, trace_line

    try:
        result = trace_line(_workspace(home), line, _period(period), version)
    except (AuditError, NothingPublished, WorkspaceBusy) as problem:
        raise _fail(str(problem)) from None
    console.print(f"{result['period']} v{result['version']}")
    _print_trace(result)
    if not result["ok"]:
        raise typer.Exit(1)


@app.command("audit-pack")
def audit_pack(
    period: Annotated[str, typer.Argument(help="Period, YYYY-MM.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the pack into.")],
    home: HomeOption = None,
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
) -> None:
    """Write a self-contained audit pack (folder and zip) for a published version."""
    from orchestration.audit import AuditError, write_audit_pack

    try:
        archive = write_audit_pack(_workspace(home), _period(period), version, out)
    except (AuditError, NothingPublished, WorkspaceBusy) as problem:
        raise _fail(str(problem)) from None
    console.print(f"audit pack: {archive.with_suffix('')}/ and {archive}")


@app.command("verify-chain")
def verify_chain_command(home: HomeOption = None) -> None:
    """Recompute every publication's content hash and the hash chain, in every copy."""
    from orchestration.audit import AuditError, verify_chain

    try:
        problems = verify_chain(_workspace(home))
    except (AuditError, NothingPublished, WorkspaceBusy) as problem:
        raise _fail(str(problem)) from None
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/] {problem}", highlight=False)
        raise typer.Exit(1)
    console.print("hash chain intact: every publication's rows and record check out")


@app.command()
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
) -> None:
    """Write the HTML reports (close reports, statements, quarterly summaries) again."""
    from orchestration.reports import render_reports

    workspace = _workspace(home)
    try:
        written = render_reports(
            workspace.published_db,
            workspace.reports_dir,
            [_period(p) for p in period or []] or None,
        )
    except (FileNotFoundError, ValueError) as problem:
        raise _fail(str(problem)) from None
    console.print(f"{len(written)} files in {workspace.reports_dir}/ (open index.html)")


@app.command()
def demo(
    home: HomeOption = None,
    seed: Annotated[int, typer.Option(help="Random seed of the sample data.")] = 7,
    months: Annotated[str, typer.Option(help="Months to generate and close.")] = "2026-07..2026-10",
) -> None:
    """Generate sample data, close every month in order, show the latest leaderboard."""
    from orchestration.generate.synthetic import parse_months

    workspace = _workspace(home).prepare()
    month_list = parse_months(months)
    if any(workspace.landing.glob("*/*")):
        console.print(f"landing files already in {workspace.landing}; using them")
    else:
        generate(home=workspace.home, seed=seed, months=months)
    for period in month_list:
        _close(workspace, period, restate=False, reason="", error_budget=None, verbose=False)
    console.rule("demo done")
    _print_leaderboard(workspace, month_list[-1], None, limit=10)
    console.print(
        f"published DuckDB: {workspace.published_db}\n"
        f"published Parquet: {workspace.published_dir}/\n"
        f"reports: {workspace.reports_dir}/index.html\n"
        f"try: jifen explain --home {workspace.home} --rep <rep> --period {month_list[-1]}\n"
        f"     jifen status --home {workspace.home}"
    )


if __name__ == "__main__":
    app()
