-- The loyalty ledger of the period being closed: the walk's lines dated in the period, plus
-- (late) the correction of earlier dates: every line dated before the period that this walk
-- writes and the previous close's walk did not, as it is, and every one the previous walk wrote
-- and this one does not, negated. Per member the late lines sum to the prior-period adjustment.
{%- set compared = 'customer_id, kind, event_date, source_id, lot_id, points, source, rulebook_version' %}
with lines as (
    select * from {{ ref('int_loyalty_lines') }}
),

has_previous_close as (
    select count(*) > 0 as found from {{ ref('stg_published__previous_loyalty_close') }}
),

earlier_now as (
    select {{ compared }}
    from lines
    where event_date < {{ period_start() }} and (select has_previous_close.found from has_previous_close)
),

earlier_before as (
    select {{ compared }}
    from {{ ref('stg_published__previous_walk_lines') }}
),

entries as (
    select
        customer_id,
        kind,
        event_date,
        source_id,
        lot_id,
        points,
        source,
        rulebook_version,
        false as late,
        '' as id_prefix
    from lines
    where event_date between {{ period_start() }} and {{ period_end() }}
    union all
    select
        *,
        true as late,
        'late+' || cast(event_date as {{ dbt.type_string() }}) || ':' as id_prefix
    from (
        select * from earlier_now
        except all
        select * from earlier_before
    ) as added
    union all
    select
        customer_id,
        kind,
        event_date,
        source_id,
        lot_id,
        -points as points,
        source,
        rulebook_version,
        true as late,
        'late-' || cast(event_date as {{ dbt.type_string() }}) || ':' as id_prefix
    from (
        select * from earlier_before
        except all
        select * from earlier_now
    ) as withdrawn
),

events as (
    select
        customer_id,
        kind,
        action,
        source,
        source_id,
        explanation,
        source_file,
        source_row_number,
        source_file_hash
    from {{ ref('int_loyalty_events') }}
),

explained as (
    select
        entries.*,
        case
            when entries.kind = 'EXPIRY'
                then
                    'lot ' || entries.lot_id || ' expired at the end of '
                    || cast(entries.event_date as {{ dbt.type_string() }})
            when entries.kind = 'FORFEIT'
                then forfeits.explanation || ': lot ' || entries.lot_id
            when events.action = 'earn'
                then
                    events.explanation || ' = ' || cast(abs(entries.points) as {{ dbt.type_string() }})
                    || ' points'
            when entries.lot_id is null
                then events.explanation || '; not covered by any lot: added to debt'
            else events.explanation || '; taken from lot ' || entries.lot_id
        end as explanation,
        coalesce(events.source_file, forfeits.source_file) as source_file,
        coalesce(events.source_row_number, forfeits.source_row_number) as source_row_number,
        coalesce(events.source_file_hash, forfeits.source_file_hash) as source_file_hash
    from entries
    left join events
        on
            entries.source = events.source
            and entries.source_id = events.source_id
            and entries.customer_id = events.customer_id
            and entries.kind = events.kind
    left join events as forfeits
        on
            entries.kind = 'FORFEIT'
            and forfeits.kind = 'FORFEIT'
            and entries.customer_id = forfeits.customer_id
)

select
    {{ period_label() }} as period,
    id_prefix || kind || ':' || source_id || '@' || coalesce(lot_id, 'debt') as line_id,
    customer_id,
    kind,
    event_date,
    points,
    lot_id,
    source,
    source_id,
    rulebook_version,
    case
        when late and id_prefix like 'late-%'
            then
                'late, withdrawn: the previous close wrote ' || kind || ' ' || source_id
                || coalesce(' on lot ' || lot_id, ' to debt') || ' dated '
                || cast(event_date as {{ dbt.type_string() }}) || '; the recomputed walk does not'
        when late then 'late: ' || explanation
        else explanation
    end as explanation,
    late,
    source_file,
    source_row_number,
    source_file_hash
from explained
