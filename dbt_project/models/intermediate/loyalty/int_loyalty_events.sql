{{ config(materialized='table') }}
-- Every event of the loyalty walk up to the end of the period being closed, one row each, in
-- the shape orchestration/loyalty/walk.py reads (its Event). The walk orders them itself.
{% set earn_models = ['int_loyalty_member_events', 'int_loyalty_purchase_events',
                      'int_loyalty_frequency_bonus'] %}
{% for model in earn_models %}
    select
        customer_id,
        event_date,
        event_order,
        action,
        kind,
        source,
        source_id,
        points,
        rulebook_version,
        lot_id,
        lot_expires_on,
        reverses_lot,
        cast(null as integer) as monthly_limit,
        false as honoured,
        explanation,
        source_file,
        source_row_number,
        source_file_hash
    from {{ ref(model) }}
    union all
{% endfor %}
select
    customer_id,
    event_date,
    event_order,
    action,
    kind,
    source,
    source_id,
    points,
    rulebook_version,
    cast(null as {{ dbt.type_string() }}) as lot_id,
    cast(null as date) as lot_expires_on,
    cast(null as {{ dbt.type_string() }}) as reverses_lot,
    monthly_limit,
    honoured,
    explanation,
    source_file,
    source_row_number,
    source_file_hash
from {{ ref('int_loyalty_redemption_events') }}
