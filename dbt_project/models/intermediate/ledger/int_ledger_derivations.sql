-- How dbt derived each line of the ledger being closed, as its rule model recorded it: the
-- inputs it read, the rule's parameters and the arithmetic (macro derivation_columns). Beside
-- them, the recomputed lines of closed periods that its prior-period adjustments are computed
-- from: they are published nowhere else. Publishing keeps these rows with the version
-- (published.ledger_derivations), so `jifen trace` shows a published line's derivation.
with closing as (
    select * from {{ ref('int_closing_ledger') }}
),

-- A line derived from the lines of another period (a prior-period adjustment): those lines.
adjusted_lines as (
    select lines.*
    from {{ ref('int_ledger_lines') }} as lines
    inner join closing
        on
            lines.period = closing.input_period
            and lines.rep_id = closing.rep_id
            and {{ in_list('closing.input_rules', 'lines.rule_id') }}
    where closing.input_period <> closing.period
),

derived as (
    select
        period as line_period,
        {{ ledger_columns() }},
        {{ derivation_columns() }}
    from closing
    union all
    select
        period as line_period,
        {{ ledger_columns() }},
        {{ derivation_columns() }}
    from adjusted_lines
)

select
    {{ period_label() }} as period,
    line_period,
    line_id,
    rep_id,
    rule_id,
    rulebook_version,
    source,
    source_id,
    points,
    {{ derivation_columns() }},
    source_file,
    source_row_number,
    source_file_hash
from derived
