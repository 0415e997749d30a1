{{ config(materialized='table') }}
-- Members whose events up to the end of the month before are exactly those the previous close
-- walked: their walk resumes from the saved state instead of starting again (same result, cost
-- of the period's events only). JIFEN_LOYALTY_REWALK=all walks everyone from the start.
select
    states.customer_id,
    states.debt,
    states.next_seq,
    states.month,
    states.month_redeemed
from {{ ref('stg_published__previous_walk_states') }} as states
inner join {{ ref('int_loyalty_event_digests') }} as digests
    on states.customer_id = digests.customer_id
where
    states.events_digest = coalesce(digests.digest_before, '')
    and '{{ env_var("JIFEN_LOYALTY_REWALK", "") }}' <> 'all'
