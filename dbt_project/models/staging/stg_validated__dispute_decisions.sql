select
    dispute_id,
    decided_date,
    decision,
    note,
    adjustment_id,
    restated_version,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_dispute_decisions') }}
