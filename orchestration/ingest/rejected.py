"""A landing file that cannot be loaded at all, and why: every reader raises this."""

from __future__ import annotations

from pathlib import Path


class FileRejected(Exception):
    """A file that cannot be loaded at all; none of its rows load."""

    def __init__(self, path: Path, problem: str, hint: str = "") -> None:
        self.path, self.problem, self.hint = path, problem, hint
        super().__init__(f"{path}: {problem}" + (f" — {hint}" if hint else ""))


def short(message: str, limit: int = 300) -> str:
    """A library's error message on one line, cut to ``limit`` characters."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[:limit] + "…"
