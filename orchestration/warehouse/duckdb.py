"""The pipeline's private DuckDB warehouse: one connection at a time, tables made on first use."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS

LINEAGE_COLUMNS = "source_file VARCHAR, row_number BIGINT, file_hash VARCHAR, run_id VARCHAR"


def _ddl() -> list[str]:
    # imported here: the publish package imports this module
    from schemas.published import (
        INTERNAL,
        LOGS,
        LOYALTY_STATE,
        PUBLICATIONS_COLUMNS,
        VERSIONED,
    )

    statements = [
        """create table if not exists ingested_files (
            source VARCHAR, source_file VARCHAR, file_hash VARCHAR, file_format VARCHAR,
            row_count BIGINT, byte_size BIGINT, ingested_at TIMESTAMP, run_id VARCHAR)""",
        """create table if not exists skipped_files (
            source VARCHAR, source_file VARCHAR, file_hash VARCHAR, same_as VARCHAR,
            first_seen_at TIMESTAMP)""",
    ]
    statements.append(
        """create table if not exists provisional_rep_points (
            period VARCHAR, as_of TIMESTAMP, rep_id VARCHAR, rep_name VARCHAR, team_id VARCHAR,
            total_points DECIMAL(18,2), tier VARCHAR, company_rank BIGINT, team_rank BIGINT)"""
    )
    # What each period's results were last computed from (orchestration/points/marks.py).
    statements.append(
        """create table if not exists period_marks (
            period VARCHAR, mark VARCHAR, recorded_at TIMESTAMP, run_id VARCHAR)"""
    )
    statements.append(
        """create table if not exists close_plan (
            plan_id VARCHAR, period VARCHAR, mark VARCHAR, recompute BOOLEAN)"""
    )
    statements.append("create schema if not exists published")
    columns = ", ".join(f"{name} {kind}" for name, kind in PUBLICATIONS_COLUMNS)
    statements.append(f"create table if not exists published.publications ({columns})")
    for log in LOGS:  # sign-off and payouts: appended after a version is published
        typed = ", ".join(f"{name} {kind}" for name, kind in log.columns)
        statements.append(f"create table if not exists published.{log.name} ({typed})")
    for table in (*VERSIONED, *INTERNAL, *LOYALTY_STATE):
        typed = ", ".join(f"{name} {kind}" for name, kind in table.columns)
        statements.append(
            f"create table if not exists published.{table.name} "
            f"(period VARCHAR, version INTEGER, {typed})"
        )
    for spec in SPECS.values():
        columns = ", ".join(f"{column} VARCHAR" for column in spec.columns)
        statements.append(
            f"create table if not exists raw_{spec.name} (raw_id BIGINT, {columns}, "
            f"{LINEAGE_COLUMNS})"
        )
    return statements


@contextmanager
def connect(workspace: Workspace, read_only: bool = False) -> Iterator[Warehouse]:
    """The workspace's warehouse; tables are made on first use (read-write only)."""
    workspace.prepare()
    warehouse = Warehouse(_open(workspace, read_only))
    try:
        if not read_only:
            for statement in _ddl():
                warehouse.run(statement)
        yield warehouse
    finally:
        warehouse.close()


def _open(workspace: Workspace, read_only: bool, wait_seconds: float = 120.0):
    """Open the warehouse, waiting while another process still holds it.

    A close killed during dbt leaves its dbt child running for a few seconds; the next close
    waits for it instead of failing.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(workspace.warehouse), read_only=read_only)
            con.execute("set enable_progress_bar = false")
            # as in dbt's profile: DuckDB would take 80 % of RAM; with a limit it spills instead
            con.execute("set memory_limit = ?", [os.environ.get("JIFEN_MEMORY", "2500MB")])
            return con
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the warehouse {workspace.warehouse} is in use by another process: {error}"
                ) from None
            time.sleep(0.5)


def table_exists(warehouse: Warehouse, name: str, schema: str = "main") -> bool:
    return warehouse.table_exists(name, schema)
