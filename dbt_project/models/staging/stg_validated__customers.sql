select
    customer_id,
    segment,
    region,
    created_date,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_customers') }}
