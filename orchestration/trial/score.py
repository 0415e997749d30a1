"""Scoring a candidate rule book and the live one on the loaded data, in a scratch warehouse.

Nothing here writes to the workspace's warehouse, its readers' copy or its publications: under
the writer lock the loaded rows (``validated_*``) and the latest published results of the trial
periods are copied into a scratch DuckDB file (from a Spark workspace too:
``verify/recorded.py``), and the live rule books are compiled into scratch seeds; the lock
is released before dbt runs. The scratch ``published`` history stays empty, so every period
is scored standalone (no prior-period adjustments), once with the live rule books ("current")
and once with the candidate alone ("candidate"): the two sides differ only by the rule book.

A loyalty candidate (``program: loyalty``) is compared the same way with the live loyalty books:
both sides keep the live sales books, the candidate side has the candidate as its only loyalty
book, and each side's loyalty marts are read (``LOYALTY_MARTS``). With no loyalty close in the
scratch history, every period's loyalty figures are first-close figures: the opening balance is
the one recomputed by that side's book.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from orchestration.lib.period import window
from orchestration.lib.workspace import SOURCES, Workspace
from orchestration.points.dbt import run_dbt, seeds_env
from orchestration.rulebooks.check import check_files, display_name
from orchestration.rulebooks.compiler import (
    compile_files,
    render_loyalty_seeds,
    render_seeds,
    write_if_changed,
)
from orchestration.rulebooks.layout import REPO_SEEDS, SCHEMA_FILE
from orchestration.rulebooks.live import rulebook_files
from orchestration.rulebooks.model import LOYALTY_PROGRAM, LoyaltyBook, RuleBook
from orchestration.rulebooks.problems import Problem, RulebookError
from orchestration.rulebooks.seeds import read_folder
from orchestration.verify.recorded import RecordedRows, has_warehouse, recorded_rows
from orchestration.warehouse.connection import DATABASE_PREFIX_ENV, Warehouse, open_database
from orchestration.warehouse.duckdb import connect

SIDES = ("current", "candidate")
SALES_PROGRAM = "sales"
MARTS = {  # the sales program's marts a trial compares: mart -> the columns copied
    "rep_period_points": (
        "period, rep_id, rep_name, team_id, total_points, tier, company_rank, team_rank"
    ),
    "rep_period_rule_points": "period, rep_id, rule_id, points",
    "reward_list": "period, rep_id, tier, reward, cash_value",
}
LOYALTY_MARTS = {  # the loyalty program's, likewise
    "member_balances": (
        "period, customer_id, opening_points, earned, reversed, redeemed, expired, forfeited, "
        "closing_points, debt_points, expiring_next_month, liability_cny"
    ),
    "member_offers": "period, customer_id, offer, points",
    "redemption_register": "period, redemption_id, customer_id, points, value_cny",
    "loyalty_kpis": (
        "period, opening_points, closing_points, debt_points, members, points_earned, "
        "points_reversed, points_redeemed, points_expired, points_forfeited, outstanding_points, "
        "liability_cny, redemption_value_cny"
    ),
}
# A loyalty trial builds what its marts need, with the tests of those models alone.
LOYALTY_SELECT = ("--select", "+path:models/marts/loyalty", "--indirect-selection", "cautious")


class TrialError(RuntimeError):
    """The trial cannot run (no data for a period, dbt failed); nothing was written."""


class CandidateRejected(RulebookError):
    """The candidate rule book has errors; the trial did not run."""


@dataclass
class Candidate:
    book: RuleBook | LoyaltyBook
    file: str
    warnings: list[Problem] = field(default_factory=list)

    @property
    def program(self) -> str:
        return LOYALTY_PROGRAM if isinstance(self.book, LoyaltyBook) else SALES_PROGRAM


@dataclass
class Scored:
    """The scratch warehouse holding both sides' marts (``trial_<mart>`` with a ``side``)."""

    warehouse: Path
    periods: list[str]
    candidate: Candidate
    current_versions: list[str]
    candidate_effective_from: date
    tier_order: list[str]  # every tier of either side, lowest floor first (movement matrix)


