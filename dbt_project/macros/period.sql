{#- The period window comes from the environment (set by orchestration/lib/period.py):
    env vars keep dbt's partial parse, where changing --vars would force a full re-parse.
    The defaults only let `dbt parse` and `dbt docs generate` run outside a close. -#}
{% macro period_label() -%}
    '{{ env_var("JIFEN_PERIOD", "1900-01") }}'
{%- endmacro %}

{% macro period_start() -%}
    cast('{{ env_var("JIFEN_PERIOD_START", "1900-01-01") }}' as date)
{%- endmacro %}

{% macro period_end() -%}
    cast('{{ env_var("JIFEN_PERIOD_END", "1900-01-31") }}' as date)
{%- endmacro %}

{% macro previous_period_label() -%}
    '{{ env_var("JIFEN_PREVIOUS_PERIOD", "1899-12") }}'
{%- endmacro %}
