-- Closed periods whose inputs are exactly those they were last computed from: recomputing them
-- would book nothing. Empty outside a planned close (dbt run by hand, verify, trial), so every
-- closed period is then recomputed.
select period
from {{ source('pipeline', 'close_plan') }}
where plan_id = '{{ env_var("JIFEN_PLAN_ID", "") }}' and not recompute
