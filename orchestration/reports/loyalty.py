"""The close report's loyalty section: the program's KPIs for the period, liability and breakage
over the last 12 months as charts, redemptions and offers, and the redemptions the walk refused.

Everything is read from the published loyalty tables of the version the page shows (and the
latest versions of the 11 months before it); nothing is computed again.
"""

from __future__ import annotations

from typing import Any

from orchestration.lib.period import month_before
from orchestration.reports.charts import bar_chart
from orchestration.reports.quarantine import Quarantine
from orchestration.warehouse.connection import Warehouse
from schemas.reasons import WALK_LEVEL

MONTHS = 12
LIABILITY_CHART = "Points liability (CNY), last 12 months"
BREAKAGE_CHART = "Breakage rate in percent, last 12 months"
CHARTS = (LIABILITY_CHART, BREAKAGE_CHART)  # their titles are translated like any text


def _kpis(published: Warehouse, period: str, version: int) -> dict[str, Any] | None:
    rows = published.dicts(
        "select * from loyalty_kpis where period = ? and version = ?", [period, version]
    )
    return rows[0] if rows else None


def _last_months(period: str) -> list[str]:
    months = [period]
    while len(months) < MONTHS:
        months.append(month_before(months[-1]))
    return months[::-1]


def _history(published: Warehouse, period: str, versions: dict[str, int]) -> list[dict]:
    found = []
    for month in _last_months(period):
        kpis = _kpis(published, month, versions[month]) if month in versions else None
        if kpis:
            found.append(kpis)
    return found


def loyalty_context(
    published: Warehouse, period: str, versions: dict[str, int], quarantine: Quarantine
) -> dict[str, Any] | None:
    """The section's data, or None when the version has no loyalty program (no members)."""
    version = versions[period]
    kpis = _kpis(published, period, version)
    if kpis is None:
        return None
    history = _history(published, period, versions)
    redemptions = published.dicts(
        "select count(*) as count, coalesce(sum(points), 0) as points, "
        "coalesce(sum(value_cny), 0) as value_cny, count(*) filter (where late) as late "
        "from redemption_register where period = ? and version = ?",
        [period, version],
    )[0]
    offers = published.rows(
        "select offer, count(*), sum(points) from member_offers where period = ? and version = ? "
        "group by offer order by offer",
        [period, version],
    )
    refused = [
        row
        for row in quarantine.in_period(period)
        if row["source"] == "redemptions" and row["reason"] in WALK_LEVEL
    ]
    return {
        "kpis": kpis,
        "liability_chart": bar_chart(
            LIABILITY_CHART, [(row["period"], row["liability_cny"]) for row in history]
        ),
        "breakage_chart": bar_chart(
            BREAKAGE_CHART,
            [
                (row["period"], row["breakage_rate_12m"] * 100)
                for row in history
                if row["breakage_rate_12m"] is not None
            ],
        ),
        "redemptions": redemptions,
        "offers": [{"offer": o, "members": n, "points": p} for o, n, p in offers],
        "refused": refused,
    }
