"""A run's progress on stderr, fed by its own events (``defs/progress.py``).

On a terminal: one live line naming the running stage and how far it is (files and rows
ingested, rows validated, dbt models built of all, tables published). Elsewhere (logs, CI): one
plain line per stage when it ends. At the end, a short table of the time each stage took.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table

from orchestration.progress import Stage, Tracker


class RunDisplay:
    def __init__(self, console: Console, title: str) -> None:
        self.console = console
        self.title = title
        self.live = console.is_terminal
        self.tracker = Tracker(self.heard)
        self._status = None

    @contextmanager
    def showing(self) -> Iterator[Tracker]:
        if not self.live:
            self._line(f"{self.title}…")
            yield self.tracker
            return
        with self.console.status(f"{self.title}…") as status:
            self._status = status
            try:
                yield self.tracker
            finally:
                self._status = None

    def heard(self, kind: str, stage: Stage) -> None:
        if self._status is not None:
            progress = stage.summary or stage.note
            detail = f": {progress}" if progress else ""
            self._status.update(f"{self.title} · {stage.name}{detail} ({stage.seconds:.0f} s)")
        elif not self.live and kind == "end":
            self._line(stage_line(stage))

    def print_times(self) -> None:
        """Seconds per stage, and in all."""
        if not self.tracker.stages:
            return
        table = Table(title="time per stage", title_justify="left")
        for column, justify in (("stage", "left"), ("seconds", "right"), ("", "left")):
            table.add_column(column, justify=justify)
        for stage in self.tracker.stages:
            table.add_row(stage.name, f"{stage.seconds:.1f}", outcome(stage))
        total = sum(stage.seconds for stage in self.tracker.stages)
        table.add_row("total", f"{total:.1f}", "", style="bold")
        self.console.print(table)

    def _line(self, text: str) -> None:
        self.console.print(text, soft_wrap=True, highlight=False, markup=False)


def outcome(stage: Stage) -> str:
    return "stopped" if stage.failed else stage.summary


def stage_line(stage: Stage) -> str:
    """``validate: 12 of 12 rows validated (...) in 1.2 s``; a stopped stage says so."""
    if stage.failed:
        return f"{stage.name}: stopped after {stage.seconds:.1f} s"
    return f"{stage.name}: {stage.summary or 'done'} in {stage.seconds:.1f} s"
