"""Dispute decisions: one per dispute (keyed by ``dispute_id``), ``accepted`` or ``rejected``.

``restated_version`` is a version number: a whole number of at most 9 digits (it must fit the
warehouse's INTEGER; a longer one is ``bad_type``). Whether the resolution a decision names
exists is judged across rows (``missing_resolution``).
"""

import pandera.pandas as pa

from schemas.checks import INTEGER_TEXT, schema_for
from schemas.contract import DISPUTE_DECISIONS

MAX_VERSION_DIGITS = 9


def version_number() -> pa.Check:
    def check(series):
        digits = series.str.fullmatch(INTEGER_TEXT).fillna(False).astype(bool)
        short = series.str.lstrip("+-").str.lstrip("0").str.len() <= MAX_VERSION_DIGITS
        return (series == "") | ~digits | short

    return pa.Check(
        check,
        name="bad_type",
        error=f"bad_type: a version number has at most {MAX_VERSION_DIGITS} digits",
    )


schema = schema_for(DISPUTE_DECISIONS, {"restated_version": [version_number()]})
