"""The trial's readable report: one self-contained HTML page (inline CSS and SVG, no scripts).

Drawn with the reports' page kit (``reports.pages``): the template ``trial.html`` (a sales
trial) or ``trial_loyalty.html`` (a loyalty trial) extends the reports' ``base.html`` and its
charts are the reports' ``bar_chart``.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from orchestration.reports import fmt
from orchestration.reports.charts import Chart, bar_chart
from orchestration.reports.pages import write
from orchestration.trial.compare import ALL, Comparison
from orchestration.trial.loyalty import FLOWS, LoyaltyComparison

LABEL_WIDTH = 170  # the labels are rule ids and ranges of points, wider than the reports' names
VALUE_WIDTH = 100
CHANGED_ROWS = 200  # rows of changed reps (members) shown in the page; the CSV has them all
HEADLINE = ("points_earned", "points_redeemed", "points_expired", "liability_cny")


def chart(title: str, items: list[tuple[str, Decimal | int]]) -> Chart:
    return bar_chart(title, items, label_width=LABEL_WIDTH, value_width=VALUE_WIDTH)


def _nice_step(largest: Decimal, buckets: int = 5) -> Decimal:
    """The smallest of 1, 2, 5 x 10^k that splits ``largest`` into at most ``buckets``."""
    target = largest / buckets
    exponent = Decimal(10) ** (target.adjusted() - 1 if target else 0)
    for factor in (1, 2, 5, 10, 20, 50, 100):
        step = exponent * factor
        if step >= target:
            return step.normalize() if step >= 1 else step
    return exponent * 100


def distribution(deltas: list[Decimal]) -> list[tuple[str, int]]:
    """Rep-periods per range of points difference; unchanged ones in their own bar."""
    changed = [delta for delta in deltas if delta != 0]
    rows: list[tuple[str, int]] = []
    if not changed:
        return [("unchanged", len(deltas))]
    step = _nice_step(max(abs(delta) for delta in changed))

    def key(delta: Decimal) -> int:  # bucket k: (k-1, k] x step above zero, [k, k+1) below
        rounding = ROUND_CEILING if delta > 0 else ROUND_FLOOR
        return int((delta / step).to_integral_value(rounding=rounding))

    counts: dict[int, int] = {}
    for delta in changed:
        counts[key(delta)] = counts.get(key(delta), 0) + 1
    low, high = min(counts), max(counts)
    for k in range(min(low, 0), 0):
        rows.append((f"{fmt.num(k * step)} to {fmt.num((k + 1) * step)}", counts.get(k, 0)))
    rows.append(("unchanged", len(deltas) - len(changed)))
    for k in range(1, max(high, 0) + 1):
        rows.append((f"{fmt.signed((k - 1) * step)} to {fmt.signed(k * step)}", counts.get(k, 0)))
    return rows


def render(path: Path, comparison: Comparison, context: dict[str, Any]) -> Path:
    periods = context["periods"]
    cost_rows = [row for row in comparison.cost if row["period"] in periods]
    cost_items: list[tuple[str, Decimal | int]] = []
    for row in cost_rows:
        cost_items += [
            (f"{row['period']} current", row["current_cost"]),
            (f"{row['period']} candidate", row["candidate_cost"]),
        ]
    rules = comparison.rule_deltas(ALL)
    matrix = {
        (row["from_tier"], row["to_tier"]): row["reps"]
        for row in comparison.tier_movement
        if row["period"] == ALL
    }
    changed = [row for row in comparison.reps if row["delta"] != 0 or row["cash_delta"] != 0]
    changed.sort(key=lambda row: (-abs(row["delta"]), row["period"], row["rep_id"]))
    return write(
        path.parent,
        Path(path.name),
        "trial.html",
        dict(
            comparison=comparison,
            total=comparison.total_cost,
            cost_rows=cost_rows,
            cost_chart=chart("Reward cost per period, current and candidate", cost_items),
            rule_chart=chart(
                "Points difference by rule, all trial periods",
                [(row["rule_id"], row["delta"]) for row in rules if row["delta"] != 0],
            ),
            delta_chart=chart(
                "Rep-periods by points difference (candidate - current)",
                distribution([row["delta"] for row in comparison.reps]),
            ),
            rules=rules,
            matrix=matrix,
            winners=[r for r in comparison.winners_losers if r["direction"] == "winner"],
            losers=[r for r in comparison.winners_losers if r["direction"] == "loser"],
            changed=changed[:CHANGED_ROWS],
            changed_count=len(changed),
            **context,
        ),
    )


def render_loyalty(path: Path, comparison: LoyaltyComparison, context: dict[str, Any]) -> Path:
    totals = {row["measure"]: row for row in comparison.totals()}
    changed = [
        row
        for row in comparison.members
        if row["delta"] != 0 or row["current_offer"] != row["candidate_offer"]
    ]
    changed.sort(key=lambda row: (-abs(row["delta"]), row["period"], row["customer_id"]))
    points = [name for name in FLOWS if name.startswith("points_")]
    return write(
        path.parent,
        Path(path.name),
        "trial_loyalty.html",
        dict(
            summary=comparison.summary,
            offers=comparison.offers,
            headline=[totals[name] for name in (*HEADLINE, "members_affected")],
            last_period=comparison.periods[-1],
            flow_chart=chart(
                "Points difference by kind, all trial periods",
                [(name, totals[name]["delta"]) for name in points if totals[name]["delta"]],
            ),
            changed=changed[:CHANGED_ROWS],
            changed_count=len(changed),
            **context,
        ),
    )
