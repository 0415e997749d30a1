-- The loyalty close of the month before the period being closed (its latest version), if any:
-- the published figures this close continues from. Empty at the program's first close.
select
    kpis.period,
    max(kpis.version) as version
from {{ source('published', 'loyalty_kpis') }} as kpis
where kpis.period = {{ previous_period_label() }}
group by kpis.period
