-- The rewards of the period: every rep with a tier, and what the tier pays.
select
    points.period,
    points.rep_id,
    points.tier,
    tiers.reward,
    tiers.cash_value
from {{ ref('rep_period_points') }} as points
inner join {{ ref('int_periods') }} as rulebook on points.period = rulebook.period
inner join {{ ref('tiers') }} as tiers
    on
        rulebook.rulebook_version = tiers.rulebook_version
        and points.tier = tiers.tier
