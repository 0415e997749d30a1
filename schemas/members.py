"""Loyalty members: reference data delivered as snapshots, like customers; ``card_id`` is
personal (never published, not even in the quarantine's raw values); ``left_date`` may be empty
and is never earlier than ``enrolled_date``."""

from schemas.checks import date_range, schema_for
from schemas.contract import MEMBERS

schema = schema_for(MEMBERS, row_wide=[date_range("enrolled_date", "left_date")])
