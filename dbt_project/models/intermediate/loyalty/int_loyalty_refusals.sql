-- The redemptions the walk refused (over_redemption_limit, insufficient_points), saved with the
-- walk so that a member resumed by the next close keeps its earlier verdicts.
select
    {{ period_label() }} as period,
    verdicts.customer_id,
    verdicts.redemption_id,
    verdicts.status,
    verdicts.detail
from {{ ref('int_loyalty_verdicts') }} as verdicts
where verdicts.status <> 'accepted'
