"""pandera schemas of the landing sources, one module per source."""

from schemas import adjustments, customers, reps, sales, surveys

SCHEMAS = {
    "reps": reps.schema,
    "customers": customers.schema,
    "sales": sales.schema,
    "surveys": surveys.schema,
    "adjustments": adjustments.schema,
}
