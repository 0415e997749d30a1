select
    survey_id,
    rep_id,
    customer_id,
    order_id,
    score,
    survey_date,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_surveys') }}
