"""Rule book acknowledgements: a rep was told a rule book version, on ``acknowledged_date``."""

from schemas.checks import schema_for
from schemas.contract import ACKNOWLEDGEMENTS

schema = schema_for(ACKNOWLEDGEMENTS)
