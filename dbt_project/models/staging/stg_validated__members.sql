select
    customer_id,
    enrolled_date,
    left_date,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_members') }}
