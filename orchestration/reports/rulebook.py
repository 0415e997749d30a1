"""Tier thresholds of a rule book, read from the dbt seeds the pipeline itself uses.

The published tables say which tier a rep reached, not where the next one starts; the seeds are
the rule book, so "what it takes to reach the next tier" comes from the same numbers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@dataclass(frozen=True)
class Tier:
    name: str
    min_points: Decimal
    reward: str
    cash_value: Decimal


def _rows(name: str) -> list[dict[str, str]]:
    path = SEEDS / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def governing_version(rulebook_versions: str, period: str) -> str:
    """The version whose tiers apply: as in dbt, the one in effect on the period's first day.

    ``rulebook_versions`` is the publication's comma-separated list; when the rulebooks seed does
    not settle it, the last listed version wins.
    """
    listed = [v.strip() for v in rulebook_versions.split(",") if v.strip()]
    start = f"{period}-01"
    effective = sorted(
        (row["effective_from"], row["rulebook_version"])
        for row in _rows("rulebooks")
        if row["rulebook_version"] in listed and row["effective_from"] <= start
    )
    return effective[-1][1] if effective else (listed[-1] if listed else "")


def tiers(rulebook_version: str) -> list[Tier]:
    """Tiers of one rule book version, lowest threshold first (empty if the seed is absent)."""
    found = [
        Tier(row["tier"], Decimal(row["min_points"]), row["reward"], Decimal(row["cash_value"]))
        for row in _rows("tiers")
        if row["rulebook_version"] == rulebook_version
    ]
    return sorted(found, key=lambda tier: tier.min_points)


def next_tier(ladder: list[Tier], total: Decimal) -> tuple[Tier, Decimal] | None:
    """The first tier above ``total`` and the points still missing to reach it."""
    for tier in ladder:
        if total < tier.min_points:
            return tier, tier.min_points - total
    return None
