"""Read-only access to a workspace for the audit tools: connections, versions, small queries.

Nothing here writes: the warehouse and the readers' copy are opened read-only, and the audit
never takes the writer lock (a running close must not be blocked by an auditor). The warehouse is
the workspace's engine's (DuckDB's file, or Spark's databases); the readers' copy is always
``published.duckdb``, which a close writes on either engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.lib.period import is_period
from orchestration.lib.workspace import Workspace, WorkspaceBusy
from orchestration.warehouse.connection import (
    Warehouse,
    WarehouseError,
    is_lock_error,
    open_database,
)
from orchestration.warehouse.open import connect, engine_of
from orchestration.warehouse.published import NothingPublished, open_published


class AuditError(Exception):
    """An audit question that cannot be answered (with what to do about it)."""


class WarehouseLocked(AuditError, WorkspaceBusy):
    """The warehouse is held by a running close: DuckDB allows no reader beside a writer, and
    Spark's embedded Derby metastore one JVM."""

    def __init__(self, workspace: Workspace, detail: str = "") -> None:
        held = (
            f"the Spark metastore in {workspace.state}"
            if engine_of(workspace) == "spark"
            else f"the warehouse {workspace.warehouse}"
        )
        found = re.search(r"PID (\d+)", detail)
        if found:
            pid = found[1]
        else:
            try:
                pid = workspace.lock_file.read_text().strip() or "?"
            except OSError:
                pid = "?"
        Exception.__init__(
            self,
            f"{held} is locked by a running jifen close "
            f"(pid {pid}) or another program writing to it; the audit reads it, so wait for "
            "the close to finish and run the command again",
        )


class LineNotFound(AuditError, LookupError):
    pass


@contextmanager
def open_warehouse(workspace: Workspace) -> Iterator[Warehouse]:
    """The pipeline's warehouse, read-only; a clear error while a close holds it."""
    if engine_of(workspace) == "spark":
        with _open_spark(workspace) as warehouse:
            yield warehouse
        return
    if not workspace.warehouse.exists():
        raise NothingPublished(
            f"{workspace.home} has no warehouse yet: run `jifen close PERIOD` first"
        )
    try:
        warehouse = open_database(workspace.warehouse, read_only=True)
    except WarehouseError as error:
        if is_lock_error(error):
            raise WarehouseLocked(workspace, str(error)) from None
        raise
    with warehouse:
        yield warehouse


@contextmanager
def _open_spark(workspace: Workspace) -> Iterator[Warehouse]:
    """The Spark warehouse (read-only: no table is made); nothing published, no warehouse; a
    clear error while a close's JVM holds the workspace's embedded metastore (asked before
    starting a JVM of our own, which would log Derby's refusal at length)."""
    if workspace.close_running():
        raise WarehouseLocked(workspace)
    try:
        with connect(workspace, read_only=True) as warehouse:
            if not warehouse.table_exists("publications", "published"):
                raise NothingPublished(
                    f"{workspace.home} has no warehouse yet: run `jifen close PERIOD` first"
                )
            yield warehouse
    except WarehouseError as error:
        if is_lock_error(error):
            raise WarehouseLocked(workspace, str(error)) from None
        raise


def json_text(warehouse: Warehouse, column: str, key: str) -> str:
    """SQL of the text under ``key`` in the JSON text ``column``: the engines name it
    differently (DuckDB ``json_extract_string``, Spark ``get_json_object``)."""
    function = "get_json_object" if warehouse.engine == "spark" else "json_extract_string"
    return f"{function}({column}, '$.{key}')"


open_readers_copy = open_published  # one way to open the readers' copy


def marks(values: list | tuple | set) -> str:
    """``?, ?, ?``: one placeholder per value of an ``in (...)`` list."""
    return ", ".join("?" for _ in values)


def resolve_version(
    warehouse: Warehouse, period: str, version: int | None, schema: str = "main"
) -> int:
    found = warehouse.value(
        f"select max(version) from {schema}.publications where period = ?"
        + ("" if version is None else " and version = ?"),
        [period] if version is None else [period, version],
    )
    if found is None:
        what = f"version {version} of {period}" if version else f"period {period}"
        raise NothingPublished(f"{what} is not published (see `jifen status`)")
    return int(found)


def period_of(date_text: str | None) -> str | None:
    """The month a fact row belongs to, from its date as landed (the validation's rule)."""
    if date_text is None:
        return None
    month = date_text.strip()[:7]
    return month if is_period(month) else None
