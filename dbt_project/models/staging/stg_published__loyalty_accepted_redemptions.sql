select
    period,
    version,
    redemption_id
from {{ source('published', 'loyalty_accepted_redemptions') }}
