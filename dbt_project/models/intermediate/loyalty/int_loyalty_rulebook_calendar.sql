{{ config(materialized='table') }}
-- When each loyalty rule book version is in effect (from its effective_from to the day before
-- the next version's), with its parameters. A line is scored by the book in effect on its date.
with ordered as (
    select
        *,
        lead(effective_from) over (order by effective_from) as next_effective_from
    from {{ ref('loyalty_rulebooks') }}
)

select
    rulebook_version,
    effective_from as valid_from,
    coalesce(
        cast({{ dbt.dateadd('day', -1, 'next_effective_from') }} as date),
        cast('9999-12-31' as date)
    ) as valid_to,
    earn_amount,
    welcome_points,
    frequency_orders,
    frequency_bonus,
    redemption_unit,
    unit_value,
    monthly_limit,
    expiry_months
from ordered
