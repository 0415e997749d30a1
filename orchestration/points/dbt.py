"""How jifen invokes dbt, and where its seeds and manifest are.

A close runs dbt in its own process (``invoke_dbt``, dbt's programmatic runner): a child
process would import dbt and its adapter again (1.3-1.7 s a close). Scratch recomputations
(verify, trial) and the tests run dbt as a child (``run_dbt``), beside a close's writer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class NodeResult:
    """One dbt node as it finished: a model, seed or test of the build."""

    unique_id: str
    status: str  # success, error, skipped (models, seeds); pass, warn, fail, error (tests)
    message: str
    execution_time: float
    failures: int


def invoke_dbt(
    *args: str,
    target: Path,
    env: Mapping[str, str],
    on_node: Callable[[NodeResult], None] | None = None,
):
    """``dbt <args>`` in this process, with ``env`` (the period window, JIFEN_SEEDS,
    JIFEN_PLAN_ID, ...) set while it runs; dbt's artifacts and log go to ``target``;
    ``on_node`` hears of each node as it finishes (from dbt's threads). Returns dbt's
    ``dbtRunnerResult`` (``success``, ``result``, ``exception``)."""
    from dbt.cli.main import dbtRunner

    callbacks = [] if on_node is None else [_node_finished(on_node)]
    command = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    command += ["--target-path", str(target), "--log-path", str(target)]
    quiet = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    with _environment({**env, **quiet}):
        try:
            return dbtRunner(callbacks=callbacks).invoke(command)
        finally:
            _release_files()


def _release_files() -> None:
    """Release what dbt keeps in the process after it returns: dbt-duckdb's database
    (``keep_open``; a writer in another process, the next close's, would wait for it) and
    dbt's loggers with the streams they write to (pytest closes a test's captured stdout)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt_common.events.event_manager_client import cleanup_event_logger

    with DuckDBConnectionManager._LOCK:
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()
    cleanup_event_logger()


def _node_finished(on_node: Callable[[NodeResult], None]) -> Callable:
    def callback(event) -> None:
        if event.info.name != "NodeFinished":
            return
        result = event.data.run_result
        on_node(
            NodeResult(
                unique_id=event.data.node_info.unique_id,
                status=result.status,
                message=result.message,
                execution_time=result.execution_time,
                failures=result.num_failures,
            )
        )

    return callback


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """dbt's ``env_var()`` reads os.environ: set ``values`` while dbt runs, then restore."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
