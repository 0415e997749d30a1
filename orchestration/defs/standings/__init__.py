"""Provisional standings: refreshed daily and whenever a new file lands (real-time feedback)."""

import hashlib
from datetime import UTC, datetime

from dagster import (
    AssetSelection,
    Definitions,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
    sensor,
)

from orchestration.defs.automation import schedule_status, sensor_interval, sensor_status
from orchestration.defs.standings.assets import provisional_standings
from orchestration.lib.period import partition_key
from orchestration.lib.workspace import Workspace

# Everything up to dbt's candidate results: never the gate, nor what follows it (publication,
# reports). A provisional run publishes nothing.
provisional_job = define_asset_job(
    "provisional",
    selection=AssetSelection.all() - AssetSelection.assets("quality_gate").downstream(),
    executor_def=in_process_executor,
    description="Ingest, validate and compute the open period; refresh its provisional standings.",
)
# Standings show what is known, bad rows and all: they never stop on the error budget.
PROVISIONAL_OPS = {"validated_inputs": {"config": {"error_budget": 1.0}}}


def current_period(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now.year:04d}-{now.month:02d}"


def landing_signature(workspace: Workspace) -> str:
    """Changes whenever a landing file appears, disappears or changes size or time."""
    digest = hashlib.sha256()
    if workspace.landing.is_dir():
        for path in sorted(workspace.landing.glob("*/*")):
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(workspace.landing)}|{stat.st_size}|"
                    f"{stat.st_mtime_ns}\n".encode()
                )
    return digest.hexdigest()


@schedule(
    job=provisional_job,
    cron_schedule="0 7 * * *",
    execution_timezone="UTC",
    default_status=schedule_status(),
)
def daily_standings(context: ScheduleEvaluationContext) -> RunRequest:
    period = current_period(context.scheduled_execution_time)
    return RunRequest(partition_key=partition_key(period), run_config={"ops": PROVISIONAL_OPS})


@sensor(
    job=provisional_job,
    minimum_interval_seconds=sensor_interval(),
    default_status=sensor_status(),
)
def new_landing_files(context: SensorEvaluationContext):
    """A new delivery refreshes the open month's standings."""
    signature = landing_signature(Workspace.at())
    if signature == context.cursor:
        return SkipReason("no new landing files")
    context.update_cursor(signature)
    return RunRequest(
        run_key=signature,
        partition_key=partition_key(current_period()),
        run_config={"ops": PROVISIONAL_OPS},
    )


defs = Definitions(
    assets=[provisional_standings],
    jobs=[provisional_job],
    schedules=[daily_standings],
    sensors=[new_landing_files],
)
