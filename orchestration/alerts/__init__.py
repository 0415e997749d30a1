"""Alerts: a person hears about a close that failed or stopped, by webhook and/or e-mail.

``message.py`` says what happened (period, stage, reason, what to do); ``channels.py`` sends it
to ``JIFEN_ALERT_WEBHOOK`` (a JSON POST) and through ``JIFEN_SMTP_*``. Dagster's run-failure
sensor (``defs/alerts/``) raises them for every failed ``close`` run of the instance.
"""

from orchestration.alerts.channels import deliver
from orchestration.alerts.message import Alert, close_alert

__all__ = ["Alert", "close_alert", "deliver"]
