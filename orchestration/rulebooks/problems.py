"""Problems found in rule books, each pointing at a file, a line and a YAML path.

A sales-ops person fixes a rule book from these messages alone, so every problem says where it
is and what a valid value looks like; checks collect every problem instead of stopping at the
first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # the book cannot be compiled or promoted
    WARNING = "warning"  # probably a mistake, but the book still compiles
    NOTE = "note"  # something that was not checked, and why


@dataclass(frozen=True)
class Problem:
    file: str  # as shown to people: relative to the repository when inside it
    line: int | None  # 1-based; None when the problem is about the whole file
    path: str  # YAML path, e.g. rules[1].rate ('' for the whole document)
    message: str
    severity: Severity = Severity.ERROR

    @property
    def where(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.path:
            where += f" ({self.path})"
        return where

    def __str__(self) -> str:
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{prefix}{self.where}: {self.message}"


def errors_of(problems: list[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.severity is Severity.ERROR]


class RulebookError(Exception):
    """Rule books with errors: nothing was compiled or promoted. ``problems`` lists every one."""

    def __init__(self, summary: str, problems: list[Problem]) -> None:
        self.summary = summary
        self.problems = problems
        lines = [summary, *(f"  - {problem}" for problem in problems)]
        super().__init__("\n".join(lines))


def problems_text(problems: list[Problem]) -> str:
    return "\n".join(str(problem) for problem in problems)
