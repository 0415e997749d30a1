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
    sum(points) as points
from lines
group by period, rep_id, rule_id
