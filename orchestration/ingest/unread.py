"""Every file under ``landing/`` that no source reads, with the reason: never a silent skip.

A source reads the files directly in its folder (``landing/<source>/``) whose names end in a
format jifen reads (``formats.py``), hidden names aside. Anything else is listed by the close's
summary, its report and ``jifen status``, recorded with its SHA-256 in the publication's inputs
(``publish/store.py``), and stops a close under ``--strict`` or the workspace setting
``strict_landing``. Empty folders hold no file and are not listed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import PurePosixPath

from orchestration.ingest.formats import accepted_endings, file_format, is_hidden
from orchestration.ingest.identity import sha256_of  # not reader.py: no pyarrow for a scan
from orchestration.lib.workspace import Workspace
from schemas.contract import SPECS

# Endings people land by mistake, and what to do instead.
HINTS = {
    ".xls": "the old Excel format: save the workbook as .xlsx",
    ".xlsm": "a workbook with macros: save it as .xlsx",
    ".tsv": "land it comma-separated, as .csv",
    ".txt": "land it comma-separated, as .csv",
    ".zip": "land the CSV itself, or compressed on its own as .csv.gz",
    ".gz": "only CSV is read compressed: .csv.gz",
    ".zst": "only CSV is read compressed: .csv.zst",
    ".bz2": "only CSV is read compressed: .csv.bz2",
}


@dataclass(frozen=True)
class UnreadFile:
    path: str  # relative to landing/, with forward slashes
    reason: str

    def sha256(self, workspace: Workspace) -> str:
        return sha256_of(workspace.landing / self.path)


def unread_files(workspace: Workspace) -> list[UnreadFile]:
    """The files no source reads, in byte order of their paths."""
    if not workspace.landing.is_dir():
        return []
    found = []
    for path in workspace.landing.rglob("*"):
        if path.is_file():
            relative = PurePosixPath(path.relative_to(workspace.landing).as_posix())
            reason = reason_not_read(relative)
            if reason is not None:
                found.append(UnreadFile(str(relative), reason))
    return sorted(found, key=lambda unread: unread.path.encode())


def reason_not_read(relative: PurePosixPath | str) -> str | None:
    """Why no source reads the file at ``relative`` (to landing/), None when one does."""
    parts = PurePosixPath(relative).parts
    if len(parts) == 1:
        return "in landing/ itself: a delivery goes in its source's folder, landing/<source>/"
    folder = parts[0]
    if folder not in SPECS:
        close = difflib.get_close_matches(folder, list(SPECS), n=1)
        guess = f" (did you mean {close[0]}/?)" if close else ""
        return f"no source reads the folder {folder}/{guess}; sources: {', '.join(SPECS)}"
    if len(parts) > 2:
        return f"in a sub-folder of {folder}/: only files directly in landing/{folder}/ are read"
    if is_hidden(parts[1]):
        return "a hidden file (its name starts with a dot): never read"
    if file_format(parts[1]) is None:
        suffix = PurePosixPath(parts[1]).suffix.lower()
        hint = f": {HINTS[suffix]}" if suffix in HINTS else ""
        return f"not a format jifen reads ({accepted_endings()}){hint}"
    return None


def stop_message(found: list[UnreadFile]) -> str:
    """Why a strict close stops, listing every unread file."""
    listing = "\n".join(f"  - landing/{unread.path}: {unread.reason}" for unread in found)
    return (
        f"{len(found)} file(s) under landing/ are not read by any source, and unread files stop "
        f"the close (--strict, or strict_landing in settings.toml):\n{listing}\n"
        "Move each file where its source reads it, or out of landing/, then close again."
    )
