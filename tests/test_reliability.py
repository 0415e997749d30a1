"""Reliability on real processes: kill -9 at each step of a close leaves no partial version,
and two closes at once: one proceeds, the other refuses clearly."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from conftest import JIFEN, close_subprocess, write_csv

from orchestration.defs.launch import run_close
from orchestration.lib.workspace import Workspace
from orchestration.publish.store import content_hash
from orchestration.warehouse import delta
from orchestration.warehouse.connection import open_database
from orchestration.warehouse.duckdb import connect


def published(ws: Workspace, sql: str, params=None):
    with open_database(ws.published_db, read_only=True) as readers_copy:
        return readers_copy.rows(sql, params)


def warehouse(ws: Workspace, sql: str, params=None):
    """Read the warehouse, waiting (like jifen) for a killed close's dbt child to let go."""
    with connect(ws, read_only=True) as wh:
        return wh.rows(sql, params)


def sale(txn: str, rep: str, day: str, amount: str, customer: str = "C1") -> list[str]:
    return [txn, "sale", f"O{txn}", rep, customer, day, amount, "CNY"]


@pytest.fixture(autouse=True)
def _no_crash_env(monkeypatch):
    monkeypatch.delenv("JIFEN_CRASH_AT", raising=False)


def _readers_copy_is_consistent(ws: Workspace) -> None:
    with open_database(ws.published_db, read_only=True) as readers_copy:
        for period, version, stored in readers_copy.rows(
            "select period, version, content_hash from publications"
        ):
            assert content_hash(readers_copy, period, version, schema="main") == stored


def test_kill_minus_9_at_each_step_leaves_no_partial_version(base_landing):
    ws = base_landing
    write_csv(ws, "sales", "sales_2026-07.csv", [sale("X1", "R1", "2026-07-02", "1000")])
    assert run_close(ws, "2026-07").success
    write_csv(ws, "sales", "sales_2026-08.csv", [sale("X2", "R2", "2026-08-02", "2000")])
    before = ws.published_db.read_bytes()

    for point in ("after_ingest", "during_dbt", "between_tables"):
        crashed = close_subprocess(ws, "2026-08", crash_at=point)
        assert crashed.returncode == -9, (point, crashed.stderr[-2000:])
        assert ws.published_db.read_bytes() == before, point
        assert warehouse(
            ws, "select count(*) from published.publications where period = '2026-08'"
        ) == [(0,)], point
        _readers_copy_is_consistent(ws)

    crashed = close_subprocess(ws, "2026-08", crash_at="after_commit")
    assert crashed.returncode == -9
    assert ws.published_db.read_bytes() == before  # committed, but readers still see the old
    recovered = close_subprocess(ws, "2026-08")
    assert recovered.returncode == 0, recovered.stderr[-2000:]
    assert "unchanged (version 1 stands)" in recovered.stdout
    assert published(ws, "select period, version from publications order by 1") == [
        ("2026-07", 1),
        ("2026-08", 1),
    ]

    write_csv(ws, "sales", "sales_2026-09.csv", [sale("X3", "R2", "2026-09-02", "3000")])
    crashed = close_subprocess(ws, "2026-09", crash_at="during_serving")
    assert crashed.returncode == -9
    _readers_copy_is_consistent(ws)
    recovered = close_subprocess(ws, "2026-09")
    assert recovered.returncode == 0, recovered.stderr[-2000:]
    marked = delta.read(ws.published_table("publications"), columns=["period", "version"])
    assert sorted(marked.to_pylist(), key=lambda row: row["period"]) == [
        {"period": p, "version": 1} for p in ("2026-07", "2026-08", "2026-09")
    ]
    assert not list(ws.home.glob(".published-*"))  # no half-written leftovers
    _readers_copy_is_consistent(ws)


def test_two_closes_at_once_one_proceeds_the_other_refuses_clearly(base_landing):
    ws = base_landing
    write_csv(ws, "sales", "sales_2026-07.csv", [sale("X1", "R1", "2026-07-02", "1000")])
    env = {**os.environ, "JIFEN_HOME": str(ws.home)}
    env.pop("JIFEN_CRASH_AT", None)
    first = subprocess.Popen(
        [*JIFEN, "close", "2026-07"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not ws.close_running():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    second = subprocess.run(
        [*JIFEN, "close", "2026-08"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out, errors = first.communicate(timeout=600)
    assert first.returncode == 0, errors[-2000:]
    assert second.returncode == 75
    assert "another jifen close is running" in second.stderr
    assert published(ws, "select period, version from publications") == [("2026-07", 1)]
