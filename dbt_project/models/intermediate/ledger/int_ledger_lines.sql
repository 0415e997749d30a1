{{ config(materialized='table') }}
-- Every rule application of every computed period (the one being closed and the closed ones).
{% set rule_models = [
    'int_rule_amount_rate',
    'int_rule_spiff',
    'int_rule_first_sale',
    'int_rule_score_points',
    'int_rule_cap',
    'int_rule_gate',
    'int_rule_team_bonus',
    'int_manual_adjustments',
] %}
{% for rule_model in rule_models %}
    select {{ ledger_columns() }} from {{ ref(rule_model) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
