-- The disputes opened on or before the last day of the period being closed, with their status
-- on that day, their age in days (to the decision, or to that day while open) and what resolved
-- an accepted one.
with closing as (
    select * from {{ ref('int_periods') }}
    where is_closing
)

select
    closing.period,
    disputes.dispute_id,
    disputes.rep_id,
    disputes.period as disputed_period,
    disputes.line_id,
    disputes.opened_date,
    disputes.reason,
    coalesce(decisions.decision, 'open') as status,
    decisions.decided_date,
    cast({{ dbt.datediff(
        'disputes.opened_date',
        'coalesce(decisions.decided_date, closing.period_end)',
        'day'
    ) }} as bigint) as age_days,
    case
        when decisions.decision = 'accepted' and decisions.adjustment_id is not null
            then 'adjustment ' || decisions.adjustment_id
        when decisions.decision = 'accepted'
            then 'version ' || cast(decisions.restated_version as {{ dbt.type_string() }})
    end as resolved_by,
    decisions.note,
    disputes.source_file,
    disputes.source_row_number,
    disputes.source_file_hash
from {{ ref('stg_validated__disputes') }} as disputes
cross join closing
left join {{ ref('int_signoff_known_decisions') }} as decisions
    on disputes.dispute_id = decisions.dispute_id
where disputes.opened_date <= closing.period_end
