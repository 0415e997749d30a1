select
    rep_id,
    rulebook_version,
    acknowledged_date,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_acknowledgements') }}
