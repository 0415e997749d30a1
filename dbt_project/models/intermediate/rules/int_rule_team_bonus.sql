-- Kind team_bonus (TEAM_BONUS in 2026.1): a team whose net sales amount in the period (sales
-- minus returns, by the current team of the rep charged) reaches its target (the rule's target
-- for the team, else its default_target) pays the bonus to each eligible member with a sale in
-- the period.
with periods as (
    select * from {{ ref('int_periods') }}
),

reps as (
    select * from {{ ref('stg_validated__reps') }}
),

charged as (
    select
        charged.period,
        charged.rep_id,
        charged.txn_type,
        charged.net_amount,
        reps.team_id
    from {{ ref('int_sales_charged') }} as charged
    inner join reps on charged.rep_id = reps.rep_id
),

team_net as (
    select
        period,
        team_id,
        sum(net_amount) as net_amount
    from charged
    group by period, team_id
),

bonuses as (
    select
        periods.period,
        periods.currency,
        rules.*
    from periods
    inner join {{ ref('rules') }} as rules
        on periods.rulebook_version = rules.rulebook_version and rules.kind = 'team_bonus'
),

reached as (
    select
        bonuses.period,
        bonuses.rule_id,
        bonuses.rulebook_version,
        bonuses.currency,
        bonuses.points,
        bonuses.roles,
        bonuses.teams,
        team_net.team_id,
        team_net.net_amount,
        coalesce(targets.monthly_target, bonuses.default_target) as monthly_target
    from bonuses
    inner join team_net on bonuses.period = team_net.period
    left join {{ ref('team_targets') }} as targets
        on
            bonuses.rulebook_version = targets.rulebook_version
            and bonuses.rule_id = targets.rule_id
            and team_net.team_id = targets.team_id
    where team_net.net_amount >= coalesce(targets.monthly_target, bonuses.default_target)
),

sellers as (
    select distinct
        period,
        rep_id
    from charged
    where txn_type = 'sale'
)

select
    sellers.period,
    reached.rule_id || ':' || sellers.rep_id as line_id,
    sellers.rep_id,
    reached.rule_id,
    reached.rulebook_version,
    'team' as source,
    reps.team_id as source_id,
    {{ as_points('reached.points') }} as points,
    'team ' || reps.team_id || ' net sales ' || {{ money_text('reached.net_amount') }} || ' '
    || reached.currency || ' >= target ' || {{ money_text('reached.monthly_target') }} || ' '
    || reached.currency || ' = ' || {{ decimal_text(as_points('reached.points')) }}
        as explanation,
    {{ no_lineage() }}
from sellers
inner join reps on sellers.rep_id = reps.rep_id
inner join reached on sellers.period = reached.period and reps.team_id = reached.team_id
where {{ rule_applies_to('reached', 'reps') }}
