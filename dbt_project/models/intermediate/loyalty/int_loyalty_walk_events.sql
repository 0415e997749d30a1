-- The events the walk processes: all of a member's for a full walk, the period's only for a
-- member resumed from the saved state.
select events.*
from {{ ref('int_loyalty_events') }} as events
left join {{ ref('int_loyalty_resumed') }} as resumed
    on events.customer_id = resumed.customer_id
where resumed.customer_id is null or events.event_date >= {{ period_start() }}
