{{ config(materialized='table') }}
-- Each rep's subtotal per row-level rule and period: what caps and gates are computed from.
{% set row_level_models = [
    'int_rule_amount_rate',
    'int_rule_spiff',
    'int_rule_first_sale',
    'int_rule_score_points',
] %}
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
