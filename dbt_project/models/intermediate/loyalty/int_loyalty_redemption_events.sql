-- REDEMPTION events: every loaded redemption, with the monthly limit of the book in effect on
-- redeemed_date; `honoured` when a published version accepted it (the coupon was issued: the
-- walk forces it through).
with accepted as (
    select distinct redemption_id from {{ ref('stg_published__loyalty_accepted_redemptions') }}
)

select
    redemptions.customer_id,
    redemptions.redeemed_date as event_date,
    4 as event_order,
    'redeem' as action,
    'REDEMPTION' as kind,
    'redemptions' as source,
    redemptions.redemption_id as source_id,
    redemptions.points,
    books.rulebook_version,
    books.monthly_limit,
    accepted.redemption_id is not null as honoured,
    'redemption ' || redemptions.redemption_id || ' of '
    || cast(redemptions.points as {{ dbt.type_string() }}) || ' points (' || redemptions.reward
    || ')' as explanation,
    redemptions.source_file,
    redemptions.source_row_number,
    redemptions.source_file_hash
from {{ ref('stg_validated__redemptions') }} as redemptions
inner join {{ ref('int_loyalty_rulebook_calendar') }} as books
    on redemptions.redeemed_date between books.valid_from and books.valid_to
left join accepted on redemptions.redemption_id = accepted.redemption_id
where redemptions.redeemed_date <= {{ period_end() }}
