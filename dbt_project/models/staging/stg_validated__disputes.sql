select
    dispute_id,
    rep_id,
    period,
    line_id,
    opened_date,
    reason,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_disputes') }}
