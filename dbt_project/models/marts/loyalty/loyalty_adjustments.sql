-- Members whose balance at the end of the month before changed since it was published, with the
-- late rows behind it: rows loaded after that month's close and dated on or before its end
-- (sales and returns, booked to the sale's customer; redemptions the walk accepted; the
-- member's own row).
with adjusted as (
    select
        customer_id,
        prior_period_adjustment
    from {{ ref('member_balances') }}
    where prior_period_adjustment <> 0
),

closed_at as (
    select max(publications.published_at) as published_at
    from {{ ref('stg_published__publications') }} as publications
    inner join {{ ref('stg_published__previous_loyalty_close') }} as previous
        on publications.period = previous.period and publications.version = previous.version
),

late_files as (
    select
        files.source,
        files.source_file
    from {{ ref('stg_pipeline__ingested_files') }} as files
    where files.ingested_at > (select closed_at.published_at from closed_at)
),

sales_rows as (
    select
        coalesce(sales.customer_id, rows.customer_id) as customer_id,
        rows.txn_date as row_date,
        rows.source_file,
        rows.source_row_number
    from {{ ref('stg_validated__sales') }} as rows
    left join {{ ref('stg_validated__sales') }} as sales
        on rows.txn_type = 'return' and sales.txn_type = 'sale' and rows.order_id = sales.order_id
),

late_rows as (
    select
        'sales' as source,
        customer_id,
        source_file,
        source_row_number
    from sales_rows
    where row_date < {{ period_start() }}
    union all
    select
        'redemptions' as source,
        customer_id,
        source_file,
        source_row_number
    from {{ ref('stg_validated__redemptions') }} as redemptions
    where
        redemptions.redeemed_date < {{ period_start() }}
        and not exists (  -- a refused redemption moved no points
            select 1 from {{ ref('int_loyalty_verdicts') }} as refused
            where
                refused.redemption_id = redemptions.redemption_id
                and refused.status <> 'accepted'
        )
    union all
    select
        'members' as source,
        customer_id,
        source_file,
        source_row_number
    from {{ ref('stg_validated__members') }}
    where enrolled_date < {{ period_start() }}
)

select
    {{ period_label() }} as period,
    adjusted.customer_id,
    cast(adjusted.prior_period_adjustment as bigint) as prior_period_adjustment,
    '[' || coalesce({{ dbt.listagg(
        "'{\"source\":\"' || late_rows.source || '\",\"file\":\"' || late_rows.source_file
        || '\",\"row\":' || cast(late_rows.source_row_number as " ~ dbt.type_string() ~ ") || '}'",
        "','",
        "order by late_rows.source, late_rows.source_file, late_rows.source_row_number") }}, '')
    || ']' as late_rows
from adjusted
left join late_rows
    on
        adjusted.customer_id = late_rows.customer_id
        and late_rows.source_file in (
            select late_files.source_file from late_files
            where late_files.source = late_rows.source
        )
group by adjusted.customer_id, adjusted.prior_period_adjustment
