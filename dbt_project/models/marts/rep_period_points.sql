-- Each rep of the period with total, tier and ranks. The total is exactly the sum of the rep's
-- ledger lines; ranks are RANK() over the total, descending (1, 2, 2, 4).
with period_reps as (
    select * from {{ ref('int_period_reps') }}
),

totals as (
    select
        rep_id,
        sum(points) as total_points
    from {{ ref('int_closing_ledger') }}
    group by rep_id
),

tier_ranges as (
    select
        rulebook_version,
        tier,
        min_points,
        lead(min_points) over (partition by rulebook_version order by min_points) as next_min_points
    from {{ ref('tiers') }}
),

scored as (
    select
        period_reps.period,
        period_reps.rulebook_version,
        period_reps.rep_id,
        period_reps.rep_name,
        period_reps.team_id,
        {{ as_points('coalesce(totals.total_points, 0)') }} as total_points
    from period_reps
    left join totals on period_reps.rep_id = totals.rep_id
)

select
    scored.period,
    scored.rep_id,
    scored.rep_name,
    scored.team_id,
    scored.total_points,
    tier_ranges.tier,
    -- bigint on every engine (Spark's rank() is an int)
    cast(rank() over (order by scored.total_points desc) as bigint) as company_rank,
    cast(rank() over (partition by scored.team_id order by scored.total_points desc) as bigint)
        as team_rank
from scored
left join tier_ranges
    on
        scored.rulebook_version = tier_ranges.rulebook_version
        and scored.total_points >= tier_ranges.min_points
        and (tier_ranges.next_min_points is null or scored.total_points < tier_ranges.next_min_points)
