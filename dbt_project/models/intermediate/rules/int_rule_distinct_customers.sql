-- Kind distinct_customers: per rep and period, points for each distinct customer whose sales
-- charged to the rep in the period, less the returns dated in it (int_sales_charged: a return
-- is charged to the rep and customer of its original sale), add up to more than 0 and at least
-- the rule's min_amount. One line per rule, rep and period, under the rule book version in
-- effect on the period's first day; none for a rep without a customer counted.
with periods as (
    select * from {{ ref('int_periods') }}
),

reps as (
    select * from {{ ref('stg_validated__reps') }}
),

-- The seed column default_target holds a distinct_customers rule's min_amount
-- (orchestration/rulebooks/layout.py AMOUNT_THRESHOLD); none: any net amount above 0 counts.
counting_rules as (
    select
        periods.period,
        periods.currency,
        rules.rulebook_version,
        rules.rule_id,
        rules.points,
        rules.default_target as min_amount,
        rules.roles,
        rules.teams
    from periods
    inner join {{ ref('rules') }} as rules
        on periods.rulebook_version = rules.rulebook_version and rules.kind = 'distinct_customers'
),

-- Rules first: under a rule book without the kind nothing is summed.
customer_net as (
    select
        counting_rules.period,
        counting_rules.rule_id,
        charged.rep_id,
        charged.customer_id,
        sum(charged.net_amount) as net_amount
    from counting_rules
    inner join {{ ref('int_sales_charged') }} as charged
        on counting_rules.period = charged.period
    group by counting_rules.period, counting_rules.rule_id, charged.rep_id, charged.customer_id
),

judged as (
    select
        counting_rules.*,
        customer_net.rep_id,
        customer_net.customer_id,
        customer_net.net_amount,
        reps.role as rep_role,
        reps.team_id as rep_team_id,
        customer_net.net_amount > 0
        and customer_net.net_amount >= coalesce(counting_rules.min_amount, 0) as is_counted
    from counting_rules
    inner join customer_net
        on counting_rules.period = customer_net.period and counting_rules.rule_id = customer_net.rule_id
    inner join reps on customer_net.rep_id = reps.rep_id
    where {{ rule_applies_to('counting_rules', 'reps') }}
),

counted as (
    select
        period,
        currency,
        rulebook_version,
        rule_id,
        points,
        min_amount,
        roles,
        teams,
        rep_id,
        rep_role,
        rep_team_id,
        sum(case when is_counted then 1 else 0 end) as customer_count,
        {{ dbt.listagg(
            "case when is_counted then customer_id end", "'|'", 'order by customer_id'
        ) }} as counted_customers,
        {{ dbt.listagg(
            "customer_id || '=' || " ~ decimal_text('net_amount'), "'|'", 'order by customer_id'
        ) }} as customer_net_amounts
    from judged
    group by
        period, currency, rulebook_version, rule_id, points, min_amount, roles, teams, rep_id,
        rep_role, rep_team_id
),

lines as (
    select
        *,
        {{ as_points('customer_count * points') }} as line_points,
        case
            when coalesce(min_amount, 0) > 0 then '>= ' || {{ money_text('min_amount') }}
            else '> 0.00'
        end as threshold_text
    from counted
    where customer_count > 0
),

-- The amount_rate rules of each version: their lines show the sales and returns counted.
sales_rules as (
    select
        rulebook_version,
        {{ dbt.listagg('rule_id', "'|'", 'order by rule_id') }} as rule_ids
    from {{ ref('rules') }}
    where kind = 'amount_rate'
    group by rulebook_version
)

select
    lines.period,
    lines.rule_id || ':' || lines.rep_id as line_id,
    lines.rep_id,
    lines.rule_id,
    lines.rulebook_version,
    'rep' as source,
    lines.rep_id as source_id,
    lines.line_points as points,
    'customers with net sales ' || lines.threshold_text || ' ' || lines.currency || ': '
    || replace(lines.counted_customers, '|', ', ') || '; '
    || cast(lines.customer_count as {{ dbt.type_string() }}) || ' x '
    || {{ decimal_text(as_points('lines.points')) }} || ' = '
    || {{ decimal_text('lines.line_points') }} as explanation,
    {{ no_lineage() }},
    'distinct_customers' as rule_kind,
    {{ text_record([
        ('customer_count', 'lines.customer_count'),
        ('counted_customers', 'lines.counted_customers'),
        ('customer_net_amounts', 'lines.customer_net_amounts'),
        ('currency', 'lines.currency'),
    ] + eligibility_inputs('lines.roles', 'lines.teams', 'lines.rep_role', 'lines.rep_team_id')) }}
        as inputs,
    {{ text_record([
        ('points', as_points('lines.points')), ('min_amount', 'lines.min_amount'),
    ] + eligibility_parameters('lines.roles', 'lines.teams')) }} as parameters,
    'customers ' || cast(lines.customer_count as {{ dbt.type_string() }}) || ' x points '
    || {{ decimal_text(as_points('lines.points')) }} || ' = '
    || {{ decimal_text('lines.line_points') }} as formula,
    lines.period as input_period,
    sales_rules.rule_ids as input_rules
from lines
left join sales_rules on lines.rulebook_version = sales_rules.rulebook_version
