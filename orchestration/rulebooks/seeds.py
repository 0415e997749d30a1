"""Reading the compiled seeds back into typed rule books: the one reader of the seed CSVs.

``compile`` writes the live books into a seed folder (``HOME/state/seeds``, the repository's
``seeds/``) and dbt computes every rule from there; whatever else needs a book as the closes
used it (the reports, the trial, the audit) reads it here, as the same ``RuleBook``, ``Rule``,
``Tier`` and ``Reward`` the YAML is parsed into. Numbers become ``Decimal`` from the seed text,
never floats; rendering the books read from a folder gives that folder's bytes back. The loyalty
program's books (seed ``loyalty_rulebooks``) are read as ``LoyaltyBook``: whole numbers ``int``,
CNY ``Decimal``.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from orchestration.lib.paths import REPO_SEEDS
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.layout import AMOUNT_THRESHOLD
from orchestration.rulebooks.model import (
    LOYALTY_PARAMETERS,
    LoyaltyBook,
    Reward,
    Rule,
    RuleBook,
    Tier,
)

SeedSource = Workspace | Path | None  # a workspace, a seed folder, or None: the repository's


def seeds_dir(source: SeedSource = None) -> Path:
    """The seed folder a workspace's closes read (compiled from its live books at every close),
    or a folder given as such; the repository's ``seeds/`` when it holds no compiled rules (a
    workspace that never closed)."""
    if source is None:
        return REPO_SEEDS
    folder = source.seeds if isinstance(source, Workspace) else Path(source)
    return folder if (folder / "rules.csv").is_file() else REPO_SEEDS


def read_books(source: SeedSource = None) -> list[RuleBook]:
    """The books of the seeds of ``source`` (see ``seeds_dir``), in effective order."""
    return read_folder(seeds_dir(source))


def read_folder(folder: Path) -> list[RuleBook]:
    """The books compiled into ``folder``, in effective order; a missing seed has no rows."""
    books: dict[str, RuleBook] = {}

    def book(version: str) -> RuleBook:
        if version not in books:
            books[version] = RuleBook(str(folder), None, version, None, "", "", [], [], [])
        return books[version]

    for row in _rows(folder, "rulebooks"):
        found = book(row["rulebook_version"])
        found.effective_from = _day(row["effective_from"])
        found.currency, found.description = row["currency"], row["description"]
    for row in _rows(folder, "rules"):
        book(row["rulebook_version"]).rules.append(_rule(row))
    for row in _rows(folder, "score_points"):
        rule = book(row["rulebook_version"]).rule(row["rule_id"])
        if rule is not None:
            rule.points_by_score[int(row["score"])] = Decimal(row["points"])
    for row in _rows(folder, "team_targets"):
        rule = book(row["rulebook_version"]).rule(row["rule_id"])
        if rule is not None:
            rule.targets[row["team_id"]] = Decimal(row["monthly_target"])
    for row in _rows(folder, "tiers"):
        found = book(row["rulebook_version"])
        found.tiers.append(Tier(row["tier"], Decimal(row["min_points"]), None))
        found.rewards.append(Reward(row["tier"], row["reward"], Decimal(row["cash_value"])))
    for found in books.values():
        _close_tiers(found)
    return sorted(
        books.values(), key=lambda found: (found.effective_from or date.min, found.version)
    )


def read_loyalty_books(source: SeedSource = None) -> list[LoyaltyBook]:
    """The loyalty books of the seeds of ``source`` (see ``seeds_dir``), in effective order."""
    return read_loyalty_folder(seeds_dir(source))


def read_loyalty_folder(folder: Path) -> list[LoyaltyBook]:
    """The loyalty books compiled into ``folder``: whole numbers as ``int``, CNY as ``Decimal``."""
    books = []
    for row in _rows(folder, "loyalty_rulebooks"):
        version, effective_from = row["rulebook_version"], _day(row["effective_from"])
        book = LoyaltyBook(str(folder), None, version, effective_from, row["description"])
        for parameter in LOYALTY_PARAMETERS:
            text = row[parameter.name]
            setattr(book, parameter.name, int(text) if parameter.whole else Decimal(text))
        books.append(book)
    return sorted(books, key=lambda book: (book.effective_from or date.min, book.version))


Book = TypeVar("Book", RuleBook, LoyaltyBook)


def in_effect(books: list[Book], day: date) -> Book | None:
    """The book in effect on ``day``: the latest one that took effect on or before it."""
    started = [book for book in books if book.effective_from and book.effective_from <= day]
    started.sort(key=lambda book: (book.effective_from, book.version))
    return started[-1] if started else None


def _rows(folder: Path, seed: str) -> list[dict[str, str]]:
    path = folder / f"{seed}.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _rule(row: dict[str, str]) -> Rule:
    surveys = row["min_surveys"]
    rule = Rule(
        id=row["rule_id"],
        kind=row["kind"],
        description=row["description"],
        rate=_decimal(row["rate"]),
        points=_decimal(row["points"]),
        multiplier=_decimal(row["multiplier"]),
        limit=_decimal(row["limit_points"]),
        min_surveys=int(surveys) if surveys else None,
        mean_score_below=_decimal(row["mean_score_below"]),
        factor=_decimal(row["factor"]),
        family=_names(row["family"]),
        cap=row["cap_rule_id"] or None,
        base=row["base_rule_id"] or None,
        window_start=_day(row["window_start"]),
        window_end=_day(row["window_end"]),
        segment=row["segment"] or None,
        roles=_names(row["roles"]),
        teams=_names(row["teams"]),
    )
    if rule.kind in AMOUNT_THRESHOLD:
        setattr(rule, AMOUNT_THRESHOLD[rule.kind], _decimal(row["default_target"]))
    return rule


def _close_tiers(book: RuleBook) -> None:
    """The seed keeps each tier's floor only: a tier ends below the next one's floor."""
    book.tiers.sort(key=lambda tier: tier.start)
    for lower, upper in zip(book.tiers, book.tiers[1:], strict=False):
        lower.below = upper.start


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _names(text: str) -> tuple[str, ...]:
    return tuple(name for name in text.split("|") if name)
