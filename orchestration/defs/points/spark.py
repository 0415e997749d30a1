"""dbt on the Spark engine as Dagster sees it: the same assets and checks as on DuckDB.

On DuckDB dagster-dbt runs dbt as a child process and turns its log into events. On Spark dbt
runs in this process (``points/dbt_spark.py``: the session method shares the JVM of the
embedded metastore), so its results are turned into the same events here: one materialization
per model and seed built, one check result per dbt test Dagster selected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Failure,
    Output,
)
from dagster_dbt import DagsterDbtTranslator
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from orchestration.lib.workspace import Workspace

BUILT = ("model.", "seed.", "snapshot.")


def dbt_build_on_spark(
    context: AssetExecutionContext,
    session,
    ws: Workspace,
    manifest_path: Path,
    translator: DagsterDbtTranslator,
) -> Iterator[Output | AssetCheckResult]:
    """``dbt build`` (unit tests excluded, as on DuckDB) on ``session`` (the Spark resource's)."""
    from orchestration.points.dbt_spark import run_dbt_on_spark

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    outcome = run_dbt_on_spark(
        session,
        "build",
        "--exclude",
        "resource_type:unit_test",
        env={},
        target=ws.dbt_target,
    )
    if outcome.result is None:
        raise Failure(description=f"dbt could not run on Spark: {outcome.exception}")
    selected_checks = context.selected_asset_check_keys
    failures = []
    for result in outcome.result.results:
        node_id, status = result.node.unique_id, str(result.status)
        metadata = {"status": status, "execution_time_s": round(result.execution_time, 2)}
        if node_id.startswith(BUILT):
            if status == "success":
                key = translator.get_asset_spec(manifest, node_id, None).key
                yield Output(None, output_name=key.to_python_identifier(), metadata=metadata)
            else:
                failures.append(f"{node_id}: {status}: {result.message}")
        elif node_id.startswith("test."):
            check = get_asset_check_key_for_test(manifest, translator, node_id, project=None)
            if status in ("fail", "error"):
                failures.append(f"{node_id}: {status}: {result.message}")
            if check is not None and check in selected_checks:
                yield AssetCheckResult(
                    asset_key=check.asset_key,
                    check_name=check.name,
                    passed=status == "pass",
                    severity=AssetCheckSeverity.WARN
                    if status == "warn"
                    else AssetCheckSeverity.ERROR,
                    metadata={**metadata, "failures": result.failures or 0},
                )
    if failures or not outcome.success:
        raise Failure(
            description="dbt build on Spark failed:\n  - " + "\n  - ".join(failures or ["?"])
        )
