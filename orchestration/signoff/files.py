"""A payout batch's files, put in place all or nothing, even under kill -9.

Either no batch or a complete one: no file without its record, no record without its file.
The files are written under temporary names (``.NAME.partial``, beside their final place) and
listed in a journal (``HOME/state/payout-journal.json``); then the record is committed; then
the files are renamed. Whoever runs next (a payout, a decision) reads a journal left behind:
with the record committed it finishes the renames (roll forward), without it it removes the
temporary files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from orchestration.lib.faults import crash_point
from orchestration.lib.workspace import Workspace
from orchestration.signoff.refusal import SignoffRefused
from orchestration.warehouse.connection import Warehouse


def journal_path(workspace: Workspace) -> Path:
    return workspace.state / "payout-journal.json"


def partial_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.partial")


def write_batch_files(
    workspace: Workspace,
    warehouse: Warehouse,
    batch_id: str,
    files: dict[Path, bytes],
    commit: Callable[[], None],
) -> None:
    """Write ``files`` (final path -> bytes) for batch ``batch_id`` around ``commit``."""
    for final in files:
        if final.exists():
            raise SignoffRefused(
                f"{final} exists already; move it away or choose another --out folder"
            )
    next(iter(files)).parent.mkdir(parents=True, exist_ok=True)
    entries = [[str(final), str(partial_path(final))] for final in files]
    _write_durably(journal_path(workspace), json.dumps({"batch": batch_id, "files": entries}))
    for final, data in files.items():
        _write_durably(partial_path(final), data)
    crash_point("payout_files_written")
    try:
        commit()
    except BaseException:
        recover_payouts(workspace, warehouse)  # not committed: the temporary files go
        raise
    crash_point("payout_committed")
    recover_payouts(workspace, warehouse)


def recover_payouts(workspace: Workspace, warehouse: Warehouse) -> list[str]:
    """Finish or undo the batch a killed payout left; what was done, one line (or none)."""
    journal = journal_path(workspace)
    if not journal.is_file():
        return []
    try:
        started = json.loads(journal.read_text(encoding="utf-8"))
    except ValueError:  # the journal itself was cut short: nothing was written after it
        journal.unlink()
        return []
    committed = warehouse.value(
        "select count(*) from published.payout_batches where payout_batch_id = ?",
        [started["batch"]],
    )
    for final, partial in started["files"]:
        Path(partial + ".tmp").unlink(missing_ok=True)  # killed while writing it
        if not Path(partial).exists():
            continue
        if committed and not Path(final).exists():
            os.replace(partial, final)
        else:
            Path(partial).unlink()
        _sync_folder(Path(final).parent)
    journal.unlink()
    if committed:
        return [f"payout batch {started['batch']}: its files are in place"]
    return [f"payout batch {started['batch']}: interrupted before its record; files removed"]


def _write_durably(path: Path, data: bytes | str) -> None:
    """Write, flush to disk, rename into place: the file is whole or absent after a crash."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
