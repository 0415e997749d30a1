-- Each rep's subtotal per rule for the period.
select
    period,
    rep_id,
    rule_id,
    {{ as_points('sum(points)') }} as points
from {{ ref('int_closing_ledger') }}
group by period, rep_id, rule_id
