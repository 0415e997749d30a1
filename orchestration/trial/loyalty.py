"""The comparison of a loyalty trial: current (the live loyalty books) vs the candidate loyalty
book, per period: the program's figures, the offers by kind and every member's balance.

Each side's figures are read from its loyalty marts (``trial_<mart>`` with a ``side``, see
``score.LOYALTY_MARTS``) as ``int`` (points) and ``Decimal`` (CNY); differences are candidate -
current. Rows are sorted, so the same trial gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from orchestration.rulebooks.model import LOYALTY_PROGRAM
from orchestration.trial.score import Scored
from orchestration.warehouse.connection import Warehouse

# The figures compared, in the order shown: loyalty_kpis' columns, then the register's count.
FLOWS = (
    "points_earned",
    "points_reversed",
    "points_redeemed",
    "points_expired",
    "points_forfeited",
    "redemptions",
    "redemption_value_cny",
)  # activity of the period: summed over the trial periods in ``totals``
STOCKS = (
    "opening_points",
    "closing_points",
    "outstanding_points",
    "debt_points",
    "liability_cny",
    "members",
)  # balances at a period's start or end
MEASURES = (
    "opening_points",
    *FLOWS[:5],
    "closing_points",
    "outstanding_points",
    "debt_points",
    "liability_cny",
    *FLOWS[5:],
    "members",
)
AFFECTED = "members_affected"  # members whose closing balance differs: a difference only
TOTAL = "total"

FIGURES_SQL = """
select
    kpis.side, kpis.period, kpis.* exclude (side, period),
    (select count(*) from trial_redemption_register as register
     where register.side = kpis.side and register.period = kpis.period) as redemptions
from trial_loyalty_kpis as kpis
"""

MEMBERS_SQL = """
with cur as (select * from trial_member_balances where side = 'current'),
cand as (select * from trial_member_balances where side = 'candidate'),
cur_offer as (select * from trial_member_offers where side = 'current'),
cand_offer as (select * from trial_member_offers where side = 'candidate'),
joined as (
    select
        coalesce(cand.period, cur.period) as period,
        coalesce(cand.customer_id, cur.customer_id) as customer_id,
        coalesce(cur.earned, 0) as current_earned,
        coalesce(cand.earned, 0) as candidate_earned,
        coalesce(cur.redeemed, 0) as current_redeemed,
        coalesce(cand.redeemed, 0) as candidate_redeemed,
        coalesce(cur.expired, 0) + coalesce(cur.forfeited, 0) as current_lost,
        coalesce(cand.expired, 0) + coalesce(cand.forfeited, 0) as candidate_lost,
        coalesce(cur.closing_points, 0) as current_closing,
        coalesce(cand.closing_points, 0) as candidate_closing,
        cast(coalesce(cur.liability_cny, 0) as decimal(18, 2)) as current_liability_cny,
        cast(coalesce(cand.liability_cny, 0) as decimal(18, 2)) as candidate_liability_cny
    from cur full outer join cand
        on cur.period = cand.period and cur.customer_id = cand.customer_id
)
select
    joined.period, joined.customer_id,
    joined.current_earned, joined.candidate_earned,
    joined.current_redeemed, joined.candidate_redeemed,
    joined.current_lost, joined.candidate_lost,
    joined.current_closing, joined.candidate_closing,
    joined.candidate_closing - joined.current_closing as delta,
    joined.current_liability_cny, joined.candidate_liability_cny,
    coalesce(cur_offer.offer, '') as current_offer,
    coalesce(cand_offer.offer, '') as candidate_offer
from joined
left join cur_offer
    on joined.period = cur_offer.period and joined.customer_id = cur_offer.customer_id
left join cand_offer
    on joined.period = cand_offer.period and joined.customer_id = cand_offer.customer_id
order by joined.period, joined.customer_id
"""

OFFERS_SQL = """
select
    period, offer,
    count(*) filter (where side = 'current') as current_members,
    count(*) filter (where side = 'candidate') as candidate_members,
    coalesce(sum(points) filter (where side = 'current'), 0) as current_points,
    coalesce(sum(points) filter (where side = 'candidate'), 0) as candidate_points
from trial_member_offers
group by period, offer
"""


@dataclass
class LoyaltyComparison:
    """``summary``: (period, measure) rows; ``offers``: (period, offer kind) rows; ``members``:
    one row per member and period of either side."""

    summary: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    members: list[dict[str, Any]]
    periods: list[str]
    program: ClassVar[str] = LOYALTY_PROGRAM

    def figure(self, period: str, measure: str) -> dict[str, Any]:
        return next(
            row for row in self.summary if row["period"] == period and row["measure"] == measure
        )

    @property
    def members_affected(self) -> int:
        """Member-periods whose closing balance differs."""
        return sum(1 for row in self.members if row["delta"] != 0)

    def totals(self) -> list[dict[str, Any]]:
        """The flows summed over the trial periods, then the stocks of the last period and the
        members affected in it (what the CLI prints)."""
        rows = []
        for measure in FLOWS:
            found = [row for row in self.summary if row["measure"] == measure]
            rows.append(
                {
                    "period": TOTAL,
                    "measure": measure,
                    **{key: sum(row[key] for row in found) for key in SIDE_KEYS},
                }
            )
        last = self.periods[-1]
        rows += [self.figure(last, name) for name in (*STOCKS[1:], AFFECTED)]
        return rows


SIDE_KEYS = ("current", "candidate", "delta")


def compare_loyalty(warehouse: Warehouse, scored: Scored) -> LoyaltyComparison:
    figures = {(row["side"], row["period"]): row for row in warehouse.dicts(FIGURES_SQL)}
    members = warehouse.dicts(MEMBERS_SQL)
    summary = []
    for period in scored.periods:
        current = figures.get(("current", period), {})
        candidate = figures.get(("candidate", period), {})
        for measure in MEASURES:  # a side without members has no KPI row: nothing, as zero
            zero = Decimal("0.00") if measure.endswith("_cny") else 0
            before, after = current.get(measure, zero), candidate.get(measure, zero)
            summary.append(_figure(period, measure, before, after, after - before))
        affected = sum(1 for row in members if row["period"] == period and row["delta"] != 0)
        summary.append(_figure(period, AFFECTED, None, None, affected))
    return LoyaltyComparison(
        summary=summary,
        offers=_offers(warehouse, scored.periods),
        members=members,
        periods=scored.periods,
    )


def _figure(period: str, measure: str, current, candidate, delta) -> dict[str, Any]:
    return {
        "period": period,
        "measure": measure,
        "current": current,
        "candidate": candidate,
        "delta": delta,
    }


def _offers(warehouse: Warehouse, periods: list[str]) -> list[dict[str, Any]]:
    """Every offer kind either side makes, for every period (zeros included)."""
    found = {(row["period"], row["offer"]): row for row in warehouse.dicts(OFFERS_SQL)}
    kinds = sorted({offer for _, offer in found})
    rows = []
    for period in periods:
        for offer in kinds:
            row = found.get((period, offer), {})
            counts = {
                name: row.get(name, 0)
                for name in ("current_members", "candidate_members")
                + ("current_points", "candidate_points")
            }
            rows.append(
                {
                    "period": period,
                    "offer": offer,
                    "current_members": counts["current_members"],
                    "candidate_members": counts["candidate_members"],
                    "members_delta": counts["candidate_members"] - counts["current_members"],
                    "current_points": counts["current_points"],
                    "candidate_points": counts["candidate_points"],
                    "points_delta": counts["candidate_points"] - counts["current_points"],
                }
            )
    return rows
