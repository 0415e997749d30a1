"""The comparison of a trial: current vs candidate, per rep, tier, reward cost and rule.

Every figure is computed in DuckDB from the two sides' marts and read back as ``Decimal``;
rows are sorted, so the same trial gives the same rows (``outputs`` writes them as CSV files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from orchestration.trial.outputs import COST_COLUMNS
from orchestration.trial.score import SALES_PROGRAM, Scored
from orchestration.warehouse.connection import Warehouse

NONE_TIER = "(none)"
ALL = "all"
TOTAL = "total"
TOP = 10  # winners and losers listed each way


@dataclass
class Comparison:
    reps: list[dict[str, Any]]
    tier_movement: list[dict[str, Any]]
    cost: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    winners_losers: list[dict[str, Any]]
    tiers: list[str] = field(default_factory=list)  # matrix order, "(none)" first
    program: ClassVar[str] = SALES_PROGRAM

    @property
    def reps_compared(self) -> int:
        return len(self.reps)

    @property
    def reps_changed(self) -> int:
        return sum(1 for row in self.reps if row["delta"] != 0)

    @property
    def tier_changes(self) -> int:
        return sum(1 for row in self.reps if row["current_tier"] != row["candidate_tier"])

    @property
    def total_cost(self) -> dict[str, Any]:
        return next(row for row in self.cost if row["period"] == TOTAL)

    def rule_deltas(self, period: str = ALL) -> list[dict[str, Any]]:
        """Rules of ``period`` by the size of their difference, largest first."""
        rows = [row for row in self.rules if row["period"] == period]
        return sorted(rows, key=lambda row: (-abs(row["delta"]), row["rule_id"]))


REPS_SQL = f"""
with cur as (select * from trial_rep_period_points where side = 'current'),
cand as (select * from trial_rep_period_points where side = 'candidate'),
cur_rw as (select * from trial_reward_list where side = 'current'),
cand_rw as (select * from trial_reward_list where side = 'candidate'),
joined as (
    select
        coalesce(cand.period, cur.period) as period,
        coalesce(cand.rep_id, cur.rep_id) as rep_id,
        coalesce(cand.rep_name, cur.rep_name) as rep_name,
        coalesce(cand.team_id, cur.team_id) as team_id,
        coalesce(cur.total_points, 0) as current_total,
        coalesce(cand.total_points, 0) as candidate_total,
        coalesce(cur.tier, '{NONE_TIER}') as current_tier,
        coalesce(cand.tier, '{NONE_TIER}') as candidate_tier
    from cur full outer join cand on cur.period = cand.period and cur.rep_id = cand.rep_id
)
select
    joined.period, joined.rep_id, joined.rep_name, joined.team_id,
    joined.current_total, joined.candidate_total,
    cast(joined.candidate_total - joined.current_total as decimal(18, 2)) as delta,
    joined.current_tier, joined.candidate_tier,
    coalesce(cur_rw.reward, '') as current_reward,
    coalesce(cand_rw.reward, '') as candidate_reward,
    cast(coalesce(cur_rw.cash_value, 0) as decimal(18, 2)) as current_cash,
    cast(coalesce(cand_rw.cash_value, 0) as decimal(18, 2)) as candidate_cash,
    cast(coalesce(cand_rw.cash_value, 0) - coalesce(cur_rw.cash_value, 0) as decimal(18, 2))
        as cash_delta,
    pub.version as published_version,
    pub.total_points as published_total
from joined
left join cur_rw on joined.period = cur_rw.period and joined.rep_id = cur_rw.rep_id
left join cand_rw on joined.period = cand_rw.period and joined.rep_id = cand_rw.rep_id
left join trial_published_points as pub
    on joined.period = pub.period and joined.rep_id = pub.rep_id
order by joined.period, joined.rep_id
"""

RULES_SQL = """
with sides as (
    select
        period, rep_id, rule_id,
        sum(case when side = 'current' then points else 0 end) as current_points,
        sum(case when side = 'candidate' then points else 0 end) as candidate_points
    from trial_rep_period_rule_points
    group by period, rep_id, rule_id
),
labelled as (
    select period, * exclude (period) from sides
    union all
    select 'all' as period, * exclude (period) from sides
)
select
    period, rule_id,
    cast(sum(current_points) as decimal(18, 2)) as current_points,
    cast(sum(candidate_points) as decimal(18, 2)) as candidate_points,
    cast(sum(candidate_points) - sum(current_points) as decimal(18, 2)) as delta,
    count(*) filter (where current_points <> candidate_points) as reps_changed
