"""Alerts on failed and stopped closes: Dagster's run-failure sensor over the ``close`` job.

It sees every failed close of the instance (scheduled, or launched by the CLI), so it runs where
the daemon runs (``jifen serve``; on by default there, ``defs/automation.py``). Where the alert
goes: ``orchestration/alerts/channels.py``.

Pending approvals (issue 13, sign-off) are not built yet. When they are, an hourly ``@sensor``
here lists approvals older than N days and sends ``alerts.Alert(kind="pending", ...)`` through the
same ``deliver``: one more message kind, no new channel.
"""

from dagster import Definitions, RunFailureSensorContext, run_failure_sensor

from orchestration.alerts import close_alert, deliver
from orchestration.defs.automation import sensor_status
from orchestration.defs.close import close_job
from orchestration.defs.launch import failure_text
from orchestration.defs.stages import stage_of


def alert_of(context: RunFailureSensorContext):
    """The alert of a failed run: its first failed step's stage and reason."""
    run = context.dagster_run
    period = run.tags.get("jifen/period") or (run.tags.get("dagster/partition") or "?")[:7]
    failures = context.get_step_failure_events()
    if not failures:  # the run failed outside any step (e.g. its process died)
        reason = context.failure_event.message or "the run failed"
        return close_alert(run.job_name, period, "run", reason, run.run_id, stopped=False)
    first = failures[0]
    stopped = first.step_failure_data.user_failure_data is not None  # a ``Failure``: a check
    return close_alert(
        run.job_name,
        period,
        stage_of(first.step_key),
        failure_text(first),
        run.run_id,
        stopped=stopped,
    )


@run_failure_sensor(
    name="close_alerts",
    monitored_jobs=[close_job],
    default_status=sensor_status(),
    description="Sends a webhook and/or e-mail for every failed or stopped close.",
)
def close_alerts(context: RunFailureSensorContext) -> None:
    alert = alert_of(context)
    channels = deliver(alert)
    context.log.info(f"{alert.subject}: alert sent by {', '.join(channels) or 'no channel'}")


defs = Definitions(sensors=[close_alerts])
