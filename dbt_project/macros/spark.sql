{#- What dbt-spark does differently from DuckDB without raising an error, put right for the
    Spark engine (orchestration/points/dbt_spark.py). Every macro here is a `spark__` version
    of a dispatched macro: DuckDB never reads this file. -#}

{#- Spark 4 refuses `varchar` without a length (the type the seeds' and contracts' YAML
    declare): it is Spark's `string`. -#}
{% macro spark_type(data_type) -%}
    {%- if data_type | trim | lower in ('varchar', 'text') -%}
        {{ dbt.type_string() }}
    {%- else -%}
        {{ data_type }}
    {%- endif -%}
{%- endmacro %}

{#- dbt's cast (contracts declare their columns through it). -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{#- A seed's table, with its declared column types in Spark's names. -#}
{% macro spark__create_csv_table(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
  {% set sql %}
    create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
            {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }}
            {%- if not loop.last -%}, {%- endif -%}
        {%- endfor -%}
    )
    {{ file_format_clause() }}
  {% endset %}
  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}
  {{ return(sql) }}
{% endmacro %}

{#- A seed's rows as escaped literals: the session method pastes bindings into the SQL without
    escaping them, so a quote in a rule's description broke the statement (or changed it). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set types = [] -%}
  {%- for col_name in agate_table.column_names -%}
      {%- do types.append(spark_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)))) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
      {%- set sql -%}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for value in row -%}
                  {%- if value is none -%} cast(null as {{ types[loop.index0] }})
                  {%- else -%} cast({{ spark_string_literal(value) }} as {{ types[loop.index0] }})
                  {%- endif -%}
                  {%- if not loop.last %}, {% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {% endfor %}
      {%- endset -%}
      {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
      {%- do statements.append(sql) -%}
  {%- endfor -%}
  {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#- A Spark SQL string literal: backslashes and quotes escaped (Spark reads backslash escapes). -#}
{% macro spark_string_literal(value) -%}
    '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
{%- endmacro %}

{#- Contracts' not-null constraints: dbt-spark enforces them only on Delta tables and skips them
    silently on Parquet ones; on those the table is checked after it is written, and a null
    stops the build as DuckDB's NOT NULL does. -#}
{% macro spark__persist_constraints(relation, model) %}
  {%- if config.get('file_format', 'delta') == 'delta' -%}
    {%- do alter_table_add_constraints(relation, model.constraints) -%}
    {%- do alter_column_set_constraints(relation, model.columns) -%}
  {%- elif config.get('contract').enforced -%}
    {%- for column in model.columns.values()
        if column.constraints | selectattr('type', 'equalto', 'not_null') | list -%}
      {%- set nulls = run_query('select count(*) from ' ~ relation ~ ' where ' ~ column.name ~ ' is null').columns[0].values()[0] -%}
      {%- if nulls > 0 -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ': column ' ~ column.name ~ ' is declared not null (contract) but '
            ~ nulls ~ ' rows hold null') }}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
{% endmacro %}

{#- dbt-spark's dateadd, last_day and datediff work through unix timestamps and nest their
    argument several times: the loyalty models' SQL grew past 80 kB (beyond what the Derby
    metastore keeps of a view) and took a minute to plan. Days, months and years are Spark
    functions of dates. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set part = datepart | lower -%}
    {%- if part == 'day' -%}
        date_add({{ from_date_or_timestamp }}, cast({{ interval }} as int))
    {%- elif part == 'month' -%}
        add_months({{ from_date_or_timestamp }}, cast({{ interval }} as int))
    {%- elif part == 'year' -%}
        add_months({{ from_date_or_timestamp }}, cast(12 * ({{ interval }}) as int))
    {%- else -%}
        {{ exceptions.raise_compiler_error('dateadd on Spark: unsupported datepart ' ~ datepart) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__last_day(date, datepart) -%}
    {%- if datepart | lower == 'month' -%}
        last_day({{ date }})
    {%- else -%}
        {{ exceptions.raise_compiler_error('last_day on Spark: unsupported datepart ' ~ datepart) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart | lower == 'day' -%}
        datediff({{ second_date }}, {{ first_date }})
    {%- else -%}
        {{ exceptions.raise_compiler_error('datediff on Spark: unsupported datepart ' ~ datepart) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark's listagg ignores the order (with a warning) and collect_list's order is the
    shuffle's: the values are sorted here by the clause's keys (ascending, as every use in the
    project), the value itself breaking ties. Nulls are skipped, and no value at all is null, as
    with string_agg. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set keys = order_by_clause | trim | replace('order by ', '', 1) | replace('ORDER BY ', '', 1) -%}
        {%- set keys = keys.split(',') | map('trim') | list -%}
        {%- for key in keys if key.lower().endswith(' desc') or key.lower().endswith(' asc') -%}
            {{ exceptions.raise_compiler_error('listagg on Spark: only ascending keys, got ' ~ key) }}
        {%- endfor -%}
        {%- set collected -%}
            transform(array_sort(collect_list(named_struct(
                {%- for key in keys %}'k{{ loop.index }}', {{ key }}, {% endfor -%}
                'value', {{ measure }}))), entry -> entry.value)
        {%- endset -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    case when count({{ measure }}) > 0 then array_join({{ collected }}, {{ delimiter_text }}) end
{%- endmacro %}
