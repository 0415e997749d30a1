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
        coalesce(targets.monthly_target, bonuses.default_target) as monthly_target,
        case when targets.monthly_target is null then 'default' else 'team' end as target_of
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
    select
        period,
        rep_id,
        count(*) as sale_count
    from charged
    where txn_type = 'sale'
    group by period, rep_id
),

-- The amount_rate rules of each version: their lines show the sales a team's net amount adds up.
sales_rules as (
    select
        rulebook_version,
        {{ dbt.listagg('rule_id', "'|'", 'order by rule_id') }} as rule_ids
    from {{ ref('rules') }}
    where kind = 'amount_rate'
    group by rulebook_version
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
    {{ no_lineage() }},
    'team_bonus' as rule_kind,
    {{ text_record([
        ('team_id', 'reps.team_id'), ('team_net_amount', 'reached.net_amount'),
        ('currency', 'reached.currency'), ('rep_sale_count', 'sellers.sale_count'),
    ] + eligibility_inputs('reached.roles', 'reached.teams', 'reps.role', 'reps.team_id')) }} as inputs,
    {{ text_record([
        ('points', 'reached.points'), ('monthly_target', 'reached.monthly_target'),
        ('target_of', 'reached.target_of'),
    ] + eligibility_parameters('reached.roles', 'reached.teams')) }} as parameters,
    'net sales ' || {{ decimal_text('reached.net_amount') }} || ' >= target '
    || {{ decimal_text('reached.monthly_target') }} || ' = points '
    || {{ decimal_text(as_points('reached.points')) }} as formula,
    sellers.period as input_period,
    sales_rules.rule_ids as input_rules
from sellers
inner join reps on sellers.rep_id = reps.rep_id
inner join reached on sellers.period = reached.period and reps.team_id = reached.team_id
left join sales_rules on reached.rulebook_version = sales_rules.rulebook_version
where {{ rule_applies_to('reached', 'reps') }}
