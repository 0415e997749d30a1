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
        {{ as_points(round_half_away('charged.amount * rules.rate')) }} as unsigned_points
    from charged
    inner join {{ ref('int_rulebook_calendar') }} as calendar
        on charged.scored_on between calendar.valid_from and calendar.valid_to
    inner join {{ ref('rules') }} as rules
        on calendar.rulebook_version = rules.rulebook_version and rules.kind = 'amount_rate'
    inner join {{ ref('stg_validated__reps') }} as reps
        on charged.rep_id = reps.rep_id
    where {{ rule_applies_to('rules', 'reps') }}
)

select
    period,
    rule_id || ':' || txn_id as line_id,
    rep_id,
    rule_id,
    rulebook_version,
    'sales' as source,
    txn_id as source_id,
    {{ as_points('direction * unsigned_points') }} as points,
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
    source_file_hash
from scored
