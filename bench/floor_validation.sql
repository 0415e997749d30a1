-- The floor's validation: the landing files checked row by row with jifen's reason codes
-- (schemas/reasons.py; the choices where the contract is silent: docs/decisions.md), straight
-- from the files, with none of jifen's lineage or publishing. Runs after floor_rulebook.sql (it reads the program currency from there).
--
-- The runner substitutes @@<source>_csv@@ and @@<source>_parquet@@: a read_csv / read_parquet
-- of the source's files (every .csv / .parquet file, minus byte-identical copies of an earlier
-- file by name, as the contract asks), or an empty relation with the same columns when there is
-- none. It leaves loaded_sales, sold (the loaded sales, by order), judged_surveys, reps_now,
-- customers_now and floor_outcomes (rows per source, status and reason).
--
-- Not covered (the benchmark data never has them): files rejected whole (unreadable, missing
-- a column, non-UTF-8), whitespace other than spaces around values, non-ASCII digits.
-- over_return is exact: returns are walked in (txn_date, txn_id) order with a recursive CTE.


-- Text checks ------------------------------------------------------------------------------
create or replace temp macro is_date(t) as
    regexp_full_match(t, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
    and left(t, 4) <> '0000'
    and try_strptime(t, '%Y-%m-%d') is not null;
create or replace temp macro is_decimal(t) as
    regexp_full_match(t, '[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)');
create or replace temp macro is_integer(t) as regexp_full_match(t, '[+-]?[0-9]+');
-- a plain decimal that is > 0, has at most 2 places once trailing zeros are dropped and fits
-- DECIMAL(18,2) (at most 16 digits before the point once leading zeros are dropped)
create or replace temp macro bad_amount(t) as not (
    regexp_full_match(t, '\+?0*[0-9]{0,16}(\.[0-9]{0,2}0*)?') and regexp_matches(t, '[1-9]')
);
create or replace temp macro txt(v) as coalesce(trim(cast(v as varchar)), '');

-- Row outcomes, counted as the checks go (source, status, reason, rows)
create or replace temp table outcomes (source varchar, status varchar, reason varchar, rows bigint);

-- Reference data ---------------------------------------------------------------------------
-- Row checks (the first failing reason in the contract's order), then typed values.
create or replace temp table chk_reps as
select
    * exclude (hire_date, leave_date),
    case when reason is null then cast(hire_date as date) end as hire_date,
    case when reason is null then cast(nullif(leave_date, '') as date) end as leave_date
from (
    select
        *,
        case
            when rep_id = '' or rep_name = '' or team_id = '' or role = '' or hire_date = ''
                then 'missing_field'
            when not is_date(hire_date) or (leave_date <> '' and not is_date(leave_date))
                then 'bad_type'
        end as reason
    from (
        select
            filename as source_file,
            txt(rep_id) as rep_id,
            txt(rep_name) as rep_name,
            txt(team_id) as team_id,
            txt(role) as role,
            txt(hire_date) as hire_date,
            txt(leave_date) as leave_date
        from (
            select filename, rep_id, rep_name, team_id, role, hire_date, leave_date
            from @@reps_csv@@
            union all by name
            select filename, rep_id, rep_name, team_id, role, hire_date, leave_date
            from @@reps_parquet@@
        )
    )
);

create or replace temp table chk_customers as
select
    * exclude (created_date),
    case when reason is null then cast(created_date as date) end as created_date
from (
    select
        *,
        case
            when customer_id = '' or customer_name = '' or segment = '' or region = ''
                or created_date = '' then 'missing_field'
            when not is_date(created_date) then 'bad_type'
            when segment not in ('enterprise', 'smb', 'consumer') then 'bad_enum'
        end as reason
    from (
        select
            filename as source_file,
            txt(customer_id) as customer_id,
            txt(customer_name) as customer_name,
            txt(segment) as segment,
            txt(region) as region,
            txt(created_date) as created_date
        from (
            select filename, customer_id, customer_name, segment, region, created_date
            from @@customers_csv@@
            union all by name
            select filename, customer_id, customer_name, segment, region, created_date
            from @@customers_parquet@@
        )
    )
);

-- duplicate_conflict applies inside one delivery; identical rows there load once
create or replace temp table keyed_reps as
select
    *,
    count(distinct (rep_name, team_id, role, hire_date, leave_date))
        over (partition by source_file, rep_id) > 1 as conflict,
    row_number() over (partition by source_file, rep_id) as position
from chk_reps where reason is null;

create or replace temp table keyed_customers as
select
    *,
    count(distinct (customer_name, segment, region, created_date))
        over (partition by source_file, customer_id) > 1 as conflict,
    row_number() over (partition by source_file, customer_id) as position
from chk_customers where reason is null;

insert into outcomes
select 'reps', 'quarantined', reason, count(*) from chk_reps where reason is not null group by all
union all
select 'customers', 'quarantined', reason, count(*) from chk_customers
where reason is not null group by all
union all
select
    'reps',
    case when conflict then 'quarantined' when position > 1 then 'deduplicated' else 'loaded' end,
    case when conflict then 'duplicate_conflict' end,
    count(*)
from keyed_reps group by all
union all
select
    'customers',
    case when conflict then 'quarantined' when position > 1 then 'deduplicated' else 'loaded' end,
    case when conflict then 'duplicate_conflict' end,
    count(*)
from keyed_customers group by all;

-- The current row of a key comes from the latest delivery (file name order) that has one
-- (a struct, because arg_max would skip a NULL leave_date).
create or replace temp table reps_now as
select rep_id, latest.team_id, latest.role, latest.hire_date, latest.leave_date
from (
    select
        rep_id,
        arg_max(
            {
                'team_id': team_id, 'role': role, 'hire_date': hire_date,
                'leave_date': leave_date
            },
            source_file
        ) as latest
    from keyed_reps
    where not conflict and position = 1
    group by rep_id
);

create or replace temp table customers_now as
select distinct customer_id from keyed_customers where not conflict and position = 1;

-- Facts: sales ------------------------------------------------------------------------------
create or replace temp table chk_sales as
select
    * exclude (txn_date, amount),
    case when reason is null then cast(txn_date as date) end as txn_date,
    case when reason is null then cast(amount as decimal(18, 2)) end as amount
from (
    select
        *,
        case
            when txn_id = '' or txn_type = '' or order_id = '' or rep_id = ''
                or customer_id = '' or txn_date = '' or amount = '' or currency = ''
                then 'missing_field'
            when not is_date(txn_date) or not is_decimal(amount) then 'bad_type'
            when txn_type not in ('sale', 'return') then 'bad_enum'
            when bad_amount(amount) then 'bad_amount'
            when currency <> getvariable('program_currency') then 'bad_currency'
        end as reason
    from (
        select
            filename as source_file,
            txt(txn_id) as txn_id,
            txt(txn_type) as txn_type,
            txt(order_id) as order_id,
            txt(rep_id) as rep_id,
            txt(customer_id) as customer_id,
            txt(txn_date) as txn_date,
            txt(amount) as amount,
            txt(currency) as currency
        from (
            select
                filename, txn_id, txn_type, order_id, rep_id, customer_id, txn_date, amount,
                currency
            from @@sales_csv@@
            union all by name
            select
                filename, txn_id, txn_type, order_id, rep_id, customer_id, txn_date, amount,
                currency
            from @@sales_parquet@@
        )
    )
);

-- keys are unique across deliveries: a repeated key is a conflict unless all its rows are equal
create or replace temp table sales_keys as
select
    txn_id,
    count(*) as n,
    count(distinct (txn_type, order_id, rep_id, customer_id, txn_date, amount, currency)) > 1
        as conflict
from chk_sales
where reason is null and txn_id in (
    select txn_id from chk_sales where reason is null group by txn_id having count(*) > 1
)
group by txn_id;

insert into outcomes
select 'sales', 'quarantined', reason, count(*) from chk_sales
where reason is not null group by all
union all
select
    'sales',
    case when conflict then 'quarantined' else 'deduplicated' end,
    case when conflict then 'duplicate_conflict' end,
    sum(case when conflict then n else n - 1 end)
from sales_keys group by all;

create or replace temp table unique_sales as
select * exclude (reason, source_file) from chk_sales
where reason is null and txn_id not in (select txn_id from sales_keys)
union all
select * exclude (reason, source_file) from (
    select distinct on (txn_id) * from chk_sales
    where reason is null and txn_id in (select txn_id from sales_keys where not conflict)
    order by txn_id, source_file
);
drop table chk_sales;

-- duplicate_order: among sales of one order the earliest (txn_date, txn_id) is kept
create or replace temp table repeated_orders as
select txn_id from (
    select txn_id, row_number() over (partition by order_id order by txn_date, txn_id) as n
    from unique_sales
    where txn_type = 'sale' and order_id in (
        select order_id from unique_sales
        where txn_type = 'sale' group by order_id having count(*) > 1
    )
)
where n > 1;

-- then the references and the rep's activity (the first failing reason wins)
create or replace temp table judged_sales as
select
    u.*,
    case
        when d.txn_id is not null then 'duplicate_order'
        when r.rep_id is null then 'unknown_rep'
        when c.customer_id is null then 'unknown_customer'
        when u.txn_date < r.hire_date or u.txn_date > r.leave_date then 'rep_inactive'
    end as reason
from unique_sales as u
left join repeated_orders as d on u.txn_id = d.txn_id
left join reps_now as r on u.rep_id = r.rep_id
left join customers_now as c on u.customer_id = c.customer_id;
drop table unique_sales;

-- unknown_order: a return whose order has no loaded sale
create or replace temp table sold as
select order_id, rep_id, txn_date, amount
from judged_sales where reason is null and txn_type = 'sale';

create or replace temp table returns_judged as
select
    j.txn_id, j.order_id, j.amount, s.amount as sold,
    row_number() over (partition by j.order_id order by j.txn_date, j.txn_id) as step
from judged_sales as j
left join sold as s on j.order_id = s.order_id
where j.reason is null and j.txn_type = 'return';

-- over_return: returns of an order in (txn_date, txn_id) order; the one that would cross is
-- not counted, so a later, smaller one may still fit. Orders whose returns all fit skip the walk.
create or replace temp table crossing as
with recursive
candidates as (
    select * from returns_judged
    where order_id in (
        select order_id from returns_judged
        where sold is not null group by order_id having sum(amount) > any_value(sold)
    )
),

walk (order_id, step, txn_id, accepted, crosses) as (
    select
        order_id, step, txn_id,
        case when amount <= sold then amount else 0 end,
        amount > sold
    from candidates where step = 1
    union all
    select
        c.order_id, c.step, c.txn_id,
        w.accepted + case when w.accepted + c.amount <= c.sold then c.amount else 0 end,
        w.accepted + c.amount > c.sold
    from walk as w
    inner join candidates as c on w.order_id = c.order_id and c.step = w.step + 1
)

select txn_id from walk where crosses;

create or replace temp table dropped_returns as
select txn_id, 'unknown_order' as reason from returns_judged where sold is null
union all
select txn_id, 'over_return' from crossing;

create or replace temp table loaded_sales as
select * exclude (reason) from judged_sales
where reason is null and txn_id not in (select txn_id from dropped_returns);

insert into outcomes
select 'sales', 'quarantined', reason, count(*) from judged_sales
where reason is not null group by all
union all
select 'sales', 'quarantined', reason, count(*) from dropped_returns group by all
union all
select 'sales', 'loaded', null, count(*) from loaded_sales;
drop table judged_sales;

-- Facts: surveys ----------------------------------------------------------------------------
create or replace temp table chk_surveys as
select
    * exclude (order_id, score, survey_date),
    nullif(order_id, '') as order_id,
    case when reason is null then cast(score as integer) end as score,
    case when reason is null then cast(survey_date as date) end as survey_date
from (
    select
        *,
        case
            when survey_id = '' or rep_id = '' or customer_id = '' or score = ''
                or survey_date = '' then 'missing_field'
            when not is_date(survey_date) or not is_integer(score) then 'bad_type'
            when coalesce(not (try_cast(score as hugeint) between 1 and 5), true)
                then 'score_out_of_range'
        end as reason
    from (
        select
            filename as source_file,
            txt(survey_id) as survey_id,
            txt(rep_id) as rep_id,
            txt(customer_id) as customer_id,
            txt(order_id) as order_id,
            txt(score) as score,
            txt(survey_date) as survey_date
        from (
            select filename, survey_id, rep_id, customer_id, order_id, score, survey_date
            from @@surveys_csv@@
            union all by name
            select filename, survey_id, rep_id, customer_id, order_id, score, survey_date
            from @@surveys_parquet@@
        )
    )
);

create or replace temp table survey_keys as
select
    survey_id,
    count(*) as n,
    count(distinct (rep_id, customer_id, order_id, score, survey_date)) > 1 as conflict
from chk_surveys
where reason is null and survey_id in (
    select survey_id from chk_surveys where reason is null
    group by survey_id having count(*) > 1
)
group by survey_id;

create or replace temp table judged_surveys as
with unique_surveys as (
    select * exclude (reason, source_file) from chk_surveys
    where reason is null and survey_id not in (select survey_id from survey_keys)
    union all
    select * exclude (reason, source_file) from (
        select distinct on (survey_id) * from chk_surveys
        where reason is null and survey_id in (select survey_id from survey_keys where not conflict)
        order by survey_id, source_file
    )
)

select
    s.*,
    case
        when r.rep_id is null then 'unknown_rep'
        when c.customer_id is null then 'unknown_customer'
        when s.survey_date < r.hire_date or s.survey_date > r.leave_date then 'rep_inactive'
    end as reason
from unique_surveys as s
left join reps_now as r on s.rep_id = r.rep_id
left join customers_now as c on s.customer_id = c.customer_id;

insert into outcomes
select 'surveys', 'quarantined', reason, count(*) from chk_surveys
where reason is not null group by all
union all
select
    'surveys',
    case when conflict then 'quarantined' else 'deduplicated' end,
    case when conflict then 'duplicate_conflict' end,
    sum(case when conflict then n else n - 1 end)
from survey_keys group by all
union all
select 'surveys', case when reason is null then 'loaded' else 'quarantined' end, reason, count(*)
from judged_surveys group by all;
drop table chk_surveys;

create or replace temp table floor_outcomes as
select source, status, reason, sum(rows) as rows from outcomes
where rows > 0 group by all order by all;

