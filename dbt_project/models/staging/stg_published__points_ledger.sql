select
    period,
    version,
    line_id,
    rep_id,
    rule_id,
    rulebook_version,
    points,
    explanation,
    adjusted_period,
    adjusted_rule_id
from {{ source('published', 'points_ledger') }}
