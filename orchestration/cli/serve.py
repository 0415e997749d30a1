"""``jifen serve``: the Dagster webserver and daemon on a workspace, schedules and sensor on.

``dagster dev`` (``make ui``) stays the development server; this is the service: the daemon runs
the monthly close, the daily standings and the landing sensor (running by default when served,
``defs/automation.py``), and runs and events persist in the workspace's instance (SQLite, or
PostgreSQL from ``JIFEN_POSTGRES_URL``: ``lib/instance.py``). docs/operations.md, "Running in
production", has the systemd units that run the two parts apart (``--only``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from orchestration.cli.output import HomeOption, err
from orchestration.lib.workspace import Workspace

CODE = ["-m", "orchestration.definitions"]
STOP_SECONDS = 30


class Part(StrEnum):
    all = "all"
    webserver = "webserver"
    daemon = "daemon"


def commands(part: Part, host: str, port: int) -> list[list[str]]:
    """The processes of ``part``: Dagster's own executables beside this Python."""
    bin_dir = Path(sys.executable).parent
    webserver = [str(bin_dir / "dagster-webserver"), *CODE, "-h", host, "-p", str(port)]
    daemon = [str(bin_dir / "dagster-daemon"), "run", *CODE]
    return {Part.all: [webserver, daemon], Part.webserver: [webserver], Part.daemon: [daemon]}[part]


def served_environment(workspace: Workspace) -> dict[str, str]:
    """The workspace's environment (JIFEN_HOME, DAGSTER_HOME, ...) with automation on."""
    workspace.prepare().export_env()
    return {**os.environ, "JIFEN_AUTOMATION": "running"}


def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address the webserver listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the webserver.")] = 3000,
    only: Annotated[
        Part, typer.Option(help="Run one part only (one systemd unit each).")
    ] = Part.all,
) -> None:
    """Run jifen as a service: Dagster webserver and daemon, schedules and sensor running."""
    workspace = Workspace.at(home)
    environment = served_environment(workspace)
    processes = [
        subprocess.Popen(command, env=environment) for command in commands(only, host, port)
    ]
    if only is not Part.daemon:
        err.print(f"jifen on {workspace.home}: http://{host}:{port} (Ctrl-C stops)")

    stopping: list[int] = []  # SIGTERM (systemd stop) or Ctrl-C
    signal.signal(signal.SIGTERM, lambda number, _frame: stopping.append(number))
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        stopping.append(signal.SIGINT)
    finally:
        stop(processes)
    ended = [process.returncode for process in processes if process.returncode]
    code = 0 if stopping else next(iter(ended), 0)
    raise typer.Exit(code)


def stop(processes: list[subprocess.Popen]) -> None:
    """Ask each part to stop, then kill what is still running after ``STOP_SECONDS`` (Dagster
    defers a SIGTERM that arrives while it loads the code location)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
