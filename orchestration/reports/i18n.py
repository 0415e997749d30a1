"""The reports' languages: English (the templates' own text) and Chinese (zh-CN).

Templates mark every text for translation, ``{{ _("Close report %(period)s", period=period) }}``
(Jinja's i18n extension); the English text is the message id. Each other language has one
catalogue, ``messages/<lang>.yaml`` (English text -> translation): a new page or section adds its
texts there, and ``tests/test_i18n.py`` fails on any text a template uses that a catalogue lacks.
Numbers and dates are formatted per language with Babel (CLDR).

The language: ``--lang`` of ``jifen report``, else ``$JIFEN_LANG``, else the ``language`` the
workspace's sales rule book names (``rulebooks.language``), else English.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml
from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_decimal

LANG_ENV = "JIFEN_LANG"
DEFAULT = "en"
# Our language code -> (Babel locale, the HTML lang attribute).
LANGUAGES = {"en": ("en", "en"), "zh": ("zh_CN", "zh-CN")}
MESSAGES = Path(__file__).resolve().parent / "messages"
# Message ids a template looks up from data (so no extractor finds them in the source).
DYNAMIC = (
    "Reps per tier",
    "Points by rule",
    "Reward cost per period, current and candidate",
    "Points difference by rule, all trial periods",
    "Rep-periods by points difference (candidate - current)",
    "(none)",
    "Points liability (CNY), last 12 months",  # orchestration/reports/loyalty.py
    "Breakage rate in percent, last 12 months",
    "0-7 days",  # orchestration/reports/signoff.py AGE_BUCKETS
    "8-30 days",
    "31+ days",
)


def chosen(choice: str | None = None) -> bool:
    """Whether the language is chosen for this run (``--lang`` or ``$JIFEN_LANG``), so the rule
    book's default need not be read."""
    return bool(choice or os.environ.get(LANG_ENV))


def language(choice: str | None = None, book: str = "") -> str:
    """``choice``, else ``$JIFEN_LANG``, else ``book`` (the rule book's ``language``), else
    English; an unknown code is an error naming the known ones."""
    code = (choice or os.environ.get(LANG_ENV) or book or DEFAULT).strip().lower()
    code = {"zh-cn": "zh", "zh_cn": "zh", "cn": "zh"}.get(code, code)
    if code not in LANGUAGES:
        source = "--lang" if choice else LANG_ENV if chosen() else "the rule book's language"
        raise ValueError(f"{source}={code!r}: reports are written in {' or '.join(LANGUAGES)}")
    return code


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The translations of ``lang`` (English has none: its text is the message id)."""
    if lang == DEFAULT:
        return {}
    with (MESSAGES / f"{lang}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def gettext(lang: str):
    messages = catalogue(lang)
    return lambda message: messages.get(message, message)


def ngettext(lang: str):
    """Chinese has one form: its catalogue translates the singular id."""
    messages = catalogue(lang)

    def translate(singular: str, plural: str, count: int) -> str:
        return messages.get(singular, singular if count == 1 else plural)

    return translate


def locale(lang: str) -> str:
    return LANGUAGES[lang][0]


def html_lang(lang: str) -> str:
    return LANGUAGES[lang][1]


def moment(value: datetime | date | str | None, lang: str) -> str:
    """A timestamp (naive UTC): as stored in English pages, CLDR's medium form otherwise."""
    if value is None:
        return "–"
    if lang == DEFAULT or not isinstance(value, datetime | date):
        return str(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return format_datetime(value, format="medium", locale=locale(lang))


def period_name(period: str, lang: str) -> str:
    """``2026-07`` in English pages (the period's id everywhere), ``2026年7月`` in Chinese."""
    if lang == DEFAULT or len(period) != 7:
        return period
    return format_skeleton("yMMM", date(int(period[:4]), int(period[5:7]), 1), locale=locale(lang))


def amount(value: Decimal | int | None, lang: str) -> str:
    """Used by ``fmt``: Babel's grouping and decimal signs of the language."""
    if isinstance(value, int):
        return format_decimal(value, format="#,##0", locale=locale(lang))
    return format_decimal(value, format="#,##0.00", locale=locale(lang), decimal_quantization=True)
