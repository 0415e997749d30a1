"""The stages of one run as they start, count and end, with their times.

A stage starts with its first step and ends when a later stage starts or the run ends. Counts
add up across the stage's steps (ingest has one step per source); ``note`` is the latest line the
stage logged (validation logs "row checks 100,000 / 1,000,000 new rows").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

Listener = Callable[[str, "Stage"], None]  # ("start" | "update" | "end", stage)


@dataclass
class Stage:
    name: str
    started: float
    ended: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""
    failed: bool = False

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    @property
    def summary(self) -> str:
        """What the stage did, in the words of its counts (what is known so far while it runs)."""
        describe = SUMMARIES.get(self.name)
        return describe(self) if describe else ""


def _ingest(stage: Stage) -> str:
    return f"{stage.count('files'):,} files, {stage.count('rows'):,} rows ingested"


def _validate(stage: Stage) -> str:
    if "read" not in stage.counts:
        return stage.note
    done = stage.count("loaded") + stage.count("deduplicated") + stage.count("quarantined")
    return (
        f"{done:,} of {stage.count('read'):,} rows validated ({stage.count('loaded'):,} loaded, "
        f"{stage.count('deduplicated'):,} deduplicated, {stage.count('quarantined'):,} "
        "quarantined)"
    )


def _dbt(stage: Stage) -> str:
    return f"{stage.count('models'):,} of {stage.count('models_total'):,} models built"


def _gate(stage: Stage) -> str:
    return f"{stage.count('expectations'):,} expectations passed" if stage.counts else ""


def _publish(stage: Stage) -> str:
    if "version" not in stage.counts:
        return ""
    if not stage.count("tables"):
        return f"unchanged (version {stage.count('version')} stands)"
    return f"{stage.count('tables')} tables published (version {stage.count('version')})"


def _reports(stage: Stage) -> str:
    return "HTML reports written" if stage.counts else ""


def _standings(stage: Stage) -> str:
    return f"{stage.count('reps'):,} reps ranked" if stage.counts else ""


SUMMARIES: dict[str, Callable[[Stage], str]] = {
    "ingest": _ingest,
    "validate": _validate,
    "dbt": _dbt,
    "gate": _gate,
    "publish": _publish,
    "reports": _reports,
    "standings": _standings,
}


class Tracker:
    """The stages of a run in the order they started; ``listener`` hears every change."""

    def __init__(self, listener: Listener = lambda _kind, _stage: None) -> None:
        self.stages: list[Stage] = []
        self.listener = listener

    @property
    def current(self) -> Stage | None:
        return self.stages[-1] if self.stages and self.stages[-1].ended is None else None

    def _stage(self, name: str) -> Stage:
        """The running stage ``name``; a stage of another name ends the running one."""
        current = self.current
        if current is not None and current.name == name:
            return current
        self.end()
        stage = Stage(name, time.monotonic())
        self.stages.append(stage)
        self.listener("start", stage)
        return stage

    def started(self, name: str) -> None:
        self._stage(name)

    def add(self, name: str, **counts: int) -> None:
        stage = self._stage(name)
        for key, value in counts.items():
            stage.counts[key] = stage.counts.get(key, 0) + value
        self.listener("update", stage)

    def set(self, name: str, **counts: int) -> None:
        stage = self._stage(name)
        stage.counts.update(counts)
        self.listener("update", stage)

    def note(self, name: str, text: str) -> None:
        """A line the running stage logged (lines of other stages, e.g. of steps skipped after
        a failure, start nothing)."""
        stage = self.current
        if stage is not None and stage.name == name:
            stage.note = text
            self.listener("update", stage)

    def failed(self, name: str) -> None:
        self._stage(name).failed = True
        self.end()

    def end(self) -> None:
        """End the running stage (the run ended, or another stage began)."""
        current = self.current
        if current is not None:
            current.ended = time.monotonic()
            self.listener("end", current)
