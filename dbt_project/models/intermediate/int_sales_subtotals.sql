-- S: each rep's SALES subtotal of the period, the base of the cap and the quality gate.
select
    period,
    rep_id,
    rulebook_version,
    sum(points) as sales_points
from {{ ref('int_sales_points_scored') }}
group by period, rep_id, rulebook_version
