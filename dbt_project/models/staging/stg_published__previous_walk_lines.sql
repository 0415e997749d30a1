-- Every line the walk of the previous month's loyalty close wrote (empty at the first close).
select
    lines.customer_id,
    lines.kind,
    lines.event_date,
    lines.points,
    lines.lot_id,
    lines.source,
    lines.source_id,
    lines.rulebook_version,
    lines.line_seq
from {{ source('published', 'loyalty_walk_lines') }} as lines
where lines.period = {{ previous_period_label() }}
