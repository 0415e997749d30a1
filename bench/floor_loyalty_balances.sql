-- The loyalty floor's SQL after the walk: from the walk's records (table `walk`: lines,
-- verdicts, the lots left and each member's debt, orchestration/loyalty/batches.py OUTPUT) the
-- members' balances of the period, as member_balances defines them (loyalty-program.md,
-- section 5), the redemptions the walk refused, and the accepted ones (the next month's floor
-- honours them). The runner substitutes @@period_start@@ and @@period_end@@.
--
-- Not computed: opening_points and prior_period_adjustment separately (they need the
-- previously published closing; their sum, the recomputed balance at the end of the month
-- before, is `before_points`), liability_cny, offers and KPIs other than the period's totals.

create or replace temp table walked as
select
    customer_id,
    coalesce(sum(points) filter (record = 'line' and event_date < @@period_start@@), 0)
        as before_points,
    count(*) filter (record = 'line' and event_date >= @@period_start@@) as lines_in_period,
    coalesce(sum(points) filter (
        record = 'line' and event_date >= @@period_start@@
        and (kind in ('WELCOME', 'FREQUENCY_BONUS') or (kind = 'PURCHASE' and points > 0))
    ), 0) as earned,
    coalesce(sum(points) filter (
        record = 'line' and event_date >= @@period_start@@ and kind = 'PURCHASE' and points < 0
    ), 0) as reversed,
    coalesce(sum(points) filter (
        record = 'line' and event_date >= @@period_start@@ and kind = 'REDEMPTION'
    ), 0) as redeemed,
    coalesce(sum(points) filter (
        record = 'line' and event_date >= @@period_start@@ and kind = 'EXPIRY'
    ), 0) as expired,
    coalesce(sum(points) filter (
        record = 'line' and event_date >= @@period_start@@ and kind = 'FORFEIT'
    ), 0) as forfeited,
    coalesce(sum(points) filter (record = 'line'), 0) as closing_points,
    coalesce(-sum(points) filter (record = 'member'), 0) as debt_points,
    coalesce(sum(points) filter (
        record = 'lot' and expires_on > @@period_end@@
        and expires_on <= last_day(@@period_end@@ + interval 1 day)
    ), 0) as expiring_next_month
from walk
group by customer_id;

-- every member enrolled by the end of the period and not gone before its start, and anyone
-- else with lines in it or a balance
create or replace temp table floor_member_balances as
select
    coalesce(w.customer_id, m.customer_id) as customer_id,
    coalesce(w.before_points, 0)::bigint as before_points,
    coalesce(w.earned, 0)::bigint as earned,
    coalesce(w.reversed, 0)::bigint as reversed,
    coalesce(w.redeemed, 0)::bigint as redeemed,
    coalesce(w.expired, 0)::bigint as expired,
    coalesce(w.forfeited, 0)::bigint as forfeited,
    coalesce(w.closing_points, 0)::bigint as closing_points,
    coalesce(w.debt_points, 0)::bigint as debt_points,
    coalesce(w.expiring_next_month, 0)::bigint as expiring_next_month
from walked as w
full join members_now as m on w.customer_id = m.customer_id
where
    (
        m.enrolled_date <= @@period_end@@
        and (m.left_date is null or m.left_date >= @@period_start@@)
    )
    or coalesce(w.lines_in_period, 0) > 0
    or coalesce(w.closing_points, 0) <> 0;

create or replace temp table floor_accepted as
select source_id as redemption_id from walk where record = 'verdict' and status = 'accepted';

insert into outcomes
select 'redemptions', 'quarantined', status, count(*) from walk
where record = 'verdict' and status <> 'accepted' group by all
union all
select 'redemptions', 'loaded', null, -count(*) from walk
where record = 'verdict' and status <> 'accepted';

create or replace temp table loyalty_outcomes as
select source, status, reason, sum(rows)::bigint as rows from outcomes
where source in ('members', 'redemptions') group by all having sum(rows) <> 0 order by all;
