"""Write-audit-publish: before a version is published, great-expectations checks that what dbt
produced holds together. The gate computes no points, tiers, ranks or rewards again (each rule's
meaning lives in its dbt model); it checks invariants that any correct result satisfies:

- the ledger sums to the totals, per rep and period, and every ledger line names a known rule
  (a rule of the rule books, or one of the two lifecycle rules);
- every rep's tier is the tier seed's band that holds its total (``tiers``: a tier's
  ``min_points`` up to the next tier's);
- ranks follow totals as ``RANK()`` orders them (``marts/rep_period_points.sql``);
- the reward list pays each tier what the tier seed says;
- the number of reps stays within a band of the previous published period's;
- the loyalty program's identities (docs/loyalty-program.md): each member's balance is the sum of
  its walk's lines and its lots' remaining points minus its debt; closing = opening +
  prior-period adjustment + the period's activity; the period's ledger lines move the balance from
  opening to closing and its late lines sum to the adjustment; the KPIs are the balances' sums
  and open where the previous period closed.

GX runs on small frames built from the candidate marts (one row per rule, or per rep), never on
ledger lines: that keeps it cheap at any scale. Amounts travel as integer cents and integers stay
integers (pandas' nullable ``Int64``), so no float ever enters a comparison.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from orchestration.gate.record import as_stored
from orchestration.warehouse.connection import Warehouse

LIFECYCLE_RULES = ("PRIOR_PERIOD_ADJUSTMENT", "MANUAL_ADJUSTMENT")  # in no rule book
NO_TIER = "(none)"

# The rules a ledger line may name: those of every rule book version in the seeds.
KNOWN_RULES_SQL = "select distinct rule_id from rules order by rule_id"

# The tiers of the rule book version that governs the period being closed.
CLOSING_TIERS_SQL = """
select * from tiers
where rulebook_version = (select rulebook_version from int_periods where is_closing)
"""

# One row per rule: the ledger has a line per sale and survey (millions at scale), so its checks
# are counted here and GX judges the counts.
LEDGER_SQL = """
select
    rule_id,
    count(*) as lines,
    count(*) filter (where line_id is null) as lines_without_id,
    count(*) filter (where rep_id is null) as lines_without_rep,
    count(*) filter (where points is null) as lines_without_points,
    count(line_id) - count(distinct line_id) as repeated_line_ids
from points_ledger
group by rule_id
"""

# One row per rep and period of the results or of the ledger (a rep in only one shows up too).
TOTALS_SQL = """
with ledger as (
    select period, rep_id, sum(points) as points from points_ledger group by period, rep_id
)
select
    coalesce(results.period, ledger.period) as period,
    coalesce(results.rep_id, ledger.rep_id) as rep_id,
    results.rep_id as rep_in_results,
    cast(coalesce(results.total_points, 0) * 100 as bigint) as total_cents,
    cast(coalesce(ledger.points, 0) * 100 as bigint) as ledger_cents
from rep_period_points as results
full outer join ledger
    on results.period = ledger.period and results.rep_id = ledger.rep_id
"""

# One row per rep: its total and the band of the tier it was given ([band_min, band_end)); a rep
# without a tier must stay below the lowest tier. An open end is null and checks nothing.
TIERS_SQL = f"""
with bands as (
    select tier, min_points, lead(min_points) over (order by min_points) as next_min_points
    from ({CLOSING_TIERS_SQL}) as closing_tiers
)
select
    results.rep_id,
    cast(results.total_points * 100 as bigint) as total_cents,
    coalesce(results.tier, '{NO_TIER}') as tier,
    cast(bands.min_points * 100 as bigint) as band_min_cents,
    cast(
        case
            when results.tier is null then (select min(min_points) from bands)
            else bands.next_min_points
        end * 100 as bigint
    ) as band_end_cents
from rep_period_points as results
left join bands on results.tier = bands.tier
"""

# One row per rep and ranking (the company, and each team), in rank order: each rep beside the
# rep ranked just above it, so GX can check the order pair by pair.
RANKS_SQL = """
with ranked as (
    select 'company' as ranking, rep_id, total_points, company_rank as rank
    from rep_period_points
    union all
    select 'team ' || team_id, rep_id, total_points, team_rank from rep_period_points
),

in_rank_order as (
    select
        ranking,
        rep_id,
        cast(total_points * 100 as bigint) as total_cents,
        rank,
        row_number() over in_order as place,
        lag(cast(total_points * 100 as bigint)) over in_order as previous_total_cents,
        lag(rank) over in_order as previous_rank
    from ranked
    window in_order as (partition by ranking order by rank, total_points desc, rep_id)
)

select *, coalesce(total_cents = previous_total_cents, false) as tied
from in_rank_order
"""

# One row per rep of the results or of the reward list, beside what the tier seed pays its tier.
REWARDS_SQL = f"""
with closing_tiers as ({CLOSING_TIERS_SQL})
select
    coalesce(results.rep_id, rewards.rep_id) as rep_id,
    results.rep_id as rep_in_results,
    coalesce(results.tier, '{NO_TIER}') as tier,
    coalesce(rewards.tier, '{NO_TIER}') as reward_tier,
    coalesce(rewards.reward, '{NO_TIER}') as reward,
    coalesce(closing_tiers.reward, '{NO_TIER}') as seed_reward,
    cast(coalesce(rewards.cash_value, 0) * 100 as bigint) as cash_cents,
    cast(coalesce(closing_tiers.cash_value, 0) * 100 as bigint) as seed_cash_cents
