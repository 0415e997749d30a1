select
    rep_id,
    rep_name,
    team_id,
    role,
    hire_date,
    leave_date,
    source_file,
    row_number as source_row_number,
    file_hash as source_file_hash
from {{ source('validated', 'validated_reps') }}
