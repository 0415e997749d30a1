"""The trial's readable report: one self-contained HTML page (inline CSS and SVG, no scripts).

Charts use the house ``Chart``/``Bar`` geometry and the ``bar_chart`` macro of
``orchestration/reports``; the labels here are rule ids, so the label column is wider.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from orchestration.reports import fmt
from orchestration.reports.charts import BAR_HEIGHT, PAD, ROW_HEIGHT, TENTH, Bar, Chart
from orchestration.reports.pages import TEMPLATES as REPORT_TEMPLATES
from orchestration.trial.compare import ALL, Comparison

TEMPLATES = Path(__file__).resolve().parent / "templates"
LABEL_WIDTH = 170
PLOT_WIDTH = 300
VALUE_WIDTH = 100
CHANGED_ROWS = 200  # rows of changed reps shown in the page; reps.csv has them all


def chart(title: str, items: list[tuple[str, Decimal | int]]) -> Chart:
    """Horizontal bars (negative ones left of the zero line), as ``charts.bar_chart``."""
    values = [Decimal(value) for _, value in items]
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    span = (high - low) or Decimal(1)

    def at(value: Decimal) -> Decimal:
        return LABEL_WIDTH + (value - low) / span * PLOT_WIDTH

    def px(value: Decimal) -> str:
        return str(value.quantize(TENTH))

    bars = []
    for index, ((label, raw), value) in enumerate(zip(items, values, strict=True)):
        left, right = at(min(value, Decimal(0))), at(max(value, Decimal(0)))
        top = PAD + index * ROW_HEIGHT
        text_y = str(top + BAR_HEIGHT - 5)
        bars.append(Bar(label, raw, px(left), str(top), text_y, px(right - left), value < 0))
    return Chart(
        title=title,
        bars=bars,
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=2 * PAD + max(len(items), 1) * ROW_HEIGHT,
        zero_x=px(at(Decimal(0))),
        label_x=LABEL_WIDTH - 8,
        value_x=LABEL_WIDTH + PLOT_WIDTH + 8,
        plot_x=LABEL_WIDTH,
    )


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


@cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(REPORT_TEMPLATES)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=fmt.num, signed=fmt.signed, direction=fmt.direction)
    return env


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
    html = (
        environment()
        .get_template("trial.html")
        .render(
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
        )
    )
    path.write_bytes(html.encode("utf-8"))
    return path
