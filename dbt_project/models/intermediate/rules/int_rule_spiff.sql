-- Kind spiff: a time-boxed bonus on the sales of a base amount_rate rule scored on a date in the
-- window (optionally only for customers of one segment): either extra points per amount
-- (round(amount x rate, 2)) or a multiplier of the base line (round(base x (multiplier - 1), 2)).
-- A return of a sale made in the window takes the bonus back. The rep must be eligible for the
-- spiff and for its base rule.
with charged as (
    select * from {{ ref('int_sales_charged') }}
),

rules as (
    select * from {{ ref('rules') }}
),

scored as (
    select
        charged.*,
        spiffs.rule_id,
        spiffs.rulebook_version,
        spiffs.rate,
        spiffs.multiplier,
        spiffs.window_start,
        spiffs.window_end,
        spiffs.segment,
        base.rule_id as base_rule_id,
        base.rate as base_rate,
        spiffs.roles as rule_roles,
        spiffs.teams as rule_teams,
        reps.role as rep_role,
        reps.team_id as rep_team_id,
        customers.segment as customer_segment,
        charged.amount * base.rate as exact_base_points,
        {{ as_points(round_half_away('charged.amount * base.rate')) }} as base_points
    from charged
    inner join {{ ref('int_rulebook_calendar') }} as calendar
        on charged.scored_on between calendar.valid_from and calendar.valid_to
    inner join rules as spiffs
        on
            calendar.rulebook_version = spiffs.rulebook_version
            and spiffs.kind = 'spiff'
            and charged.scored_on between spiffs.window_start and spiffs.window_end
    inner join rules as base
        on
            spiffs.rulebook_version = base.rulebook_version
            and spiffs.base_rule_id = base.rule_id
            and base.kind = 'amount_rate'
    inner join {{ ref('stg_validated__reps') }} as reps
        on charged.rep_id = reps.rep_id
    left join {{ ref('stg_validated__customers') }} as customers
        on charged.customer_id = customers.customer_id
    where
        {{ rule_applies_to('spiffs', 'reps') }}
        and {{ rule_applies_to('base', 'reps') }}
        and (spiffs.segment is null or customers.segment = spiffs.segment)
),

bonus as (
    select
        *,
        case
            when multiplier is not null then base_points * (multiplier - 1)
            else amount * rate
        end as exact_points,
        case
            when multiplier is not null
                then {{ as_points(round_half_away('base_points * (multiplier - 1)')) }}
            else {{ as_points(round_half_away('amount * rate')) }}
        end as unsigned_points,
        case
            when multiplier is not null
                then
                    {{ money_text('amount') }} || ' ' || currency || ' x '
                    || {{ rate_text('base_rate') }} || ' = ' || {{ decimal_text('base_points') }}
                    || ' x (' || {{ rate_text('multiplier') }} || ' - 1)'
            else {{ money_text('amount') }} || ' ' || currency || ' x ' || {{ rate_text('rate') }}
        end as formula
    from scored
),

lines as (
    select
        *,
        {{ as_points('direction * unsigned_points') }} as points,
        case
            when multiplier is not null
                then
                    {{ product_formula(
                        'amount', 'amount', 'base rate', 'base_rate', 'exact_base_points', 'base_points'
                    ) }}
                    || '; ' || {{ decimal_text('base_points') }} || ' x (multiplier '
                    || {{ rate_text('multiplier') }} || ' - 1) = ' || {{ exact_text('exact_points') }}
                    || ' -> ' || {{ decimal_text('unsigned_points') }}
            else {{ product_formula('amount', 'amount', 'rate', 'rate', 'exact_points', 'unsigned_points') }}
        end as unsigned_formula
    from bonus
)

select
    period,
    rule_id || ':' || txn_id as line_id,
    rep_id,
    rule_id,
    rulebook_version,
    'sales' as source,
    txn_id as source_id,
    points,
    case
        when txn_type = 'sale' then 'sale ' || txn_id
        else 'return ' || txn_id || ' of order ' || order_id || ' (sale ' || sale_txn_id || ')'
    end
    || ' on ' || cast(scored_on as {{ dbt.type_string() }}) || ' in window '
    || cast(window_start as {{ dbt.type_string() }}) || '..'
    || cast(window_end as {{ dbt.type_string() }})
    || coalesce(' for ' || segment || ' customer ' || customer_id, '') || ': ' || formula
    || ' = ' || case when txn_type = 'sale' then '' else '-' end
    || {{ decimal_text('unsigned_points') }} as explanation,
    source_file,
    source_row_number,
    source_file_hash,
    {{ row_derivation(
        'spiff',
        inputs=[
            ('txn_type', 'txn_type'), ('amount', 'amount'), ('currency', 'currency'),
            ('txn_date', 'txn_date'), ('order_id', 'order_id'),
            ('original_sale_txn_id', "case when txn_type = 'return' then sale_txn_id end"),
            ('charged_rep_id', 'rep_id'), ('scored_on', 'scored_on'),
            ('charged_customer_id', 'case when segment is not null then customer_id end'),
            ('customer_segment', 'case when segment is not null then customer_segment end'),
        ] + eligibility_inputs('rule_roles', 'rule_teams', 'rep_role', 'rep_team_id'),
        parameters=[
            ('base_rule_id', 'base_rule_id'),
            ('base_rate', 'case when multiplier is not null then ' ~ rate_text('base_rate') ~ ' end'),
            ('rate', rate_text('rate')), ('multiplier', rate_text('multiplier')),
            ('window_start', 'window_start'), ('window_end', 'window_end'), ('segment', 'segment'),
        ] + eligibility_parameters('rule_roles', 'rule_teams'),
        formula=signed_formula('unsigned_formula', 'txn_type', 'points'),
    ) }}
from lines
