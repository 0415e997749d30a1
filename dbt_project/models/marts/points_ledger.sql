-- The candidate points ledger of the period: one line per rule application, plus the
-- adjustments it books for closed periods. Publishing adds the version.
select
    {{ ledger_columns() }},
    adjusted_period,
    adjusted_rule_id
from {{ ref('int_closing_ledger') }}
