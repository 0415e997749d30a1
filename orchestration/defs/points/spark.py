"""dbt on the Spark engine as Dagster sees it: the same assets and checks as on DuckDB.

On DuckDB dagster-dbt runs dbt as a child process and turns its log into events. On Spark dbt
runs in this process (``points/dbt_spark.py``: the session method shares the JVM of the
embedded metastore), on a thread of its own: each node becomes its event as it finishes (one
materialization per model and seed built, one check result per dbt test Dagster selected), so
the run's progress follows a build that takes minutes.
"""

from __future__ import annotations

import json
import queue
import threading
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
from orchestration.points.dbt_spark import NodeResult, run_dbt_on_spark

BUILT = ("model.", "seed.", "snapshot.")
BUILD_ARGS = ("build", "--exclude", "resource_type:unit_test")  # unit tests: the test-suite's


def dbt_build_on_spark(
    context: AssetExecutionContext,
    session,
    ws: Workspace,
    manifest_path: Path,
    translator: DagsterDbtTranslator,
) -> Iterator[Output | AssetCheckResult]:
    """``dbt build`` on ``session`` (the Spark resource's); yields its nodes' events as they
    finish, then fails naming every node that failed."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    finished: queue.Queue = queue.Queue()
    outcome = {}

    def build() -> None:
        try:
            outcome["result"] = run_dbt_on_spark(
                session, *BUILD_ARGS, env={}, target=ws.dbt_target, on_node=finished.put
            )
        except Exception as error:  # raised again below, in the step's thread
            outcome["error"] = error
        finally:
            finished.put(None)

    thread = threading.Thread(target=build, name="dbt-build", daemon=True)
    thread.start()
    failures: list[str] = []
    while (node := finished.get()) is not None:
        yield from _events(context, node, manifest, translator, failures)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    result = outcome.get("result")
    if result is None or result.result is None:
        raise Failure(description=f"dbt could not run on Spark: {result and result.exception}")
    if failures or not result.success:
        listed = failures or [str(result.exception or "dbt reported a failure")]
        raise Failure(description="dbt build on Spark failed:\n  - " + "\n  - ".join(listed))


def _events(
    context: AssetExecutionContext,
    node: NodeResult,
    manifest: dict,
    translator: DagsterDbtTranslator,
    failures: list[str],
) -> Iterator[Output | AssetCheckResult]:
    metadata = {"status": node.status, "execution_time_s": round(node.execution_time, 2)}
    if node.unique_id.startswith(BUILT):
        if node.status == "success":
            key = translator.get_asset_spec(manifest, node.unique_id, None).key
            yield Output(None, output_name=key.to_python_identifier(), metadata=metadata)
        else:
            failures.append(f"{node.unique_id}: {node.status}: {node.message}")
    elif node.unique_id.startswith("test."):
        if node.status in ("fail", "error"):
            failures.append(f"{node.unique_id}: {node.status}: {node.message}")
        check = get_asset_check_key_for_test(manifest, translator, node.unique_id, project=None)
        if check is not None and check in context.selected_asset_check_keys:
            yield AssetCheckResult(
                asset_key=check.asset_key,
                check_name=check.name,
                passed=node.status == "pass",
                severity=AssetCheckSeverity.WARN
                if node.status == "warn"
                else AssetCheckSeverity.ERROR,
                metadata={**metadata, "failures": node.failures},
            )
