-- The periods computed in this run: the period being closed, and every closed period (one with
-- a published version), recomputed with every row now known. Each with the parameters of the
-- rule book in effect on its first day.
with closing as (
    select {{ period_label() }} as period
),

periods as (
    select period from closing
    union
    select period from {{ ref('stg_published__publications') }}
),

windows as (
    select
        periods.period,
        cast(periods.period || '-01' as date) as period_start,
        periods.period = closing.period as is_closing
    from periods
    cross join closing
),

versions as (
    select
        windows.period,
        rulebooks.rulebook_version,
        rulebooks.currency,
        row_number() over (
            partition by windows.period order by rulebooks.effective_from desc
        ) as recency
    from windows
    inner join {{ ref('rulebooks') }} as rulebooks
        on windows.period_start >= rulebooks.effective_from
)

select
    windows.period,
    windows.period_start,
    cast({{ dbt.last_day('windows.period_start', 'month') }} as date) as period_end,
    windows.is_closing,
    versions.rulebook_version,
    versions.currency,
    parameters.sales_rate,
    parameters.new_customer_points,
    parameters.sales_cap_points,
    parameters.gate_min_surveys,
    parameters.gate_mean_score_below,
    parameters.gate_factor,
    parameters.team_bonus_points
from windows
inner join versions
    on windows.period = versions.period and versions.recency = 1
inner join {{ ref('rule_parameters') }} as parameters
    on versions.rulebook_version = parameters.rulebook_version
