{{ config(meta={"dagster": {"ref": {"name": "points_ledger"}}}) }}
-- Every ledger line is written by a rule of the rule book version it names, or by one of the
-- lifecycle rules that belong to no rule book.
select
    lines.line_id,
    lines.rule_id,
    lines.rulebook_version
from {{ ref('points_ledger') }} as lines
left join {{ ref('rules') }} as rules
    on lines.rule_id = rules.rule_id and lines.rulebook_version = rules.rulebook_version
where
    rules.rule_id is null
    and lines.rule_id not in ('PRIOR_PERIOD_ADJUSTMENT', 'MANUAL_ADJUSTMENT')
