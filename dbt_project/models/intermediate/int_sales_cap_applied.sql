-- SALES_CAP: a rep whose SALES subtotal S in a period exceeds the cap gets one line cap - S.
with periods as (
    select * from {{ ref('int_periods') }}
)

select
    subtotals.period,
    'SALES_CAP:' || subtotals.rep_id as line_id,
    subtotals.rep_id,
    'SALES_CAP' as rule_id,
    periods.rulebook_version,
    'ledger' as source,
    'SALES:' || subtotals.rep_id as source_id,
    {{ as_points('periods.sales_cap_points - subtotals.sales_points') }} as points,
    'SALES subtotal ' || {{ money_text('subtotals.sales_points') }} || ' exceeds cap '
    || {{ money_text('periods.sales_cap_points') }} || ': '
    || {{ decimal_text(as_points('periods.sales_cap_points')) }} || ' - '
    || {{ decimal_text('subtotals.sales_points') }} || ' = '
    || {{ decimal_text(as_points('periods.sales_cap_points - subtotals.sales_points')) }}
        as explanation,
    cast(null as {{ dbt.type_string() }}) as source_file,
    cast(null as bigint) as source_row_number,
    cast(null as {{ dbt.type_string() }}) as source_file_hash
from {{ ref('int_sales_subtotals') }} as subtotals
inner join periods on subtotals.period = periods.period
where subtotals.sales_points > periods.sales_cap_points
