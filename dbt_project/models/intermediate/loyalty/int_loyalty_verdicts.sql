-- The walk's verdict on every redemption it reached: accepted, over_redemption_limit or
-- insufficient_points (the two walk-level reason codes).
select
    walk.customer_id,
    walk.source_id as redemption_id,
    walk.status,
    walk.detail
from {{ ref('int_loyalty_walk') }} as walk
where walk.record = 'verdict'
