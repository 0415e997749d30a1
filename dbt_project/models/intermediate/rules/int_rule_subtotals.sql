{{ config(materialized='table') }}
-- Each rep's subtotal per row-level rule and period: what caps and gates are computed from.
{% set row_level_models = row_level_rule_models() %}
with lines as (
    {% for model in row_level_models %}
        select
            period,
            rep_id,
            rule_id,
            points
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    period,
    rep_id,
    rule_id,
    -- DuckDB's sum of a decimal is decimal(38, s), Spark's decimal(p + 10, s): one type on both
    cast(sum(points) as decimal(38, 2)) as points
from lines
group by period, rep_id, rule_id
