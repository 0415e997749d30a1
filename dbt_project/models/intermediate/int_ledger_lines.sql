{{ config(materialized='table') }}
-- Every rule application of every computed period (the one being closed and the closed ones).
{% set rule_models = [
    'int_sales_points_scored',
    'int_spiff_points',
    'int_new_customer_points',
    'int_satisfaction_points',
    'int_caps_applied',
    'int_gates_applied',
    'int_team_bonus_awarded',
    'int_manual_adjustments',
] %}
{% for rule_model in rule_models %}
    select {{ ledger_columns() }} from {{ ref(rule_model) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
