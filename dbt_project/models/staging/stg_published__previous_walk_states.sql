-- Each member's walk state saved by the previous month's loyalty close (empty at the first).
select
    states.customer_id,
    states.debt,
    states.next_seq,
    states.month,
    states.month_redeemed,
    states.events_digest
from {{ source('published', 'loyalty_walk_states') }} as states
where states.period = {{ previous_period_label() }}
