{{ config(materialized='table') }}
-- The periods computed in this run: the period being closed, and every closed period (one with
-- a published version) whose inputs changed since it was last computed, recomputed with every
-- row now known (an unchanged one would book nothing). Each with the rule book version in
-- effect on its first day, which governs the period-level rules (caps, gates, team bonuses) and
-- the tiers.
with closing as (
    select {{ period_label() }} as period
),

periods as (
    select period from closing
    union
    select publications.period from {{ ref('stg_published__publications') }} as publications
    where publications.period not in (
        select unchanged.period from {{ ref('stg_pipeline__unchanged_periods') }} as unchanged
    )
),

windows as (
    select
        periods.period,
        cast(periods.period || '-01' as date) as period_start,
        periods.period = closing.period as is_closing
    from periods
    cross join closing
)

select
    windows.period,
    windows.period_start,
    cast({{ dbt.last_day('windows.period_start', 'month') }} as date) as period_end,
    windows.is_closing,
    calendar.rulebook_version,
    calendar.currency
from windows
inner join {{ ref('int_rulebook_calendar') }} as calendar
    on windows.period_start between calendar.valid_from and calendar.valid_to
