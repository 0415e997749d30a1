"""Compiling rule books into the dbt seed CSVs, byte for byte the same for the same books.

Rows are sorted (versions by effective date, then ids), decimals have fixed places and lines end
in ``\\n``, and a file is rewritten only when its bytes change: dbt and the asset cache look at
modification times, and an unchanged rule book must not look changed.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from orchestration.rulebooks.check import CheckReport, check_files
from orchestration.rulebooks.layout import (
    AMOUNT_THRESHOLD,
    LOYALTY_SEED_COLUMNS,
    REPO_SEEDS,
    SALES_SEED_COLUMNS,
    SCHEMA_FILE,
    amount_text,
    date_text,
    names_text,
    rate_text,
)
from orchestration.rulebooks.model import LOYALTY_PARAMETERS, LoyaltyBook, Rule, RuleBook
from orchestration.rulebooks.problems import RulebookError


@dataclass
class CompileResult:
    folder: Path
    versions: list[str]  # the sales books', in effective order
    loyalty_versions: list[str] = field(default_factory=list)  # the loyalty books', likewise
    written: list[str] = field(default_factory=list)  # file names whose bytes changed
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # stale seed CSVs of an older layout


def _csv(columns: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def render_seeds(books: Sequence[RuleBook]) -> dict[str, bytes]:
    """The sales seed CSVs (file name -> bytes) of checked sales books."""
    ordered = sorted(books, key=lambda book: (book.effective_from, book.version))
    tables: dict[str, list[list[str]]] = {name: [] for name in SALES_SEED_COLUMNS}
    for book in ordered:
        version = book.version
        tables["rulebooks"].append(
            [version, date_text(book.effective_from), book.currency, book.description]
        )
        for rule in sorted(book.rules, key=lambda rule: rule.id):
            tables["rules"].append(
                [
                    version,
                    rule.id,
                    rule.kind,
                    rate_text(rule.rate),
                    amount_text(rule.points),
                    rate_text(rule.multiplier),
                    amount_text(rule.limit),
                    "" if rule.min_surveys is None else str(rule.min_surveys),
                    rate_text(rule.mean_score_below),
                    rate_text(rule.factor),
                    names_text(rule.family),
                    rule.cap or "",
                    rule.base or "",
                    date_text(rule.window_start),
                    date_text(rule.window_end),
                    rule.segment or "",
                    names_text(rule.roles),
                    names_text(rule.teams),
                    amount_text(_amount_threshold(rule)),
                    rule.description,
                ]
            )
            for score in sorted(rule.points_by_score):
                tables["score_points"].append(
                    [version, rule.id, str(score), amount_text(rule.points_by_score[score])]
                )
            for team in sorted(rule.targets):
                tables["team_targets"].append(
                    [version, rule.id, team, amount_text(rule.targets[team])]
                )
        rewards = {reward.tier: reward for reward in book.rewards}
        for tier in sorted(book.tiers, key=lambda tier: tier.start):
            reward = rewards[tier.name]
            tables["tiers"].append(
                [
                    version,
                    tier.name,
                    amount_text(tier.start),
                    reward.reward,
                    amount_text(reward.cash_value),
                ]
            )
    return {f"{name}.csv": _csv(SALES_SEED_COLUMNS[name], rows) for name, rows in tables.items()}


def render_loyalty_seeds(books: Sequence[LoyaltyBook]) -> dict[str, bytes]:
    """The loyalty seed CSV (``loyalty_rulebooks.csv``, header only without a book) of checked
    loyalty books: one row per version, CNY with 2 places, whole numbers as written."""
    rows = []
    for book in sorted(books, key=lambda book: (book.effective_from, book.version)):
        values = []
        for parameter in LOYALTY_PARAMETERS:
            value = getattr(book, parameter.name)
            values.append(str(value) if parameter.whole else amount_text(value))
        rows.append([book.version, date_text(book.effective_from), *values, book.description])
    return {"loyalty_rulebooks.csv": _csv(LOYALTY_SEED_COLUMNS["loyalty_rulebooks"], rows)}


def _amount_threshold(rule: Rule) -> Decimal | None:
    """The value of the seed column ``default_target`` (``layout.AMOUNT_THRESHOLD``)."""
    field_name = AMOUNT_THRESHOLD.get(rule.kind)
    return getattr(rule, field_name) if field_name else None


def write_if_changed(path: Path, content: bytes) -> bool:
    """Replace the file atomically when its bytes differ; True when written."""
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def load_checked(files: Sequence[Path]) -> CheckReport:
    """The books of the files (sales and loyalty), or a ``RulebookError`` listing every error
    when any has one."""
    if not files:
        raise RulebookError("there are no rule books to compile (rulebooks/*.yaml)", [])
    report = check_files(files, against_reps=False)
    if not report.ok:
        raise RulebookError(
            f"the rule books have {len(report.errors)} problem(s); nothing was compiled",
            report.errors,
        )
    return report


def compile_files(
    files: Sequence[Path], folder: Path, *, schema: Path = REPO_SEEDS / SCHEMA_FILE
) -> CompileResult:
    """Compile rule book files into ``folder``: the seed CSVs of both programs (each written
    even when no book of its program is given) and a copy of the column types."""
    report = load_checked(files)
    books = report.books
    outputs = {**render_seeds(books), **render_loyalty_seeds(report.loyalty_books)}
    folder = Path(folder)
    if schema.resolve() != (folder / SCHEMA_FILE).resolve():
        outputs[SCHEMA_FILE] = schema.read_bytes()
    ordered = sorted(books, key=lambda book: (book.effective_from, book.version))
    loyalty = sorted(report.loyalty_books, key=lambda book: (book.effective_from, book.version))
    result = CompileResult(
        folder, [book.version for book in ordered], [book.version for book in loyalty]
    )
    for name, content in outputs.items():
        if write_if_changed(folder / name, content):
            result.written.append(name)
        else:
            result.unchanged.append(name)
    for stale in sorted(folder.glob("*.csv")):
        if stale.name not in outputs:  # the folder is the compiler's: an old seed would load
            stale.unlink()
            result.removed.append(stale.name)
    return result
