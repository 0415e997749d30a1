"""Write-audit-publish: great-expectations checks the candidate results before they are published.

GX runs on small reconciliation frames built from the candidate marts (one row per rule of the
ledger, one per rep), never on raw rows or ledger lines: that keeps it cheap at any scale.
Amounts travel as integer cents so no float ever enters a comparison.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field

import duckdb

LIFECYCLE_RULES = ("PRIOR_PERIOD_ADJUSTMENT", "MANUAL_ADJUSTMENT")  # in no rule book

# The rules a ledger line may name: those of the rule book versions in effect, and the lifecycle's.
KNOWN_RULES_SQL = "select distinct rule_id from rules order by rule_id"

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

REPS_SQL = """
with ledger as (
    select rep_id, sum(points) as ledger_points from points_ledger group by rep_id
),
tiers_in_effect as (
    select t.tier, t.min_points from tiers t join int_periods r using (rulebook_version)
    where r.is_closing
)
select
    p.rep_id,
    cast(p.total_points * 100 as bigint) as total_cents,
    cast(coalesce(l.ledger_points, 0) * 100 as bigint) as ledger_cents,
    coalesce(p.tier, '(none)') as tier,
    coalesce((select max_by(t.tier, t.min_points) from tiers_in_effect t
              where t.min_points <= p.total_points), '(none)') as expected_tier,
    coalesce(w.tier, '(none)') as reward_tier,
    p.company_rank,
    1 + (select count(*) from rep_period_points o where o.total_points > p.total_points)
        as expected_company_rank,
    p.team_rank,
    1 + (select count(*) from rep_period_points o
         where o.team_id = p.team_id and o.total_points > p.total_points) as expected_team_rank
from rep_period_points p
left join ledger l using (rep_id)
left join reward_list w using (rep_id)
"""

REWARDS_SQL = """
select w.rep_id, p.rep_id as rep_in_results
from reward_list w left join rep_period_points p using (rep_id)
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


PREVIOUS_REPS_SQL = """
select count(*) from published.rep_period_points p
join (select period, max(version) as version from published.publications
      where period < (select period from int_periods where is_closing)
      group by period order by period desc limit 1) l using (period, version)
"""


def _row_count_band(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    """The previous published period's rep count, +-50 % (+5): a roster does not halve or
    double in a month without someone noticing first."""
    previous = con.execute(PREVIOUS_REPS_SQL).fetchall()[0][0]
    if not previous:
        return None
    return int(previous * 0.5), int(previous * 1.5) + 5


def _suites(band: tuple[int, int] | None, rules: list[str]):
    import great_expectations as gx  # heavy import: only when a gate runs

    e = gx.expectations
    counts = (
        [e.ExpectTableRowCountToBeBetween(min_value=band[0], max_value=band[1])] if band else []
    )
    return {
        "ledger_lines": (
            LEDGER_SQL,
            [
                e.ExpectColumnValuesToNotBeNull(column="rule_id"),
                e.ExpectColumnValuesToBeInSet(column="rule_id", value_set=rules),
                *(
                    e.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0)
                    for column in (
                        "lines_without_id",
                        "lines_without_rep",
                        "lines_without_points",
                        "repeated_line_ids",
                    )
                ),
            ],
        ),
        "rep_results": (
            REPS_SQL,
            [
                e.ExpectColumnValuesToNotBeNull(column="rep_id"),
                e.ExpectColumnValuesToBeUnique(column="rep_id"),
                e.ExpectColumnPairValuesToBeEqual(column_A="total_cents", column_B="ledger_cents"),
                e.ExpectColumnPairValuesToBeEqual(column_A="tier", column_B="expected_tier"),
                e.ExpectColumnPairValuesToBeEqual(column_A="reward_tier", column_B="tier"),
                e.ExpectColumnPairValuesToBeEqual(
                    column_A="company_rank", column_B="expected_company_rank"
                ),
                e.ExpectColumnPairValuesToBeEqual(
                    column_A="team_rank", column_B="expected_team_rank"
                ),
                *counts,
            ],
        ),
        "reward_list": (
            REWARDS_SQL,
            [e.ExpectColumnValuesToNotBeNull(column="rep_in_results")],
        ),
    }


def run_gate(con: duckdb.DuckDBPyConnection) -> GateResult:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("candidate")
    result = GateResult(passed=True, checked=0)
    rules = [row[0] for row in con.execute(KNOWN_RULES_SQL).fetchall()] + list(LIFECYCLE_RULES)
    for name, (sql, expectations) in _suites(_row_count_band(con), rules).items():
        frame = con.sql(sql).to_arrow_table().to_pandas()
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=f"{name}_suite"))
        for expectation in expectations:
            suite.add_expectation(expectation)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{name}_gate", data=batch, suite=suite)
        )
        outcome = validation.run(batch_parameters={"dataframe": frame})
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
