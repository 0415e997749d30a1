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

import duckdb

from orchestration.defs.publish.hashing import rows_sha256
from orchestration.defs.publish.tables import QUARANTINE_COLUMNS, QUARANTINE_ORDER, VERSIONED
from orchestration.lib.faults import crash_point
from orchestration.lib.workspace import Workspace

KEEP_SNAPSHOTS = 3
PROVISIONAL_ORDER = "period, company_rank, rep_id"


def _state(con: duckdb.DuckDBPyConnection) -> str:
    published = rows_sha256(
        con, "select period, version, content_hash from published.publications order by all"
    )
    quarantine = rows_sha256(
        con, f"select {', '.join(QUARANTINE_COLUMNS)} from quarantine order by {QUARANTINE_ORDER}"
    )
    provisional = rows_sha256(
        con, f"select * from provisional_rep_points order by {PROVISIONAL_ORDER}"
    )
    return f"{published}:{quarantine}:{provisional}"


def refresh(workspace: Workspace, con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """Rebuild the readers' copy when it does not show the warehouse's current state."""
    con.execute("create table if not exists serving_state (state VARCHAR, refreshed_at TIMESTAMP)")
    state = _state(con)
    current = con.execute("select state from serving_state").fetchone()
    if (
        not force
        and current
        and current[0] == state
        and workspace.published_db.exists()
        and workspace.published_dir.exists()
    ):
        return False
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    _write_database(workspace, con, stamp)
    crash_point("during_serving")
    _write_parquet(workspace, con, stamp)
    con.execute("delete from serving_state")
    con.execute("insert into serving_state values (?, ?)", [state, datetime.now(UTC)])
    _prune(workspace, stamp)
    return True


def _latest_sql(table: str, schema: str = "") -> str:
    """Rows of the newest version of every period."""
    return (
        f"select t.* from {schema}{table} t join (select period, max(version) as version "
        f"from {schema}publications group by period) l "
        "on t.period = l.period and t.version = l.version"
    )


def _write_database(workspace: Workspace, con: duckdb.DuckDBPyConnection, stamp: str) -> None:
    staging = workspace.home / f".published-{stamp}.duckdb"
    con.execute(f"attach '{staging}' as serving")
    try:
        con.execute(
            "create table serving.publications as select * from published.publications "
            "order by period, version"
        )
        for table in VERSIONED:
            con.execute(
                f"create table serving.{table.name} as select * from published.{table.name} "
                f"order by {table.order_by}"
            )
        con.execute(
            f"create table serving.quarantine as select {', '.join(QUARANTINE_COLUMNS)} "
            f"from quarantine order by {QUARANTINE_ORDER}"
        )
        con.execute(
            "create table serving.provisional_rep_points as select * from provisional_rep_points "
            f"order by {PROVISIONAL_ORDER}"
        )
    finally:
        con.execute("detach serving")
    views = duckdb.connect(str(staging))
    try:
        for table in ("publications", *(table.name for table in VERSIONED)):
            views.execute(f"create view latest_{table} as {_latest_sql(table)}")
    finally:
        views.close()
    os.replace(staging, workspace.published_db)


def _write_parquet(workspace: Workspace, con: duckdb.DuckDBPyConnection, stamp: str) -> None:
    folder = workspace.snapshots / stamp
    folder.mkdir(parents=True)
    tables = {
        "provisional_rep_points": "select * from provisional_rep_points "
        f"order by {PROVISIONAL_ORDER}",
        "publications": "select * from published.publications order by period, version",
        "quarantine": f"select {', '.join(QUARANTINE_COLUMNS)} from quarantine "
        f"order by {QUARANTINE_ORDER}",
    }
    for table in VERSIONED:
        tables[table.name] = f"select * from published.{table.name} order by {table.order_by}"
    for table in ("publications", *(table.name for table in VERSIONED)):
        tables[f"latest_{table}"] = _latest_sql(table, "published.")
    for name, sql in tables.items():
        con.execute(f"copy ({sql}) to '{folder / (name + '.parquet')}' (format parquet)")
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
