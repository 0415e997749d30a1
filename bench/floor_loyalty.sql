-- The loyalty floor's SQL before the walk: the loyalty sources validated row by row, the current
-- members, and every event of the walk up to the end of the period, in the shape
-- orchestration/loyalty/walk.py reads (its Event). The contract: ../shared/design/
-- loyalty-program.md, sections 1 to 3; what the pipeline does: dbt_project/models/intermediate/
-- loyalty. Runs after floor_rulebook.sql (loyalty_rulebooks) and the sales part of
-- floor_validation.sql (loaded_sales, customers_now, the outcomes table and the text macros).
--
-- The runner substitutes @@members_csv@@, @@members_parquet@@, @@redemptions_csv@@,
-- @@redemptions_parquet@@ (as in floor_validation.sql), @@period_start@@, @@period_end@@,
-- @@redemption_unit@@ (the contract's, schemas/contract.py) and @@honoured@@: a relation of the
-- redemption ids accepted by an earlier close (the floor of the month before), never judged
-- not_member and forced through by the walk. It leaves floor_walk_events, members_now and
-- loyalty_outcomes.


-- The loyalty book in effect on each day ---------------------------------------------------
create or replace temp table loyalty_calendar as
select
    *,
    coalesce(
        cast(lead(effective_from) over (order by effective_from) - interval 1 day as date),
        date '9999-12-31'
    ) as valid_to
from loyalty_rulebooks;

-- the last day of the expiry_months-th month after the month of d
create or replace temp macro expiry_day(d, months) as
    cast(last_day(date_trunc('month', d) + to_months(months)) as date);
-- floor(amount / earn_amount) on whole cents (amounts are > 0, so integer division floors)
create or replace temp macro points_for(amount, earn_amount) as
    cast(amount * 100 as bigint) // cast(earn_amount * 100 as bigint);
create or replace temp macro is_member_on(enrolled, left_on, d) as
    enrolled <= d and (left_on is null or d <= left_on);

create or replace temp table honoured as select distinct redemption_id from @@honoured@@;

-- Members: a snapshot, like the reps ------------------------------------------------------
create or replace temp table chk_members as
select
    * exclude (enrolled_date, left_date),
    case when reason is null then cast(enrolled_date as date) end as enrolled_date,
    case when reason is null then cast(nullif(left_date, '') as date) end as left_date
from (
    select
        *,
        case
            when customer_id = '' or card_id = '' or enrolled_date = '' then 'missing_field'
            when not is_date(enrolled_date) or (left_date <> '' and not is_date(left_date))
                then 'bad_type'
            when left_date <> '' and left_date < enrolled_date then 'bad_date_range'
        end as reason
    from (
        select
            filename as source_file,
            txt(customer_id) as customer_id,
            txt(card_id) as card_id,
            txt(enrolled_date) as enrolled_date,
            txt(left_date) as left_date
        from (
            select filename, customer_id, card_id, enrolled_date, left_date
            from @@members_csv@@
            union all by name
            select filename, customer_id, card_id, enrolled_date, left_date
            from @@members_parquet@@
        )
    )
);

-- duplicate_conflict inside one delivery; identical rows there load once; then unknown_customer
create or replace temp table keyed_members as
select
    *,
    count(distinct (card_id, enrolled_date, left_date))
        over (partition by source_file, customer_id) > 1 as conflict,
    row_number() over (partition by source_file, customer_id) as position,
    customer_id in (select customer_id from customers_now) as known
from chk_members where reason is null;

insert into outcomes
select 'members', 'quarantined', reason, count(*) from chk_members
where reason is not null group by all
union all
select
    'members',
    case
        when conflict then 'quarantined' when position > 1 then 'deduplicated'
        when not known then 'quarantined' else 'loaded'
    end,
    case when conflict then 'duplicate_conflict' when position = 1 and not known
        then 'unknown_customer' end,
    count(*)
from keyed_members group by all;

-- the current row of a member: from the latest delivery (file name order) that has one
create or replace temp table members_now as
select customer_id, latest.enrolled_date, latest.left_date
from (
    select
        customer_id,
        arg_max({'enrolled_date': enrolled_date, 'left_date': left_date}, source_file) as latest
    from keyed_members
    where not conflict and position = 1 and known
    group by customer_id
);
drop table chk_members;

-- Redemptions: facts, keys unique across deliveries ----------------------------------------
create or replace temp table chk_redemptions as
select
    * exclude (redeemed_date, points),
    case when reason is null then cast(redeemed_date as date) end as redeemed_date,
    case when reason is null then cast(points as integer) end as points
from (
    select
        *,
        case
            when redemption_id = '' or customer_id = '' or redeemed_date = '' or points = ''
                or reward = '' then 'missing_field'
            when not is_date(redeemed_date) or not is_integer(points) then 'bad_type'
            -- > 0, a multiple of the unit, below 10^9 (judged on the value: +0200 is 200)
            when starts_with(points, '-')
                or length(ltrim(ltrim(points, '+'), '0')) not between 1 and 9
                or try_cast(points as hugeint) % @@redemption_unit@@ <> 0 then 'bad_points'
        end as reason
    from (
        select
            filename as source_file,
            txt(redemption_id) as redemption_id,
            txt(customer_id) as customer_id,
            txt(redeemed_date) as redeemed_date,
            txt(points) as points,
            txt(reward) as reward
        from (
            select filename, redemption_id, customer_id, redeemed_date, points, reward
            from @@redemptions_csv@@
            union all by name
            select filename, redemption_id, customer_id, redeemed_date, points, reward
            from @@redemptions_parquet@@
        )
    )
);

create or replace temp table redemption_keys as
select
    redemption_id,
    count(*) as n,
    count(distinct (customer_id, redeemed_date, points, reward)) > 1 as conflict
from chk_redemptions
where reason is null and redemption_id in (
    select redemption_id from chk_redemptions where reason is null
    group by redemption_id having count(*) > 1
)
group by redemption_id;

create or replace temp table judged_redemptions as
with unique_redemptions as (
    select * exclude (reason, source_file) from chk_redemptions
    where reason is null and redemption_id not in (select redemption_id from redemption_keys)
    union all
    select * exclude (reason, source_file) from (
        select distinct on (redemption_id) * from chk_redemptions
        where reason is null
            and redemption_id in (select redemption_id from redemption_keys where not conflict)
        order by redemption_id, source_file
    )
)

select
    r.*,
    h.redemption_id is not null as honoured,
    case
        when c.customer_id is null then 'unknown_customer'
        when h.redemption_id is null
            and (m.customer_id is null or not is_member_on(m.enrolled_date, m.left_date,
                r.redeemed_date)) then 'not_member'
    end as reason
from unique_redemptions as r
left join customers_now as c on r.customer_id = c.customer_id
left join members_now as m on r.customer_id = m.customer_id
left join honoured as h on r.redemption_id = h.redemption_id;

insert into outcomes
select 'redemptions', 'quarantined', reason, count(*) from chk_redemptions
where reason is not null group by all
union all
select
    'redemptions',
    case when conflict then 'quarantined' else 'deduplicated' end,
    case when conflict then 'duplicate_conflict' end,
    sum(case when conflict then n else n - 1 end)
from redemption_keys group by all
union all
select 'redemptions', case when reason is null then 'loaded' else 'quarantined' end, reason,
    count(*)
from judged_redemptions group by all;
drop table chk_redemptions;

-- The events of the walk -------------------------------------------------------------------
-- loaded sales dated while their customer is a member, with the book in effect that day
create or replace temp table member_sales as
select
    s.txn_id, s.order_id, s.customer_id, s.txn_date, s.amount,
    b.rulebook_version, b.earn_amount, b.expiry_months
from loaded_sales as s
inner join members_now as m
    on s.customer_id = m.customer_id and is_member_on(m.enrolled_date, m.left_date, s.txn_date)
inner join loyalty_calendar as b on s.txn_date between b.effective_from and b.valid_to
where s.txn_type = 'sale' and s.txn_date <= @@period_end@@;

-- a return takes back what its order's net lost (returns in (txn_date, txn_id) order), by the
-- sale's book, booked to the sale's customer while still a member
create or replace temp table reversal_events as
with returns as (
    select
        r.txn_id, r.txn_date, r.amount, s.txn_id as sale_txn_id, s.customer_id,
        s.rulebook_version, s.earn_amount,
        s.amount - coalesce(sum(r.amount) over (
            partition by r.order_id order by r.txn_date, r.txn_id
            rows between unbounded preceding and 1 preceding
        ), 0) as net_before
    from loaded_sales as r
    inner join member_sales as s on r.order_id = s.order_id
    where r.txn_type = 'return'
)

select
    r.customer_id, r.txn_date, r.txn_id, r.rulebook_version, r.sale_txn_id,
    points_for(r.net_before, r.earn_amount) - points_for(r.net_before - r.amount, r.earn_amount)
        as points
from returns as r
inner join members_now as m
    on r.customer_id = m.customer_id and is_member_on(m.enrolled_date, m.left_date, r.txn_date)
where r.txn_date <= @@period_end@@;

-- FREQUENCY_BONUS: a member on a month's last day with enough orders in it whose amount minus
-- the order's returns dated in the same month is > 0
create or replace temp table bonus_months as
with returned_in_month as (
    select order_id, date_trunc('month', txn_date) as month_start, sum(amount) as returned
    from loaded_sales where txn_type = 'return' group by all
),

orders as (
    select
        s.customer_id,
        cast(last_day(s.txn_date) as date) as month_end,
        count(*) as qualifying_orders
    from member_sales as s
    left join returned_in_month as r
        on s.order_id = r.order_id and date_trunc('month', s.txn_date) = r.month_start
    where s.amount - coalesce(r.returned, 0) > 0
    group by all
)

select o.customer_id, o.month_end, b.rulebook_version, b.frequency_bonus, b.expiry_months
from orders as o
inner join members_now as m
    on o.customer_id = m.customer_id and is_member_on(m.enrolled_date, m.left_date, o.month_end)
inner join loyalty_calendar as b on o.month_end between b.effective_from and b.valid_to
where o.month_end <= @@period_end@@
    and o.qualifying_orders >= b.frequency_orders and b.frequency_bonus > 0;

-- every event, one row each, with the columns of orchestration/loyalty/batches.py's EVENT_FIELDS
create or replace temp table floor_walk_events as
select
    m.customer_id, m.enrolled_date as event_date, 0 as event_order, 'earn' as action,
    'WELCOME' as kind, 'members' as source, m.customer_id as source_id,
    b.welcome_points as points, b.rulebook_version, 'WELCOME:' || m.customer_id as lot_id,
    expiry_day(m.enrolled_date, b.expiry_months) as lot_expires_on,
    null::varchar as reverses_lot, null::integer as monthly_limit, false as honoured
from members_now as m
inner join loyalty_calendar as b on m.enrolled_date between b.effective_from and b.valid_to
where m.enrolled_date <= @@period_end@@ and b.welcome_points > 0
union all
select
    m.customer_id, m.left_date, 6, 'forfeit', 'FORFEIT', 'lots', m.customer_id, 0,
    b.rulebook_version, null, null, null, null, false
from members_now as m
inner join loyalty_calendar as b on m.left_date between b.effective_from and b.valid_to
where m.left_date <= @@period_end@@
union all
select
    customer_id, txn_date, 1, 'earn', 'PURCHASE', 'sales', txn_id,
    points_for(amount, earn_amount), rulebook_version, 'PURCHASE:' || txn_id,
    expiry_day(txn_date, expiry_months), null, null, false
from member_sales
where points_for(amount, earn_amount) > 0
union all
select
    customer_id, txn_date, 2, 'reverse', 'PURCHASE', 'sales', txn_id, points, rulebook_version,
    null, null, 'PURCHASE:' || sale_txn_id, null, false
from reversal_events
where points > 0
union all
select
    customer_id, month_end, 3, 'earn', 'FREQUENCY_BONUS', 'sales',
    customer_id || ':' || strftime(month_end, '%Y-%m'), frequency_bonus, rulebook_version,
    'FREQUENCY_BONUS:' || customer_id || ':' || strftime(month_end, '%Y-%m'),
    expiry_day(month_end, expiry_months), null, null, false
from bonus_months
union all
select
    r.customer_id, r.redeemed_date, 4, 'redeem', 'REDEMPTION', 'redemptions', r.redemption_id,
    r.points, b.rulebook_version, null, null, null, b.monthly_limit, r.honoured
from judged_redemptions as r
inner join loyalty_calendar as b on r.redeemed_date between b.effective_from and b.valid_to
where r.reason is null and r.redeemed_date <= @@period_end@@;
drop table member_sales;
drop table reversal_events;
drop table bonus_months;
