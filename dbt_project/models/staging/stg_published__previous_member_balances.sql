-- Member balances as published for the month before the period being closed (latest version).
select
    balances.customer_id,
    balances.closing_points
from {{ source('published', 'member_balances') }} as balances
inner join {{ ref('stg_published__previous_loyalty_close') }} as previous
    on balances.period = previous.period and balances.version = previous.version
