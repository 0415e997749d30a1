"""pandera schemas of the landing sources, one module per source.

``SCHEMAS`` is built on first use: importing ``schemas.contract`` (the CLI does, for names and
columns) must not pay for importing pandera.
"""

from __future__ import annotations

from functools import cache


@cache
def _schemas() -> dict:
    from schemas import adjustments, customers, reps, sales, surveys

    return {
        "reps": reps.schema,
        "customers": customers.schema,
        "sales": sales.schema,
        "surveys": surveys.schema,
        "adjustments": adjustments.schema,
    }


def __getattr__(name: str):
    if name == "SCHEMAS":
        return _schemas()
    raise AttributeError(f"module 'schemas' has no attribute {name!r}")
