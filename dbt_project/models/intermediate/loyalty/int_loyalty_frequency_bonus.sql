-- FREQUENCY_BONUS events: a customer who is a member on the last day of a month and has at
-- least frequency_orders qualifying orders in it (a member's sale dated in the month whose
-- amount minus its loaded returns dated in the same month is > 0) earns frequency_bonus,
-- dated the month's last day, by the book in effect that day.
with returned_in_month as (
    select
        order_id,
        date_trunc('month', txn_date) as month_start,
        sum(amount) as returned
    from {{ ref('stg_validated__sales') }}
    where txn_type = 'return'
    group by order_id, date_trunc('month', txn_date)
),

orders as (
    select
        sales.customer_id,
        cast({{ dbt.last_day("date_trunc('month', sales.txn_date)", 'month') }} as date) as month_end,
        count(*) as qualifying_orders
    from {{ ref('int_loyalty_member_sales') }} as sales
    left join returned_in_month as returned
        on
            sales.order_id = returned.order_id
            and date_trunc('month', sales.txn_date) = returned.month_start
    where sales.amount - coalesce(returned.returned, 0) > 0
    group by sales.customer_id, date_trunc('month', sales.txn_date)
)

select
    orders.customer_id,
    orders.month_end as event_date,
    3 as event_order,
    'earn' as action,
    'FREQUENCY_BONUS' as kind,
    'sales' as source,
    orders.customer_id || ':' || {{ month_label('orders.month_end') }}
        as source_id,
    books.frequency_bonus as points,
    books.rulebook_version,
    'FREQUENCY_BONUS:' || orders.customer_id || ':'
    || {{ month_label('orders.month_end') }} as lot_id,
    {{ expiry_day('orders.month_end', 'books.expiry_months') }} as lot_expires_on,
    cast(null as {{ dbt.type_string() }}) as reverses_lot,
    cast(orders.qualifying_orders as {{ dbt.type_string() }}) || ' qualifying orders in '
    || {{ month_label('orders.month_end') }} || ' (at least '
    || cast(books.frequency_orders as {{ dbt.type_string() }}) || ')' as explanation,
    cast(null as {{ dbt.type_string() }}) as source_file,
    cast(null as bigint) as source_row_number,
    cast(null as {{ dbt.type_string() }}) as source_file_hash
from orders
inner join {{ ref('stg_validated__members') }} as members
    on orders.customer_id = members.customer_id and {{ is_member_on('members', 'orders.month_end') }}
inner join {{ ref('int_loyalty_rulebook_calendar') }} as books
    on orders.month_end between books.valid_from and books.valid_to
where
    orders.month_end <= {{ period_end() }}
    and orders.qualifying_orders >= books.frequency_orders
    and books.frequency_bonus > 0
