-- The floor's points of one period: a line per rule of the rule book (floor_rulebook.sql) and
-- row floor_validation.sql loaded, as docs/rules.md describes them, then each rep's total, tier
-- and ranks. The runner substitutes @@period@@, @@period_start@@ and @@period_end@@. It leaves
-- floor_rule_points and floor_rep_points. Not computed: prior-period adjustments (late rows of
-- closed periods) and manual adjustments; the bench's comparison leaves them out.

-- The version in effect on the period's first day governs the period-level rules (caps, gates,
-- team bonuses) and the tiers; row-level rules use the version in effect on the row's date.
create or replace temp table period_rulebook as
select rulebook_version from rulebook_calendar
where @@period_start@@ between valid_from and valid_to;

select error('no rule book is in effect on the first day of @@period@@')
where not exists (from period_rulebook);

create or replace temp table period_rules as
select * from rules inner join period_rulebook using (rulebook_version);

-- Every loaded sale and return dated in the period, with the rep it is charged to and the date
-- it is scored on: a return is charged to the rep of the original sale and scored on that
-- sale's date (so it meets the rule book version its sale met).
create or replace temp table charged as
select
    l.txn_id,
    l.txn_type,
    case when l.txn_type = 'sale' then l.rep_id else s.rep_id end as rep_id,
    case when l.txn_type = 'sale' then l.txn_date else s.txn_date end as scored_on,
    case when l.txn_type = 'sale' then 1 else -1 end as direction,
    l.amount
from loaded_sales as l
left join sold as s on l.txn_type = 'return' and l.order_id = s.order_id
where l.txn_date between @@period_start@@ and @@period_end@@;

create or replace temp table surveys_in_period as
select rep_id, score, survey_date from judged_surveys
where reason is null and survey_date between @@period_start@@ and @@period_end@@;

-- Row-level rules: a line per row and rule the rep is eligible for ---------------------------
create or replace temp table row_lines as
with
amount_rate as (
    -- round(amount x rate, 2) per sale; a return deducts the same
    select c.rep_id, r.rule_id, c.direction * round(c.amount * r.rate, 2) as points
    from charged as c
    inner join rulebook_calendar as k on c.scored_on between k.valid_from and k.valid_to
    inner join rules as r on k.rulebook_version = r.rulebook_version and r.kind = 'amount_rate'
    inner join reps_now as p on c.rep_id = p.rep_id
    where applies_to(r.roles, r.teams, p.role, p.team_id)
),

first_sales as (
    -- a customer's first-ever loaded sale (earliest txn_date, then smallest txn_id)
    select
        customer_id,
        arg_min(rep_id, (txn_date, txn_id)) as rep_id,
        min(txn_date) as txn_date
    from loaded_sales where txn_type = 'sale' group by customer_id
),

first_sale as (
    -- fixed points for the rep of a first sale dated in the period
    select f.rep_id, r.rule_id, r.points
    from first_sales as f
    inner join rulebook_calendar as k on f.txn_date between k.valid_from and k.valid_to
    inner join rules as r on k.rulebook_version = r.rulebook_version and r.kind = 'first_sale'
    inner join reps_now as p on f.rep_id = p.rep_id
    where
        f.txn_date between @@period_start@@ and @@period_end@@
        and applies_to(r.roles, r.teams, p.role, p.team_id)
),

score_points_lines as (
    -- the points of each survey's score (0 too)
    select s.rep_id, r.rule_id, sp.points
    from surveys_in_period as s
    inner join rulebook_calendar as k on s.survey_date between k.valid_from and k.valid_to
    inner join rules as r on k.rulebook_version = r.rulebook_version and r.kind = 'score_points'
    inner join score_points as sp
        on r.rulebook_version = sp.rulebook_version and r.rule_id = sp.rule_id
        and s.score = sp.score
    inner join reps_now as p on s.rep_id = p.rep_id
    where applies_to(r.roles, r.teams, p.role, p.team_id)
)

select * from amount_rate
union all
select * from first_sale
union all
select * from score_points_lines;

-- Caps and gates watch a family of row-level rules: each eligible rep's family subtotal ------
create or replace temp table family_subtotals as
with
subtotals as (
    select rep_id, rule_id, sum(points) as points from row_lines group by rep_id, rule_id
),

