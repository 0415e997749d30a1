"""Recompute a published version from its recorded inputs and compare, row by row.

A scratch warehouse gets exactly the raw rows of the files the version recorded in
``publication_inputs`` and the publication history that existed before it; validation and dbt
then run as in the close, and every published table is compared with the recomputation.
The loyalty program's tables continue from the previous month's loyalty close: see
``verify/loyalty.py`` for how they are recomputed (or, in a restatement, checked).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from orchestration.lib.period import window
from orchestration.lib.workspace import SOURCES, Workspace
from orchestration.loyalty.verdicts import record_walk_verdicts
from orchestration.points.dbt import run_dbt, seeds_env
from orchestration.publish.store import (
    NOT_READ,
    input_fingerprint,
    rulebook_versions,
    stage_accounting,
)
from orchestration.rulebooks.live import compile_workspace
from orchestration.validate.engine import validate_all
from orchestration.verify import loyalty
from orchestration.verify.recorded import recorded_rows
from orchestration.warehouse.connection import DATABASE_PREFIX_ENV, Warehouse
from orchestration.warehouse.duckdb import connect
from orchestration.warehouse.open import connect as connect_workspace
from schemas.published import VERSIONED


@dataclass
class Verification:
    period: str
    version: int
    identical: bool = True
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was compared how, when not plainly


def verify_version(workspace: Workspace, period: str, version: int | None) -> Verification:
    with connect_workspace(workspace, read_only=True) as source:
        row = source.row(
            "select version, seq from published.publications where period = ? "
            + ("and version = ? " if version else "")
            + "order by version desc limit 1",
            [period, version] if version else [period],
        )
        if row is None:
            raise LookupError(f"{period} v{version or 'latest'} is not published")
        version, seq = row
        previous = loyalty.previous_close(source, period, seq) if version == 1 else None
    result = Verification(period, version)
    seeds = compile_workspace(workspace)
    state = None
    if previous is not None:  # the walk this version continued from, recomputed first
        with _recomputed(workspace, previous.period, previous.version, previous.seq, seeds) as wh:
            state = loyalty.walk_state(wh, previous)
    with _recomputed(workspace, period, version, seq, seeds, state) as warehouse:
        _compare(warehouse, result)
    if version == 1:
        result.notes.append(
            "loyalty tables recomputed"
            + (
                f", continuing from the walk of {previous.period} v{previous.version} "
                "recomputed from its own recorded inputs"
                if previous
                else " (no earlier loyalty close to continue from)"
            )
        )
    else:
        result.notes.append(
            f"loyalty tables: carried over from v{version - 1} (loyalty results are never "
            f"restated) and checked to be its rows; `jifen verify {period} --version 1` "
            "recomputes them"
        )
    return result


@contextmanager
def _recomputed(
    workspace: Workspace,
    period: str,
    version: int,
    seq: int,
    seeds: Path,
    state: dict[str, pa.Table] | None = None,
) -> Iterator[Warehouse]:
    """A scratch warehouse holding the version's recorded inputs, the history before it (and
    the previous loyalty close's walk, ``state``), after validation and dbt, as in the close."""
    with tempfile.TemporaryDirectory(prefix="jifen-verify-") as scratch_dir:
        scratch = Workspace.at(Path(scratch_dir) / "home")
        with connect(scratch) as warehouse:
            _copy_recorded_inputs(warehouse, workspace, period, version, seq)
            if state:
                loyalty.load_walk_state(warehouse, state)
            validate_all(warehouse)
        _dbt_build(scratch, period, seeds)
        with connect(scratch) as warehouse:
            record_walk_verdicts(warehouse)  # as the close does after dbt
            yield warehouse


