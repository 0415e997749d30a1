"""``jifen rules``: check, list, compile and promote rule books of both programs (a Typer
sub-app): the sales program's and the loyalty program's (``program: loyalty``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orchestration.cli.output import BUSY, HomeOption, console, fail
from orchestration.lib.workspace import Workspace, WorkspaceBusy
from orchestration.rulebooks.compiler import CompileResult
from orchestration.rulebooks.live import (
    check_in_workspace,
    compile_repository,
    compile_workspace_result,
    effective_spans,
    list_versions,
)
from orchestration.rulebooks.model import LOYALTY_PARAMETERS, LoyaltyBook, RuleBook
from orchestration.rulebooks.problems import Problem, RulebookError, Severity
from orchestration.rulebooks.promotion import promote
from orchestration.rulebooks.workspace_facts import ClosedPeriodsUnknown

rules_app = typer.Typer(
    help="Rule books: check, list, compile and promote versions (rulebooks/*.yaml).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "dim"}


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        style = STYLE[problem.severity]
        console.print(
            f"[{style}]{problem.severity.value}[/] {problem.where}: {problem.message}",
            highlight=False,
            soft_wrap=True,
        )


def _print_refusal(error: RulebookError) -> typer.Exit:
    _print_problems(error.problems)
    return fail(error.summary)


def _summary(book: RuleBook) -> None:
    console.print(
        f"[bold]rule book {book.version}[/] ({book.file}), in effect from {book.effective_from}, "
        f"{book.currency}: {book.description}",
        highlight=False,
    )
    table = Table(title=f"rules of {book.version}")
    for column in ("rule", "kind", "for", "description"):
        table.add_column(column)
    for rule in book.rules:
        eligible = ", ".join([*rule.roles, *rule.teams]) or "everyone"
        table.add_row(rule.id, rule.kind, eligible, rule.description)
    console.print(table)
    rewards = {reward.tier: reward for reward in book.rewards}
    tiers = []
    for tier in sorted(book.tiers, key=lambda tier: tier.start):
        span = f"{tier.start}" + (f"..<{tier.below}" if tier.below is not None else "+")
        reward = rewards.get(tier.name)
        prize = f" {reward.reward} ({reward.cash_value} CNY)" if reward else ""
        tiers.append(f"{tier.name} {span}{prize}")
    console.print("tiers: " + "; ".join(tiers), highlight=False)


def _loyalty_summary(book: LoyaltyBook) -> None:
    console.print(
        f"[bold]loyalty rule book {book.version}[/] ({book.file}), in effect from "
        f"{book.effective_from}: {book.description}",
        highlight=False,
    )
    table = Table(title=f"parameters of {book.version}")
    for column in ("parameter", "value", "meaning"):
        table.add_column(column)
    for parameter in LOYALTY_PARAMETERS:
        meaning = parameter.meaning.split(", e.g.")[0]
        table.add_row(parameter.name, str(getattr(book, parameter.name)), meaning)
    console.print(table)


def _compiled(result: CompileResult) -> None:
    changed = ", ".join(result.written) or "nothing changed"
    removed = f"; removed stale {', '.join(result.removed)}" if result.removed else ""
    console.print(
        f"compiled {', '.join([*result.versions, *result.loyalty_versions])} into {result.folder}/ "
        f"(written: {changed}{removed})",
        highlight=False,
    )


@rules_app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The rule book YAML to check.")],
    home: HomeOption = None,
) -> None:
    """Check a rule book (sales or loyalty) with the workspace's others; print every problem."""
    if not file.is_file():
        raise fail(f"{file} is not a file")
    report = check_in_workspace(file, Workspace.at(home))
    _print_problems(report.problems)
    if not report.ok:
        raise fail(f"{file}: {len(report.errors)} problem(s) to fix")
    book = next(
        (b for b in report.books if b.source and b.source.resolve() == file.resolve()), None
    )
    if book is not None:
        _summary(book)
    loyalty = next(
        (b for b in report.loyalty_books if b.source and b.source.resolve() == file.resolve()),
        None,
    )
    if loyalty is not None:
        _loyalty_summary(loyalty)
    warnings = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    console.print(f"[bold green]{file}: no errors[/]{warnings}", highlight=False)


@rules_app.command("list")
def list_command(home: HomeOption = None) -> None:
    """The live rule book versions of both programs: effective dates, in effect until, files."""
    workspace = Workspace.at(home)
    versions, report = list_versions(workspace)
    table = Table(title=f"rule books of {workspace.home}")
    for column in ("version", "effective from", "in effect until", "rules", "file"):
        table.add_column(column)
    for info in versions:
        until = info.until.isoformat() if info.until else "(open)"
        table.add_row(
            info.version, info.effective_from.isoformat(), until, str(info.rules), info.file
        )
    console.print(table)
    if report.loyalty_books:
        loyalty = Table(title=f"loyalty rule books of {workspace.home}")
        for column in ("version", "effective from", "in effect until", "file"):
            loyalty.add_column(column)
        for book, until in effective_spans(report.loyalty_books):
            last = until.isoformat() if until else "(open)"
            loyalty.add_row(book.version, book.effective_from.isoformat(), last, book.file)
        console.print(loyalty)
    if not report.ok:
        _print_problems(report.errors)
        raise fail(f"{len(report.errors)} problem(s) in the live rule books: they do not compile")


@rules_app.command("compile")
def compile_command(
    home: HomeOption = None,
    repository: Annotated[
        bool,
        typer.Option(
            "--repository",
            help="Compile only the repository's rule books into its seeds/ (for dbt parse/docs).",
        ),
    ] = False,
) -> None:
    """Compile the live rule books into the workspace's seeds (HOME/state/seeds)."""
    try:
        if repository:
            result = compile_repository()
        else:
            workspace = Workspace.at(home)
            with workspace.writer_lock():
                result = compile_workspace_result(workspace)
    except RulebookError as error:
        raise _print_refusal(error) from None
    except WorkspaceBusy as busy:
        raise fail(str(busy), BUSY) from None
    _compiled(result)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a date; write YYYY-MM-DD") from None


@rules_app.command("promote")
def promote_command(
    candidate: Annotated[Path, typer.Argument(help="The candidate rule book YAML.")],
    effective_from: Annotated[
        str, typer.Option("--effective-from", help="First day it applies, YYYY-MM-DD.")
    ],
    version: Annotated[
        str | None, typer.Option("--version", help="Version label (default: the candidate's).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Promote a candidate into the workspace from a date after every closed period."""
    if not candidate.is_file():
        raise fail(f"{candidate} is not a file")
    day = _day(effective_from)
    workspace = Workspace.at(home)
    try:
        with workspace.writer_lock():
            done = promote(workspace, candidate, day, version)
    except RulebookError as error:
        raise _print_refusal(error) from None
    except (WorkspaceBusy, ClosedPeriodsUnknown) as busy:
        raise fail(str(busy), BUSY) from None
    _print_problems(done.report.problems)
    console.print(
        f"[bold green]promoted {done.version}[/], in effect from {done.effective_from}: "
        f"{done.path}",
        highlight=False,
    )
    _compiled(done.compiled)
