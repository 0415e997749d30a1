-- QUALITY_GATE: at least gate_min_surveys surveys in the period with a mean score below the
-- threshold, and S > 0: deduct round(factor x min(S, cap), 2).
with periods as (
    select * from {{ ref('int_periods') }}
),

survey_stats as (
    select
        periods.period,
        surveys.rep_id,
        count(*) as survey_count,
        sum(surveys.score) as score_sum
    from {{ ref('stg_validated__surveys') }} as surveys
    inner join periods
        on surveys.survey_date between periods.period_start and periods.period_end
    group by periods.period, surveys.rep_id
),

gated as (
    select
        subtotals.period,
        subtotals.rep_id,
        periods.rulebook_version,
        survey_stats.survey_count,
        survey_stats.score_sum,
        subtotals.sales_points,
        periods.gate_factor,
        periods.gate_mean_score_below,
        least(subtotals.sales_points, periods.sales_cap_points) as capped_sales_points
    from {{ ref('int_sales_subtotals') }} as subtotals
    inner join periods on subtotals.period = periods.period
    inner join survey_stats
        on subtotals.period = survey_stats.period and subtotals.rep_id = survey_stats.rep_id
    where
        survey_stats.survey_count >= periods.gate_min_surveys
        and survey_stats.score_sum < periods.gate_mean_score_below * survey_stats.survey_count
        and subtotals.sales_points > 0
)

select
    period,
    'QUALITY_GATE:' || rep_id as line_id,
    rep_id,
    'QUALITY_GATE' as rule_id,
    rulebook_version,
    'ledger' as source,
    'SATISFACTION:' || rep_id as source_id,
    {{ as_points('-' ~ round_half_away('gate_factor * capped_sales_points')) }} as points,
    cast(survey_count as {{ dbt.type_string() }}) || ' surveys, mean score '
    || {{ decimal_text(as_points('1.0 * score_sum / survey_count')) }} || ' < '
    || {{ rate_text('gate_mean_score_below') }} || ' with SALES '
    || {{ decimal_text('sales_points') }} || ': -' || {{ rate_text('gate_factor') }}
    || ' x ' || {{ decimal_text('capped_sales_points') }} || ' = -'
    || {{ decimal_text(as_points(round_half_away('gate_factor * capped_sales_points'))) }}
        as explanation,
    cast(null as {{ dbt.type_string() }}) as source_file,
    cast(null as bigint) as source_row_number,
    cast(null as {{ dbt.type_string() }}) as source_file_hash
from gated
