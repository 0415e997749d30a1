-- For every cap and gate of the rule book in effect on a period's first day: each eligible rep's
-- subtotal S of the rule family it watches (the rules listed in `family`).
with periods as (
    select * from {{ ref('int_periods') }}
),

watchers as (
    select
        periods.period,
        rules.*
    from periods
    inner join {{ ref('rules') }} as rules
        on periods.rulebook_version = rules.rulebook_version and rules.kind in ('cap', 'gate')
)

select
    watchers.period,
    watchers.rule_id,
    subtotals.rep_id,
    watchers.rulebook_version,
    watchers.family,
    sum(subtotals.points) as family_points
from watchers
inner join {{ ref('int_rule_subtotals') }} as subtotals
    on
        watchers.period = subtotals.period
        and {{ in_list('watchers.family', 'subtotals.rule_id') }}
inner join {{ ref('stg_validated__reps') }} as reps
    on subtotals.rep_id = reps.rep_id
where {{ rule_applies_to('watchers', 'reps') }}
group by
    watchers.period, watchers.rule_id, subtotals.rep_id, watchers.rulebook_version, watchers.family
