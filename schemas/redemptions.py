"""Loyalty redemptions: facts keyed by ``redemption_id``, unique across all deliveries; ``points``
a positive multiple of the redemption unit (docs/decisions.md, "Loyalty sources")."""

from schemas.checks import redemption_points, schema_for
from schemas.contract import REDEMPTIONS

schema = schema_for(REDEMPTIONS, {"points": [redemption_points()]})
