-- Kind amount_rate (SALES in 2026.1): each sale earns round(amount x rate, 2); each return
-- deducts the same, charged to the rep of the original sale, in the period of the return. One
-- line per row and amount_rate rule the charged rep is eligible for, under the rule book version
-- in effect on the date the row is scored on.
with charged as (
    select * from {{ ref('int_sales_charged') }}
),

scored as (
    select
        charged.*,
        rules.rule_id,
        rules.rulebook_version,
        rules.rate,
        rules.roles as rule_roles,
        rules.teams as rule_teams,
        reps.role as rep_role,
        reps.team_id as rep_team_id,
        charged.amount * rules.rate as exact_points,
        {{ as_points(round_half_away('charged.amount * rules.rate')) }} as unsigned_points
    from charged
    inner join {{ ref('int_rulebook_calendar') }} as calendar
        on charged.scored_on between calendar.valid_from and calendar.valid_to
    inner join {{ ref('rules') }} as rules
        on calendar.rulebook_version = rules.rulebook_version and rules.kind = 'amount_rate'
    inner join {{ ref('stg_validated__reps') }} as reps
        on charged.rep_id = reps.rep_id
    where {{ rule_applies_to('rules', 'reps') }}
),

lines as (
    select
        *,
        {{ as_points('direction * unsigned_points') }} as points
    from scored
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
        when txn_type = 'sale'
            then
                'sale ' || txn_id || ' ' || {{ money_text('amount') }} || ' ' || currency
                || ' x ' || {{ rate_text('rate') }} || ' = ' || {{ decimal_text('unsigned_points') }}
        else
            'return ' || txn_id || ' of order ' || order_id || ' (sale ' || sale_txn_id || ') '
            || {{ money_text('amount') }} || ' ' || currency || ' x ' || {{ rate_text('rate') }}
            || ' = -' || {{ decimal_text('unsigned_points') }}
    end as explanation,
    source_file,
    source_row_number,
    source_file_hash,
    {{ row_derivation(
        'amount_rate',
        inputs=[
            ('txn_type', 'txn_type'), ('amount', 'amount'), ('currency', 'currency'),
            ('txn_date', 'txn_date'), ('order_id', 'order_id'),
            ('original_sale_txn_id', "case when txn_type = 'return' then sale_txn_id end"),
            ('charged_rep_id', 'rep_id'), ('scored_on', 'scored_on'),
        ] + eligibility_inputs('rule_roles', 'rule_teams', 'rep_role', 'rep_team_id'),
        parameters=[('rate', rate_text('rate'))] + eligibility_parameters('rule_roles', 'rule_teams'),
        formula=signed_formula(
            product_formula('amount', 'amount', 'rate', 'rate', 'exact_points', 'unsigned_points'),
            'txn_type', 'points'
        ),
    ) }}
from lines
