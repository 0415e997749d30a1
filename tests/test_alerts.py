"""Alerts of stopped closes, through the run-failure sensor, to a local webhook and SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from conftest import write_csv

from orchestration.defs.launch import run_close
from orchestration.lib.workspace import Workspace


class Recorder(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        assert self.headers["Content-Type"] == "application/json"
        Recorder.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch):
    Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("JIFEN_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    yield Recorder.received
    server.shutdown()
    server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("JIFEN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JIFEN_SMTP_PORT", str(port))
    monkeypatch.setenv("JIFEN_SMTP_FROM", "jifen@test.invalid")
    monkeypatch.setenv("JIFEN_SMTP_TO", "ops@test.invalid, finance@test.invalid")
    yield mailbox.messages
    controller.stop()


def sensor_sees_failed_run(workspace: Workspace, run_id: str) -> None:
    """Evaluate the ``close_alerts`` run-failure sensor on the recorded failed run, as the
    daemon does."""
    from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context

    from orchestration.defs.alerts import close_alerts

    with DagsterInstance.from_config(str(workspace.dagster_home)) as instance:
        run = instance.get_run_by_id(run_id)
        (record,) = instance.get_records_for_run(
            run_id, of_type=DagsterEventType.RUN_FAILURE
        ).records
        context = build_run_status_sensor_context(
            sensor_name="close_alerts",
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=record.event_log_entry.dagster_event,
        ).for_run_failure()
        close_alerts(context)


def test_a_close_over_the_error_budget_alerts_by_webhook_and_mail(base_landing, webhook, smtp):
    write_csv(
        base_landing,
        "sales",
        "sales_bad.csv",
        [
            ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100", "CNY"],
            ["X2", "sale", "O2", "R1", "C1", "2026-07-02", "12,5", "CNY"],
        ],
    )
    run = run_close(base_landing, "2026-07")
    assert not run.success
    sensor_sees_failed_run(base_landing, run.run_id)

    (posted,) = webhook
    assert (posted["kind"], posted["job"], posted["period"], posted["stage"]) == (
        "stopped",
        "close",
        "2026-07",
        "validate",
    )
    assert "sales 2026-07: 1 of 2 rows quarantined (50.0%)" in posted["reason"]
    assert "jifen quarantine --source" in posted["action"]
    assert "--error-budget" in posted["action"]
    assert posted["run_id"] == run.run_id
    assert posted["subject"] == "jifen: close of 2026-07 stopped at validate"

    ((recipients, mail),) = smtp
    assert recipients == ["ops@test.invalid", "finance@test.invalid"]
    assert mail["Subject"] == posted["subject"]
    body = mail.get_payload(decode=True).decode()
    assert "Period: 2026-07" in body and "Stage: validate" in body
    assert "1 of 2 rows quarantined" in body and "jifen quarantine --source" in body


def test_a_rejected_file_alerts_with_the_file_and_what_to_do(base_landing, webhook, monkeypatch):
    monkeypatch.delenv("JIFEN_SMTP_HOST", raising=False)
    (base_landing.landing_dir("sales") / "broken.parquet").write_bytes(b"PAR1 not really")
    run = run_close(base_landing, "2026-07")
    assert not run.success
    sensor_sees_failed_run(base_landing, run.run_id)
    (posted,) = webhook
    assert (posted["kind"], posted["period"], posted["stage"]) == ("stopped", "2026-07", "ingest")
    assert "broken.parquet" in posted["reason"] and "cannot be read as Parquet" in posted["reason"]
    assert "move them out of landing/" in posted["action"]
    assert "jifen close 2026-07" in posted["action"]
