select
    source,
    source_file,
    file_hash,
    ingested_at
from {{ source('pipeline', 'ingested_files') }}
