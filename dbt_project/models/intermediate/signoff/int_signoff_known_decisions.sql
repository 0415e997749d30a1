-- The dispute decisions known on the closing period's last day: one dated later is not known
-- yet, so its dispute is still open on that day.
with closing as (
    select * from {{ ref('int_periods') }}
    where is_closing
)

select
    decisions.dispute_id,
    decisions.decided_date,
    decisions.decision,
    decisions.note,
    decisions.adjustment_id,
    decisions.restated_version
from {{ ref('stg_validated__dispute_decisions') }} as decisions
cross join closing
where decisions.decided_date <= closing.period_end
