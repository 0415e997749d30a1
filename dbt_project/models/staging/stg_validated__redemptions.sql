select
    redemption_id,
    customer_id,
    redeemed_date,
    cast(points as integer) as points,
    reward,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_redemptions') }}
