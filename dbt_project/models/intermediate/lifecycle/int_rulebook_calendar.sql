{{ config(materialized='table') }}
-- When each rule book version is in effect: from its effective_from to the day before the next
-- version's. Row-level rules use the version in effect on the row's date.
with ordered as (
    select
        rulebook_version,
        currency,
        effective_from,
        lead(effective_from) over (order by effective_from) as next_effective_from
    from {{ ref('rulebooks') }}
)

select
    rulebook_version,
    currency,
    effective_from as valid_from,
    coalesce(
        cast({{ dbt.dateadd('day', -1, 'next_effective_from') }} as date),
        cast('9999-12-31' as date)
    ) as valid_to
from ordered
