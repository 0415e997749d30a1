-- The loyalty program's figures for the period being closed, one row (none without members):
-- sums of member_balances (signed, so one period's closing is the next one's opening), member
-- counts, the redemption register's value, the 12-month breakage rate and members' share of
-- net sales.
with balances as (
    select * from {{ ref('member_balances') }}
),

members as (
    select * from {{ ref('stg_validated__members') }}
),

recent as (
    select
        -coalesce(sum(case when kind = 'EXPIRY' then points else 0 end), 0) as expired,
        -coalesce(sum(case when kind = 'REDEMPTION' then points else 0 end), 0) as redeemed
    from {{ ref('int_loyalty_lines') }}
    where
        event_date > cast({{ dbt.last_day(dbt.dateadd('month', -12, period_start()), 'month') }} as date)
        and event_date <= {{ period_end() }}
),

net_sales as (
    -- net sales dated in the period; a return counts for its sale's customer
    select
        cast(rows.amount * 100 as bigint) * case when rows.txn_type = 'return' then -1 else 1 end
            as cents,
        members.customer_id is not null as by_member
    from {{ ref('stg_validated__sales') }} as rows
    left join {{ ref('stg_validated__sales') }} as sales
        on rows.txn_type = 'return' and sales.txn_type = 'sale' and rows.order_id = sales.order_id
    left join members
        on
            coalesce(sales.customer_id, rows.customer_id) = members.customer_id
            and {{ is_member_on('members', 'rows.txn_date') }}
    where rows.txn_date between {{ period_start() }} and {{ period_end() }}
),

shares as (
    select
        coalesce(sum(case when by_member then cents else 0 end), 0) as member_cents,
        coalesce(sum(cents), 0) as all_cents
    from net_sales
),

totals as (
    select
        coalesce(sum(opening_points), 0) as opening_points,
        coalesce(sum(prior_period_adjustment), 0) as prior_period_adjustment,
        coalesce(sum(closing_points), 0) as closing_points,
        coalesce(sum(debt_points), 0) as debt_points,
        coalesce(sum(earned), 0) as points_earned,
        coalesce(sum(reversed), 0) as points_reversed,
        coalesce(sum(redeemed), 0) as points_redeemed,
        coalesce(sum(expired), 0) as points_expired,
        coalesce(sum(forfeited), 0) as points_forfeited,
        coalesce(sum(greatest(closing_points, 0)), 0) as outstanding_points,
        coalesce(sum(liability_cny), 0) as liability_cny
    from balances
)

select
    {{ period_label() }} as period,
    cast(totals.opening_points as bigint) as opening_points,
    cast(totals.prior_period_adjustment as bigint) as prior_period_adjustment,
    cast(totals.closing_points as bigint) as closing_points,
    cast(totals.debt_points as bigint) as debt_points,
    (
        select count(*) from members
        where
            members.enrolled_date <= {{ period_end() }}
            and (members.left_date is null or members.left_date > {{ period_end() }})
    ) as members,
    (
        select count(*) from members
        where members.enrolled_date between {{ period_start() }} and {{ period_end() }}
    ) as new_members,
    (
        select count(distinct lines.customer_id) from {{ ref('int_loyalty_lines') }} as lines
        where
            lines.kind = 'PURCHASE'
            and lines.points > 0
            and lines.event_date between {{ period_start() }} and {{ period_end() }}
    ) as purchasing_members,
    cast(totals.points_earned as bigint) as points_earned,
    cast(totals.points_reversed as bigint) as points_reversed,
    cast(totals.points_redeemed as bigint) as points_redeemed,
    cast(totals.points_expired as bigint) as points_expired,
    cast(totals.points_forfeited as bigint) as points_forfeited,
    cast(totals.outstanding_points as bigint) as outstanding_points,
    cast(totals.liability_cny as decimal(18, 2)) as liability_cny,
    cast(
        coalesce((select sum(register.value_cny) from {{ ref('redemption_register') }} as register), 0)
        as decimal(18, 2)
    ) as redemption_value_cny,
    cast({{ ratio_4('recent.expired', 'recent.expired + recent.redeemed') }} as decimal(18, 4))
        as breakage_rate_12m,
    cast({{ ratio_4('shares.member_cents', 'shares.all_cents') }} as decimal(18, 4))
        as member_sales_share
from totals
cross join recent
cross join shares
where exists (select 1 from members)
