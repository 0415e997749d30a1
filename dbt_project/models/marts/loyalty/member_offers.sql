-- At most one offer per member active at the end of the period, the first that applies:
-- EXPIRING_SOON (>= 100 points expire next month), WIN_BACK (enrolled 90+ days ago, no points
-- earned by a purchase in the last 90 days, >= 100 points available), NEAR_REWARD (70 to 99
-- points available: 100 is one coupon).
with available as (
    select
        customer_id,
        sum(remaining) as points
    from {{ ref('int_loyalty_lots') }}
    group by customer_id
),

recent_buyers as (
    select distinct customer_id
    from {{ ref('int_loyalty_lines') }}
    where
        kind = 'PURCHASE'
        and points > 0
        and event_date between {{ dbt.dateadd('day', -89, period_end()) }} and {{ period_end() }}
),

candidates as (
    select
        members.customer_id,
        balances.expiring_next_month,
        coalesce(available.points, 0) as available_points,
        members.enrolled_date <= {{ dbt.dateadd('day', -90, period_end()) }}
        and recent_buyers.customer_id is null as lapsed
    from {{ ref('stg_validated__members') }} as members
    inner join {{ ref('member_balances') }} as balances
        on members.customer_id = balances.customer_id
    left join available on members.customer_id = available.customer_id
    left join recent_buyers on members.customer_id = recent_buyers.customer_id
    where
        members.enrolled_date <= {{ period_end() }}
        and (members.left_date is null or members.left_date > {{ period_end() }})
),

offers as (
    select
        customer_id,
        case
            when expiring_next_month >= 100 then 'EXPIRING_SOON'
            when lapsed and available_points >= 100 then 'WIN_BACK'
            when available_points between 70 and 99 then 'NEAR_REWARD'
        end as offer,
        expiring_next_month,
        available_points
    from candidates
)

select
    {{ period_label() }} as period,
    customer_id,
    offer,
    cast(case offer
        when 'EXPIRING_SOON' then expiring_next_month
        when 'WIN_BACK' then available_points
        else 100 - available_points
    end as bigint) as points,
    case offer
        when 'EXPIRING_SOON'
            then
                cast(expiring_next_month as {{ dbt.type_string() }})
                || ' points expire at the end of next month'
        when 'WIN_BACK'
            then
                'no purchase in the last 90 days; '
                || cast(available_points as {{ dbt.type_string() }}) || ' points available'
        else
            cast(100 - available_points as {{ dbt.type_string() }})
            || ' points short of a 100-point coupon'
    end as detail
from offers
where offer is not null
