"""Where alerts go: a JSON POST to ``JIFEN_ALERT_WEBHOOK`` and/or an e-mail through
``JIFEN_SMTP_HOST`` (``_PORT`` 25, ``_STARTTLS`` 0|1, ``_USER``, ``_PASSWORD``, ``_FROM``, ``_TO``:
addresses separated by commas). Neither set: nothing is sent."""

from __future__ import annotations

import json
import os
import smtplib
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage

from orchestration.alerts.message import Alert

TIMEOUT_SECONDS = 30


class AlertNotSent(RuntimeError):
    pass


def deliver(alert: Alert, environ: Mapping[str, str] | None = None) -> list[str]:
    """Send ``alert`` on every configured channel; returns the channels used. Every channel is
    tried; ``AlertNotSent`` names each that failed."""
    environ = os.environ if environ is None else environ
    sent, problems = [], []
    senders = (("webhook", "JIFEN_ALERT_WEBHOOK", post_json), ("e-mail", "JIFEN_SMTP_HOST", mail))
    for name, variable, send in senders:
        if not environ.get(variable):
            continue
        try:
            send(alert, environ)
            sent.append(name)
        except (OSError, smtplib.SMTPException) as problem:
            problems.append(f"{name} ({environ[variable]}): {problem}")
    if problems:
        raise AlertNotSent("alert not sent by " + "; ".join(problems))
    return sent


def post_json(alert: Alert, environ: Mapping[str, str]) -> None:
    request = urllib.request.Request(
        environ["JIFEN_ALERT_WEBHOOK"],
        data=json.dumps({"text": alert.text, **alert.as_json()}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        response.read()


def mail(alert: Alert, environ: Mapping[str, str]) -> None:
    recipients = [a.strip() for a in environ.get("JIFEN_SMTP_TO", "").split(",") if a.strip()]
    if not recipients:
        raise AlertNotSent("JIFEN_SMTP_HOST is set but JIFEN_SMTP_TO names no recipient")
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = environ.get("JIFEN_SMTP_FROM") or "jifen@localhost"
    message["To"] = ", ".join(recipients)
    message.set_content(alert.text)
    port = int(environ.get("JIFEN_SMTP_PORT") or 25)
    with smtplib.SMTP(environ["JIFEN_SMTP_HOST"], port, timeout=TIMEOUT_SECONDS) as smtp:
        if environ.get("JIFEN_SMTP_STARTTLS") == "1":
            smtp.starttls()
        if environ.get("JIFEN_SMTP_USER"):
            smtp.login(environ["JIFEN_SMTP_USER"], environ.get("JIFEN_SMTP_PASSWORD", ""))
        smtp.send_message(message)
