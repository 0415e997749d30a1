{#- A rep's total is exactly the sum of their ledger lines; reps without lines total 0. -#}
{% test totals_match_ledger(model) %}
with ledger as (
    select rep_id, sum(points) as ledger_points
    from {{ ref('points_ledger') }}
    group by rep_id
)

select model.rep_id, model.total_points, ledger.ledger_points
from {{ model }} as model
left join ledger on model.rep_id = ledger.rep_id
where model.total_points <> coalesce(ledger.ledger_points, 0)
{% endtest %}
