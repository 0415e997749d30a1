"""Number formatting for people: Decimals stay Decimals (never float), 2 places, the grouping and
decimal signs of the page's language (Babel, ``i18n.amount``)."""

from __future__ import annotations

from decimal import Decimal

from orchestration.reports.i18n import DEFAULT, amount

DASH = "–"


def num(value: Decimal | int | None, lang: str = DEFAULT) -> str:
    """1234.5 -> '1,234.50'; counts (int) -> '1,234'; None -> a dash."""
    if value is None:
        return DASH
    if isinstance(value, int):
        return amount(value, lang)
    value = Decimal(value)
    return amount(abs(value) if value == 0 else value, lang)


def signed(value: Decimal | int | None, lang: str = DEFAULT) -> str:
    """A change: '+12.00', '-3.50', '0.00'; for ranks (int) '+2' means moved up two places."""
    if value is None:
        return DASH
    if not value:
        return "0" if isinstance(value, int) else "0.00"
    sign = "+" if value > 0 else "-"
    return sign + num(abs(value) if isinstance(value, int) else abs(Decimal(value)), lang)


def direction(value: Decimal | int | None) -> str:
    """A CSS class for a change: up, down or same."""
    if not value:
        return "same"
    return "up" if value > 0 else "down"
