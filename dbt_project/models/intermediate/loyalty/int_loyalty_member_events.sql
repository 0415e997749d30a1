-- A member's WELCOME points (on enrolled_date, by the book in effect that day) and the FORFEIT
-- of every lot at the end of left_date.
select
    members.customer_id,
    members.enrolled_date as event_date,
    0 as event_order,
    'earn' as action,
    'WELCOME' as kind,
    'members' as source,
    members.customer_id as source_id,
    books.welcome_points as points,
    books.rulebook_version,
    'WELCOME:' || members.customer_id as lot_id,
    {{ expiry_day('members.enrolled_date', 'books.expiry_months') }} as lot_expires_on,
    cast(null as {{ dbt.type_string() }}) as reverses_lot,
    'welcome points on enrolment ' || cast(members.enrolled_date as {{ dbt.type_string() }})
        as explanation,
    members.source_file,
    members.source_row_number,
    members.source_file_hash
from {{ ref('stg_validated__members') }} as members
inner join {{ ref('int_loyalty_rulebook_calendar') }} as books
    on members.enrolled_date between books.valid_from and books.valid_to
where members.enrolled_date <= {{ period_end() }} and books.welcome_points > 0

union all

select
    members.customer_id,
    members.left_date as event_date,
    6 as event_order,
    'forfeit' as action,
    'FORFEIT' as kind,
    'lots' as source,
    members.customer_id as source_id,
    0 as points,
    books.rulebook_version,
    cast(null as {{ dbt.type_string() }}) as lot_id,
    cast(null as date) as lot_expires_on,
    cast(null as {{ dbt.type_string() }}) as reverses_lot,
    'left the program on ' || cast(members.left_date as {{ dbt.type_string() }})
    || ': every lot with points left is forfeited' as explanation,
    members.source_file,
    members.source_row_number,
    members.source_file_hash
from {{ ref('stg_validated__members') }} as members
inner join {{ ref('int_loyalty_rulebook_calendar') }} as books
    on members.left_date between books.valid_from and books.valid_to
where members.left_date <= {{ period_end() }}
