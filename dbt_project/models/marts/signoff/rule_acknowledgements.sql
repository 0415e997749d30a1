-- Every rep of the period being closed (as the ranks count them) and whether they acknowledged,
-- by the period's last day, the rule book version in effect for the period.
select
    reps.period,
    reps.rep_id,
    reps.rulebook_version,
    acknowledgements.acknowledged_date is not null as acknowledged,
    acknowledgements.acknowledged_date
from {{ ref('int_period_reps') }} as reps
left join {{ ref('int_signoff_first_acknowledgements') }} as acknowledgements
    on
        reps.rep_id = acknowledgements.rep_id
        and reps.rulebook_version = acknowledgements.rulebook_version
