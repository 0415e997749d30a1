"""Points, tiers, ranks and rewards are computed by dbt for one period at a time.

The partition's window reaches dbt as environment variables (``lib/period.py``); dbt tests run
in the same build and show up in Dagster as asset checks. Unit tests are run by the test-suite,
not at every close.
"""

import os

from dagster import AssetExecutionContext, BackfillPolicy
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from orchestration.defs.publish.gate import prefetch
from orchestration.lib.dbt import JifenDbtResource, ensure_manifest, seeds_env
from orchestration.lib.faults import crash_point
from orchestration.lib.period import monthly_partitions, window
from orchestration.lib.resources import WorkspaceResource
from orchestration.rulebooks.workspace import compile_workspace

translator = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=ensure_manifest(),
    partitions_def=monthly_partitions,
    dagster_dbt_translator=translator,
    name="points_models",
    backfill_policy=BackfillPolicy.multi_run(1),  # one close per period
)
def points_models(
    context: AssetExecutionContext, dbt: JifenDbtResource, workspace: WorkspaceResource
):
    ws = workspace.get()
    prefetch()  # the quality gate's library loads while dbt works
    os.environ.update(window(context.partition_key).env())
    os.environ["JIFEN_WAREHOUSE"] = str(ws.warehouse)
    with ws.writer_lock():
        os.environ.update(seeds_env(compile_workspace(ws), ws.dbt_target))
        events = dbt.cli(
            ["build", "--exclude", "resource_type:unit_test"],
            context=context,
            target_path=ws.dbt_target,
        ).stream()
        for number, event in enumerate(events):
            if number == 3:
                crash_point("during_dbt")
            yield event
