-- The period being closed and the parameters of the rule book in effect on its first day.
with period_window as (
    select
        {{ period_label() }} as period,
        {{ period_start() }} as period_start,
        {{ period_end() }} as period_end
),

versions as (
    select
        rulebooks.rulebook_version,
        rulebooks.currency,
        row_number() over (order by rulebooks.effective_from desc) as recency
    from {{ ref('rulebooks') }} as rulebooks
    cross join period_window
    where rulebooks.effective_from <= period_window.period_start
)

select
    period_window.period,
    period_window.period_start,
    period_window.period_end,
    versions.rulebook_version,
    versions.currency,
    parameters.sales_rate,
    parameters.new_customer_points,
    parameters.sales_cap_points,
    parameters.gate_min_surveys,
    parameters.gate_mean_score_below,
    parameters.gate_factor,
    parameters.team_bonus_points
from period_window
cross join versions
inner join {{ ref('rule_parameters') }} as parameters
    on versions.rulebook_version = parameters.rulebook_version
where versions.recency = 1
