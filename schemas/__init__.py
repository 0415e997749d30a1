"""pandera schemas of the landing sources, one module per source, named after it.

``SCHEMAS`` is built on first use: importing ``schemas.contract`` (the CLI does, for names and
columns) must not pay for importing pandera.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module


@cache
def _schemas() -> dict:
    from schemas.contract import SPECS

    return {source: import_module(f"schemas.{source}").schema for source in SPECS}


def __getattr__(name: str):
    if name == "SCHEMAS":
        return _schemas()
    raise AttributeError(f"module 'schemas' has no attribute {name!r}")
