"""The workspace's Dagster instance settings (``state/dagster/dagster.yaml``): where runs,
events and schedules are stored.

SQLite files inside the workspace by default, the event log written through
``defs/event_log.py`` (Dagster's files, on connections kept open); PostgreSQL
(``dagster-postgres``) when ``JIFEN_POSTGRES_URL`` is set, read by Dagster from the environment
so the password is never written to disk. jifen rewrites only a file it wrote itself (its first
line says so, or it is the plain file of earlier versions); an operator's own ``dagster.yaml``
(deploy/dagster.yaml is a ready one) is never touched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

POSTGRES_ENV = "JIFEN_POSTGRES_URL"
MARKER = "# written by jifen (lib/instance.py); remove this line to keep your own settings\n"
COMMON = """\
telemetry:
  enabled: false
run_queue:
  max_concurrent_runs: 1
"""
POSTGRES = f"""\
storage:
  postgres:
    postgres_url:
      env: {POSTGRES_ENV}
"""
# named, not imported: preparing a workspace must not load Dagster (the CLI's quick answers)
EVENT_LOG = ("orchestration.defs.event_log", "PooledSqliteEventLogStorage")
# Where Dagster's default SQLite storage keeps the event log under DAGSTER_HOME: the same place.
SQLITE_EVENTS = """\
event_log_storage:
  module: {module}
  class: {cls}
  config:
    base_dir: {base_dir}
"""


def instance_yaml(dagster_home: Path, environ: dict[str, str] | None = None) -> str:
    """The settings jifen writes: one run at a time (one writer per workspace), and PostgreSQL
    storage when the environment names a server, else SQLite with the faster event log."""
    environ = os.environ if environ is None else environ
    if environ.get(POSTGRES_ENV):
        return MARKER + COMMON + POSTGRES
    events = dagster_home.resolve() / "history" / "runs"
    return (
        MARKER
        + COMMON
        + SQLITE_EVENTS.format(
            module=EVENT_LOG[0], cls=EVENT_LOG[1], base_dir=json.dumps(str(events))
        )
    )


def configure_instance(dagster_home: Path, environ: dict[str, str] | None = None) -> Path:
    """Write ``dagster.yaml`` for the current environment unless the operator owns the file."""
    path = dagster_home / "dagster.yaml"
    current = path.read_text() if path.exists() else None
    if current is None or current == COMMON or current.startswith(MARKER):  # COMMON: jifen <= 0.1
        wanted = instance_yaml(dagster_home, environ)
        if current != wanted:
            dagster_home.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted)
    return path
