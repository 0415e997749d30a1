"""The readers' copies: ``published.duckdb``, swapped atomically, and the Delta tables.

BI tools read these while closes run. Nothing is ever written into a file a reader may hold open.
The database is written aside and put in place with ``rename``; a reader that opened the old one
keeps reading a complete old publication. The Delta tables under ``published/`` (one per
published table, docs/published-tables.md) only gain commits: each new version is appended to
each versioned table, and the ``publications`` table is committed last, as the marker readers go
by. A refresh killed half-way leaves rows of versions that ``publications`` does not list yet
(readers skip them); the next refresh appends only what each table lacks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from orchestration.lib.faults import crash_point
from orchestration.lib.workspace import Workspace
from orchestration.publish.hashing import rows_sha256
from orchestration.publish.store import latest_approvals_sql
from orchestration.warehouse import delta
from orchestration.warehouse.connection import Warehouse, open_database
from schemas.published import (
    LOGS,
    PUBLICATIONS_COLUMNS,
    QUARANTINE_COLUMNS,
    QUARANTINE_ORDER,
    VERSIONED,
    PublishedTable,
)

PROVISIONAL_ORDER = "period, company_rank, rep_id"
# Not versioned: written whole (the database) or overwritten when changed (Delta).
REWRITTEN = {
    "quarantine": f"select {', '.join(QUARANTINE_COLUMNS)} from quarantine "
    f"order by {QUARANTINE_ORDER}",
    "provisional_rep_points": f"select * from provisional_rep_points order by {PROVISIONAL_ORDER}",
}
DELTA_TABLES = (
    "publications",
    *(table.name for table in VERSIONED),
    *(log.name for log in LOGS),
    *REWRITTEN,
)
PARTITIONS = ("period", "version")
# Publication order: records from before the hash chain (no seq) came first.
PUBLICATION_ORDER = "seq nulls first, period, version"
# BI tools and drivers ship DuckDB 1.x long after a major release; DuckDB 2 writes storage version
# 69, which they refuse. The readers' database is written in the format DuckDB 1.1+ opens
# (docs/decisions.md, "Readers' storage format"); DuckDB reports that format as "v1.0.0+".
READERS_STORAGE_VERSION = "v1.1.0"
READERS_STORAGE_TAG = "v1.0.0+"


def _hashes(warehouse: Warehouse) -> dict[str, str]:
    """What the readers' copies show, part by part; any change means a refresh."""
    return {
        "publications": rows_sha256(
            warehouse,
            "select period, version, content_hash from published.publications order by all",
        ),
        **{name: rows_sha256(warehouse, sql) for name, sql in REWRITTEN.items()},
        "logs": rows_sha256(warehouse, _logs_sql("seq, record_hash")),
    }


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
    """Bring the readers' copies up to the warehouse's current state, when they do not show it."""
    warehouse.run(
        "create table if not exists serving_state (state VARCHAR, refreshed_at TIMESTAMP)"
    )
    hashes = _hashes(warehouse)
    state = ":".join(hashes.values())
    current = warehouse.value("select state from serving_state")
    if (
        not force
        and current == state
        and workspace.published_db.exists()
        and _delta_in_place(workspace)
    ):
        return False
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    _write_database(workspace, warehouse, stamp)
    crash_point("during_serving")
    _write_delta(workspace, warehouse, hashes)
    warehouse.run("delete from serving_state")
    warehouse.run("insert into serving_state values (?, ?)", [state, datetime.now(UTC)])
    _prune(workspace)
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
    if warehouse.engine == "spark":
        _copy_from_spark(warehouse, staging)
    else:
        _write_in_duckdb(workspace, warehouse, staging)
    with open_database(staging) as views:
        for table in ("publications", *(table.name for table in VERSIONED)):
            views.run(f"create or replace view latest_{table} as {_latest_sql(table)}")
        views.run(f"create or replace view latest_approvals as {latest_approvals_sql('main')}")
    os.replace(staging, workspace.published_db)


