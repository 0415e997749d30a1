"""Quarterly standings: per rep the sum of the latest versions of the quarter's months.

Ranks are RANK() over the quarterly total (1, 2, 2, 4), company-wide and within the team the
rep belonged to in the last published month of the quarter in which the rep appears.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orchestration.warehouse.connection import Warehouse


def quarter_of(period: str) -> str:
    return f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"


def quarter_months(quarter: str) -> list[str]:
    year, number = quarter[:4], int(quarter[-1])
    return [f"{year}-{month:02d}" for month in range(3 * number - 2, 3 * number + 1)]


def quarterly_context(
    published: Warehouse, quarter: str, versions: dict[str, int], limit: int
) -> dict[str, Any]:
    """``limit``: the standings rows shown (the totals always cover every rep)."""
    months = quarter_months(quarter)
    included = [month for month in months if month in versions]
    picks = [(month, versions[month]) for month in included]
    chosen = " or ".join(["(period = ? and version = ?)"] * len(picks)) or "false"
    params = [value for pick in picks for value in pick]
    monthly = published.dicts(
        f"select rep_id, period, total_points from rep_period_points where {chosen}",
        params,
    )
    standings = published.dicts(
        "with months as (select * from rep_period_points where " + chosen + "), "
        "quarter as (select rep_id, arg_max(rep_name, period) as rep_name, "
        "arg_max(team_id, period) as team_id, sum(total_points) as total_points "
        "from months group by rep_id) "
        "select *, rank() over (order by total_points desc) as company_rank, "
        "rank() over (partition by team_id order by total_points desc) as team_rank "
        "from quarter order by company_rank, rep_id",
        params,
    )
    by_rep = {(row["rep_id"], row["period"]): row["total_points"] for row in monthly}
    for rep in standings:
        rep["months"] = [by_rep.get((rep["rep_id"], month)) for month in months]
    return {
        "quarter": quarter,
        "months": months,
        "included": picks,
        "missing": [month for month in months if month not in versions],
        "reps": standings[:limit],
        "rep_count": len(standings),
        "total_points": sum((rep["total_points"] for rep in standings), Decimal(0)),
        "month_totals": [
            sum((v for (_, m), v in by_rep.items() if m == month), Decimal(0)) for month in months
        ],
    }
