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

{% macro spark__money_text(expression) -%}
    format_number(cast({{ expression }} as decimal(18, 2)), 2)
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

{#- Spark's two-argument rtrim takes the characters first: the standard form says which is which. -#}
{% macro spark__rate_text(expression) -%}
    trim(trailing '.' from trim(trailing '0' from cast({{ expression }} as {{ dbt.type_string() }})))
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

{#- The derivation of a ledger line, recorded beside it (int_ledger_derivations): the rule's
    kind, the values the line read (a landed row's, or the subtotals of the lines it is
    computed from), the rule's parameters, the arithmetic, and for a derived line the period
    and rules of the lines it is computed from. -#}
{% macro derivation_columns() -%}
    rule_kind,
    inputs,
    parameters,
    formula,
    input_period,
    input_rules
{%- endmacro %}

{#- Named values as a JSON object of text ({"amount": "100.50", "rate": "0.01"}); NULL stays null.
    pairs: a list of (name, SQL expression). -#}
{% macro text_record(pairs) -%}
    {{ return(adapter.dispatch('text_record', 'jifen')(pairs)) }}
{%- endmacro %}

{% macro default__text_record(pairs) -%}
    cast(json_object(
        {%- for name, value in pairs %}
        '{{ name }}', cast({{ value }} as {{ dbt.type_string() }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro postgres__text_record(pairs) -%}
    cast(json_build_object(
        {%- for name, value in pairs %}
        '{{ name }}', cast({{ value }} as {{ dbt.type_string() }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Spark's to_json drops null fields unless told: DuckDB's json_object keeps them as null. -#}
{% macro spark__text_record(pairs) -%}
    to_json(named_struct(
        {%- for name, value in pairs %}
        '{{ name }}', cast({{ value }} as {{ dbt.type_string() }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{#- A product before rounding, its trailing zeros dropped down to 2 places: 1.005000 -> 1.005,
    12.000000 -> 12.00. -#}
{% macro exact_text(expression) -%}
    {{ return(adapter.dispatch('exact_text', 'jifen')(expression)) }}
{%- endmacro %}

{% macro default__exact_text(expression) -%}
    regexp_replace(cast({{ expression }} as {{ dbt.type_string() }}), '(\.[0-9]{2}[0-9]*?)0+$', '\1')
{%- endmacro %}

{% macro spark__exact_text(expression) -%}
    regexp_replace(cast({{ expression }} as {{ dbt.type_string() }}), '(\\.[0-9]{2}[0-9]*?)0+$', '$1')
{%- endmacro %}

{#- "amount 100.50 x rate 0.01 = 1.005 -> 1.01": a product and its rounding half away from zero.
    `exact` and `rounded` are the expressions the line's points are computed with. -#}
{% macro product_formula(left_name, left, right_name, right, exact, rounded) -%}
    '{{ left_name }} ' || {{ decimal_text(left) }} || ' x {{ right_name }} ' || {{ rate_text(right) }}
    || ' = ' || {{ exact_text(exact) }} || ' -> ' || {{ decimal_text(rounded) }}
{%- endmacro %}

{#- A return takes back what its sale earned: "-(formula) = -1.01". -#}
{% macro signed_formula(formula, txn_type, signed_points) -%}
    case
        when {{ txn_type }} = 'sale' then {{ formula }}
        else '-(' || {{ formula }} || ') = ' || {{ decimal_text(signed_points) }}
    end
{%- endmacro %}

{#- The rep's role and team, recorded as inputs only when the rule is limited to roles or teams;
    the rule's roles and teams as parameters. -#}
{% macro eligibility_inputs(roles, teams, role, team) -%}
    {{ return([
        ('rep_role', 'case when ' ~ roles ~ ' is not null then ' ~ role ~ ' end'),
        ('rep_team', 'case when ' ~ teams ~ ' is not null then ' ~ team ~ ' end'),
    ]) }}
{%- endmacro %}

{% macro eligibility_parameters(roles, teams) -%}
    {{ return([('roles', roles), ('teams', teams)]) }}
{%- endmacro %}

{#- The derivation columns of a line computed from one landed row. -#}
{% macro row_derivation(kind, inputs, parameters, formula) -%}
    '{{ kind }}' as rule_kind,
    {{ text_record(inputs) }} as inputs,
    {{ text_record(parameters) }} as parameters,
    {{ formula }} as formula,
    cast(null as {{ dbt.type_string() }}) as input_period,
    cast(null as {{ dbt.type_string() }}) as input_rules
{%- endmacro %}
