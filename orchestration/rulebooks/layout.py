"""The compiled seed layout: columns of each seed and how each value is written as text.

The layout is fixed by ``seeds/_rulebook.yml`` (dbt's column types); a test keeps these column
lists equal to it. Decimals are written with exactly as many places as their column type, so
the CSVs are the same bytes for the same books whatever way a number was typed in the YAML.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orchestration.lib.paths import REPO_ROOT, REPO_RULEBOOKS, REPO_SEEDS  # noqa: F401
from orchestration.rulebooks.model import LOYALTY_PARAMETERS

SCHEMA_FILE = "_rulebook.yml"

SALES_SEED_COLUMNS: dict[str, tuple[str, ...]] = {
    "rulebooks": ("rulebook_version", "effective_from", "currency", "description"),
    "rules": (
        "rulebook_version",
        "rule_id",
        "kind",
        "rate",
        "points",
        "multiplier",
        "limit_points",
        "min_surveys",
        "mean_score_below",
        "factor",
        "family",
        "cap_rule_id",
        "base_rule_id",
        "window_start",
        "window_end",
        "segment",
        "roles",
        "teams",
        "default_target",
        "description",
    ),
    "score_points": ("rulebook_version", "rule_id", "score", "points"),
    "team_targets": ("rulebook_version", "rule_id", "team_id", "monthly_target"),
    "tiers": ("rulebook_version", "tier", "min_points", "reward", "cash_value"),
}
# One row per loyalty book version. Not in the sales program's input fingerprint
# (orchestration/publish/store.py RULEBOOK_SEEDS): loyalty publications are fingerprinted apart.
LOYALTY_SEED_COLUMNS: dict[str, tuple[str, ...]] = {
    "loyalty_rulebooks": (
        "rulebook_version",
        "effective_from",
        *(parameter.name for parameter in LOYALTY_PARAMETERS),
        "description",
    ),
}
SEED_COLUMNS = {**SALES_SEED_COLUMNS, **LOYALTY_SEED_COLUMNS}  # every seed the compiler writes

# The column `default_target` holds the net sales amount (CNY) a kind's rule counts from: a
# team_bonus's default_target, a distinct_customers rule's min_amount. No new column for the
# latter: every publication's input fingerprint hashes every column of the `rules` seed, so one
# more would make every version published before it look changed (docs/decisions.md).
AMOUNT_THRESHOLD = {"team_bonus": "default_target", "distinct_customers": "min_amount"}

RATE_PLACES = Decimal("0.0001")  # decimal(9,4): rate, multiplier, mean_score_below, factor
AMOUNT_PLACES = Decimal("0.01")  # decimal(18,2): points, limits, targets, thresholds, cash


def rate_text(value: Decimal | None) -> str:
    return _fixed(value, RATE_PLACES)


def amount_text(value: Decimal | None) -> str:
    return _fixed(value, AMOUNT_PLACES)


def _fixed(value: Decimal | None, places: Decimal) -> str:
    if value is None:
        return ""
    fixed = value.quantize(places)
    if fixed == 0:
        fixed = abs(fixed)  # never "-0.00"
    return f"{fixed:f}"


def date_text(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def names_text(values: tuple[str, ...]) -> str:
    return "|".join(values)
