{#-
    The models that write ledger lines, declared once: every rule-kind model under
    models/intermediate/rules/ and the manual adjustments. Row-level kinds (one line per landed row)
    come first; caps and gates are computed from their subtotals, team bonuses and customer counts
    per team or rep and period (no cap or gate counts them). A new rule kind is one model (with
    its YAML, which declares the validated inputs it reads) and one entry here.
    The list cannot be derived from the models' YAML (a ref must be known when dbt parses the
    project); tests/test_dbt.py checks it against the rule book's kinds
    (orchestration/rulebooks/model.py RULE_KINDS and ROW_KINDS).
-#}
{% macro row_level_rule_models() -%}
    {{ return([
        'int_rule_amount_rate',
        'int_rule_spiff',
        'int_rule_first_sale',
        'int_rule_score_points',
    ]) }}
{%- endmacro %}

{% macro ledger_line_models() -%}
    {{ return(row_level_rule_models() + [
        'int_rule_cap',
        'int_rule_gate',
        'int_rule_team_bonus',
        'int_rule_distinct_customers',
        'int_manual_adjustments',
    ]) }}
{%- endmacro %}
