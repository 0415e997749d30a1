"""The rule book as the reports need it, read from the seeds the workspace's closes use.

A workspace's live rule books are compiled into ``HOME/state/seeds`` at every close and dbt reads
them from there; a workspace that never closed falls back to the repository's ``seeds/``
(``rulebooks.seeds`` reads them). The published tables say which tier a rep reached and which
rules paid, not where the next tier starts or what a rule is: those come from the same seeds the
pipeline computed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from orchestration.lib.period import window
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.model import Reward, Rule, Tier
from orchestration.rulebooks.seeds import SeedSource, in_effect, read_books, seeds_dir

__all__ = [
    "BUILT_IN",
    "KIND_ORDER",
    "Rung",
    "SeedSource",
    "governing_version",
    "next_tier",
    "rule_order",
    "rules",
    "seeds_dir",
    "seeds_of_published",
    "tiers",
]

# Rule kinds in the order the reports list them (2026.1's rules as docs/sales-program.md lists
# them, a spiff after the sales rule it rides on), then the lines the pipeline writes itself.
KIND_ORDER = (
    "amount_rate",
    "spiff",
    "first_sale",
    "score_points",
    "cap",
    "gate",
    "team_bonus",
    "distinct_customers",
)
BUILT_IN = {
    "MANUAL_ADJUSTMENT": ("manual_adjustment", "Approved manual adjustments (landing/adjustments)"),
    "PRIOR_PERIOD_ADJUSTMENT": (
        "prior_period_adjustment",
        "Changes to closed periods from rows that arrived after they were closed",
    ),
}


@dataclass(frozen=True)
class Rung:
    """One step of the tier ladder a rep climbs: the tier's floor and the reward it pays."""

    name: str
    min_points: Decimal
    reward: str
    cash_value: Decimal


def seeds_of_published(published_db: Path) -> Path:
    """The seeds of the workspace a readers' copy belongs to (``HOME/published.duckdb``)."""
    return seeds_dir(Workspace(Path(published_db).resolve().parent))


def _listed(rulebook_versions: str) -> list[str]:
    return [v.strip() for v in rulebook_versions.split(",") if v.strip()]


def governing_version(rulebook_versions: str, period: str, source: SeedSource = None) -> str:
    """The version whose tiers apply: as in dbt, the one in effect on the period's first day.

    ``rulebook_versions`` is the publication's comma-separated list; when the seeds do not
    settle it, the last listed version wins.
    """
    listed = _listed(rulebook_versions)
    books = [book for book in read_books(source) if book.version in listed]
    governing = in_effect(books, window(period).first_day)
    if governing is not None:
        return governing.version
    return listed[-1] if listed else ""


def tiers(rulebook_version: str, source: SeedSource = None) -> list[Rung]:
    """The ladder of one rule book version, lowest floor first (empty if the seeds lack it)."""
    for book in read_books(source):
        if book.version == rulebook_version:
            rewards = {reward.tier: reward for reward in book.rewards}
            return [_rung(tier, rewards[tier.name]) for tier in book.tiers]
    return []


def rules(rulebook_versions: str, governing: str = "", source: SeedSource = None) -> dict:
    """Every rule of the listed versions by id (the governing version's when several versions
    have the rule, else the last listed one's), plus the lines the pipeline writes itself
    (MANUAL_ADJUSTMENT, PRIOR_PERIOD_ADJUSTMENT) as rules of their own kind."""
    listed = _listed(rulebook_versions)
    preference = [v for v in listed if v != governing] + ([governing] if governing else [])
    books = {book.version: book for book in read_books(source)}
    found: dict[str, Rule] = {}
    for version in preference:
        for rule in books[version].rules if version in books else []:
            found[rule.id] = rule
    for rule_id, (kind, description) in BUILT_IN.items():
        found.setdefault(rule_id, Rule(rule_id, kind, description))
    return found


def rule_order(catalog: dict[str, Rule]) -> dict[str, int]:
    """Rank of each rule kind for sorting: the kinds in KIND_ORDER, then the built-in lines."""
    kinds = [*KIND_ORDER, *(kind for kind, _ in BUILT_IN.values())]
    return {
        rule_id: kinds.index(rule.kind) if rule.kind in kinds else len(kinds)
        for rule_id, rule in catalog.items()
    }


def _rung(tier: Tier, reward: Reward) -> Rung:
    return Rung(tier.name, tier.start, reward.reward, reward.cash_value)


def next_tier(ladder: list[Rung], total: Decimal) -> tuple[Rung, Decimal] | None:
    """The first tier above ``total`` and the points still missing to reach it."""
    for tier in ladder:
        if total < tier.min_points:
            return tier, tier.min_points - total
    return None
