"""dbt's build as Dagster sees it, on either engine: one materialization per model and seed
built, one check result per dbt test Dagster selected, each as its node finishes.

dbt runs in this process (``points/dbt.py``, ``points/dbt_spark.py``), on a thread of its own,
so that the run's events, and the progress read from them, follow the build node by node.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
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

from orchestration.points.dbt import NodeResult

BUILT = ("model.", "seed.", "snapshot.")
BUILD_ARGS = ("build", "--exclude", "resource_type:unit_test")  # unit tests: the test-suite's


def dbt_build(
    context: AssetExecutionContext,
    invoke: Callable[..., object],
    manifest_path: Path,
    translator: DagsterDbtTranslator,
) -> Iterator[Output | AssetCheckResult]:
    """Run ``invoke(*BUILD_ARGS, on_node=...)`` (``invoke_dbt`` with the close's target and
    environment bound) and yield its nodes' events; fail naming every node that failed."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    finished: queue.Queue = queue.Queue()
    outcome = {}

    def build() -> None:
        try:
            outcome["result"] = invoke(*BUILD_ARGS, on_node=finished.put)
        finally:
            finished.put(None)

    thread = threading.Thread(target=build, name="dbt-build", daemon=True)
    thread.start()
    failures: list[str] = []
    while (node := finished.get()) is not None:
        yield from _events(context, node, manifest, translator, failures)
    thread.join()
    result = outcome.get("result")
    if result is None or result.result is None:
        cause = getattr(result, "exception", None) or "it stopped before its first node"
        raise Failure(description=f"dbt could not run: {cause}")
    if failures or not result.success:
        listed = failures or [str(result.exception or "dbt reported a failure")]
        raise Failure(description="dbt build failed:\n  - " + "\n  - ".join(listed))


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
