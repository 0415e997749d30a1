"""``jifen trial``: score a candidate rule book on the loaded data, compare; publish nothing.

The candidate's program (a sales book, or a loyalty book: ``program: loyalty``) decides what is
compared: reps, tiers and reward cost, or the loyalty program's points, liability and offers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orchestration.cli.output import BUSY, HomeOption, console, err, fail, points_text
from orchestration.lib.workspace import Workspace, WorkspaceBusy


def trial(
    rules: Annotated[
        Path, typer.Option("--rules", help="Candidate rule book (YAML), sales or loyalty.")
    ],
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
    with the live rule books of its program (sales or loyalty): CSV files and an HTML report."""
    from orchestration.defs.launch import run_trial
    from orchestration.rulebooks.problems import problems_text
    from orchestration.trial.score import CandidateRejected, TrialError

    try:
        with err.status(f"scoring {rules.name} over {periods}…"):
            outcome, errors = run_trial(Workspace.at(home), rules, periods, out)
    except WorkspaceBusy as busy:
        raise fail(str(busy), BUSY) from None
    except CandidateRejected as rejected:
        raise fail(f"{rejected.summary}\n{problems_text(rejected.problems)}") from None
    except TrialError as problem:
        raise fail(str(problem)) from None
    if outcome is None:
        raise fail("\n".join(errors) or "the trial failed to run")
    for warning in outcome.warnings:
        err.print(f"[yellow]{warning}[/]", highlight=False)
    console.print(_loyalty(outcome) if outcome.loyalty_figures else _comparison(outcome))
    console.print(f"periods {', '.join(outcome.periods)}; nothing was published")
    console.print(f"report: {outcome.report}")


def _comparison(outcome) -> Table:
    """Current against candidate: rep-periods, tiers, reward cost and the five rules that move."""
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
        points_text(outcome.current_cost),
        points_text(outcome.candidate_cost),
        f"{outcome.cost_delta:+,.2f}",
    )
    for rule in [rule for rule in outcome.rule_deltas if rule.delta][:5]:
        table.add_row(
            f"points {rule.rule_id}",
            points_text(rule.current_points),
            points_text(rule.candidate_points),
            f"{rule.delta:+,.2f}",
        )
    return table


LOYALTY_SHOWN = {  # the loyalty figures printed (every one is in loyalty_summary.csv)
    "points_earned": "points issued",
    "points_reversed": "points reversed",
    "points_redeemed": "points redeemed",
    "points_expired": "points expired",
    "points_forfeited": "points forfeited",
    "closing_points": "closing balance",
    "liability_cny": "liability (CNY)",
    "members_affected": "members whose balance differs",
}


def _loyalty(outcome) -> Table:
    """Current against candidate, period by period: points by kind, balance, liability."""
    table = Table(
        title=f"loyalty trial of {outcome.candidate_version} vs "
        f"{', '.join(outcome.current_versions)} (first-close figures)"
    )
    for name, justify in (("period", "left"), ("", "left")):
        table.add_column(name, justify=justify)
    for name in ("current", "candidate", "difference"):
        table.add_column(name, justify="right")
    for figure in outcome.loyalty_figures:
        if figure.measure in LOYALTY_SHOWN:
            table.add_row(
                figure.period,
                LOYALTY_SHOWN[figure.measure],
                _figure_text(figure.current),
                _figure_text(figure.candidate),
                _figure_text(figure.delta, sign="+"),
            )
    return table


def _figure_text(value, sign: str = "") -> str:
    """Points as whole numbers, CNY with 2 places, None as nothing."""
    if value is None:
        return ""
    return f"{value:{sign},}" if isinstance(value, int) else f"{value:{sign},.2f}"
