-- Each member's points for the period being closed: opening (as published for the month
-- before), the prior-period adjustment (what late data changed in earlier months), the
-- period's activity by kind, closing, debt, what expires next month, and the liability.
-- closing_points = opening_points + prior_period_adjustment + activity = the recomputed balance.
with lines as (
    select * from {{ ref('int_loyalty_lines') }}
),

has_previous_close as (
    select count(*) > 0 as found from {{ ref('stg_published__previous_loyalty_close') }}
),

published_before as (
    select * from {{ ref('stg_published__previous_member_balances') }}
),

recomputed_before as (
    select
        customer_id,
        sum(points) as points
    from lines
    where event_date < {{ period_start() }}
    group by customer_id
),

activity as (
    select
        customer_id,
        count(*) as lines,
        sum(case
            when kind in ('WELCOME', 'FREQUENCY_BONUS') or (kind = 'PURCHASE' and points > 0)
                then points
            else 0
        end) as earned,
        sum(case when kind = 'PURCHASE' and points < 0 then points else 0 end) as reversed,
        sum(case when kind = 'REDEMPTION' then points else 0 end) as redeemed,
        sum(case when kind = 'EXPIRY' then points else 0 end) as expired,
        sum(case when kind = 'FORFEIT' then points else 0 end) as forfeited,
        sum(points) as net
    from lines
    where event_date between {{ period_start() }} and {{ period_end() }}
    group by customer_id
),

expiring as (
    select
        customer_id,
        sum(remaining) as points
    from {{ ref('int_loyalty_lots') }}
    where
        expires_on > {{ period_end() }}
        and expires_on <= cast({{ dbt.last_day(dbt.dateadd('day', 1, period_end()), 'month') }} as date)
    group by customer_id
),

customers as (
    select customer_id from {{ ref('stg_validated__members') }}
    union
    select customer_id from lines
    union
    select customer_id from published_before
),

book as (
    select
        unit_value,
        redemption_unit
    from {{ ref('int_loyalty_rulebook_calendar') }}
    where {{ period_end() }} between valid_from and valid_to
),

figures as (
    select
        customers.customer_id,
        members.enrolled_date,
        members.left_date,
        coalesce(activity.lines, 0) as lines_in_period,
        case
            when (select has_previous_close.found from has_previous_close)
                then coalesce(published_before.closing_points, 0)
            else coalesce(recomputed_before.points, 0)
        end as opening_points,
        case
            when (select has_previous_close.found from has_previous_close)
                then coalesce(recomputed_before.points, 0) - coalesce(published_before.closing_points, 0)
            else 0
        end as prior_period_adjustment,
        coalesce(activity.earned, 0) as earned,
        coalesce(activity.reversed, 0) as reversed,
        coalesce(activity.redeemed, 0) as redeemed,
        coalesce(activity.expired, 0) as expired,
        coalesce(activity.forfeited, 0) as forfeited,
        coalesce(recomputed_before.points, 0) + coalesce(activity.net, 0) as closing_points,
        coalesce(debts.debt_points, 0) as debt_points,
        coalesce(expiring.points, 0) as expiring_next_month
    from customers
    left join {{ ref('stg_validated__members') }} as members
        on customers.customer_id = members.customer_id
    left join published_before on customers.customer_id = published_before.customer_id
    left join recomputed_before on customers.customer_id = recomputed_before.customer_id
    left join activity on customers.customer_id = activity.customer_id
    left join {{ ref('int_loyalty_debts') }} as debts on customers.customer_id = debts.customer_id
    left join expiring on customers.customer_id = expiring.customer_id
)

select
    {{ period_label() }} as period,
    figures.customer_id,
    cast(figures.opening_points as bigint) as opening_points,
    cast(figures.prior_period_adjustment as bigint) as prior_period_adjustment,
    cast(figures.earned as bigint) as earned,
    cast(figures.reversed as bigint) as reversed,
    cast(figures.redeemed as bigint) as redeemed,
    cast(figures.expired as bigint) as expired,
    cast(figures.forfeited as bigint) as forfeited,
    cast(figures.closing_points as bigint) as closing_points,
    cast(figures.debt_points as bigint) as debt_points,
    cast(figures.expiring_next_month as bigint) as expiring_next_month,
    cast(
        {{ cny_of_points('greatest(figures.closing_points, 0)', 'book.unit_value', 'book.redemption_unit') }}
        as decimal(18, 2)
    ) as liability_cny
from figures
cross join book
where
    (
        figures.enrolled_date <= {{ period_end() }}
        and (figures.left_date is null or figures.left_date >= {{ period_start() }})
    )
    or figures.lines_in_period > 0
    or figures.closing_points <> 0
    or figures.prior_period_adjustment <> 0
