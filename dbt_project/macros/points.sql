{#- Points are DECIMAL(18,2); a computed line is rounded half away from zero to 2 places. -#}
{% macro as_points(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}

{% macro round_half_away(expression, places=2) -%}
    {{ return(adapter.dispatch('round_half_away', 'jifen')(expression, places)) }}
{%- endmacro %}

{#- DuckDB, Postgres (numeric) and Spark (decimal) all round decimals half away from zero. -#}
{% macro default__round_half_away(expression, places) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}

{#- Money and points in explanations: 12,345.00 -#}
{% macro money_text(expression) -%}
    {{ return(adapter.dispatch('money_text', 'jifen')(expression)) }}
{%- endmacro %}

{% macro default__money_text(expression) -%}
    cast(cast({{ expression }} as decimal(18, 2)) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__money_text(expression) -%}
    format('{:,.2f}', cast({{ expression }} as decimal(18, 2)))
{%- endmacro %}

{% macro postgres__money_text(expression) -%}
    trim(to_char(cast({{ expression }} as decimal(18, 2)), 'FM999,999,999,999,990.00'))
{%- endmacro %}

{#- Plain decimal text for formulas: 123.45 -#}
{% macro decimal_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- A rate without trailing zeros: 0.0100 -> 0.01 -#}
{% macro rate_text(expression) -%}
    {{ return(adapter.dispatch('rate_text', 'jifen')(expression)) }}
{%- endmacro %}

{% macro default__rate_text(expression) -%}
    rtrim(rtrim(cast({{ expression }} as {{ dbt.type_string() }}), '0'), '.')
{%- endmacro %}

{#- The columns every ledger line carries, in one place. -#}
{% macro ledger_columns() -%}
    period,
    line_id,
    rep_id,
    rule_id,
    rulebook_version,
    source,
    source_id,
    points,
    explanation,
    source_file,
    source_row_number,
    source_file_hash
{%- endmacro %}

{#- A '|'-separated list (rule book columns family, roles, teams) contains a value; adapter-neutral. -#}
{% macro in_list(list_column, value) -%}
    ('|' || {{ list_column }} || '|' like '%|' || {{ value }} || '|%')
{%- endmacro %}

{#- A rule applies to a rep: empty roles/teams mean every role/team (rule book eligibility). -#}
{% macro rule_applies_to(rule, rep) -%}
    ({{ rule }}.roles is null or {{ in_list(rule ~ '.roles', rep ~ '.role') }})
    and ({{ rule }}.teams is null or {{ in_list(rule ~ '.teams', rep ~ '.team_id') }})
{%- endmacro %}

{#- Lineage columns of a line derived from other lines, not from one landed row. -#}
{% macro no_lineage() -%}
    cast(null as {{ dbt.type_string() }}) as source_file,
    cast(null as bigint) as source_row_number,
    cast(null as {{ dbt.type_string() }}) as source_file_hash
{%- endmacro %}
