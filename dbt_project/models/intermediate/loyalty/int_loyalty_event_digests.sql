{{ config(materialized='table') }}
-- A digest of each member's events up to the end of the month before (compared with the one
-- saved by that month's close: equal means nothing new or late, so the walk resumes from the
-- saved lots) and up to the end of the period (saved by this close). `honoured` is left out:
-- a redemption first accepted by the previous close is honoured now, and walking it again on
-- the same events accepts it the same way. The digest is the count and the sum of the events'
-- hashes: independent of order and of constant memory, whatever a member's history.
with fingerprinted as (
    select
        customer_id,
        event_date,
        event_order,
        source_id,
        concat_ws(
            '|', cast(event_date as {{ dbt.type_string() }}), cast(event_order as {{ dbt.type_string() }}),
            action, kind, source, source_id, cast(points as {{ dbt.type_string() }}), rulebook_version,
            coalesce(lot_id, ''), coalesce(cast(lot_expires_on as {{ dbt.type_string() }}), ''),
            coalesce(reverses_lot, ''), coalesce(cast(monthly_limit as {{ dbt.type_string() }}), '')
        ) as fingerprint
    from {{ ref('int_loyalty_events') }}
)

select
    customer_id,
    {{ events_digest("event_date < " ~ period_start()) }} as digest_before,
    {{ events_digest("true") }} as digest_through
from fingerprinted
group by customer_id
