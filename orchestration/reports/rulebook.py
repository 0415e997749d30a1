"""The rule book as the reports need it, read from the seeds the workspace's closes use.

A workspace's live rule books are compiled into ``HOME/state/seeds`` at every close and dbt reads
them from there; a workspace that never closed falls back to the repository's ``seeds/``. The
published tables say which tier a rep reached and which rules paid, not where the next tier
starts or what a rule is: those come from the same seeds the pipeline computed with.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from orchestration.lib.paths import REPO_SEEDS as SEEDS
from orchestration.lib.workspace import Workspace

# Rule kinds in the order the reports list them (the contract's rule order for 2026.1), then the
# lines the pipeline writes itself.
KIND_ORDER = ("amount_rate", "spiff", "first_sale", "score_points", "cap", "gate", "team_bonus")
BUILT_IN = {
    "MANUAL_ADJUSTMENT": ("manual_adjustment", "Approved manual adjustments (landing/adjustments)"),
    "PRIOR_PERIOD_ADJUSTMENT": (
        "prior_period_adjustment",
        "Changes to closed periods from rows that arrived after they were closed",
    ),
}

SeedSource = Workspace | Path | None


@dataclass(frozen=True)
class Tier:
    name: str
    min_points: Decimal
    reward: str
    cash_value: Decimal


@dataclass(frozen=True)
class RuleInfo:
    rule_id: str
    kind: str
    description: str
    rulebook_version: str | None = None


def seeds_dir(source: SeedSource = None) -> Path:
    """The seed folder of a workspace (or a seed folder given as such), else the repository's."""
    if source is None:
        return SEEDS
    folder = source.seeds if isinstance(source, Workspace) else Path(source)
    return folder if (folder / "rules.csv").is_file() else SEEDS


def seeds_of_published(published_db: Path) -> Path:
    """The seeds of the workspace a readers' copy belongs to (``HOME/published.duckdb``)."""
    return seeds_dir(Workspace(Path(published_db).resolve().parent))


def _rows(name: str, source: SeedSource = None) -> list[dict[str, str]]:
    path = seeds_dir(source) / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _listed(rulebook_versions: str) -> list[str]:
    return [v.strip() for v in rulebook_versions.split(",") if v.strip()]


def governing_version(rulebook_versions: str, period: str, source: SeedSource = None) -> str:
    """The version whose tiers apply: as in dbt, the one in effect on the period's first day.

    ``rulebook_versions`` is the publication's comma-separated list; when the rulebooks seed does
    not settle it, the last listed version wins.
    """
    listed = _listed(rulebook_versions)
    start = f"{period}-01"
    effective = sorted(
        (row["effective_from"], row["rulebook_version"])
        for row in _rows("rulebooks", source)
        if row["rulebook_version"] in listed and row["effective_from"] <= start
    )
    return effective[-1][1] if effective else (listed[-1] if listed else "")


def tiers(rulebook_version: str, source: SeedSource = None) -> list[Tier]:
    """Tiers of one rule book version, lowest threshold first (empty if the seed is absent)."""
    found = [
        Tier(row["tier"], Decimal(row["min_points"]), row["reward"], Decimal(row["cash_value"]))
        for row in _rows("tiers", source)
        if row["rulebook_version"] == rulebook_version
    ]
    return sorted(found, key=lambda tier: tier.min_points)


def rules(rulebook_versions: str, governing: str = "", source: SeedSource = None) -> dict:
    """Every rule of the listed versions by id: its kind and description (the governing
    version's when several versions have the rule, else the last listed one's), plus the
    lines the pipeline writes itself (MANUAL_ADJUSTMENT, PRIOR_PERIOD_ADJUSTMENT)."""
    listed = _listed(rulebook_versions)
    preference = [v for v in listed if v != governing] + ([governing] if governing else [])
    found: dict[str, RuleInfo] = {}
    rows = _rows("rules", source)
    for version in preference:
        for row in rows:
            if row["rulebook_version"] == version:
                found[row["rule_id"]] = RuleInfo(
                    row["rule_id"], row["kind"], row.get("description") or "", version
                )
    for rule_id, (kind, description) in BUILT_IN.items():
        found.setdefault(rule_id, RuleInfo(rule_id, kind, description))
    return found


def rule_order(catalog: dict[str, RuleInfo]) -> dict[str, int]:
    """Rank of each rule kind for sorting: the kinds in KIND_ORDER, then the built-in lines."""
    kinds = [*KIND_ORDER, *(kind for kind, _ in BUILT_IN.values())]
    return {
        rule_id: kinds.index(info.kind) if info.kind in kinds else len(kinds)
        for rule_id, info in catalog.items()
    }


def next_tier(ladder: list[Tier], total: Decimal) -> tuple[Tier, Decimal] | None:
    """The first tier above ``total`` and the points still missing to reach it."""
    for tier in ladder:
        if total < tier.min_points:
            return tier, tier.min_points - total
    return None
