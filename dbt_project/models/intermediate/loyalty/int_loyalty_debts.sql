-- Each walked member's debt at the end of the period being closed (points owed, normally 0).
select
    customer_id,
    -points as debt_points
from {{ ref('int_loyalty_walk') }}
where record = 'member'
