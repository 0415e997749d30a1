"""Disputes: a rep's dispute of a period's points, keyed by ``dispute_id`` across deliveries.

``line_id`` may be empty (the whole period is disputed); when given it must be a line of the rep's
published ledger of ``period`` (``unknown_line``, judged across rows).
"""

from schemas.checks import schema_for
from schemas.contract import DISPUTES

schema = schema_for(DISPUTES)
