-- The lots each member holds at the end of the period being closed: what a balance is made of
-- (closing_points = the lots' remaining points - debt_points) and when each part expires.
select
    period,
    customer_id,
    lot_id,
    earned_on,
    expires_on,
    cast(remaining as bigint) as remaining_points,
    rulebook_version
from {{ ref('int_loyalty_lots') }}