def _copy_recorded_inputs(
    warehouse: Warehouse, workspace: Workspace, period: str, version: int, seq: int
) -> None:
    with recorded_rows(warehouse, workspace) as recorded:
        copy = recorded.copy
        files = (  # the files read: an unread file's bytes are no input (recorded, not read)
            "select file_hash from {src}published.publication_inputs where period = ? "
            f"and version = ? and source <> '{NOT_READ}'"
        )
        params = [period, version]
        for source in SOURCES:
            copy(
                f"insert into raw_{source} select * from {{rows}}",
                f"select * from {{src}}raw_{source} where file_hash in ({files})",
                params,
            )
        copy(
            "insert into ingested_files select * from {rows}",
            f"select * from {{src}}ingested_files where file_hash in ({files})",
            params,
        )
        copy(
            "insert into published.publications select * from {rows}",
            "select * from {src}published.publications where seq < ?",
            [seq],
        )
        for table in VERSIONED:  # the rows of the versions published before this one
            copy(
                f"insert into published.{table.name} select * from {{rows}}",
                f"select t.* from {{src}}published.{table.name} t "
                "join {src}published.publications p using (period, version) where p.seq < ?",
                [seq],
            )
        for table in loyalty.HISTORY_INTERNAL:
            if not recorded.has_table(table.name, "published"):
                continue  # a warehouse from before the loyalty program: nothing was accepted
            copy(
                f"insert into published.{table.name} select * from {{rows}}",
                loyalty.accepted_redemptions_sql(table),
                [seq],
            )
        copy(
            "create table stored_publication as select * from {rows}",
            "select * from {src}published.publications where period = ? and version = ?",
            params,
        )
        for table in VERSIONED:
            copy(
                f"create table stored_{table.name} as select * exclude (version) from {{rows}}",
                f"select * from {{src}}published.{table.name} where period = ? and version = ?",
                params,
            )


def _dbt_build(scratch: Workspace, period: str, seeds: Path) -> None:
    """dbt as in the close, with the workspace's rule book (versions never change once used)."""
    env = {
        **window(period).env(),
        "JIFEN_WAREHOUSE": str(scratch.warehouse),
        DATABASE_PREFIX_ENV: "",  # the scratch DuckDB's schemas are main and published
        **seeds_env(seeds, scratch.dbt_target),
    }
    result = run_dbt(
        "build", "--exclude", "resource_type:unit_test", env=env, target=scratch.dbt_target
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt failed while recomputing {period}:\n{result.stdout[-3000:]}")


def _compare(warehouse: Warehouse, result: Verification) -> None:
    unread = warehouse.rows(
        "select source_file, file_hash from stored_publication_inputs where source = ?", [NOT_READ]
    )
    stage_accounting(warehouse, result.period, unread)
    for table in VERSIONED:
        if table.program == "loyalty" and result.version > 1:
            continue  # carried over, not recomputed: compared with the version before below
        columns = ", ".join(name for name, _ in table.columns)
        recomputed = f"select period, {columns} from {table.candidate}"
        stored = f"select period, {columns} from stored_{table.name}"
        missing = warehouse.value(f"select count(*) from ({stored} except all {recomputed})")
        extra = warehouse.value(f"select count(*) from ({recomputed} except all {stored})")
        if missing or extra:
            result.identical = False
            sample = warehouse.rows(f"{recomputed} except all {stored} limit 3")
            result.differences.append(
                f"{table.name}: {missing} published row(s) not reproduced, {extra} "
                f"recomputed row(s) not published; e.g. {sample}"
            )
    if result.version > 1:
        carried = loyalty.compare_carried(warehouse, result.period, result.version)
        result.identical = result.identical and not carried
        result.differences += carried
    stored_fingerprint = warehouse.value("select input_fingerprint from stored_publication")
    fingerprint = input_fingerprint(warehouse, rulebook_versions(warehouse))
    if stored_fingerprint != fingerprint:
        result.identical = False
        result.differences.append(
            f"input fingerprint differs: published {stored_fingerprint[:12]}…, recomputed "
            f"{fingerprint[:12]}… (inputs or rule book changed)"
        )
