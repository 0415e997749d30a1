{{ config(materialized='table') }}
-- Every rule application of every computed period (the one being closed and the closed ones),
-- each with the derivation its model recorded (int_ledger_derivations keeps the closing ones).
{% set rule_models = ledger_line_models() %}
{% for rule_model in rule_models %}
    select
        {{ ledger_columns() }},
        {{ derivation_columns() }}
    from {{ ref(rule_model) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
