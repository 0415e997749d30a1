select
    period,
    version,
    published_at
from {{ source('published', 'publications') }}
