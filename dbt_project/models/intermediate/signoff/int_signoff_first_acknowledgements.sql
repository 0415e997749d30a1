-- When each rep first acknowledged each rule book version, counting only acknowledgements dated
-- on or before the closing period's last day (a later one is not known yet on that day).
with closing as (
    select * from {{ ref('int_periods') }}
    where is_closing
)

select
    acknowledgements.rep_id,
    acknowledgements.rulebook_version,
    min(acknowledgements.acknowledged_date) as acknowledged_date
from {{ ref('stg_validated__acknowledgements') }} as acknowledgements
cross join closing
where acknowledgements.acknowledged_date <= closing.period_end
group by acknowledgements.rep_id, acknowledgements.rulebook_version
