-- The reps of the period being closed: every rep active in it, and any other rep with ledger
-- lines in it.
with closing as (
    select * from {{ ref('int_periods') }}
    where is_closing
),

reps as (
    select * from {{ ref('stg_validated__reps') }}
),

members as (
    select reps.rep_id
    from reps
    cross join closing
    where
        reps.hire_date <= closing.period_end
        and (reps.leave_date is null or reps.leave_date >= closing.period_start)
    union
    select rep_id from {{ ref('int_closing_ledger') }}
)

select
    closing.period,
    closing.rulebook_version,
    reps.rep_id,
    reps.rep_name,
    reps.team_id
from members
inner join reps on members.rep_id = reps.rep_id
cross join closing
