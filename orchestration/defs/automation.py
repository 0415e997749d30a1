"""Whether the schedules and sensors run by themselves: yes when jifen is served, no in
development.

``jifen serve`` sets ``JIFEN_AUTOMATION=running`` for the webserver and the daemon, so a fresh
deployment closes each month and refreshes the standings with nobody toggling anything in the
UI; ``dagster dev`` (``make ui``) and the CLI leave them stopped. A toggle made in the UI is kept
by the instance and wins over this default.
"""

from __future__ import annotations

import os

from dagster import DefaultScheduleStatus, DefaultSensorStatus

AUTOMATION_ENV = "JIFEN_AUTOMATION"
SENSOR_INTERVAL_ENV = "JIFEN_SENSOR_INTERVAL"  # seconds between landing checks (tests: a few)


def served() -> bool:
    return os.environ.get(AUTOMATION_ENV, "") == "running"


def schedule_status() -> DefaultScheduleStatus:
    return DefaultScheduleStatus.RUNNING if served() else DefaultScheduleStatus.STOPPED


def sensor_status() -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if served() else DefaultSensorStatus.STOPPED


def sensor_interval(default: int = 60) -> int:
    return int(os.environ.get(SENSOR_INTERVAL_ENV) or default)