def _copy_from_spark(warehouse: Warehouse, staging: Path) -> None:
    """On Spark the readers' database is written whole, from Parquet files the executors write
    beside it (the same types: Spark's timestamps are without time zone, as DuckDB's): a table
    never passes through the driver, which a 10 M-row month's ledger (4.5 GiB as Arrow) would
    overflow. DuckDB reads each table's files in Spark's order (one sorted range per file)."""
    tables = {
        "publications": "select * from published.publications order by period, version",
        **{
            t.name: f"select t.* from published.{t.name} t semi join published.publications p "
            f"using (period, version) order by {t.order_by}"  # a killed close's rows left out
            for t in VERSIONED
        },
        **REWRITTEN,
        **_log_tables(),
    }
    parts = staging.with_suffix(".parts")
    try:
        with open_database() as database:
            database.attach(staging, "serving", storage_version=READERS_STORAGE_VERSION)
            for name, sql in tables.items():
                files = warehouse.write_parquet(sql, None, parts / name)
                database.run(
                    f"create table serving.{name} as select * from read_parquet(?)",
                    [[str(file) for file in files]],
                )
            database.detach("serving")
    finally:
        shutil.rmtree(parts, ignore_errors=True)


def _write_in_duckdb(workspace: Workspace, warehouse: Warehouse, staging: Path) -> None:
    if workspace.published_db.exists():
        shutil.copyfile(workspace.published_db, staging)
    _attach_serving(warehouse, staging)
    try:
        if not (_in_readers_format(warehouse) and _append_new_versions(warehouse)):
            warehouse.detach("serving")
            staging.unlink(missing_ok=True)
            _attach_serving(warehouse, staging)
            _write_all_versions(warehouse)
        for name, sql in {**REWRITTEN, **_log_tables()}.items():  # written whole every time
            warehouse.run(f"create or replace table serving.{name} as {sql}")
    finally:
        warehouse.detach("serving")


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


def _delta_in_place(workspace: Workspace) -> bool:
    return not workspace.published_dir.is_symlink() and all(
        delta.exists(workspace.published_table(name)) for name in DELTA_TABLES
    )


def _write_delta(workspace: Workspace, warehouse: Warehouse, hashes: dict[str, str]) -> None:
    """Append what each Delta table lacks, overwrite what changed, mark the new versions last.

    ``hashes``: the warehouse's current rows of the overwritten tables (``_hashes``), recorded
    in their commits so that an unchanged table gets no commit.
    """
    _retire_snapshots(workspace)
    workspace.published_dir.mkdir(exist_ok=True)
    marker = workspace.published_table("publications")
    _create(marker, warehouse, "select * from published.publications")
    new = _unmarked(warehouse, marker)
    for table in VERSIONED:
        _append_versions(workspace.published_table(table.name), warehouse, table, new)
        crash_point("during_delta")  # a kill -9 here: one table holds a version not yet marked
    for log in LOGS:
        _append_log(workspace.published_table(log.name), warehouse, log.name)
    for name, sql in REWRITTEN.items():
        _overwrite_if_changed(workspace.published_table(name), warehouse, sql, hashes[name])
    if new:
        with warehouse.registered("delta_new_versions", _pairs_table(new)):
            delta.append(
                marker,
                warehouse.batches(
                    "select p.* from published.publications p semi join delta_new_versions n "
                    f"using (period, version) order by {PUBLICATION_ORDER}"
                ),
            )


def _create(path: Path, warehouse: Warehouse, sql: str, **options) -> bool:
    """An empty Delta table with the query's column types, unless it exists; True if created."""
    if delta.exists(path):
        return False
    delta.create(path, warehouse.arrow(f"select * from ({sql}) limit 0").schema, **options)
    return True


def _unmarked(warehouse: Warehouse, marker: Path) -> list[tuple[str, int]]:
    """The warehouse's versions the Delta ``publications`` table lacks, in publication order."""
    with warehouse.registered("delta_marked", delta.read(marker, columns=list(PARTITIONS))):
        return [
            (period, version)
            for period, version in warehouse.rows(
                "select period, version from published.publications p anti join delta_marked m "
                f"using (period, version) order by {PUBLICATION_ORDER}"
            )
        ]