from rep_period_points as results
full outer join reward_list as rewards
    on results.period = rewards.period and results.rep_id = rewards.rep_id
left join closing_tiers on results.tier = closing_tiers.tier
"""

# One row: how many members break each loyalty identity (counted in SQL, one row whatever the
# number of members; GX judges the counts).
LOYALTY_SQL = """
with lines as (
    select customer_id, sum(points) as points from int_loyalty_lines group by customer_id
),
lots as (
    select customer_id, sum(remaining) as points from int_loyalty_lots group by customer_id
),
ledger as (
    select customer_id, sum(points) as moved,
           sum(case when late then points else 0 end) as late_points
    from loyalty_ledger group by customer_id
),
members as (
    select b.*, coalesce(l.points, 0) as walked, coalesce(t.points, 0) as lot_points,
           coalesce(g.moved, 0) as moved, coalesce(g.late_points, 0) as late_points
    from member_balances b
    left join lines l using (customer_id)
    left join lots t using (customer_id)
    left join ledger g using (customer_id)
),
previous_kpis as (
    select k.closing_points from published.loyalty_kpis k
    join stg_published__previous_loyalty_close c using (period, version)
)
select
    count(*) as members,
    count(*) filter (where closing_points <> walked) as balance_not_sum_of_lines,
    count(*) filter (where closing_points <> lot_points - debt_points)
        as balance_not_lots_minus_debt,
    count(*) filter (where closing_points <> opening_points + prior_period_adjustment + earned
                     + reversed + redeemed + expired + forfeited) as closing_not_rolled_forward,
    count(*) filter (where moved <> closing_points - opening_points) as ledger_not_movement,
    count(*) filter (where late_points <> prior_period_adjustment) as late_lines_not_adjustment,
    count(*) filter (where earned < 0 or reversed > 0 or redeemed > 0 or expired > 0
                     or forfeited > 0 or debt_points < 0) as wrong_signs,
    (select count(*) from loyalty_kpis k
     where k.closing_points <> (select coalesce(sum(closing_points), 0) from member_balances)
        or k.opening_points <> (select coalesce(sum(opening_points), 0) from member_balances)
        or k.opening_points <> coalesce((select closing_points from previous_kpis),
                                        k.opening_points)) as kpis_not_balance_sums
from members
"""

PREVIOUS_REPS_SQL = """
select count(*) from published.rep_period_points p
join (select period, max(version) as version from published.publications
      where period < (select period from int_periods where is_closing)
      group by period order by period desc limit 1) l using (period, version)
