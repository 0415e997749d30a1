"""``jifen serve``: the daemon runs the landing sensor by itself and a landed file refreshes the
provisional standings, on SQLite in the workspace and on a PostgreSQL server."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import write_csv

from orchestration.lib.instance import POSTGRES_ENV
from orchestration.lib.workspace import Workspace

JIFEN = str(Path(sys.executable).with_name("jifen"))
WAIT_SECONDS = 600  # daemon start, code server, one or two provisional runs on a shared machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_daemon(workspace: Workspace, environ: dict[str, str]) -> subprocess.Popen:
    log = (workspace.home / "daemon.log").open("w")
    return subprocess.Popen(
        [JIFEN, "serve", "--only", "daemon", "--home", str(workspace.home)],
        env={**os.environ, **environ, "JIFEN_SENSOR_INTERVAL": "3"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the daemon's children stop with it
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything of its group still alive
    process.wait()


def provisional_runs(workspace: Workspace):
    from dagster import DagsterInstance, RunsFilter

    with DagsterInstance.from_config(str(workspace.dagster_home)) as instance:
        return instance.get_runs(filters=RunsFilter(job_name="provisional"))


def standings(workspace: Workspace, period: str) -> dict[str, object]:
    if not workspace.published_db.exists():
        return {}
    with duckdb.connect(str(workspace.published_db), read_only=True) as con:
        rows = con.execute(
            "select rep_id, total_points from provisional_rep_points where period = ?", [period]
        ).fetchall()
    return dict(rows)


def sensor_refreshes_standings(workspace: Workspace, environ: dict[str, str]) -> None:
    """Start the daemon, land a sale of this month, and wait for the sensor's run to show it."""
    today = datetime.now(UTC).date()
    period = today.strftime("%Y-%m")
    daemon = start_daemon(workspace, environ)
    try:
        time.sleep(2)
        write_csv(
            workspace,
            "sales",
            "sales_today.csv",
            [["X1", "sale", "O1", "R1", "C1", today.isoformat(), "1000", "CNY"]],
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert daemon.poll() is None, (workspace.home / "daemon.log").read_text()[-3000:]
            points = standings(workspace, period)
            if points.get("R1"):
                break
            time.sleep(3)
        else:
            pytest.fail(
                f"no provisional standings with the landed sale after {WAIT_SECONDS} s:\n"
                + (workspace.home / "daemon.log").read_text()[-3000:]
            )
    finally:
        stop(daemon)
    runs = provisional_runs(workspace)
    assert runs and all(run.tags.get("dagster/sensor_name") == "new_landing_files" for run in runs)
    assert any(run.is_success for run in runs)
    assert points["R1"] > 0 and points.get("R2", 0) == 0


def test_the_served_daemon_refreshes_standings_when_a_file_lands(base_landing, monkeypatch):
    monkeypatch.delenv(POSTGRES_ENV, raising=False)
    sensor_refreshes_standings(base_landing, {})
    assert (base_landing.dagster_home / "storage").is_dir()  # runs kept in the workspace


# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server on 127.0.0.1 (Debian's ``postgresql`` package)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server (initdb) installed: apt-get install postgresql")
    # The server refuses to run as root: it runs as the ``postgres`` user there.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    data = Path(tempfile.mkdtemp(prefix="jifen-pg-", dir="/tmp"))
    if as_user:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "jifen"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data / "db")]
    subprocess.run(
        [*pg_ctl, "-o", options, "-l", str(data / "server.log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg2://jifen@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_the_served_daemon_keeps_its_runs_in_postgresql(base_landing, postgres_url, monkeypatch):
    monkeypatch.setenv(POSTGRES_ENV, postgres_url)
    base_landing.prepare()  # the instance settings follow the environment
    assert "postgres_url" in (base_landing.dagster_home / "dagster.yaml").read_text()
    sensor_refreshes_standings(base_landing, {POSTGRES_ENV: postgres_url})
    assert not (base_landing.dagster_home / "storage" / "runs.db").exists()  # nothing in SQLite
