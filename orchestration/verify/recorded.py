"""The workspace's warehouse read from a scratch DuckDB warehouse (``verify``, ``trial``).

A recomputation runs in a scratch DuckDB warehouse whatever the workspace's engine: on a Spark
workspace it is an independent recomputation on the other engine (docs/decisions.md, "Verify and
trial on a Spark workspace"). The workspace's rows reach it by ATTACH (DuckDB) or as Arrow
collected from Spark (decimals stay decimals; never through pandas).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse
from orchestration.warehouse.open import connect, engine_of


def has_warehouse(workspace: Workspace) -> bool:
    """Could the workspace hold a warehouse? DuckDB's is a file; Spark's databases live in a
    metastore that may be shared, so only opening them tells."""
    return engine_of(workspace) == "spark" or workspace.warehouse.exists()


class RecordedRows:
    """The workspace's warehouse as a scratch DuckDB ``warehouse`` reads it: ``copy(into,
    select, params)`` puts the rows of ``select`` (the workspace's tables named ``{src}name``)
    where ``into`` says ``{rows}``. A DuckDB workspace's file is attached read-only and read in
    place; a Spark workspace's rows come out of Spark as Arrow (decimals stay decimals), so the
    recomputation runs on the other engine (docs/decisions.md, "Verify and trial on a Spark
    workspace")."""

    def __init__(self, warehouse: Warehouse, source: Warehouse | None = None) -> None:
        self.warehouse = warehouse
        self.source = source  # the Spark warehouse; None: the DuckDB file attached as ``src``

    def copy(self, into: str, select: str, params: list | None = None) -> None:
        if self.source is None:
            rows = "(" + select.format(src="src.") + ")"
            self.warehouse.run(into.format(rows=rows), params)
            return
        found = self.source.arrow(select.format(src=""), params)
        with self.warehouse.registered("recorded_rows", found):
            self.warehouse.run(into.format(rows="recorded_rows"))

    def has_table(self, name: str, schema: str = "main") -> bool:
        if self.source is None:
            return self.warehouse.table_exists(name, schema, catalog="src")
        return self.source.table_exists(name, schema)


@contextmanager
def recorded_rows(warehouse: Warehouse, workspace: Workspace) -> Iterator[RecordedRows]:
    """The workspace's warehouse, read-only, for copying from into the scratch ``warehouse``."""
    if engine_of(workspace) == "spark":
        with connect(workspace, read_only=True) as source:
            yield RecordedRows(warehouse, source)
        return
    warehouse.attach(workspace.warehouse, "src", read_only=True)
    try:
        yield RecordedRows(warehouse)
    finally:
        warehouse.detach("src")
