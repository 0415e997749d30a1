"""A trial from start to end: score both sides, compare, write the CSVs and the report (a
sales or a loyalty comparison, after the candidate's program)."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from orchestration.lib.period import parse_months
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.model import LOYALTY_PROGRAM
from orchestration.trial.compare import ALL, Comparison, compare
from orchestration.trial.loyalty import LoyaltyComparison, compare_loyalty
from orchestration.trial.outputs import REPORT_FILE, output_files, write_all
from orchestration.trial.report import render, render_loyalty
from orchestration.trial.score import (
    SALES_PROGRAM,
    TrialError,
    check_candidate,
    open_scored,
    score,
    scratch_folder,
)


@dataclass
class RuleDelta:
    rule_id: str
    current_points: Decimal
    candidate_points: Decimal
    delta: Decimal


@dataclass
class LoyaltyFigure:
    """One figure of a loyalty trial (``loyalty_summary.csv``'s row); ``current`` and
    ``candidate`` are None for ``members_affected``, a difference only."""

    period: str
    measure: str
    current: int | Decimal | None
    candidate: int | Decimal | None
    delta: int | Decimal


@dataclass
class TrialResult:
    candidate_version: str
    candidate_file: str
    current_versions: list[str]
    periods: list[str]
    out_dir: str
    report: str
    reps_compared: int = 0
    reps_changed: int = 0
    tier_changes: int = 0
    current_cost: Decimal = Decimal("0.00")
    candidate_cost: Decimal = Decimal("0.00")
    cost_delta: Decimal = Decimal("0.00")
    rule_deltas: list[RuleDelta] = field(default_factory=list)  # all periods, largest first
    warnings: list[str] = field(default_factory=list)  # of the candidate's check
    program: str = SALES_PROGRAM
    loyalty_figures: list[LoyaltyFigure] = field(default_factory=list)  # per period
    members_affected: int = 0  # member-periods whose closing balance differs (loyalty)

    @property
    def summary(self) -> str:
        """One line for the run's log."""
        head = f"trial of {self.candidate_version} over {', '.join(self.periods)}: "
        if self.program == LOYALTY_PROGRAM:
            return (
                f"{head}{self.members_affected} member-period(s) with another closing balance; "
                f"report {self.report}"
            )
        return (
            f"{head}{self.reps_changed} of {self.reps_compared} rep-periods change; reward cost "
            f"{self.current_cost} -> {self.candidate_cost}; report {self.report}"
        )


def parse_periods(text: str | list[str]) -> list[str]:
    """``2026-07..2026-10``, ``2026-07,2026-09`` or a list of those: sorted months."""
    items = [text] if isinstance(text, str) else list(text)
    try:
        return sorted({month for item in items for month in parse_months(item)})
    except ValueError as error:
        raise TrialError(str(error)) from None


def period_label(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]}..{periods[-1]}"


def default_out(workspace: Workspace, version: str, periods: list[str]) -> Path:
    return workspace.home / "trials" / f"{version}-{period_label(periods)}"


def run_trial_in(
    workspace: Workspace,
    rules: Path | str,
    periods: str | list[str],
    out: Path | str | None = None,
    *,
    keep_scratch: bool = False,
) -> TrialResult:
    """Score the candidate ``rules`` and the live rule books on the loaded data of ``periods``
    and write the comparison into ``out`` (default ``HOME/trials/<version>-<periods>/``).

    Reads the workspace's warehouse under its writer lock, never writes to it."""
    rules = Path(rules).resolve()
    months = parse_periods(periods)
    if not months:
        raise TrialError("no trial periods were given (e.g. --periods 2026-07..2026-10)")
    candidate = check_candidate(rules, workspace)
    out_dir = Path(out).resolve() if out else default_out(workspace, candidate.book.version, months)
    loyalty = candidate.program == LOYALTY_PROGRAM
    with scratch_folder(workspace, keep=keep_scratch) as scratch:
        scored = score(workspace, candidate, months, scratch)
        with open_scored(scored) as warehouse:
            comparison = (compare_loyalty if loyalty else compare)(warehouse, scored)
        staging = scratch / "out"
        staging.mkdir()
        written = [path.name for path in write_all(comparison, staging)]
        context = {
            "candidate_version": candidate.book.version,
            "candidate_file": candidate.file,
            "current_versions": scored.current_versions,
            "candidate_effective_from": scored.candidate_effective_from.isoformat(),
            "periods": months,
            "period_label": period_label(months),
            "warnings": [str(problem) for problem in candidate.warnings],
            "files": written,
        }
        if loyalty:
            render_loyalty(staging / REPORT_FILE, comparison, context)
        else:
            render(
                staging / REPORT_FILE, comparison, {**context, "currency": candidate.book.currency}
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in output_files(candidate.program):  # replaces an earlier trial's, file by file
            shutil.copyfile(staging / name, out_dir / name)
    result = TrialResult(
        candidate_version=candidate.book.version,
        candidate_file=candidate.file,
        current_versions=scored.current_versions,
        periods=months,
        out_dir=str(out_dir),
        report=str(out_dir / REPORT_FILE),
        warnings=context["warnings"],
        program=candidate.program,
    )
    if isinstance(comparison, LoyaltyComparison):
        result.loyalty_figures = [LoyaltyFigure(**row) for row in comparison.summary]
        result.members_affected = comparison.members_affected
        return result
    return _with_sales_figures(result, comparison)


def _with_sales_figures(result: TrialResult, comparison: Comparison) -> TrialResult:
    total = comparison.total_cost
    return dataclasses.replace(
        result,
        reps_compared=comparison.reps_compared,
        reps_changed=comparison.reps_changed,
        tier_changes=comparison.tier_changes,
        current_cost=total["current_cost"],
        candidate_cost=total["candidate_cost"],
        cost_delta=total["delta"],
        rule_deltas=[
            RuleDelta(row["rule_id"], row["current_points"], row["candidate_points"], row["delta"])
            for row in comparison.rule_deltas(ALL)
        ],
    )
