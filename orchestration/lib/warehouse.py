"""The pipeline's private DuckDB warehouse: one connection at a time, tables made on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from orchestration.lib.workspace import Workspace
from schemas.contract import SPECS

LINEAGE_COLUMNS = "source_file VARCHAR, row_number BIGINT, file_hash VARCHAR, run_id VARCHAR"


def _ddl() -> list[str]:
    statements = [
        """create table if not exists ingested_files (
            source VARCHAR, source_file VARCHAR, file_hash VARCHAR, file_format VARCHAR,
            row_count BIGINT, byte_size BIGINT, ingested_at TIMESTAMP, run_id VARCHAR)""",
        """create table if not exists skipped_files (
            source VARCHAR, source_file VARCHAR, file_hash VARCHAR, same_as VARCHAR,
            first_seen_at TIMESTAMP)""",
    ]
    for spec in SPECS.values():
        columns = ", ".join(f"{column} VARCHAR" for column in spec.columns)
        statements.append(
            f"create table if not exists raw_{spec.name} (raw_id BIGINT, {columns}, "
            f"{LINEAGE_COLUMNS})"
        )
    return statements


@contextmanager
def connect(workspace: Workspace, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    workspace.prepare()
    con = duckdb.connect(str(workspace.warehouse), read_only=read_only)
    try:
        if not read_only:
            for statement in _ddl():
                con.execute(statement)
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, name: str, schema: str = "main") -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])
