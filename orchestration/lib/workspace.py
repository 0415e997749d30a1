"""Where everything of one jifen workspace lives, in one place.

A workspace is a folder (``--home``, ``$JIFEN_HOME`` or ``./workspace``) holding the landing
files, the pipeline's own state and the published data. Nothing else in the code builds paths.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.instance import configure_instance
from schemas.contract import SPECS

SOURCES = tuple(SPECS)  # the landing folders, one per source
OPTIONAL_SOURCES = tuple(name for name, spec in SPECS.items() if spec.landing_optional)


def default_home() -> Path:
    return Path(os.environ.get("JIFEN_HOME") or "workspace").resolve()


@dataclass(frozen=True)
class Workspace:
    home: Path

    @classmethod
    def at(cls, home: str | Path | None = None) -> Workspace:
        return cls(Path(home).resolve() if home else default_home())

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    def landing_dir(self, source: str) -> Path:
        return self.landing / source

    @property
    def settings_file(self) -> Path:
        """Optional settings of this workspace (``orchestration/lib/settings.py``)."""
        return self.home / "settings.toml"

    @property
    def state(self) -> Path:
        return self.home / "state"

    @property
    def rulebooks(self) -> Path:
        """Rule books promoted in this workspace (beside the repository's ``rulebooks/``)."""
        return self.home / "rulebooks"

    @property
    def seeds(self) -> Path:
        """The rule books compiled into dbt seed CSVs (dbt reads them through JIFEN_SEEDS)."""
        return self.state / "seeds"

    @property
    def warehouse(self) -> Path:
        """The pipeline's private DuckDB file: raw rows, validation, dbt models, history."""
        return self.state / "warehouse.duckdb"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for this workspace: its partial-parse state is kept from one close
        to the next, and two workspaces never share one."""
        return self.state / "dbt"

    @property
    def engine_file(self) -> Path:
        """The engine the workspace runs on, recorded on first use (orchestration/lib/engine.py)."""
        return self.state / "engine.json"

    @property
    def dagster_home(self) -> Path:
        return self.state / "dagster"

    @property
    def lock_file(self) -> Path:
        return self.state / "close.lock"

    @property
    def published_db(self) -> Path:
        """The readers' DuckDB file: replaced atomically at each publication, never edited."""
        return self.home / "published.duckdb"

    @property
    def published_dir(self) -> Path:
        """The published tables as Delta Lake tables, one folder each (docs/published-tables.md):
        appended to at each publication, never rewritten; ``publications`` is committed last."""
        return self.home / "published"

    def published_table(self, name: str) -> Path:
        """One published table's Delta folder."""
        return self.published_dir / name

    @property
    def reports_dir(self) -> Path:
        """Static HTML reports: close reports, rep statements, quarterly summaries."""
        return self.home / "reports"

    @property
    def legacy_snapshots(self) -> Path:
        """Where jifen kept Parquet snapshots before Delta (``published`` was a symlink into
        it): removed at the next refresh."""
        return self.home / ".published"

    def create_landing(self) -> Workspace:
        for source in SOURCES:
            self.landing_dir(source).mkdir(parents=True, exist_ok=True)
        return self

    def prepare(self) -> Workspace:
        """The pipeline's own folders; landing folders are the data team's (a missing one is an
        error at ingest, never silently created; an optional source's may be absent)."""
        for path in (self.state, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)
        configure_instance(self.dagster_home)  # SQLite here, or PostgreSQL from the environment
        return self

    def export_env(self) -> None:
        """Point Dagster, dbt and our resources at this workspace (before Dagster loads)."""
        os.environ["JIFEN_HOME"] = str(self.home)
        os.environ["DAGSTER_HOME"] = str(self.dagster_home)
        os.environ["JIFEN_WAREHOUSE"] = str(self.warehouse)
        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One writer per workspace: DuckDB allows a single writing process.

        ``flock`` is released by the kernel when the holder dies, so a kill -9 never leaves
        it held. Re-entrant within a process so the CLI and the assets it runs can both hold it.
        """
        with _lock_guard:
            held = _held.get(self.lock_file)
            if held is None:
                self.state.mkdir(parents=True, exist_ok=True)
                handle = open(self.lock_file, "a+")  # noqa: SIM115 - held across the yield
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    raise WorkspaceBusy(self) from None
                handle.seek(0)
                handle.truncate()
                handle.write(f"{os.getpid()}\n")
                handle.flush()
                held = _held[self.lock_file] = [handle, 0]
            held[1] += 1
        try:
            yield
        finally:
            with _lock_guard:
                held[1] -= 1
                if held[1] == 0:
                    fcntl.flock(held[0], fcntl.LOCK_UN)
                    held[0].close()
                    del _held[self.lock_file]

    def holds_writer_lock(self) -> bool:
        """This process holds the writer lock (``writer_lock``)."""
        with _lock_guard:
            return self.lock_file in _held

    def close_running(self) -> bool:
        """Another process holds the writer lock (a close runs), asked without taking it."""
        if self.lock_file in _held or not self.lock_file.exists():
            return False
        with open(self.lock_file) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
        return False


class WorkspaceBusy(RuntimeError):
    def __init__(self, workspace: Workspace) -> None:
        try:
            pid = workspace.lock_file.read_text().strip() or "?"
        except OSError:
            pid = "?"
        super().__init__(
            f"another jifen close is running on {workspace.home} (pid {pid}); "
            "wait for it to finish and run the command again"
        )


_lock_guard = threading.Lock()
_held: dict[Path, list] = {}
