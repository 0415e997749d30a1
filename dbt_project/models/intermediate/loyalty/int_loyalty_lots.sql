-- The lots each member holds at the end of the period being closed (remaining points > 0), in
-- creation order (seq): what offers and expiring points read, and what the next close resumes.
select
    {{ period_label() }} as period,
    customer_id,
    lot_id,
    line_seq as seq,
    earned_on,
    expires_on,
    points as remaining,
    rulebook_version
from {{ ref('int_loyalty_walk') }}
where record = 'lot' and points > 0
