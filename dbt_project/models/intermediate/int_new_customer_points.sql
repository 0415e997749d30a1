-- NEW_CUSTOMER: a customer's first-ever loaded sale (earliest txn_date, then smallest txn_id)
-- earns fixed points for that sale's rep, in that sale's period.
with periods as (
    select * from {{ ref('int_periods') }}
),

sales_in_order as (
    select
        *,
        row_number() over (partition by customer_id order by txn_date, txn_id) as nth_sale
    from {{ ref('stg_validated__sales') }}
    where txn_type = 'sale'
)

select
    periods.period,
    'NEW_CUSTOMER:' || sales_in_order.txn_id as line_id,
    sales_in_order.rep_id,
    'NEW_CUSTOMER' as rule_id,
    periods.rulebook_version,
    'sales' as source,
    sales_in_order.txn_id as source_id,
    {{ as_points('periods.new_customer_points') }} as points,
    'first sale ' || sales_in_order.txn_id || ' to customer ' || sales_in_order.customer_id
    || ' = ' || {{ decimal_text(as_points('periods.new_customer_points')) }} as explanation,
    sales_in_order.source_file,
    sales_in_order.source_row_number,
    sales_in_order.source_file_hash
from sales_in_order
inner join periods
    on sales_in_order.txn_date between periods.period_start and periods.period_end
where sales_in_order.nth_sale = 1
