"""The workspace's warehouse on the workspace's engine: the one ``connect`` the close's steps use.

DuckDB (the default) opens ``state/warehouse.duckdb``; Spark opens the workspace's databases in
the process's Spark session (``spark_session.py``: the metastore and table files under
``state/``). Both give the same methods (``connection.Warehouse``). The engine is the one recorded
in the workspace (``lib/engine.py``); nothing here chooses it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.lib.engine import DEFAULT_ENGINE, recorded_engine
from orchestration.lib.workspace import Workspace

log = logging.getLogger(__name__)
# tables made (and orphaned folders removed) once per process and workspace: Spark's
# catalogue answers in tens of milliseconds
_SPARK_TABLES_MADE: set[str] = set()


def engine_of(workspace: Workspace) -> str:
    return recorded_engine(workspace) or DEFAULT_ENGINE


@contextmanager
def connect(workspace: Workspace, read_only: bool = False) -> Iterator:
    """The workspace's warehouse; tables are made on first use (read-write only)."""
    if engine_of(workspace) == "spark":
        with connect_spark(workspace, read_only) as warehouse:
            yield warehouse
        return
    from orchestration.warehouse.duckdb import connect as connect_duckdb

    with connect_duckdb(workspace, read_only) as warehouse:
        yield warehouse


def spark_of(workspace: Workspace):
    """The process's Spark session, its metastore in the workspace's state folder."""
    from orchestration.warehouse.spark_session import spark_session

    return spark_session(workspace.state, workspace.home, published=workspace.published_dir)


@contextmanager
def connect_spark(workspace: Workspace, read_only: bool = False) -> Iterator:
    from orchestration.warehouse.connection import DATABASE_PREFIX_ENV
    from orchestration.warehouse.spark import Databases, SparkWarehouse, create_tables

    workspace.prepare()
    databases = Databases(os.environ.get(DATABASE_PREFIX_ENV, ""))
    with SparkWarehouse(spark_of(workspace), databases) as warehouse:
        key = f"{workspace.home.resolve()}|{databases.prefix}"
        if not read_only and key not in _SPARK_TABLES_MADE:
            # the writer only: a table another writer is making has a folder and no entry yet
            if workspace.holds_writer_lock():
                for folder in warehouse.remove_orphan_locations():
                    log.warning("removed %s: a killed process left it behind", folder)
            create_tables(warehouse)
            _SPARK_TABLES_MADE.add(key)
        yield warehouse
