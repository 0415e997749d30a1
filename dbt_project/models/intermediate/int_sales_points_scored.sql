-- SALES: each sale earns round(amount x rate); each return deducts the same, charged to the rep
-- of the original sale, in the period of the return.
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
        rep_id as sale_rep_id
    from sales
    where txn_type = 'sale'
),

scored as (
    select
        periods.period,
        periods.rulebook_version,
        periods.sales_rate,
        sales.txn_id,
        sales.txn_type,
        sales.order_id,
        sales.amount,
        sales.currency,
        sales.source_file,
        sales.source_row_number,
        sales.source_file_hash,
        original_sales.sale_txn_id,
        case when sales.txn_type = 'sale' then 1 else -1 end as direction,
        case
            when sales.txn_type = 'sale' then sales.rep_id else original_sales.sale_rep_id
        end as rep_id,
        {{ as_points(round_half_away('sales.amount * periods.sales_rate')) }} as unsigned_points
    from sales
    inner join periods
        on sales.txn_date between periods.period_start and periods.period_end
    left join original_sales
        on sales.txn_type = 'return' and sales.order_id = original_sales.order_id
)

select
    period,
    'SALES:' || txn_id as line_id,
    rep_id,
    'SALES' as rule_id,
    rulebook_version,
    'sales' as source,
    txn_id as source_id,
    {{ as_points('direction * unsigned_points') }} as points,
    case
        when txn_type = 'sale'
            then
                'sale ' || txn_id || ' ' || {{ money_text('amount') }} || ' ' || currency
                || ' x ' || {{ rate_text('sales_rate') }} || ' = ' || {{ decimal_text('unsigned_points') }}
        else
            'return ' || txn_id || ' of order ' || order_id || ' (sale ' || sale_txn_id || ') '
            || {{ money_text('amount') }} || ' ' || currency || ' x ' || {{ rate_text('sales_rate') }}
            || ' = -' || {{ decimal_text('unsigned_points') }}
    end as explanation,
    source_file,
    source_row_number,
    source_file_hash,
    txn_type,
    direction * amount as net_amount
from scored
