-- Redemptions this close accepts that no published loyalty close had accepted: kept with the
-- version, they are never again quarantined (the coupon was issued).
select
    {{ period_label() }} as period,
    verdicts.redemption_id
from {{ ref('int_loyalty_verdicts') }} as verdicts
where
    verdicts.status = 'accepted'
    and not exists (
        select 1
        from {{ ref('stg_published__loyalty_accepted_redemptions') }} as accepted
        where accepted.redemption_id = verdicts.redemption_id
    )
