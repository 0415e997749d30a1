"""Recompute a published version from its recorded inputs and compare, row by row.

A scratch warehouse gets exactly the raw rows of the files the version recorded in
``publication_inputs`` and the publication history that existed before it; validation and dbt
then run as in the close, and every published table is compared with the recomputation.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.period import window
from orchestration.lib.workspace import SOURCES, Workspace
from orchestration.points.dbt import run_dbt, seeds_env
from orchestration.publish.store import input_fingerprint, rulebook_versions, stage_accounting
from orchestration.rulebooks.live import compile_workspace
from orchestration.validate.engine import validate_all
from orchestration.warehouse.connection import Warehouse
from orchestration.warehouse.duckdb import connect
from schemas.published import VERSIONED


@dataclass
class Verification:
    period: str
    version: int
    identical: bool = True
    differences: list[str] = field(default_factory=list)


def verify_version(workspace: Workspace, period: str, version: int | None) -> Verification:
    with tempfile.TemporaryDirectory(prefix="jifen-verify-") as scratch_dir:
        scratch = Workspace.at(Path(scratch_dir) / "home")
        with connect(workspace, read_only=True) as source:
            row = source.row(
                "select version, seq from published.publications where period = ? "
                + ("and version = ? " if version else "")
                + "order by version desc limit 1",
                [period, version] if version else [period],
            )
            if row is None:
                raise LookupError(f"{period} v{version or 'latest'} is not published")
            version, seq = row
        result = Verification(period, version)
        with connect(scratch) as warehouse:
            _copy_recorded_inputs(warehouse, workspace, period, version, seq)
            validate_all(warehouse)
        _dbt_build(scratch, period, compile_workspace(workspace))
        with connect(scratch) as warehouse:
            _compare(warehouse, result)
    return result


def _copy_recorded_inputs(
    warehouse: Warehouse, workspace: Workspace, period: str, version: int, seq: int
) -> None:
    warehouse.attach(workspace.warehouse, "src", read_only=True)
    files = (
        "select file_hash from src.published.publication_inputs where period = ? and version = ?"
    )
    params = [period, version]
    for source in SOURCES:
        warehouse.run(
            f"insert into raw_{source} select * from src.raw_{source} where file_hash in ({files})",
            params,
        )
    warehouse.run(
        f"insert into ingested_files select * from src.ingested_files where file_hash in ({files})",
        params,
    )
    warehouse.run(
        "insert into published.publications select * from src.published.publications where seq < ?",
        [seq],
    )
    for table in VERSIONED:
        warehouse.run(
            f"insert into published.{table.name} select t.* from src.published.{table.name} t "
            "join published.publications p using (period, version)"
        )
    warehouse.run(
        "create table stored_publication as select * from src.published.publications "
        "where period = ? and version = ?",
        params,
    )
    for table in VERSIONED:
        warehouse.run(
            f"create table stored_{table.name} as select * exclude (version) "
            f"from src.published.{table.name} where period = ? and version = ?",
            params,
        )
    warehouse.detach("src")


def _dbt_build(scratch: Workspace, period: str, seeds: Path) -> None:
    """dbt as in the close, with the workspace's rule book (versions never change once used)."""
    env = {
        **window(period).env(),
        "JIFEN_WAREHOUSE": str(scratch.warehouse),
        **seeds_env(seeds, scratch.dbt_target),
    }
    result = run_dbt(
        "build", "--exclude", "resource_type:unit_test", env=env, target=scratch.dbt_target
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt failed while recomputing {period}:\n{result.stdout[-3000:]}")


def _compare(warehouse: Warehouse, result: Verification) -> None:
    stage_accounting(warehouse, result.period)
    for table in VERSIONED:
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
    stored_fingerprint = warehouse.value("select input_fingerprint from stored_publication")
    fingerprint = input_fingerprint(warehouse, rulebook_versions(warehouse))
    if stored_fingerprint != fingerprint:
        result.identical = False
        result.differences.append(
            f"input fingerprint differs: published {stored_fingerprint[:12]}…, recomputed "
            f"{fingerprint[:12]}… (inputs or rule book changed)"
        )
