{#-
    The models that write ledger lines, declared once: every rule-kind model under
    models/intermediate/rules/ and the manual adjustments. Row-level kinds (one line per landed row)
    come first; caps, gates and team bonuses are computed from their subtotals. A new rule kind is
    one model and one entry here.
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
        'int_manual_adjustments',
    ]) }}
{%- endmacro %}
