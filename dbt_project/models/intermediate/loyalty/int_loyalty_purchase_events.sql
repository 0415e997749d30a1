-- PURCHASE events of the walk: a member's sale earns floor(amount / earn_amount); a loaded
-- return of that order takes back what the order's net lost, floor(net_before / earn_amount) -
-- floor(net_after / earn_amount), its returns taken in (txn_date, txn_id) order, by the sale's
-- book, booked to the sale's customer while still a member (after left_date: nothing).
with returns as (
    select
        returns.txn_id,
        returns.txn_date,
        returns.amount,
        returns.source_file,
        returns.source_row_number,
        returns.source_file_hash,
        sales.txn_id as sale_txn_id,
        sales.order_id,
        sales.customer_id,
        sales.rulebook_version,
        sales.earn_amount,
        sales.amount - coalesce(sum(returns.amount) over (
            partition by returns.order_id order by returns.txn_date, returns.txn_id
            rows between unbounded preceding and 1 preceding
        ), 0) as net_before
    from {{ ref('stg_validated__sales') }} as returns
    inner join {{ ref('int_loyalty_member_sales') }} as sales on returns.order_id = sales.order_id
    where returns.txn_type = 'return'
),

reversals as (
    select
        returns.*,
        {{ points_for_amount('returns.net_before', 'returns.earn_amount') }}
        - {{ points_for_amount('returns.net_before - returns.amount', 'returns.earn_amount') }}
            as points
    from returns
    inner join {{ ref('stg_validated__members') }} as members
        on
            returns.customer_id = members.customer_id
            and {{ is_member_on('members', 'returns.txn_date') }}
    where returns.txn_date <= {{ period_end() }}
)

select
    customer_id,
    txn_date as event_date,
    1 as event_order,
    'earn' as action,
    'PURCHASE' as kind,
    'sales' as source,
    txn_id as source_id,
    {{ points_for_amount('amount', 'earn_amount') }} as points,
    rulebook_version,
    'PURCHASE:' || txn_id as lot_id,
    {{ expiry_day('txn_date', 'expiry_months') }} as lot_expires_on,
    cast(null as {{ dbt.type_string() }}) as reverses_lot,
    'sale ' || txn_id || ' of order ' || order_id || ': floor(' || {{ decimal_text('amount') }}
    || ' / ' || {{ decimal_text('earn_amount') }} || ')' as explanation,
    source_file,
    source_row_number,
    source_file_hash
from {{ ref('int_loyalty_member_sales') }}
where {{ points_for_amount('amount', 'earn_amount') }} > 0

union all

select
    customer_id,
    txn_date as event_date,
    2 as event_order,
    'reverse' as action,
    'PURCHASE' as kind,
    'sales' as source,
    txn_id as source_id,
    points,
    rulebook_version,
    cast(null as {{ dbt.type_string() }}) as lot_id,
    cast(null as date) as lot_expires_on,
    'PURCHASE:' || sale_txn_id as reverses_lot,
    'return ' || txn_id || ' of order ' || order_id || ' (sale ' || sale_txn_id || '): net '
    || {{ decimal_text('net_before') }} || ' -> ' || {{ decimal_text('net_before - amount') }}
    || ', floor(net / ' || {{ decimal_text('earn_amount') }} || ') drops by '
    || cast(points as {{ dbt.type_string() }}) as explanation,
    source_file,
    source_row_number,
    source_file_hash
from reversals
where points > 0
