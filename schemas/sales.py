"""Sales and returns: facts keyed by ``txn_id``, unique across all deliveries."""

from schemas.checks import positive_cents, program_currency, schema_for
from schemas.contract import SALES

schema = schema_for(SALES, {"amount": [positive_cents()], "currency": [program_currency()]})
