-- TEAM_BONUS: a team whose net sales amount in the period (sales minus returns, by the team of
-- the rep charged) reaches its target pays a bonus to each member with a sale in the period.
with rulebook as (
    select * from {{ ref('int_rulebook_in_effect') }}
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
        reps.team_id,
        sum(scored.net_amount) as net_amount
    from scored
    inner join reps on scored.rep_id = reps.rep_id
    group by reps.team_id
),

targets as (
    select
        team_net.team_id,
        team_net.net_amount,
        coalesce(specific.monthly_target, fallback.monthly_target) as monthly_target
    from team_net
    cross join rulebook
    left join {{ ref('team_targets') }} as specific
        on
            rulebook.rulebook_version = specific.rulebook_version
            and team_net.team_id = specific.team_id
    left join {{ ref('team_targets') }} as fallback
        on
            rulebook.rulebook_version = fallback.rulebook_version
            and fallback.team_id = '*'
),

sellers as (
    select distinct rep_id from scored
    where txn_type = 'sale'
)

select
    rulebook.period,
    'TEAM_BONUS:' || sellers.rep_id as line_id,
    sellers.rep_id,
    'TEAM_BONUS' as rule_id,
    rulebook.rulebook_version,
    'team' as source,
    reps.team_id as source_id,
    {{ as_points('rulebook.team_bonus_points') }} as points,
    'team ' || reps.team_id || ' net sales ' || {{ money_text('targets.net_amount') }} || ' '
    || rulebook.currency || ' >= target ' || {{ money_text('targets.monthly_target') }} || ' '
    || rulebook.currency || ' = ' || {{ decimal_text(as_points('rulebook.team_bonus_points')) }}
        as explanation,
    cast(null as {{ dbt.type_string() }}) as source_file,
    cast(null as bigint) as source_row_number,
    cast(null as {{ dbt.type_string() }}) as source_file_hash
from sellers
inner join reps on sellers.rep_id = reps.rep_id
inner join targets on reps.team_id = targets.team_id
cross join rulebook
where targets.net_amount >= targets.monthly_target
