"""Satisfaction surveys: facts keyed by ``survey_id``; ``score`` is a whole number 1..5."""

from schemas.checks import schema_for, score_range
from schemas.contract import SURVEYS

schema = schema_for(SURVEYS, {"score": [score_range()]})
