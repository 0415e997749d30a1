-- Redemptions the walk accepted and dated in the period being closed, plus (late) those dated
-- earlier that this close's walk accepts and the previous close's walk did not.
with accepted as (
    select
        redemptions.redemption_id,
        redemptions.customer_id,
        redemptions.redeemed_date,
        redemptions.points,
        redemptions.reward,
        {{ cny_of_points('redemptions.points', 'books.unit_value', 'books.redemption_unit') }}
            as value_cny
    from {{ ref('int_loyalty_verdicts') }} as verdicts
    inner join {{ ref('stg_validated__redemptions') }} as redemptions
        on verdicts.redemption_id = redemptions.redemption_id
    inner join {{ ref('int_loyalty_rulebook_calendar') }} as books
        on redemptions.redeemed_date between books.valid_from and books.valid_to
    where verdicts.status = 'accepted'
),

accepted_before as (
    select distinct source_id as redemption_id
    from {{ ref('stg_published__previous_walk_lines') }}
    where kind = 'REDEMPTION'
)

select
    {{ period_label() }} as period,
    redemption_id,
    customer_id,
    redeemed_date,
    cast(points as bigint) as points,
    cast(value_cny as decimal(18, 2)) as value_cny,
    reward,
    redeemed_date < {{ period_start() }} as late
from accepted
where
    redeemed_date between {{ period_start() }} and {{ period_end() }}
    or (
        redeemed_date < {{ period_start() }}
        and exists (select 1 from {{ ref('stg_published__previous_loyalty_close') }})
        and not exists (
            select 1 from accepted_before
            where accepted_before.redemption_id = accepted.redemption_id
        )
    )
