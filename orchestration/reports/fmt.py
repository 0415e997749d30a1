"""Number formatting for people: Decimals stay Decimals (never float), 2 places, separators."""

from __future__ import annotations

from decimal import Decimal

DASH = "–"


def num(value: Decimal | int | None) -> str:
    """1234.5 -> '1,234.50'; counts (int) -> '1,234'; None -> a dash."""
    if value is None:
        return DASH
    if isinstance(value, int):
        return f"{value:,}"
    value = Decimal(value)
    return f"{(abs(value) if value == 0 else value):,.2f}"


def signed(value: Decimal | int | None) -> str:
    """A change: '+12.00', '-3.50', '0.00'; for ranks (int) '+2' means moved up two places."""
    if value is None:
        return DASH
    if isinstance(value, int):
        return f"{value:+,}" if value else "0"
    value = Decimal(value)
    return f"{value:+,.2f}" if value else "0.00"


def direction(value: Decimal | int | None) -> str:
    """A CSS class for a change: up, down or same."""
    if not value:
        return "same"
    return "up" if value > 0 else "down"
