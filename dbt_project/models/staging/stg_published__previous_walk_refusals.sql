-- The redemptions the previous month's loyalty close refused (empty at the first).
select
    refusals.customer_id,
    refusals.redemption_id,
    refusals.status,
    refusals.detail
from {{ source('published', 'loyalty_walk_refusals') }} as refusals
where refusals.period = {{ previous_period_label() }}
