-- The candidate points ledger of the period: one line per rule application. Publishing adds
-- the version (orchestration/defs/publish).
select {{ ledger_columns() }}
from {{ ref('int_ledger_lines') }}
