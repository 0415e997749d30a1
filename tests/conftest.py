"""Shared fixtures: a throw-away workspace and a tiny hand-checkable landing."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser import Chromium, chromium_or_skip

from orchestration.lib.workspace import Workspace
from schemas.contract import SPECS

HEADERS = {name: list(spec.columns) for name, spec in SPECS.items()}
JIFEN = [sys.executable, "-m", "orchestration.cli"]


def write_csv(
    workspace: Workspace,
    source: str,
    name: str,
    rows: list[list[str]],
    header: list[str] | None = None,
) -> Path:
    path = workspace.landing_dir(source) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or HEADERS[source])
        writer.writerows(rows)
    return path


def close_subprocess(
    ws: Workspace, period: str, crash_at: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess:
    """``jifen close`` in a process of its own, killed at ``crash_at`` (lib/faults.py) if named."""
    env = {**os.environ, "JIFEN_HOME": str(ws.home)}
    env.pop("JIFEN_CRASH_AT", None)
    if crash_at:
        env["JIFEN_CRASH_AT"] = crash_at
    return subprocess.run(
        [*JIFEN, "close", period],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.at(tmp_path / "home").prepare().create_landing()


@pytest.fixture
def base_landing(workspace: Workspace) -> Workspace:
    """Two teams, four reps (R4 left in June), two customers."""
    write_csv(
        workspace,
        "reps",
        "reps_2026-07-01.csv",
        [
            ["R1", "Ann", "T1", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T1", "account_exec", "2026-01-01", ""],
            ["R3", "陈静", "T2", "sdr", "2026-07-10", ""],
            ["R4", "Dee", "T2", "account_exec", "2025-01-01", "2026-06-30"],
        ],
    )
    write_csv(
        workspace,
        "customers",
        "customers_2026-07-01.csv",
        [
            ["C1", "Acme", "enterprise", "east", "2025-01-01"],
            ["C2", "Bolt", "smb", "west", "2025-01-01"],
        ],
    )
    return workspace


@pytest.fixture(scope="module")
def chromium() -> Path:
    return chromium_or_skip()


@pytest.fixture
def browser(chromium: Path, tmp_path: Path):
    """A headless Chromium on the DevTools pipe (tests/browser.py), closed after the test."""
    instance = Chromium(chromium, tmp_path / "profile")
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One Spark session (one JVM, one metastore) for the whole test process: starting Spark
    costs seconds, so every Spark test shares it (`make test` installs pyspark and Java)."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: `make java` (or apt-get install openjdk-17-jre-headless)")
    pytest.importorskip("pyspark")
    from orchestration.warehouse.spark_session import spark_session

    session = spark_session(tmp_path_factory.mktemp("spark-state"))
    yield session
    session.stop()
