-- Kind first_sale (NEW_CUSTOMER in 2026.1): a customer's first-ever loaded sale (earliest
-- txn_date, then smallest txn_id) earns fixed points for that sale's rep, in that sale's period,
-- under the rule book version in effect on the sale's date.
with periods as (
    select * from {{ ref('int_periods') }}
),

sales_in_order as (
    select
        *,
        row_number() over (partition by customer_id order by txn_date, txn_id) as nth_sale
    from {{ ref('stg_validated__sales') }}
    where txn_type = 'sale'
),

first_sales as (
    select
        periods.period,
        sales_in_order.*
    from sales_in_order
    inner join periods
        on sales_in_order.txn_date between periods.period_start and periods.period_end
    where sales_in_order.nth_sale = 1
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
    first_sales.source_file_hash
from first_sales
inner join {{ ref('int_rulebook_calendar') }} as calendar
    on first_sales.txn_date between calendar.valid_from and calendar.valid_to
inner join {{ ref('rules') }} as rules
    on calendar.rulebook_version = rules.rulebook_version and rules.kind = 'first_sale'
inner join {{ ref('stg_validated__reps') }} as reps
    on first_sales.rep_id = reps.rep_id
where {{ rule_applies_to('rules', 'reps') }}
