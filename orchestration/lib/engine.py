"""Which engine a workspace runs on: DuckDB (embedded, the default) or Spark.

The engine is chosen when a workspace is first used (``--engine`` or ``JIFEN_ENGINE``) and
recorded in ``HOME/state/engine.json``; every later command uses the recorded engine, and asking
for another is refused: a workspace's history lives in one engine's warehouse.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from orchestration.lib.workspace import Workspace

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"
ENGINE_ENV = "JIFEN_ENGINE"


class EngineConflict(ValueError):
    """A request for an engine the workspace was not created with; the message says which."""


def requested_engine(option: str | None = None) -> str | None:
    """``--engine`` if given, else ``$JIFEN_ENGINE``, else nothing (normalised, checked)."""
    value = (option or os.environ.get(ENGINE_ENV) or "").strip().lower()
    if not value:
        return None
    if value not in ENGINES:
        origin = "--engine" if option else ENGINE_ENV
        raise EngineConflict(f"{origin}={value!r}: the engines are {', '.join(ENGINES)}")
    return value


def recorded_engine(workspace: Workspace) -> str | None:
    path = workspace.engine_file
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["engine"]


def workspace_engine(workspace: Workspace, option: str | None = None) -> str:
    """The workspace's engine, recorded on first use; a conflicting request is refused.

    A workspace that closed before engines were recorded has a DuckDB warehouse: it is DuckDB.
    """
    wanted = requested_engine(option)
    recorded = recorded_engine(workspace)
    if recorded is None:
        recorded = DEFAULT_ENGINE if workspace.warehouse.exists() else wanted or DEFAULT_ENGINE
        _record(workspace, recorded)
    if wanted is not None and wanted != recorded:
        origin = "--engine" if option else ENGINE_ENV
        raise EngineConflict(
            f"{workspace.home} runs on {recorded} (recorded in {workspace.engine_file}); "
            f"{origin} asks for {wanted}. A workspace keeps the engine it was created with: "
            f"use another --home for {wanted}."
        )
    return recorded


def _record(workspace: Workspace, engine: str) -> None:
    workspace.state.mkdir(parents=True, exist_ok=True)
    record = {"engine": engine, "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
    temporary = workspace.engine_file.with_suffix(".tmp")
    temporary.write_text(json.dumps(record) + "\n", encoding="utf-8")
    temporary.replace(workspace.engine_file)
