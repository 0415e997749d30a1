{#-
  dbt's own noop_statement, minus the runtime copy for seeds. dbt writes that copy to
  <target>/run/<project>/<seed path>; the rule book seeds live outside the project
  (JIFEN_SEEDS, relative to it), so the copy would land outside the target folder, in the
  workspace or beside it (docs/decisions.md). The seed's SQL is still logged and run.
-#}
{% macro noop_statement(name=None, message=None, code=None, rows_affected=None, res=None) -%}
  {%- set sql = caller() -%}

  {%- if name == 'main' and model.resource_type != 'seed' -%}
    {{ log('Writing runtime SQL for node "{}"'.format(model['unique_id'])) }}
    {{ write(sql) }}
  {%- endif -%}

  {%- if name is not none -%}
    {{ store_raw_result(name, message=message, code=code, rows_affected=rows_affected, agate_table=res) }}
  {%- endif -%}

{%- endmacro %}
