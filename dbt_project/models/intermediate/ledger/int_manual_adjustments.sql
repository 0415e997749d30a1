-- MANUAL_ADJUSTMENT: every loaded adjustment of a computed period becomes one ledger line, in
-- every recalculation (it is a landed source like any other, so it survives restatements and a
-- late one for a closed period becomes a prior-period adjustment).
with periods as (
    select * from {{ ref('int_periods') }}
)

select
    periods.period,
    'MANUAL_ADJUSTMENT:' || adjustments.adjustment_id as line_id,
    adjustments.rep_id,
    'MANUAL_ADJUSTMENT' as rule_id,
    periods.rulebook_version,
    'adjustments' as source,
    adjustments.adjustment_id as source_id,
    {{ as_points('adjustments.points') }} as points,
    'manual adjustment ' || adjustments.adjustment_id || ': ' || adjustments.reason
    || ' (approved by ' || adjustments.approved_by || ') = '
    || {{ decimal_text(as_points('adjustments.points')) }} as explanation,
    adjustments.source_file,
    adjustments.source_row_number,
    adjustments.source_file_hash,
    {{ row_derivation(
        'manual_adjustment',
        inputs=[
            ('rep_id', 'adjustments.rep_id'), ('period', 'adjustments.period'),
            ('points', 'adjustments.points'), ('reason', 'adjustments.reason'),
            ('approved_by', 'adjustments.approved_by'),
        ],
        parameters=[],
        formula="'points as landed ' || " ~ decimal_text(as_points('adjustments.points')),
    ) }}
from {{ ref('stg_validated__adjustments') }} as adjustments
inner join periods on adjustments.period = periods.period
