"""The period close: one job over every asset, one partition (month) per run."""

from dagster import (
    AssetSelection,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    in_process_executor,
    schedule,
)

from orchestration.defs.automation import schedule_status
from orchestration.lib.period import partition_key, previous_period

close_job = define_asset_job(
    "close",
    selection=AssetSelection.all() - AssetSelection.assets("provisional_standings"),
    executor_def=in_process_executor,
    description="Ingest, validate, compute points in dbt, gate, publish and report one period.",
)


@schedule(
    job=close_job,
    cron_schedule="0 6 3 * *",
    execution_timezone="UTC",
    default_status=schedule_status(),
)
def monthly_close(context: ScheduleEvaluationContext) -> RunRequest:
    """On the 3rd of each month, close the previous month (late files have had two days)."""
    period = previous_period(context.scheduled_execution_time.date())
    return RunRequest(run_key=f"close-{period}", partition_key=partition_key(period))


defs = Definitions(jobs=[close_job], schedules=[monthly_close])
