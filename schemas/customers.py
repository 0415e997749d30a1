"""Customers: reference data delivered as snapshots; ``segment`` is a closed set."""

from schemas.checks import schema_for
from schemas.contract import CUSTOMERS

schema = schema_for(CUSTOMERS)