from labelled
group by period, rule_id
order by period = 'all', period, rule_id
"""

WINNERS_SQL = """
with per_rep as (
    select
        rep_id,
        arg_max(rep_name, period) as rep_name,
        arg_max(team_id, period) as team_id,
        cast(sum(current_total) as decimal(18, 2)) as current_total,
        cast(sum(candidate_total) as decimal(18, 2)) as candidate_total,
        cast(sum(delta) as decimal(18, 2)) as delta,
        cast(sum(current_cash) as decimal(18, 2)) as current_cash,
        cast(sum(candidate_cash) as decimal(18, 2)) as candidate_cash,
        cast(sum(cash_delta) as decimal(18, 2)) as cash_delta,
        count(*) filter (where delta <> 0) as periods_changed
    from trial_reps
    group by rep_id
),
ranked as (
    select 'winner' as direction,
        row_number() over (order by delta desc, cash_delta desc, rep_id) as rank, *
    from per_rep where delta > 0
    union all
    select 'loser' as direction,
        row_number() over (order by delta, cash_delta, rep_id) as rank, *
    from per_rep where delta < 0
)
select * from ranked where rank <= ?
order by direction = 'loser', rank
"""


def compare(warehouse: Warehouse, scored: Scored, top: int = TOP) -> Comparison:
    warehouse.run(f"create or replace table trial_reps as {REPS_SQL}")
    reps = warehouse.dicts("select * from trial_reps order by period, rep_id")
    tiers = [NONE_TIER, *scored.tier_order]
    for row in reps:  # a tier named by neither seed cannot happen; keep the matrix complete
        for name in (row["current_tier"], row["candidate_tier"]):
            if name not in tiers:
                tiers.append(name)
    return Comparison(
        reps=reps,
        tier_movement=_tier_movement(reps, scored.periods, tiers),
        cost=_cost(warehouse, scored.periods),
        rules=warehouse.dicts(RULES_SQL),
        winners_losers=warehouse.dicts(WINNERS_SQL, [top]),
        tiers=tiers,
    )


def _tier_movement(reps, periods: list[str], tiers: list[str]) -> list[dict[str, Any]]:
    """The full from x to matrix per period and for all periods, zeros included."""
    rows = []
    for period in [*periods, ALL]:
        counts: dict[tuple[str, str], int] = {}
        for row in reps:
            if period in (ALL, row["period"]):
                key = (row["current_tier"], row["candidate_tier"])
                counts[key] = counts.get(key, 0) + 1
        for source in tiers:
            for target in tiers:
                rows.append(
                    {
                        "period": period,
                        "from_tier": source,
                        "to_tier": target,
                        "reps": counts.get((source, target), 0),
                    }
                )
    return rows


def _cost(warehouse: Warehouse, periods: list[str]) -> list[dict[str, Any]]:
    rows = warehouse.dicts(
        """
        select
            period,
            cast(sum(current_cash) as decimal(18, 2)) as current_cost,
            cast(sum(candidate_cash) as decimal(18, 2)) as candidate_cost,
            cast(sum(cash_delta) as decimal(18, 2)) as delta,
            count(*) filter (where current_tier <> '(none)') as current_rewarded,
            count(*) filter (where candidate_tier <> '(none)') as candidate_rewarded
        from trial_reps group by period order by period
        """,
    )
    found = {row["period"]: row for row in rows}
    zero = Decimal("0.00")
    rows = [
        found.get(period)
        or dict(zip(COST_COLUMNS[:6], (period, zero, zero, zero, 0, 0), strict=True))
        for period in periods
    ]
    published = dict(
        warehouse.rows(
            "select period, cast(sum(cash_value) as decimal(18, 2)) "
            "from trial_published_rewards group by period"
        )
    )
    found_published = warehouse.rows("select distinct period from trial_published_points")
    published_periods = {row[0] for row in found_published}
    for row in rows:
        if row["period"] in published_periods:
            row["published_cost"] = published.get(row["period"], Decimal("0.00"))
        else:
            row["published_cost"] = None
    total: dict[str, Any] = {"period": TOTAL}
    for name in COST_COLUMNS[1:-1]:
        total[name] = sum((row[name] for row in rows), Decimal("0.00") if "cost" in name else 0)
    total["delta"] = sum((row["delta"] for row in rows), Decimal("0.00"))
    every = rows and all(row["published_cost"] is not None for row in rows)
    total["published_cost"] = (
        sum((row["published_cost"] for row in rows), Decimal("0.00")) if every else None
    )
    return [*rows, total]
