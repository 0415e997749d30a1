-- A close needs exactly one rule book in effect on the first day of its period.
select count(*) as rulebooks_in_effect
from {{ ref('int_rulebook_in_effect') }}
having count(*) <> 1
