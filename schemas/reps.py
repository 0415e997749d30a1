"""Sales reps: a roster delivered as snapshots; later deliveries replace earlier rows."""

from schemas.checks import schema_for
from schemas.contract import REPS

schema = schema_for(REPS)
