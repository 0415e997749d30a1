-- TEAM_BONUS: a team whose net sales amount in the period (sales minus returns, by the team of
-- the rep charged) reaches its target pays a bonus to each member with a sale in the period.
with periods as (
    select * from {{ ref('int_periods') }}
),

reps as (
    select
        rep_id,
        team_id
    from {{ ref('stg_validated__reps') }}
),

scored as (
    select * from {{ ref('int_sales_points_scored') }}
),

team_net as (
    select
        scored.period,
        reps.team_id,
        sum(scored.net_amount) as net_amount
    from scored
    inner join reps on scored.rep_id = reps.rep_id
    group by scored.period, reps.team_id
),

targets as (
    select
        team_net.period,
        team_net.team_id,
        team_net.net_amount,
        coalesce(specific.monthly_target, fallback.monthly_target) as monthly_target
    from team_net
    inner join periods on team_net.period = periods.period
    left join {{ ref('team_targets') }} as specific
        on
            periods.rulebook_version = specific.rulebook_version
            and team_net.team_id = specific.team_id
    left join {{ ref('team_targets') }} as fallback
        on
            periods.rulebook_version = fallback.rulebook_version
            and fallback.team_id = '*'
),

sellers as (
    select distinct
        period,
        rep_id
    from scored
    where txn_type = 'sale'
)

select
    sellers.period,
    'TEAM_BONUS:' || sellers.rep_id as line_id,
    sellers.rep_id,
    'TEAM_BONUS' as rule_id,
    periods.rulebook_version,
    'team' as source,
    reps.team_id as source_id,
    {{ as_points('periods.team_bonus_points') }} as points,
    'team ' || reps.team_id || ' net sales ' || {{ money_text('targets.net_amount') }} || ' '
    || periods.currency || ' >= target ' || {{ money_text('targets.monthly_target') }} || ' '
    || periods.currency || ' = ' || {{ decimal_text(as_points('periods.team_bonus_points')) }}
        as explanation,
    cast(null as {{ dbt.type_string() }}) as source_file,
    cast(null as bigint) as source_row_number,
    cast(null as {{ dbt.type_string() }}) as source_file_hash
from sellers
inner join reps on sellers.rep_id = reps.rep_id
inner join targets on sellers.period = targets.period and reps.team_id = targets.team_id
inner join periods on sellers.period = periods.period
where targets.net_amount >= targets.monthly_target
