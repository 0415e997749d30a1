"""Debian's headless Chromium for the page tests: where it is and how it is started here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium"))

# No background traffic: this machine has no network, and a fresh profile every time.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_or_skip() -> Path:
    """Skipped where Chromium is missing, except in CI where the browser test must run."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = f"no chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    return CHROMIUM
