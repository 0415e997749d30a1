{{ config(materialized='table') }}
-- Every ledger line of the walk, dated up to the end of the period being closed (for a member
-- resumed from the saved state: the saved lines, then the walk's new ones). A line is
-- scored by the book in effect on its date: an EXPIRY line too (its lot's expiry day came from
-- the book in effect when the lot was earned).
select
    {{ period_label() }} as period,
    walk.customer_id,
    walk.kind,
    walk.event_date,
    walk.points,
    walk.lot_id,
    walk.source,
    walk.source_id,
    case when walk.kind = 'EXPIRY' then books.rulebook_version else walk.rulebook_version end
        as rulebook_version,
    walk.line_seq
from {{ ref('int_loyalty_walk') }} as walk
inner join {{ ref('int_loyalty_rulebook_calendar') }} as books
    on walk.event_date between books.valid_from and books.valid_to
where walk.record = 'line'

union all

select
    {{ period_label() }} as period,
    saved.customer_id,
    saved.kind,
    saved.event_date,
    saved.points,
    saved.lot_id,
    saved.source,
    saved.source_id,
    saved.rulebook_version,
    saved.line_seq
from {{ ref('stg_published__previous_walk_lines') }} as saved
inner join {{ ref('int_loyalty_resumed') }} as resumed
    on saved.customer_id = resumed.customer_id
