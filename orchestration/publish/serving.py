"""The readers' copy: ``published.duckdb`` and ``published/*.parquet``, swapped atomically.

BI tools read these files while closes run. Nothing is ever written into a file a reader may
hold open: a new database file and a new Parquet folder are written aside, then put in place
with ``rename`` (the database) and a symlink swap (the folder). A reader that opened the old
ones keeps reading a complete old publication; the next open sees the new one.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from orchestration.lib.faults import crash_point
from orchestration.lib.workspace import Workspace
from orchestration.publish.hashing import rows_sha256
from orchestration.publish.store import latest_approvals_sql
from orchestration.warehouse.connection import Warehouse, open_database
from schemas.published import (
    LOGS,
    PUBLICATIONS_COLUMNS,
    QUARANTINE_COLUMNS,
    QUARANTINE_ORDER,
    VERSIONED,
)

KEEP_SNAPSHOTS = 3
PROVISIONAL_ORDER = "period, company_rank, rep_id"
# BI tools and drivers ship DuckDB 1.x long after a major release; DuckDB 2 writes storage version
# 69, which they refuse. The readers' database is written in the format DuckDB 1.1+ opens
# (docs/decisions.md, "Readers' storage format"); DuckDB reports that format as "v1.0.0+".
READERS_STORAGE_VERSION = "v1.1.0"
READERS_STORAGE_TAG = "v1.0.0+"


def _state(warehouse: Warehouse) -> str:
    published = rows_sha256(
        warehouse, "select period, version, content_hash from published.publications order by all"
    )
    quarantine = rows_sha256(
        warehouse,
        f"select {', '.join(QUARANTINE_COLUMNS)} from quarantine order by {QUARANTINE_ORDER}",
    )
    provisional = rows_sha256(
        warehouse, f"select * from provisional_rep_points order by {PROVISIONAL_ORDER}"
    )
    logs = rows_sha256(warehouse, _logs_sql("seq, record_hash"))
    return f"{published}:{quarantine}:{provisional}:{logs}"


def _logs_sql(columns: str) -> str:
    """Every record of the sign-off logs (a new decision or payout changes the readers' state)."""
    return (
        " union all ".join(
            f"select '{log.name}' as log, {columns} from published.{log.name}" for log in LOGS
        )
        + " order by all"
    )


def _log_tables() -> dict[str, str]:
    """The logs, written whole into every copy (they are small and only ever appended to)."""
    return {log.name: f"select * from published.{log.name} order by seq" for log in LOGS}


def refresh(workspace: Workspace, warehouse: Warehouse, force: bool = False) -> bool:
    """Rebuild the readers' copy when it does not show the warehouse's current state."""
    warehouse.run(
        "create table if not exists serving_state (state VARCHAR, refreshed_at TIMESTAMP)"
    )
    state = _state(warehouse)
    current = warehouse.value("select state from serving_state")
    if (
        not force
        and current == state
        and workspace.published_db.exists()
        and workspace.published_dir.exists()
    ):
        return False
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    _write_database(workspace, warehouse, stamp)
    crash_point("during_serving")
    _write_parquet(workspace, warehouse, stamp)
    warehouse.run("delete from serving_state")
    warehouse.run("insert into serving_state values (?, ?)", [state, datetime.now(UTC)])
    _prune(workspace, stamp)
    return True


def _latest_sql(table: str, schema: str = "") -> str:
    """Rows of the newest version of every period."""
    return (
        f"select t.* from {schema}{table} t join (select period, max(version) as version "
        f"from {schema}publications group by period) l "
        "on t.period = l.period and t.version = l.version"
    )


def _write_database(workspace: Workspace, warehouse: Warehouse, stamp: str) -> None:
    """A new readers' database beside the old one, then renamed over it.

    The versions already in the current readers' copy are immutable, so the new file starts as a
    copy of it and only the versions published since are added (a copy costs a fraction of
    writing the history again); anything unexpected in the old file means a full rewrite.
    """
    staging = workspace.home / f".published-{stamp}.duckdb"
    if workspace.published_db.exists():
        shutil.copyfile(workspace.published_db, staging)
    _attach_serving(warehouse, staging)
    try:
        if not (_in_readers_format(warehouse) and _append_new_versions(warehouse)):
            warehouse.detach("serving")
            staging.unlink(missing_ok=True)
            _attach_serving(warehouse, staging)
            _write_all_versions(warehouse)
        rewritten = {  # not versioned: written whole every time
            "quarantine": f"select {', '.join(QUARANTINE_COLUMNS)} from quarantine "
            f"order by {QUARANTINE_ORDER}",
            "provisional_rep_points": "select * from provisional_rep_points "
            f"order by {PROVISIONAL_ORDER}",
            **_log_tables(),
        }
        for name, sql in rewritten.items():
            warehouse.run(f"create or replace table serving.{name} as {sql}")
    finally:
        warehouse.detach("serving")
    with open_database(staging) as views:
        for table in ("publications", *(table.name for table in VERSIONED)):
            views.run(f"create or replace view latest_{table} as {_latest_sql(table)}")
        views.run(f"create or replace view latest_approvals as {latest_approvals_sql('main')}")
    os.replace(staging, workspace.published_db)


def _attach_serving(warehouse: Warehouse, path: Path) -> None:
    """A new file is created in the readers' format; an existing one keeps the format it has
    (DuckDB refuses to lower it, so a copy in another format is written anew)."""
    version = None if path.exists() else READERS_STORAGE_VERSION
    warehouse.attach(path, "serving", storage_version=version)


def _in_readers_format(warehouse: Warehouse) -> bool:
    """False for a readers' copy written by an earlier jifen in DuckDB 2's own format."""
    return warehouse.storage_version("serving") == READERS_STORAGE_TAG


def _write_all_versions(warehouse: Warehouse) -> None:
    warehouse.run(
        "create table serving.publications as select * from published.publications "
        "order by period, version"
    )
    for table in VERSIONED:
        warehouse.run(
            f"create table serving.{table.name} as select * from published.{table.name} "
            f"order by {table.order_by}"
        )


def _append_new_versions(warehouse: Warehouse) -> bool:
    """Add the versions the copied readers' database lacks; False when it cannot be reused."""
    tables = {
        row[0]
        for row in warehouse.rows(
            "select table_name from information_schema.tables where table_catalog = 'serving'"
        )
    }
    if not {"publications", *(table.name for table in VERSIONED)} <= tables:
        return False
    columns = ", ".join(name for name, _ in PUBLICATIONS_COLUMNS)
    stale = warehouse.value(
        f"select count(*) from (select {columns} from serving.publications "
        f"except all select {columns} from published.publications)"
    )
    if stale:
        return False
    warehouse.run(
        """create or replace temp table serving_new_versions as
            select period, version from published.publications
            except select period, version from serving.publications"""
    )
    for table in VERSIONED:
        warehouse.run(
            f"insert into serving.{table.name} select t.* from published.{table.name} t "
            f"semi join serving_new_versions n using (period, version) order by {table.order_by}"
        )
    warehouse.run(
        "insert into serving.publications select p.* from published.publications p "
        "semi join serving_new_versions n using (period, version) order by period, version"
    )
    return True


def _write_parquet(workspace: Workspace, warehouse: Warehouse, stamp: str) -> None:
    folder = workspace.snapshots / stamp
    folder.mkdir(parents=True)
    tables = {
        "provisional_rep_points": "select * from provisional_rep_points "
        f"order by {PROVISIONAL_ORDER}",
        "publications": "select * from published.publications order by period, version",
        "quarantine": f"select {', '.join(QUARANTINE_COLUMNS)} from quarantine "
        f"order by {QUARANTINE_ORDER}",
        **_log_tables(),
        "latest_approvals": latest_approvals_sql(),
    }
    for table in VERSIONED:
        tables[table.name] = f"select * from published.{table.name} order by {table.order_by}"
    for table in ("publications", *(table.name for table in VERSIONED)):
        tables[f"latest_{table}"] = _latest_sql(table, "published.")
    for name, sql in tables.items():
        warehouse.to_parquet(sql, folder / f"{name}.parquet")
    link = workspace.home / f".published-{stamp}.link"
    os.symlink(os.path.relpath(folder, workspace.home), link)
    if workspace.published_dir.exists() and not workspace.published_dir.is_symlink():
        raise RuntimeError(
            f"{workspace.published_dir} is a real folder; jifen keeps a symlink there. "
            "Move it away and close again."
        )
    os.replace(link, workspace.published_dir)


def _prune(workspace: Workspace, current: str) -> None:
    """Keep a few old snapshot folders (a reader may still be reading one); drop the
    half-written files a killed refresh left behind."""
    for leftover in workspace.home.glob(".published-*"):
        leftover.unlink(missing_ok=True)
    folders = sorted(path for path in workspace.snapshots.iterdir() if path.is_dir())
    for folder in folders[:-KEEP_SNAPSHOTS]:
        if folder.name != current:
            shutil.rmtree(folder, ignore_errors=True)
