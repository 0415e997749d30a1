"""Typed numbers (Parquet, Excel) as the text the contract judges: their exact decimal value.

A binary floating-point number becomes the shortest decimal text that reads back as the same
number, in plain notation: ``4.0`` is ``4``, ``19.99`` is ``19.99``, ``1e16`` is
``10000000000000000``, and ``0.1 + 0.2`` is ``0.30000000000000004`` (then ``bad_amount``: money
should be typed DECIMAL, or be text). A decimal is its value as written (``12.50``).
"""

from __future__ import annotations

import math
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc


def float_text(value: float) -> str:
    """The shortest round-trip text of a double (Python's ``repr``), in plain notation."""
    if not math.isfinite(value):
        return repr(value)  # nan, inf: not a number to the contract (bad_type)
    return format(Decimal(repr(value)).normalize(), "f")


def plain_notation(texts: pa.ChunkedArray) -> pa.ChunkedArray:
    """Arrow's number-to-text cast already gives the shortest round-trip digits (decimals as
    written); it switches to exponent notation for very large or small values, which the
    contract would read as ``bad_type``. Those few are written out in full."""
    if not pc.any(pc.match_substring(texts, "e", ignore_case=True)).as_py():
        return texts
    return pa.chunked_array(
        [pa.array([_expand(text) for text in texts.to_pylist()], pa.string())], pa.string()
    )


def _expand(text: str | None) -> str | None:
    if text is None or ("e" not in text and "E" not in text):
        return text
    return format(Decimal(text), "f")