def _pairs_table(pairs: list[tuple[str, int]]) -> pa.Table:
    return pa.table(
        {
            "period": pa.array([period for period, _ in pairs], pa.string()),
            "version": pa.array([version for _, version in pairs], pa.int32()),
        }
    )


def _append_versions(
    path: Path, warehouse: Warehouse, table: PublishedTable, new: list[tuple[str, int]]
) -> None:
    """One commit per version the table lacks (a version without rows of it adds none).

    ``new``: the versions not marked yet; a table created now (a first refresh, a folder
    removed by hand) is written from the whole history.
    """
    rows = f"select {', '.join(table.column_names)} from published.{table.name}"
    if _create(path, warehouse, rows, partition_by=PARTITIONS):
        new = warehouse.rows(
            f"select period, version from published.publications order by {PUBLICATION_ORDER}"
        )
    held = delta.partitions(path, PARTITIONS) if new else set()
    for period, version in new:
        if (period, version) not in held:
            metadata = {"jifen.period": period, "jifen.version": str(version)}
            _commit_written_files(path, warehouse, table, (period, version), metadata)


def _commit_written_files(
    path: Path,
    warehouse: Warehouse,
    table: PublishedTable,
    partition: tuple[str, int],
    metadata: dict[str, str],
) -> None:
    """One version's rows written as Parquet files straight into the table's partition folder by
    the engine (DuckDB's own writer; Spark's executors), then committed by delta-rs: a large
    version never passes through Python (nor Spark's driver). The partition columns are left
    out of the files (Delta keeps them in the log). A kill between the write and the commit
    leaves files no commit references: readers, who go by the log, never see them, and the next
    refresh writes and commits new ones."""
    period, version = partition
    columns = [name for name in table.column_names if name not in PARTITIONS]
    folder = path / f"period={period}" / f"version={version}"
    files = warehouse.write_parquet(
        f"select {', '.join(columns)} from published.{table.name} "
        f"where period = ? and version = ? order by {table.order_by}",
        [period, version],
        folder,
    )
    values = {"period": period, "version": str(version)}
    if not delta.commit_files(path, files, values, metadata=metadata):
        _remove_if_empty(folder, folder.parent)  # a version without rows in this table


def _remove_if_empty(*folders: Path) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):  # not empty: files of another version
            folder.rmdir()


def _append_log(path: Path, warehouse: Warehouse, name: str) -> None:
    """The log's records whose ``seq`` the table lacks, in one commit."""
    _create(path, warehouse, f"select * from published.{name}")
    with warehouse.registered("delta_held", delta.read(path, columns=["seq"])):
        delta.append(
            path,
            warehouse.batches(
                f"select l.* from published.{name} l anti join delta_held h using (seq) "
                "order by seq"
            ),
        )


def _overwrite_if_changed(path: Path, warehouse: Warehouse, sql: str, rows_hash: str) -> None:
    """A new commit holding the table's rows, when they differ from the last one written."""
    _create(path, warehouse, sql, append_only=False)
    if delta.last_commit(path).get("jifen.rows_sha256") != rows_hash:
        delta.overwrite(path, warehouse.batches(sql), metadata={"jifen.rows_sha256": rows_hash})


def _retire_snapshots(workspace: Workspace) -> None:
    """Before Delta, ``published`` was a symlink to a Parquet snapshot folder: both go, and
    the Delta tables are written from the whole history."""
    if workspace.published_dir.is_symlink():
        workspace.published_dir.unlink()
    if workspace.legacy_snapshots.exists():
        shutil.rmtree(workspace.legacy_snapshots)


def _prune(workspace: Workspace) -> None:
    """Drop the half-written files a killed refresh left behind."""
    for leftover in workspace.home.glob(".published-*"):
        if leftover.is_dir():  # the Parquet files of a copy from Spark
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
