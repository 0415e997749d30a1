-- Kind first_sale (NEW_CUSTOMER in 2026.1): a customer's first-ever loaded sale (earliest
-- txn_date, then smallest txn_id) earns fixed points for that sale's rep, in that sale's period,
-- under the rule book version in effect on the sale's date.
with periods as (
    select * from {{ ref('int_periods') }}
),

sales as (
    select * from {{ ref('stg_validated__sales') }}
    where txn_type = 'sale'
),

-- Aggregates rather than a window over every sale: the history only has to be grouped, and
-- only customers whose first sale falls in a computed period go further.
first_dates as (
    select
        customer_id,
        min(txn_date) as first_date
    from sales
    group by customer_id
),

first_ids as (
    select
        periods.period,
        sales.customer_id,
        min(sales.txn_id) as txn_id
    from first_dates
    inner join periods
        on first_dates.first_date between periods.period_start and periods.period_end
    inner join sales
        on
            first_dates.customer_id = sales.customer_id
            and first_dates.first_date = sales.txn_date
    group by periods.period, sales.customer_id
),

first_sales as (
    select
        first_ids.period,
        sales.*
    from first_ids
    inner join sales on first_ids.txn_id = sales.txn_id
)

select
    first_sales.period,
    rules.rule_id || ':' || first_sales.txn_id as line_id,
    first_sales.rep_id,
    rules.rule_id,
    rules.rulebook_version,
    'sales' as source,
    first_sales.txn_id as source_id,
    {{ as_points('rules.points') }} as points,
    'first sale ' || first_sales.txn_id || ' to customer ' || first_sales.customer_id
    || ' = ' || {{ decimal_text(as_points('rules.points')) }} as explanation,
    first_sales.source_file,
    first_sales.source_row_number,
    first_sales.source_file_hash,
    {{ row_derivation(
        'first_sale',
        inputs=[
            ('txn_type', 'first_sales.txn_type'), ('customer_id', 'first_sales.customer_id'),
            ('txn_date', 'first_sales.txn_date'), ('rep_id', 'first_sales.rep_id'),
        ] + eligibility_inputs('rules.roles', 'rules.teams', 'reps.role', 'reps.team_id'),
        parameters=[('points', 'rules.points')] + eligibility_parameters('rules.roles', 'rules.teams'),
        formula="'first sale of customer ' || first_sales.customer_id || ' = points ' || "
            ~ decimal_text(as_points('rules.points')),
    ) }}
from first_sales
inner join {{ ref('int_rulebook_calendar') }} as calendar
    on first_sales.txn_date between calendar.valid_from and calendar.valid_to
inner join {{ ref('rules') }} as rules
    on calendar.rulebook_version = rules.rulebook_version and rules.kind = 'first_sale'
inner join {{ ref('stg_validated__reps') }} as reps
    on first_sales.rep_id = reps.rep_id
where {{ rule_applies_to('rules', 'reps') }}