members as (
    select rule_id, roles, teams, unnest(string_split(family, '|')) as member_rule_id
    from period_rules where kind in ('cap', 'gate')
)

select m.rule_id, s.rep_id, sum(s.points) as family_points
from members as m
inner join subtotals as s on m.member_rule_id = s.rule_id
inner join reps_now as p on s.rep_id = p.rep_id
where applies_to(m.roles, m.teams, p.role, p.team_id)
group by m.rule_id, s.rep_id;

-- cap: a family subtotal S above the limit gets one line limit - S
create or replace temp table cap_lines as
select f.rep_id, r.rule_id, r.limit_points - f.family_points as points
from family_subtotals as f
inner join period_rules as r on f.rule_id = r.rule_id and r.kind = 'cap'
where f.family_points > r.limit_points;

-- Period-level lines ------------------------------------------------------------------------
create or replace temp table floor_lines as
with
survey_stats as (
    select rep_id, count(*) as n, sum(score) as score_sum from surveys_in_period group by rep_id
),

gate_lines as (
    -- at least min_surveys surveys with a mean score below the threshold and S > 0: deduct
    -- round(factor x S', 2), S' being S after the gate's cap (if it names one)
    select f.rep_id, r.rule_id, -round(r.factor * (f.family_points + coalesce(c.points, 0)), 2)
    from family_subtotals as f
    inner join period_rules as r on f.rule_id = r.rule_id and r.kind = 'gate'
    inner join survey_stats as v on f.rep_id = v.rep_id
    left join cap_lines as c on f.rep_id = c.rep_id and r.cap_rule_id = c.rule_id
    where
        v.n >= r.min_surveys
        and v.score_sum < r.mean_score_below * v.n
        and f.family_points > 0
),

team_net as (
    -- net sales (sales minus returns) by the current team of the rep charged
    select p.team_id, sum(c.direction * c.amount) as net_amount
    from charged as c inner join reps_now as p on c.rep_id = p.rep_id
    group by p.team_id
),

reached as (
    -- teams at or above the rule's target for them (else its default target)
    select r.rule_id, r.points, r.roles, r.teams, t.team_id
    from period_rules as r
    cross join team_net as t
    left join team_targets as g
        on r.rulebook_version = g.rulebook_version and r.rule_id = g.rule_id
        and t.team_id = g.team_id
    where r.kind = 'team_bonus' and t.net_amount >= coalesce(g.monthly_target, r.default_target)
),

team_bonus_lines as (
    -- the bonus for each eligible member of a team that reached it, with a sale in the period
    select p.rep_id, b.rule_id, b.points
    from (select distinct rep_id from charged where txn_type = 'sale') as sellers
    inner join reps_now as p on sellers.rep_id = p.rep_id
    inner join reached as b on p.team_id = b.team_id
    where applies_to(b.roles, b.teams, p.role, p.team_id)
)

select * from row_lines
union all
select * from cap_lines
union all
select * from gate_lines
union all
select * from team_bonus_lines;

create or replace temp table floor_rule_points as
select rep_id, rule_id, cast(sum(points) as decimal(18, 2)) as points
from floor_lines group by all;

-- every rep active in the period, and any other rep with lines in it; tiers and ranks
create or replace temp table floor_rep_points as
with
members as (
    select rep_id from reps_now
    where hire_date <= @@period_end@@ and (leave_date is null or leave_date >= @@period_start@@)
    union
    select rep_id from floor_lines
),

totals as (
    select m.rep_id, r.team_id, cast(coalesce(sum(l.points), 0) as decimal(18, 2)) as total
    from members as m
    inner join reps_now as r on m.rep_id = r.rep_id
    left join floor_lines as l on m.rep_id = l.rep_id
    group by m.rep_id, r.team_id
),

tier_ranges as (
    -- a tier runs from its min_points up to the next tier's
    select
        tier,
        min_points,
        lead(min_points) over (order by min_points) as next_min_points
    from tiers inner join period_rulebook using (rulebook_version)
)

select
    '@@period@@' as period,
    t.rep_id,
    t.team_id,
    t.total as total_points,
    g.tier,
    rank() over (order by t.total desc) as company_rank,
    rank() over (partition by t.team_id order by t.total desc) as team_rank
from totals as t
left join tier_ranges as g
    on t.total >= g.min_points and (g.next_min_points is null or t.total < g.next_min_points);
