{{ config(materialized='table') }}
-- The walk's verdict on every redemption it reached: accepted, over_redemption_limit or
-- insufficient_points (the two walk-level reason codes). A member resumed from the saved state
-- keeps the refusals of the previous close (its earlier redemptions are not walked again).
select
    walk.customer_id,
    walk.source_id as redemption_id,
    walk.status,
    walk.detail
from {{ ref('int_loyalty_walk') }} as walk
where walk.record = 'verdict'

union all

select
    refusals.customer_id,
    refusals.redemption_id,
    refusals.status,
    refusals.detail
from {{ ref('stg_published__previous_walk_refusals') }} as refusals
inner join {{ ref('int_loyalty_resumed') }} as resumed
    on refusals.customer_id = resumed.customer_id
