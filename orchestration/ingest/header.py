"""The header rules every format shares: trimmed names, each required column exactly once."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingest.rejected import FileRejected
from schemas.contract import SourceSpec


def trimmed(names: list) -> list[str]:
    """Header names without surrounding blanks (a workbook's header cell may be a number)."""
    return [str(name).strip() for name in names]


def check_header(
    path: Path,
    header: list[str],
    spec: SourceSpec,
    where: str = "",
    empty_hint: str = "land a CSV with a header row",
) -> None:
    """Reject a file whose (trimmed) header lacks or repeats a required column. ``where``
    names the part of the file read (a workbook's sheet)."""
    if not header:
        raise FileRejected(path, f"empty file{where}: no header row", empty_hint)
    repeated = sorted({name for name in header if header.count(name) > 1 and name in spec.columns})
    if repeated:
        raise FileRejected(path, f"header{where} repeats column(s) {', '.join(repeated)}")
    if any(column not in header for column in spec.columns):
        problem, hint = _missing_hint(header, spec)
        raise FileRejected(path, problem + where, hint)


def _missing_hint(header: list[str], spec: SourceSpec) -> tuple[str, str]:
    missing = [column for column in spec.columns if column not in header]
    hint = f"required columns are {', '.join(spec.columns)}"
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        hint = "the delimiter must be a comma; " + hint
    return (
        f"missing required column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}",
        hint,
    )
