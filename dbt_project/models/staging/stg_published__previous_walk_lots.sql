-- The lots each member held at the end of the previous month's loyalty close.
select
    lots.customer_id,
    lots.lot_id,
    lots.seq,
    lots.earned_on,
    lots.expires_on,
    lots.remaining,
    lots.rulebook_version
from {{ source('published', 'loyalty_walk_lots') }} as lots
where lots.period = {{ previous_period_label() }}
