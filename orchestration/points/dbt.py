"""The one way jifen invokes dbt outside a Dagster asset, and where its seeds and manifest are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.lib.paths import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.lib.paths import REPO_SEEDS as SEEDS_DIR

__all__ = ["DBT_PROJECT_DIR", "REPO_ROOT", "SEEDS_DIR"]
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def _project_files() -> list[Path]:
    patterns = ("models/**/*", "macros/**/*", "tests/**/*", "dbt_project.yml")
    files = [path for pattern in patterns for path in DBT_PROJECT_DIR.glob(pattern)]
    return files + list(SEEDS_DIR.glob("*"))


def seeds_env(seeds_dir: Path, target: Path) -> dict[str, str]:
    """Point dbt's seeds (the compiled rule book) at ``seeds_dir`` through JIFEN_SEEDS.

    The path is given relative to the project: dbt writes a copy of every seed file to
    ``<target>/run/jifen/<seed path>``, which for an absolute path is the seed file itself
    (the project's ``noop_statement`` skips that copy; this guard stays for dbt upgrades).
    """
    relative = os.path.relpath(seeds_dir, DBT_PROJECT_DIR)
    for name in ("run", "compiled"):
        written = Path(os.path.normpath(target / name / "jifen" / relative))
        if written == seeds_dir.resolve():
            raise RuntimeError(f"dbt would overwrite the rule book seeds in {seeds_dir}")
    return {"JIFEN_SEEDS": relative}


def ensure_manifest() -> Path:
    """Parse the project when the manifest is missing or older than any project file."""
    if MANIFEST.exists():
        built = MANIFEST.stat().st_mtime
        if all(path.stat().st_mtime <= built for path in _project_files() if path.is_file()):
            return MANIFEST
    result = run_dbt("parse", "--quiet")
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return MANIFEST


def run_dbt(
    *args: str, env: dict[str, str] | None = None, target: Path | None = None
) -> subprocess.CompletedProcess:
    """dbt outside a Dagster asset (parse, scratch recomputations, tests) with the same
    project, profile and settings as the closes."""
    full_env = {**os.environ, **(env or {}), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if target is not None:
        full_env.update(DBT_TARGET_PATH=str(target), DBT_LOG_PATH=str(target))
    command = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR)]
    command += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    return subprocess.run(command, env=full_env, capture_output=True, text=True, check=False)