def check_candidate(path: Path, workspace: Workspace | None = None) -> Candidate:
    """Check the candidate alone (and against the loaded reps, for warnings); a sales or a
    loyalty book (``program: loyalty``), the trial compares it with the live books of its
    program."""
    path = Path(path)
    if not path.is_file():
        raise CandidateRejected(f"the candidate rule book {path} does not exist", [])
    report = check_files([path], workspace=workspace, against_reps=workspace is not None)
    books = [*report.books, *report.loyalty_books]
    if not report.ok or not books:
        raise CandidateRejected(
            f"{display_name(path)} has {len(report.errors)} problem(s); the trial did not run",
            report.errors,
        )
    return Candidate(books[0], display_name(path), report.warnings)


def score(workspace: Workspace, candidate: Candidate, periods: list[str], scratch: Path) -> Scored:
    """Score every period with both rule book sets into ``scratch``/home/state/warehouse.duckdb."""
    if not periods:
        raise TrialError("no trial periods were given (e.g. --periods 2026-07..2026-10)")
    home = Workspace.at(scratch / "home")
    seeds = {side: scratch / f"seeds-{side}" for side in SIDES}
    with workspace.writer_lock():
        live = check_files(rulebook_files(workspace), against_reps=False)
        if not live.ok:
            raise RulebookError("the live rule books have problems", live.errors)
        compile_files(rulebook_files(workspace), seeds["current"])
        loyalty = candidate.program == LOYALTY_PROGRAM
        same_program = live.loyalty_books if loyalty else live.books
        starts = [book.effective_from for book in same_program if book.effective_from]
        effective_from = min([window(periods[0]).first_day, *starts])
        if loyalty:
            _compile_loyalty_alone(candidate.book, effective_from, seeds["candidate"], live.books)
        else:
            _compile_alone(candidate.book, effective_from, seeds["candidate"], live.loyalty_books)
        _copy_loaded_data(workspace, home, periods, loyalty)
    current_versions = sorted(  # the live books of the candidate's program
        same_program, key=lambda book: (book.effective_from, book.version)
    )
    for period in periods:
        for side in SIDES:
            _build(home, period, seeds[side], scratch / f"dbt-{side}", side, candidate.program)
    return Scored(
        warehouse=home.warehouse,
        periods=periods,
        candidate=candidate,
        current_versions=[book.version for book in current_versions],
        candidate_effective_from=effective_from,
        tier_order=_tier_order(seeds.values()),
    )


def _compile_alone(book: RuleBook, effective_from: date, folder: Path, loyalty_books=()) -> None:
    """The candidate as the only rule book, in effect from ``effective_from`` (so every row the
    live books score, returns of earlier sales included, is scored by the candidate too); the
    live loyalty books as they are, the same on both sides."""
    alone = dataclasses.replace(book, effective_from=effective_from)
    _write_seeds({**render_seeds([alone]), **render_loyalty_seeds(loyalty_books)}, folder)


def _compile_loyalty_alone(
    book: LoyaltyBook, effective_from: date, folder: Path, sales_books=()
) -> None:
    """The loyalty candidate as the only loyalty book, in effect from ``effective_from`` (every
    event the live loyalty books score, from the first welcome on, is scored by the candidate);
    the live sales books as they are, the same on both sides."""
    alone = dataclasses.replace(book, effective_from=effective_from)
    _write_seeds({**render_seeds(sales_books), **render_loyalty_seeds([alone])}, folder)


def _write_seeds(outputs: dict[str, bytes], folder: Path) -> None:
    """The seed CSVs and the column types into ``folder``."""
    for name, content in outputs.items():
        write_if_changed(folder / name, content)
    write_if_changed(folder / SCHEMA_FILE, (REPO_SEEDS / SCHEMA_FILE).read_bytes())


def _copy_loaded_data(
    workspace: Workspace, home: Workspace, periods: list[str], loyalty: bool = False
) -> None:
    """The loaded rows and the latest published results of the trial periods, read-only."""
    if not has_warehouse(workspace):
        raise TrialError(
            f"{workspace.home} has no warehouse: land files and run `jifen close` or "
            "`jifen standings` first"
        )
    with connect(home) as warehouse:
        with recorded_rows(warehouse, workspace) as recorded:
            _copy_tables(recorded, workspace)
        if loyalty:
            _refuse_without_members(warehouse, workspace)
        _refuse_periods_without_data(warehouse, workspace, periods)


