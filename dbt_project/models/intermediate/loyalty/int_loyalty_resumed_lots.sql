-- The saved lots of the members resumed by this close.
select lots.*
from {{ ref('stg_published__previous_walk_lots') }} as lots
inner join {{ ref('int_loyalty_resumed') }} as resumed
    on lots.customer_id = resumed.customer_id
