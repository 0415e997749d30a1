"""The files a trial writes: the CSV layouts (fixed decimal text) and the HTML report's name.

The same comparison always writes the same bytes: decimals with their 2 places, NULL as empty,
lines ending in ``\\n``.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestration.trial.compare import Comparison
    from orchestration.trial.loyalty import LoyaltyComparison

REPS_COLUMNS = (
    "period",
    "rep_id",
    "rep_name",
    "team_id",
    "current_total",
    "candidate_total",
    "delta",
    "current_tier",
    "candidate_tier",
    "current_reward",
    "candidate_reward",
    "current_cash",
    "candidate_cash",
    "cash_delta",
    "published_version",
    "published_total",
)
TIER_COLUMNS = ("period", "from_tier", "to_tier", "reps")
COST_COLUMNS = (
    "period",
    "current_cost",
    "candidate_cost",
    "delta",
    "current_rewarded",
    "candidate_rewarded",
    "published_cost",
)
RULES_COLUMNS = ("period", "rule_id", "current_points", "candidate_points", "delta", "reps_changed")
WINNERS_COLUMNS = (
    "direction",
    "rank",
    "rep_id",
    "rep_name",
    "team_id",
    "current_total",
    "candidate_total",
    "delta",
    "current_cash",
    "candidate_cash",
    "cash_delta",
    "periods_changed",
)
CSV_FILES = {  # file -> (its columns, the attribute of the Comparison holding its rows)
    "reps.csv": (REPS_COLUMNS, "reps"),
    "tier_movement.csv": (TIER_COLUMNS, "tier_movement"),
    "cost.csv": (COST_COLUMNS, "cost"),
    "rules.csv": (RULES_COLUMNS, "rules"),
    "winners_losers.csv": (WINNERS_COLUMNS, "winners_losers"),
}
LOYALTY_SUMMARY_COLUMNS = ("period", "measure", "current", "candidate", "delta")
LOYALTY_OFFERS_COLUMNS = (
    "period",
    "offer",
    "current_members",
    "candidate_members",
    "members_delta",
    "current_points",
    "candidate_points",
    "points_delta",
)
LOYALTY_MEMBERS_COLUMNS = (
    "period",
    "customer_id",
    "current_earned",
    "candidate_earned",
    "current_redeemed",
    "candidate_redeemed",
    "current_lost",
    "candidate_lost",
    "current_closing",
    "candidate_closing",
    "delta",
    "current_liability_cny",
    "candidate_liability_cny",
    "current_offer",
    "candidate_offer",
)
LOYALTY_CSV_FILES = {  # a loyalty trial's files, as CSV_FILES (LoyaltyComparison attributes)
    "loyalty_summary.csv": (LOYALTY_SUMMARY_COLUMNS, "summary"),
    "loyalty_offers.csv": (LOYALTY_OFFERS_COLUMNS, "offers"),
    "loyalty_members.csv": (LOYALTY_MEMBERS_COLUMNS, "members"),
}
CSV_LAYOUTS = {"sales": CSV_FILES, "loyalty": LOYALTY_CSV_FILES}  # program -> its files
REPORT_FILE = "report.html"
OUTPUT_FILES = (*CSV_FILES, REPORT_FILE)


def output_files(program: str) -> tuple[str, ...]:
    """Every file a trial of ``program``'s rule book writes."""
    return (*CSV_LAYOUTS[program], REPORT_FILE)


def text(value: Any) -> str:
    """A CSV cell: decimals with their 2 places, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([text(row[name]) for name in columns])
    return path


def write_all(comparison: Comparison | LoyaltyComparison, out: Path) -> list[Path]:
    """Every CSV file of the comparison (of either program) into ``out``."""
    return [
        write_csv(out / name, columns, getattr(comparison, rows))
        for name, (columns, rows) in CSV_LAYOUTS[comparison.program].items()
    ]