def _copy_tables(recorded: RecordedRows, workspace: Workspace) -> None:
    """From the workspace's warehouse: every validated source and the latest published totals
    and rewards (the trial shows them for reference)."""
    missing = [s for s in SOURCES if not recorded.has_table(f"validated_{s}")]
    if missing:
        raise TrialError(
            f"{workspace.home} has no validated rows yet ({', '.join(missing)}): run "
            "`jifen close` or `jifen standings` once so the landed files are loaded"
        )
    for source in SOURCES:
        recorded.copy(
            f"create or replace table validated_{source} as select * from {{rows}}",
            f"select * from {{src}}validated_{source}",
        )
    latest = (
        "join (select period, max(version) as version from {src}published.publications "
        "group by period) latest using (period, version)"
    )
    recorded.copy(
        "create table trial_published_points as select * from {rows}",
        "select p.period, p.version, p.rep_id, p.total_points "
        f"from {{src}}published.rep_period_points p {latest}",
    )
    recorded.copy(
        "create table trial_published_rewards as select * from {rows}",
        "select r.period, r.version, r.rep_id, r.cash_value "
        f"from {{src}}published.reward_list r {latest}",
    )


def _refuse_periods_without_data(
    warehouse: Warehouse, workspace: Workspace, periods: list[str]
) -> None:
    empty = []
    for period in periods:
        span = window(period)
        rows = warehouse.value(
            "select (select count(*) from validated_sales "
            "        where cast(txn_date as date) between ? and ?) "
            "     + (select count(*) from validated_surveys "
            "        where cast(survey_date as date) between ? and ?)",
            [span.first_day, span.last_day] * 2,
        )
        if not rows:
            empty.append(period)
    if empty:
        raise TrialError(
            f"no loaded sales or surveys for {', '.join(empty)} in {workspace.home}: land "
            "the period's files and run `jifen standings` or `jifen close` so they are "
            "loaded, or leave the period out of --periods"
        )


def _refuse_without_members(warehouse: Warehouse, workspace: Workspace) -> None:
    if not warehouse.value("select count(*) from validated_members"):
        raise TrialError(
            f"{workspace.home} has no loaded members, so no loyalty program to compare: land "
            "members/ files and run `jifen close` so they are loaded"
        )


def _build(
    home: Workspace, period: str, seeds: Path, target: Path, side: str, program: str
) -> None:
    env = {
        **window(period).env(),
        "JIFEN_WAREHOUSE": str(home.warehouse),
        DATABASE_PREFIX_ENV: "",  # the scratch DuckDB's schemas are main and published
        **seeds_env(seeds, target),
    }
    loyalty = program == LOYALTY_PROGRAM
    select = LOYALTY_SELECT if loyalty else ()
    result = run_dbt(
        "build", *select, "--exclude", "resource_type:unit_test", env=env, target=target
    )
    if result.returncode != 0:
        raise TrialError(
            f"dbt failed while scoring {period} with the {side} rule book:\n"
            f"{result.stdout[-3000:]}{result.stderr[-1000:]}"
        )
    with connect(home) as warehouse:
        for mart, columns in (LOYALTY_MARTS if loyalty else MARTS).items():
            select = f"select '{side}' as side, {columns} from {mart}"
            exists = warehouse.value(
                "select count(*) from duckdb_tables() where table_name = ?", [f"trial_{mart}"]
            )
            if exists:
                warehouse.run(f"insert into trial_{mart} {select}")
            else:
                warehouse.run(f"create table trial_{mart} as {select}")


def _tier_order(folders) -> list[str]:
    """Tier names of every book of the folders, by the lowest floor each has in any of them."""
    lowest: dict[str, Decimal] = {}
    for folder in folders:
        for book in read_folder(folder):
            for tier in book.tiers:
                lowest[tier.name] = min(tier.start, lowest.get(tier.name, tier.start))
    return sorted(lowest, key=lambda name: (lowest[name], name))


@contextmanager
def scratch_folder(workspace: Workspace, keep: bool = False) -> Iterator[Path]:
    """A scratch folder beside the warehouse (same disk), removed afterwards unless ``keep``."""
    parent = workspace.state / "trials"
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="trial-", dir=parent))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def open_scored(scored: Scored) -> Warehouse:
    return open_database(scored.warehouse)
