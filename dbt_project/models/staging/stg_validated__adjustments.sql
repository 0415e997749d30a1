select
    adjustment_id,
    rep_id,
    period,
    cast(points as decimal(18, 2)) as points,
    reason,
    approved_by,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_adjustments') }}
