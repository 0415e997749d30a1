"""The run's own events, fed to a progress tracker: a Dagster logger living in this process.

``execute_job`` adds it to the job for the CLI's in-process runs. Every Dagster event (a step
started, an asset materialized with its metadata, a step failed) and every line a step logs
reaches it as it happens; it tells the tracker (``orchestration/progress``) in stage terms.
"""

from __future__ import annotations

import logging
from typing import Any

from dagster import DagsterEvent, DagsterEventType, LoggerDefinition

from orchestration.defs.stages import stage_of
from orchestration.progress import Tracker
from schemas.published import VERSIONED

LOGGER_NAME = "jifen_progress"


def progress_logger(tracker: Tracker) -> LoggerDefinition:
    def build(_init_context) -> logging.Logger:
        logger = logging.Logger(LOGGER_NAME, level=logging.DEBUG)
        logger.addHandler(_ToTracker(tracker))
        return logger

    return LoggerDefinition(build, description="Feeds the CLI's progress display.")


class _ToTracker(logging.Handler):
    def __init__(self, tracker: Tracker) -> None:
        super().__init__(level=logging.DEBUG)
        self.tracker = tracker

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        if not meta:
            return
        event: DagsterEvent | None = meta.get("dagster_event")
        step = meta.get("step_key")
        if event is None:
            if step and record.levelno >= logging.INFO:
                self.tracker.note(stage_of(step), str(meta.get("orig_message", "")))
            return
        heard(self.tracker, event)


def heard(tracker: Tracker, event: DagsterEvent) -> None:
    kind, stage = event.event_type, stage_of(event.step_key)
    if kind == DagsterEventType.STEP_START:
        tracker.started(stage)
        if stage == "dbt":
            tracker.set(stage, models_total=_dbt_asset_count())
    elif kind == DagsterEventType.ASSET_MATERIALIZATION:
        materialization = event.step_materialization_data.materialization
        metadata = {key: value.value for key, value in materialization.metadata.items()}
        counted(tracker, stage, materialization.asset_key.path[-1], metadata)
    elif kind == DagsterEventType.STEP_FAILURE:
        tracker.failed(stage)
    elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
        tracker.end()


def counted(tracker: Tracker, stage: str, asset: str, metadata: dict[str, Any]) -> None:
    """What one materialized asset adds to its stage's counts."""
    if stage == "ingest" and asset.startswith("raw_"):  # not the scan of unread files
        tracker.add(stage, files=metadata["files_loaded"], rows=metadata["rows_loaded_now"])
    elif stage == "validate" and asset.startswith("validated_"):
        tracker.add(
            stage,
            read=metadata["rows_read"],
            loaded=metadata["rows_loaded"],
            deduplicated=metadata["rows_deduplicated"],
            quarantined=metadata["rows_quarantined"],
        )
    elif stage == "dbt":
        tracker.add(stage, models=1)
    elif stage == "gate":
        tracker.set(stage, expectations=metadata["gate_expectations"])
    elif stage == "publish":
        tables = len(VERSIONED) if metadata["published"] else 0
        tracker.set(stage, version=int(metadata["version"]), tables=tables)
    elif stage == "reports":
        tracker.set(stage, written=1)
    elif stage == "standings":
        tracker.set(stage, reps=metadata["reps"])


def _dbt_asset_count() -> int:
    """The dbt models and seeds a close builds: the assets of the ``points_models`` step."""
    from orchestration.defs.points.assets import points_models

    return len(points_models.keys)
