"""Find an unchanged re-close without starting Dagster or dbt.

A closed period's results depend on the landed files, the rule book and the code that computes
them. When none of those changed since the period's last successful close, the close would say
"unchanged"; the CLI says it at once. Anything else (a new file, an edited seed or model, a
missing readers' copy) takes the full road through Dagster.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from orchestration.lib.paths import DBT_PROJECT_DIR, REPO_ROOT, REPO_RULEBOOKS, REPO_SEEDS
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import open_database

CODE_DIRS = (
    DBT_PROJECT_DIR / "models",
    DBT_PROJECT_DIR / "macros",
    REPO_SEEDS,
    REPO_RULEBOOKS,
)
PACKAGE_DIRS = (
    REPO_ROOT / "orchestration",
    REPO_ROOT / "schemas",
)


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(path for path in folder.rglob(pattern) if path.is_file())


def signature(workspace: Workspace) -> str:
    digest = hashlib.sha256(version("jifen").encode())
    for path in _files(workspace.landing):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(workspace.landing)}|{stat.st_size}|{stat.st_mtime_ns}".encode()
        )
    for folder in (*CODE_DIRS, workspace.rulebooks):
        for path in _files(folder) if folder.exists() else []:
            digest.update(path.name.encode() + path.read_bytes())
    for folder in PACKAGE_DIRS:
        for path in _files(folder, "*.py"):
            digest.update(path.name.encode() + path.read_bytes())
    digest.update((DBT_PROJECT_DIR / "dbt_project.yml").read_bytes())
    return digest.hexdigest()


def _store(workspace: Workspace) -> Path:
    return workspace.state / "close-signatures.json"


def remember(workspace: Workspace, period: str, version_number: int) -> None:
    """After a successful close: what the period's published version was made from."""
    path = _store(workspace)
    known = json.loads(path.read_text()) if path.exists() else {}
    known[period] = {"signature": signature(workspace), "version": version_number}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(known, indent=1, sort_keys=True))
    temporary.replace(path)


def unchanged_version(workspace: Workspace, period: str) -> int | None:
    """The standing version when nothing the period depends on changed, else None."""
    path = _store(workspace)
    if not path.exists() or not workspace.published_db.exists():
        return None
    entry = json.loads(path.read_text()).get(period)
    if not entry or entry["signature"] != signature(workspace):
        return None
    with open_database(workspace.published_db, read_only=True) as published:
        latest = published.value("select max(version) from publications where period = ?", [period])
    return int(entry["version"]) if latest == entry["version"] else None
