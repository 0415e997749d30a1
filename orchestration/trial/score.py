"""Scoring a candidate rule book and the live one on the loaded data, in a scratch warehouse.

Nothing here writes to the workspace's warehouse, its readers' copy or its publications: under
the writer lock the loaded rows (``validated_*``) and the latest published results of the trial
periods are copied into a scratch DuckDB file, and the live rule books are compiled into scratch
seeds; the lock is released before dbt runs. The scratch ``published`` history stays empty, so
every period is scored standalone (no prior-period adjustments), once with the live rule books
("current") and once with the candidate alone ("candidate"): the two sides differ only by the
rule book.
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
from orchestration.rulebooks.model import RuleBook
from orchestration.rulebooks.problems import Problem, RulebookError
from orchestration.rulebooks.seeds import read_folder
from orchestration.warehouse.connection import Warehouse, open_database
from orchestration.warehouse.duckdb import connect

SIDES = ("current", "candidate")
MARTS = {
    "rep_period_points": (
        "period, rep_id, rep_name, team_id, total_points, tier, company_rank, team_rank"
    ),
    "rep_period_rule_points": "period, rep_id, rule_id, points",
    "reward_list": "period, rep_id, tier, reward, cash_value",
}


class TrialError(RuntimeError):
    """The trial cannot run (no data for a period, dbt failed); nothing was written."""


class CandidateRejected(RulebookError):
    """The candidate rule book has errors; the trial did not run."""


@dataclass
class Candidate:
    book: RuleBook
    file: str
    warnings: list[Problem] = field(default_factory=list)


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
    """Check the candidate alone (and against the loaded reps, for warnings)."""
    path = Path(path)
    if not path.is_file():
        raise CandidateRejected(f"the candidate rule book {path} does not exist", [])
    report = check_files([path], workspace=workspace, against_reps=workspace is not None)
    if report.ok and report.loyalty_books:
        raise CandidateRejected(
            f"{display_name(path)} is a loyalty rule book (program: loyalty); a trial compares "
            "sales rule books only",
            [],
        )
    if not report.ok or not report.books:
        raise CandidateRejected(
            f"{display_name(path)} has {len(report.errors)} problem(s); the trial did not run",
            report.errors,
        )
    return Candidate(report.books[0], display_name(path), report.warnings)


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
        starts = [book.effective_from for book in live.books if book.effective_from]
        effective_from = min([window(periods[0]).first_day, *starts])
        _compile_alone(candidate.book, effective_from, seeds["candidate"], live.loyalty_books)
        _copy_loaded_data(workspace, home, periods)
    current_versions = sorted(
        (book for book in live.books), key=lambda book: (book.effective_from, book.version)
    )
    for period in periods:
        for side in SIDES:
            _build(home, period, seeds[side], scratch / f"dbt-{side}", side)
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
    outputs = {**render_seeds([alone]), **render_loyalty_seeds(loyalty_books)}
    for name, content in outputs.items():
        write_if_changed(folder / name, content)
    write_if_changed(folder / SCHEMA_FILE, (REPO_SEEDS / SCHEMA_FILE).read_bytes())


def _copy_loaded_data(workspace: Workspace, home: Workspace, periods: list[str]) -> None:
    """The loaded rows and the latest published results of the trial periods, read-only."""
    if not workspace.warehouse.exists():
        raise TrialError(
            f"{workspace.home} has no warehouse: land files and run `jifen close` or "
            "`jifen standings` first"
        )
    with connect(home) as warehouse:
        warehouse.attach(workspace.warehouse, "src", read_only=True)
        try:
            _copy_tables(warehouse, workspace)
        finally:
            warehouse.detach("src")
        _refuse_periods_without_data(warehouse, workspace, periods)


def _copy_tables(warehouse: Warehouse, workspace: Workspace) -> None:
    """From the attached ``src``: every validated source and the latest published totals and
    rewards (the trial shows them for reference)."""
    tables = {
        row[0]
        for row in warehouse.rows(
            "select table_name from duckdb_tables() "
            "where database_name = 'src' and schema_name = 'main'"
        )
    }
    missing = [s for s in SOURCES if f"validated_{s}" not in tables]
    if missing:
        raise TrialError(
            f"{workspace.home} has no validated rows yet ({', '.join(missing)}): run "
            "`jifen close` or `jifen standings` once so the landed files are loaded"
        )
    for source in SOURCES:
        warehouse.run(
            f"create or replace table validated_{source} as select * from src.validated_{source}"
        )
    warehouse.run(
        "create table trial_published_points as "
        "select p.period, p.version, p.rep_id, p.total_points "
        "from src.published.rep_period_points p join ("
        "  select period, max(version) as version from src.published.publications "
        "  group by period) latest using (period, version)"
    )
    warehouse.run(
        "create table trial_published_rewards as "
        "select r.period, r.version, r.rep_id, r.cash_value "
        "from src.published.reward_list r join ("
        "  select period, max(version) as version from src.published.publications "
        "  group by period) latest using (period, version)"
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


def _build(home: Workspace, period: str, seeds: Path, target: Path, side: str) -> None:
    env = {
        **window(period).env(),
        "JIFEN_WAREHOUSE": str(home.warehouse),
        **seeds_env(seeds, target),
    }
    result = run_dbt("build", "--exclude", "resource_type:unit_test", env=env, target=target)
    if result.returncode != 0:
        raise TrialError(
            f"dbt failed while scoring {period} with the {side} rule book:\n"
            f"{result.stdout[-3000:]}{result.stderr[-1000:]}"
        )
    with connect(home) as warehouse:
        for mart, columns in MARTS.items():
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
