"""Crash injection for the reliability tests: a real SIGKILL at a named step of a close.

Set ``JIFEN_CRASH_AT`` to one of ``CRASH_POINTS``; the process kills itself there, exactly as a
power cut or an OOM kill would. Unset (always, in production) it does nothing.
"""

from __future__ import annotations

import os
import signal

CRASH_POINTS = (
    "after_ingest",
    "during_dbt",
    "between_tables",
    "after_commit",
    "during_serving",
    "during_delta",  # the readers' database and a first Delta table written, `publications` not
    "payout_files_written",  # a payout's files written aside, its record not yet committed
    "payout_committed",  # its record committed, its files not yet in place
)


def crash_point(name: str) -> None:
    if os.environ.get("JIFEN_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
