-- The ledger of the period being closed: its own rule applications and the adjustments it books
-- for closed periods, each with its derivation.
select
    {{ ledger_columns() }},
    cast(null as {{ dbt.type_string() }}) as adjusted_period,
    cast(null as {{ dbt.type_string() }}) as adjusted_rule_id,
    {{ derivation_columns() }}
from {{ ref('int_ledger_lines') }}
where period = {{ period_label() }}
union all
select
    {{ ledger_columns() }},
    adjusted_period,
    adjusted_rule_id,
    {{ derivation_columns() }}
from {{ ref('int_prior_period_adjustments') }}
