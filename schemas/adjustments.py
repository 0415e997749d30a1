"""Manual adjustments: facts keyed by ``adjustment_id``; ``points`` may be negative, never zero.

A zero adjustment changes nothing and is taken for a mistake: ``bad_amount``, like an amount
<= 0 of a sale (docs/decisions.md). ``period`` is a real month ``YYYY-MM`` (else ``bad_type``).
"""

from schemas.checks import nonzero_cents, schema_for
from schemas.contract import ADJUSTMENTS

schema = schema_for(ADJUSTMENTS, {"points": [nonzero_cents("points")]})
