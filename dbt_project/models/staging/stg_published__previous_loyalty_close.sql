-- The loyalty close of the month before the period being closed (its latest version), when the
-- walk saved in the warehouse is that close's: the published figures and walk this close
-- continues from. Empty at the program's first close, and for a month closed out of order (a
-- month before the latest loyalty month, or its restatement), which is then computed like a
-- first close (docs/decisions.md, "Loyalty program").
select
    kpis.period,
    max(kpis.version) as version
from {{ source('published', 'loyalty_kpis') }} as kpis
where
    kpis.period = {{ previous_period_label() }}
    and exists (
        select 1 from {{ source('published', 'loyalty_walk_states') }} as states
        where states.period = kpis.period
    )
group by kpis.period
