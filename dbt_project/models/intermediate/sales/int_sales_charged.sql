{{ config(materialized='table') }}
-- Every loaded sale and return dated in a computed period, with the rep it is charged to and the
-- date it is scored on. A return is charged to the rep of the original sale (matched on
-- order_id) in the period of its own txn_date, and scored like the sale it reverses: on the
-- sale's date, so it meets the same rule book version and SPIFF window and a full return
-- cancels its sale.
with periods as (
    select * from {{ ref('int_periods') }}
),

sales as (
    select * from {{ ref('stg_validated__sales') }}
),

original_sales as (
    select
        order_id,
        txn_id as sale_txn_id,
        rep_id as sale_rep_id,
        customer_id as sale_customer_id,
        txn_date as sale_date
    from sales
    where txn_type = 'sale'
)

select
    periods.period,
    sales.txn_id,
    sales.txn_type,
    sales.order_id,
    original_sales.sale_txn_id,
    case when sales.txn_type = 'sale' then sales.rep_id else original_sales.sale_rep_id end
        as rep_id,
    case
        when sales.txn_type = 'sale' then sales.customer_id else original_sales.sale_customer_id
    end as customer_id,
    sales.txn_date,
    case when sales.txn_type = 'sale' then sales.txn_date else original_sales.sale_date end
        as scored_on,
    sales.amount,
    sales.currency,
    case when sales.txn_type = 'sale' then 1 else -1 end as direction,
    case when sales.txn_type = 'sale' then sales.amount else -sales.amount end as net_amount,
    sales.source_file,
    sales.source_row_number,
    sales.source_file_hash
from sales
inner join periods
    on sales.txn_date between periods.period_start and periods.period_end
left join original_sales
    on sales.txn_type = 'return' and sales.order_id = original_sales.order_id
