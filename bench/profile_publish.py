"""Where one publication's time goes: a period's version published again on a copy of a closed
workspace, every warehouse statement and row hash over a threshold timed and printed.

    python -m bench.profile_publish --home HOME --period 2026-07 [--over 0.3]

The workspace itself is never written: its ``state/`` folder is copied into a temporary folder
(the landing folder is linked), the period's published rows are removed from the copy, and the
copy's candidate tables (what the period's last close left) are published again as its first
version, then the readers' copies written from scratch. The copy goes at the end.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from orchestration.lib.workspace import Workspace
from orchestration.publish import serving, store
from orchestration.publish.hashing import rows_sha256
from orchestration.warehouse.connection import Warehouse
from orchestration.warehouse.open import connect
from schemas.published import INTERNAL, LOGS, VERSIONED

TIMED = ("run", "rows", "value", "row", "arrow", "write_parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--over", type=float, default=0.3, help="seconds; shorter calls unlisted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jifen-profile-", dir=args.home.parent) as scratch:
        copy = Path(scratch) / "home"
        shutil.copytree(args.home / "state", copy / "state")
        (copy / "landing").symlink_to((args.home / "landing").resolve())
        profile(Workspace.at(copy), args.period, args.over)


def profile(ws: Workspace, period: str, over: float) -> None:
    clock = Clock(over)
    for name in TIMED:
        setattr(Warehouse, name, clock.timed(getattr(Warehouse, name), name))
    store.rows_sha256 = serving.rows_sha256 = clock.timed(rows_sha256, "hash")
    with ws.writer_lock(), connect(ws) as warehouse:
        _forget(warehouse, period)
        started = time.perf_counter()
        outcome = store.publish_period(warehouse, period, "profile")
        print(f"publish_period: {time.perf_counter() - started:.1f} s ({outcome.label})")
        started = time.perf_counter()
        serving.refresh(ws, warehouse, force=True)
        print(f"refresh (readers' database, Delta): {time.perf_counter() - started:.1f} s")


def _forget(warehouse: Warehouse, period: str) -> None:
    """The copy's published rows of ``period`` (and their records) removed."""
    tables = (*VERSIONED, *INTERNAL, *LOGS)
    names = ["publications", *(table.name for table in tables)]
    for name in names:
        if "period" in warehouse.table_columns(name, "published"):
            warehouse.run(f"delete from published.{name} where period = ?", [period])


class Clock:
    def __init__(self, over: float) -> None:
        self.over = over
        self.start = time.perf_counter()

    def timed(self, function: Callable, label: str) -> Callable:
        """``function`` printing its duration and statement (its second argument: after the
        warehouse, or ``self``) when longer than ``over``."""

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                took = time.perf_counter() - began
                if took > self.over:
                    text = " ".join(str(args[1] if len(args) > 1 else "").split())
                    print(f"{began - self.start:8.1f} {took:7.2f} s {label}: {text[:140]}")

        return wrapper


if __name__ == "__main__":
    main()
