"""Points, tiers, ranks and rewards are computed by dbt for one period at a time.

The partition's window reaches dbt as environment variables (``lib/period.py``); dbt tests run
in the same build and show up in Dagster as asset checks. Unit tests are run by the test-suite,
not at every close.
"""

import os

from dagster import AssetExecutionContext, BackfillPolicy
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.points.resources import JifenDbtResource
from orchestration.defs.points.spark import dbt_build_on_spark
from orchestration.defs.resources import SparkResource, WorkspaceResource
from orchestration.gate.invariants import prefetch
from orchestration.lib.faults import crash_point
from orchestration.lib.period import parse_period, window
from orchestration.loyalty.verdicts import record_walk_verdicts
from orchestration.points.dbt import ensure_manifest, seeds_env
from orchestration.points.marks import plan_recomputation
from orchestration.rulebooks.live import compile_workspace
from orchestration.warehouse.open import connect

translator = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=ensure_manifest(),
    partitions_def=monthly_partitions,
    dagster_dbt_translator=translator,
    name="points_models",
    backfill_policy=BackfillPolicy.multi_run(1),  # one close per period
)
def points_models(
    context: AssetExecutionContext,
    dbt: JifenDbtResource,
    workspace: WorkspaceResource,
    spark: SparkResource,
):
    ws = workspace.get()
    prefetch()  # the quality gate's library loads while dbt works
    os.environ.update(window(context.partition_key).env())
    os.environ["JIFEN_WAREHOUSE"] = str(ws.warehouse)
    with ws.writer_lock():
        seeds = compile_workspace(ws)
        os.environ.update(seeds_env(seeds, ws.dbt_target))
        plan_id = context.run.run_id
        with connect(ws) as warehouse:
            on_spark = warehouse.engine == "spark"
            recomputed, unchanged = plan_recomputation(
                warehouse, plan_id, parse_period(context.partition_key), seeds
            )
        context.log.info(
            f"closed periods recomputed: {', '.join(recomputed) or 'none'}; "
            f"unchanged since last computed: {', '.join(unchanged) or 'none'}"
        )
        os.environ["JIFEN_PLAN_ID"] = plan_id
        if on_spark:
            session = spark.session(ws)
            events = dbt_build_on_spark(context, session, ws, ensure_manifest(), translator)
        else:
            events = dbt.cli(
                ["build", "--exclude", "resource_type:unit_test"],
                context=context,
                target_path=ws.dbt_target,
            ).stream()
        for number, event in enumerate(events):
            if number == 3:
                crash_point("during_dbt")
            yield event
        with connect(ws) as warehouse:
            refused = record_walk_verdicts(warehouse)
        context.log.info(f"redemptions refused by the loyalty walk: {refused}")
