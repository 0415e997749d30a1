-- A close needs exactly one rule book in effect on the first day of its period.
select count(*) as rulebooks_in_effect
from {{ ref('int_periods') }}
where is_closing
having count(*) <> 1
