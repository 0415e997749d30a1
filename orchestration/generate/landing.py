"""Write a generated data set into a workspace's landing folders."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from orchestration.generate.build import build
from orchestration.generate.draft import Draft
from orchestration.generate.writers import LandingFile
from orchestration.lib.period import parse_months
from schemas.contract import SPECS

# Every source a delivery must bring, then the optional ones the generator writes too (the
# loyalty program's inputs; manual adjustments are left to people).
GENERATED_SOURCES = tuple(name for name, spec in SPECS.items() if not spec.landing_optional)
LOYALTY_SOURCES = ("members", "redemptions")


def generate(
    home: Path,
    *,
    seed: int = 7,
    months: list[str] = ["2026-07", "2026-08", "2026-09", "2026-10"],  # noqa: B006 - read only
    reps: int = 40,
    sales_per_rep_month: int = 20,
    dirty_rate: float = 0.01,
    loyalty: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write synthetic landing files under ``home/landing/<source>/``.

    At the defaults every month's quarantined share of sales and surveys stays near 1-2.5 %.
    Very small runs (a handful of reps, one month) still get a row per reason code, so
    their share can pass the 5 % budget; use ``dirty_rate=0`` for a clean close there.

    With ``loyalty`` the customer loyalty program's inputs come too: a ``members/`` export a
    month (about two thirds of the customers, enrolled over the years before the first month,
    leavers, a delta after the first) and ``redemptions/`` a month; they draw from a random
    stream of their own, so the other files are the same bytes either way.

    Returns rows per source (counting each distinct file once: the byte copy is skipped by
    the pipeline), ``files`` written, ``duplicate_files`` (byte copies) and ``planted_rows``:
    the rows the contract sends to quarantine or counts as deduplicated (conflicting
    originals included; not the redemptions the loyalty walk refuses), a check for the
    pipeline. Refuses to change an existing file, since a landed file never changes; identical
    existing files are left alone.
    """
    parsed = parse_months(",".join(months)) if months else []
    if not parsed or len(parsed) != len(months):
        raise ValueError(f"months must be distinct YYYY-MM strings, got {months!r}")
    if reps < 5:
        raise ValueError(f"reps must be at least 5, got {reps}")
    if sales_per_rep_month < 5:
        raise ValueError(f"sales_per_rep_month must be at least 5, got {sales_per_rep_month}")
    if not 0 <= dirty_rate <= 0.2:
        raise ValueError(f"dirty_rate must be between 0 and 0.2, got {dirty_rate}")
    draft = Draft(seed, parsed, reps, sales_per_rep_month, dirty_rate, loyalty)
    files = build(draft)
    landing = Path(home) / "landing"
    _refuse_changes(landing, files)
    counts = dict.fromkeys(GENERATED_SOURCES + (LOYALTY_SOURCES if loyalty else ()), 0)
    for file in files:
        _write(landing / file.source / file.name, file.data)
        if not file.copy:
            counts[file.source] += file.rows
        if progress is not None:
            progress(f"wrote landing/{file.source}/{file.name} ({file.rows} rows)")
    counts["files"] = len(files)
    counts["duplicate_files"] = sum(1 for file in files if file.copy)
    counts["planted_rows"] = draft.planted
    return counts


def _refuse_changes(landing: Path, files: list[LandingFile]) -> None:
    for file in files:
        path = landing / file.source / file.name
        if path.exists() and path.read_bytes() != file.data:
            raise FileExistsError(
                f"{path} already exists with other content; landed files "
                "never change, generate into an empty home"
            )


def _write(path: Path, data: bytes) -> None:
    """Atomically (a watcher never sees half a file); an existing file is identical: kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.partial")
        tmp.write_bytes(data)
        os.replace(tmp, path)
