-- The reps of the period: every rep active in it, and any other rep with ledger lines in it.
with rulebook as (
    select * from {{ ref('int_rulebook_in_effect') }}
),

reps as (
    select * from {{ ref('stg_validated__reps') }}
),

members as (
    select reps.rep_id
    from reps
    cross join rulebook
    where
        reps.hire_date <= rulebook.period_end
        and (reps.leave_date is null or reps.leave_date >= rulebook.period_start)
    union
    select rep_id from {{ ref('int_ledger_lines') }}
)

select
    rulebook.period,
    rulebook.rulebook_version,
    reps.rep_id,
    reps.rep_name,
    reps.team_id
from members
inner join reps on members.rep_id = reps.rep_id
cross join rulebook