"""


def prefetch() -> None:
    """Import great-expectations in the background (it takes seconds) while dbt runs."""
    threading.Thread(
        target=importlib.import_module, args=("great_expectations",), daemon=True
    ).start()


@dataclass
class GateResult:
    passed: bool
    checked: int
    failures: list[str] = field(default_factory=list)
    validations: list = field(default_factory=list)  # GX results, for the Data Docs


@dataclass(frozen=True)
class Reference:
    """What the candidate is checked against: the seeds, the period and the published history."""

    known_rules: list[str]
    tiers: list[str]
    closing_period: str | None
    rep_band: tuple[int, int] | None


def _values(warehouse: Warehouse, sql: str) -> list:
    return [row[0] for row in warehouse.rows(sql)]


def _frame(warehouse: Warehouse, sql: str) -> pd.DataFrame:
    """Rows as pandas with nullable integers: counts and cents never become floats."""
    return warehouse.arrow(sql).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def _row_count_band(warehouse: Warehouse) -> tuple[int, int] | None:
    """The previous published period's rep count, +-50 % (+5): a roster does not halve or
    double in a month without someone noticing first."""
    previous = _values(warehouse, PREVIOUS_REPS_SQL)[0]
    if not previous:
        return None
    return int(previous * 0.5), int(previous * 1.5) + 5


def read_reference(warehouse: Warehouse) -> Reference:
    closing = _values(warehouse, "select period from int_periods where is_closing")
    return Reference(
        known_rules=_values(warehouse, KNOWN_RULES_SQL) + list(LIFECYCLE_RULES),
        tiers=_values(
            warehouse, f"select tier from ({CLOSING_TIERS_SQL}) as t order by min_points"
        ),
        closing_period=closing[0] if closing else None,
        rep_band=_row_count_band(warehouse),
    )


def _reps_in_results(e) -> list:
    return [e.ExpectColumnValuesToNotBeNull(column=c) for c in ("rep_id", "rep_in_results")]


def _ledger_lines(e, reference: Reference) -> list:
    counted = ("lines_without_id", "lines_without_rep", "lines_without_points", "repeated_line_ids")
    return [
        e.ExpectColumnValuesToNotBeNull(column="rule_id"),
        e.ExpectColumnValuesToBeInSet(
            column="rule_id",
            value_set=reference.known_rules,
            description="Every ledger line names a rule of a rule book or of the lifecycle",
        ),
        *(e.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0) for c in counted),
    ]


def _rep_totals(e, reference: Reference) -> list:
    band = reference.rep_band
    return [
        *_reps_in_results(e),
        e.ExpectColumnValuesToBeInSet(column="period", value_set=[reference.closing_period]),
        e.ExpectCompoundColumnsToBeUnique(column_list=["period", "rep_id"]),
        e.ExpectColumnPairValuesToBeEqual(
            column_A="total_cents",
            column_B="ledger_cents",
            description="Each rep's total is the sum of its ledger lines in the period",
        ),
        *([e.ExpectTableRowCountToBeBetween(min_value=band[0], max_value=band[1])] if band else []),
    ]


def _tiers(e, reference: Reference) -> list:
    return [
        e.ExpectColumnValuesToNotBeNull(column="total_cents"),
        e.ExpectColumnValuesToBeInSet(column="tier", value_set=[*reference.tiers, NO_TIER]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="total_cents",
            column_B="band_min_cents",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A rep's total reaches its tier's min_points",
        ),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="band_end_cents",
            column_B="total_cents",
            ignore_row_if="either_value_is_missing",
            description="A rep's total stays below the next tier's min_points",
        ),
    ]


def _ranks(e, reference: Reference) -> list:
    from great_expectations.expectations.row_conditions import Column

    return [
        e.ExpectColumnValuesToNotBeNull(column="rank"),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="previous_total_cents",
            column_B="total_cents",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="A higher total never ranks below a lower one",
        ),
        e.ExpectColumnPairValuesToBeEqual(
            column_A="rank",
            column_B="previous_rank",
            ignore_row_if="either_value_is_missing",  # a missing rank fails above
            row_condition=Column("tied") == True,  # noqa: E712 - a GX condition
            description="Equal totals share a rank",
        ),
        e.ExpectColumnPairValuesToBeEqual(
            column_A="rank",
            column_B="place",
            ignore_row_if="either_value_is_missing",
            row_condition=Column("tied") == False,  # noqa: E712 - a GX condition
            description="A rep below a higher total ranks at its place: RANK() counts every rep "
            "above it (1, 2, 2, 4)",
        ),
    ]


def _reward_list(e, reference: Reference) -> list:
    return [
        *_reps_in_results(e),
        e.ExpectColumnValuesToBeUnique(column="rep_id"),
        e.ExpectColumnPairValuesToBeEqual(
            column_A="reward_tier",
            column_B="tier",
            description="A rep with a tier has its reward, a rep without none",
        ),
        e.ExpectColumnPairValuesToBeEqual(
            column_A="reward", column_B="seed_reward", description="The reward is the tier seed's"
        ),
        e.ExpectColumnPairValuesToBeEqual(
            column_A="cash_cents",
            column_B="seed_cash_cents",
            description="The cash value is the tier seed's",
        ),
    ]


def _loyalty(e, reference: Reference) -> list:
    counted = (
        "balance_not_sum_of_lines",
        "balance_not_lots_minus_debt",
        "closing_not_rolled_forward",
        "ledger_not_movement",
        "late_lines_not_adjustment",
        "wrong_signs",
        "kpis_not_balance_sums",
    )
    return [e.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0) for c in counted]


# Each suite: the SQL of its frame, and its expectations (new ones at every run: a GX
# expectation belongs to one suite).
SUITES = {
    "ledger_lines": (LEDGER_SQL, _ledger_lines),
    "rep_totals": (TOTALS_SQL, _rep_totals),
    "tiers": (TIERS_SQL, _tiers),
    "ranks": (RANKS_SQL, _ranks),
    "reward_list": (REWARDS_SQL, _reward_list),
    "loyalty": (LOYALTY_SQL, _loyalty),
}
# Suites of a program a warehouse may lack (a hand-built one, or one from before the program):
# the table that must exist for the suite to run.
OPTIONAL_SUITES = {"loyalty": "member_balances"}


def run_gate(warehouse: Warehouse) -> GateResult:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("candidate")
    result = GateResult(passed=True, checked=0)
    reference = read_reference(warehouse)
    for name, (sql, expectations) in SUITES.items():
        if name in OPTIONAL_SUITES and not warehouse.table_exists(OPTIONAL_SUITES[name]):
            continue
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{name}_suite"))
        for expectation in expectations(gx.expectations, reference):
            suite.add_expectation(expectation)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{name}_gate", data=batch, suite=suite)
        )
        outcome = as_stored(validation.run(batch_parameters={"dataframe": _frame(warehouse, sql)}))
        result.validations.append(outcome)
        for item in outcome.results:
            result.checked += 1
            if not item.success:
                result.passed = False
                config = item.expectation_config
                kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
                unexpected = (item.result or {}).get("partial_unexpected_list", [])[:5]
                result.failures.append(f"{name}: {config.type} {kwargs} (e.g. {unexpected})")
    return result
