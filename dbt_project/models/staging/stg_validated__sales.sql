select
    txn_id,
    txn_type,
    order_id,
    rep_id,
    customer_id,
    txn_date,
    amount,
    currency,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_sales') }}
