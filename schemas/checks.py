"""Row-level checks as pandera ``Check`` objects, each named by the reason code it reports.

Values arrive as trimmed text (the contract judges text: ``12,5`` is ``bad_type``). Every
type/range check passes an empty value, so a missing value is reported once, as
``missing_field``.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pandas as pd
import pandera.pandas as pa

from schemas.contract import PROGRAM_CURRENCY, REDEMPTION_UNIT, SourceSpec

# ASCII digits only: the engines' casts refuse other digits (full-width ``１２``), as the contract
# does, so such a value is ``bad_type`` here rather than a failed cast that stops the close.
DECIMAL_TEXT = r"^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$"
INTEGER_TEXT = r"^[+-]?[0-9]+$"
MAX_INTEGER_DIGITS = 16  # DECIMAL(18,2)
MAX_POINTS_DIGITS = 9  # redemption points fit INTEGER (docs/decisions.md, "Loyalty sources")


@cache
def _is_calendar_date(text: str) -> bool:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit()


def _empty(series: pd.Series) -> pd.Series:
    return series == ""


def present() -> pa.Check:
    return pa.Check(
        lambda s: ~_empty(s), name="missing_field", error="missing_field: value is empty"
    )


def iso_date() -> pa.Check:
    def check(series: pd.Series) -> pd.Series:
        uniques = series.drop_duplicates()
        valid = {value: value == "" or _is_calendar_date(value) for value in uniques}
        return series.map(valid).astype(bool)

    return pa.Check(check, name="bad_type", error="bad_type: not a real calendar date YYYY-MM-DD")


def year_month() -> pa.Check:
    def check(series: pd.Series) -> pd.Series:
        uniques = series.drop_duplicates()
        valid = {
            value: value == "" or (len(value) == 7 and _is_calendar_date(value + "-01"))
            for value in uniques
        }
        return series.map(valid).astype(bool)

    return pa.Check(check, name="bad_type", error="bad_type: not a real month YYYY-MM")


def plain_decimal() -> pa.Check:
    return pa.Check(
        lambda s: _empty(s) | s.str.fullmatch(DECIMAL_TEXT).fillna(False).astype(bool),
        name="bad_type",
        error="bad_type: not a plain decimal number",
    )


def whole_number() -> pa.Check:
    return pa.Check(
        lambda s: _empty(s) | s.str.fullmatch(INTEGER_TEXT).fillna(False).astype(bool),
        name="bad_type",
        error="bad_type: not a whole number",
    )


def one_of(allowed: tuple[str, ...]) -> pa.Check:
    return pa.Check(
        lambda s: _empty(s) | s.isin(allowed),
        name="bad_enum",
        error=f"bad_enum: not one of {', '.join(allowed)}",
    )


# On a plain decimal (DECIMAL_TEXT), each of these finds in one vectorized regex what the parts
# would say: a digit other than 0 (the value is not zero); a digit other than 0 past the second
# decimal place (more than 2 significant places); 17 digits from the first digit other than 0
# before the point (more than DECIMAL(18,2)'s 16). Per-row parsing (``str.extract``) took half
# of a million sales rows' checks.
NONZERO_DIGIT = r"[1-9]"
PAST_CENTS = r"\.[0-9]{2}[0-9]*[1-9]"
TOO_MANY_DIGITS = rf"^[+-]?0*[1-9][0-9]{{{MAX_INTEGER_DIGITS}}}"


def _cents(series: pd.Series, negative: bool) -> pd.Series:
    """Plain decimals that are not zero, have at most 2 significant decimal places and fit
    DECIMAL(18,2); negative ones too when ``negative``. Empty and unparsable text passes (it
    is ``missing_field`` or ``bad_type``)."""
    ok = _matches(series, NONZERO_DIGIT)
    ok &= ~_matches(series, PAST_CENTS) & ~_matches(series, TOO_MANY_DIGITS)
    if not negative:
        ok &= ~series.str.startswith("-").fillna(False).astype(bool)
    return _empty(series) | ~series.str.fullmatch(DECIMAL_TEXT).fillna(False) | ok


def _matches(series: pd.Series, pattern: str) -> pd.Series:
    return series.str.contains(pattern, regex=True).fillna(False).astype(bool)


def positive_cents() -> pa.Check:
    """> 0, at most 2 significant decimal places, fits DECIMAL(18,2)."""
    return pa.Check(
        lambda s: _cents(s, negative=False),
        name="bad_amount",
        error="bad_amount: amount must be > 0 with at most 2 places",
    )


def nonzero_cents(column: str = "points") -> pa.Check:
    """Not zero (either sign), at most 2 significant decimal places, fits DECIMAL(18,2)."""
    return pa.Check(
        lambda s: _cents(s, negative=True),
        name="bad_amount",
        error=f"bad_amount: {column} must be non-zero with at most 2 places",
    )


def program_currency() -> pa.Check:
    return pa.Check(
        lambda s: _empty(s) | (s == PROGRAM_CURRENCY),
        name="bad_currency",
        error=f"bad_currency: currency is not {PROGRAM_CURRENCY}",
    )


def score_range(low: int = 1, high: int = 5) -> pa.Check:
    def check(series: pd.Series) -> pd.Series:
        whole = series.str.fullmatch(INTEGER_TEXT).fillna(False).astype(bool)
        number = pd.to_numeric(series.where(whole, "0"), errors="coerce")
        return _empty(series) | ~whole | number.between(low, high)

    return pa.Check(
        check, name="score_out_of_range", error=f"score_out_of_range: score outside {low}..{high}"
    )


def redemption_points() -> pa.Check:
    """A whole number > 0, a multiple of the redemption unit, below 10^9 (judged on its value:
    ``+0200`` is 200). Empty and unparsable text passes (``missing_field``, ``bad_type``)."""

    def check(series: pd.Series) -> pd.Series:
        whole = series.str.fullmatch(INTEGER_TEXT).fillna(False).astype(bool)
        digits = series.where(whole, "").str.lstrip("+-").str.lstrip("0")
        short = digits.str.len() <= MAX_POINTS_DIGITS
        value = pd.to_numeric(digits.where(short & (digits != ""), "0")).astype("int64")
        positive = ~series.str.startswith("-") & (value > 0)
        ok = short & positive & (value % REDEMPTION_UNIT == 0)
        return _empty(series) | ~whole | ok

    return pa.Check(
        check,
        name="bad_points",
        error=f"bad_points: points must be a positive multiple of {REDEMPTION_UNIT} below 10^9",
    )


def date_range(first: str, last: str) -> pa.Check:
    """Row-wide: ``last`` is not earlier than ``first``. Judged only when both are real dates
    (an empty ``last`` is open-ended; a broken date is ``bad_type``); ISO text orders as dates."""

    def check(frame: pd.DataFrame) -> pd.Series:
        dates = pd.concat([frame[first], frame[last]]).drop_duplicates()
        real = {value: _is_calendar_date(value) for value in dates}
        judged = frame[first].map(real).astype(bool) & frame[last].map(real).astype(bool)
        return ~judged | (frame[last] >= frame[first])

    return pa.Check(
        check,
        name="bad_date_range",
        error=f"bad_date_range: {last} is earlier than {first}",
    )


def schema_for(
    spec: SourceSpec,
    extra: dict[str, list[pa.Check]] | None = None,
    row_wide: list[pa.Check] | None = None,
) -> pa.DataFrameSchema:
    """The pandera schema of one source: text columns with checks in contract order, then the
    checks that compare columns of one row (``row_wide``)."""
    enums = dict(spec.enums)
    columns = {}
    for column in spec.columns:
        checks: list[pa.Check] = []
        if column not in spec.optional:
            checks.append(present())
        if column in spec.dates:
            checks.append(iso_date())
        if column in spec.decimals:
            checks.append(plain_decimal())
        if column in spec.integers:
            checks.append(whole_number())
        if column in spec.months:
            checks.append(year_month())
        if column in enums:
            checks.append(one_of(enums[column]))
        checks.extend((extra or {}).get(column, []))
        columns[column] = pa.Column(str, checks=checks, nullable=False, coerce=False)
    return pa.DataFrameSchema(columns, checks=row_wide or [], strict=False, name=spec.name)
