"""The live rule books of a workspace: which files they are, compiling, checking and listing.

The repository's ``rulebooks/*.yaml`` (reviewed like code) and the workspace's own
``HOME/rulebooks/*.yaml`` (written by ``promotion``) are one set, the books of both programs
(sales, and loyalty: ``program: loyalty``); ``rulebooks/examples/`` is not live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.check import CheckReport, check_files, display_name
from orchestration.rulebooks.compiler import CompileResult, compile_files
from orchestration.rulebooks.layout import REPO_RULEBOOKS, REPO_SEEDS
from orchestration.rulebooks.model import LoyaltyBook, RuleBook
from orchestration.rulebooks.parse import is_loyalty
from orchestration.rulebooks.source import read_file


def rulebook_files(workspace: Workspace) -> list[Path]:
    """The live rule books of both programs: the repository's, then the workspace's (each
    sorted by name). Checking them sorts the sales books from the loyalty ones."""
    return sorted(REPO_RULEBOOKS.glob("*.yaml")) + sorted(workspace.rulebooks.glob("*.yaml"))


def compile_workspace(workspace: Workspace) -> Path:
    """Compile every live rule book into ``workspace.seeds`` and return that folder.

    Raises ``RulebookError`` (listing every problem) and writes nothing when a book has errors;
    rewrites only the files whose bytes change."""
    return compile_workspace_result(workspace).folder


def compile_workspace_result(workspace: Workspace) -> CompileResult:
    return compile_files(rulebook_files(workspace), workspace.seeds)


def compile_repository() -> CompileResult:
    """The repository's own rule books into ``seeds/`` (what ``dbt parse`` and tests read)."""
    return compile_files(sorted(REPO_RULEBOOKS.glob("*.yaml")), REPO_SEEDS)


def check_in_workspace(path: Path, workspace: Workspace) -> CheckReport:
    """Check one file together with the workspace's live books and, for a sales book, its
    loaded reps (a loyalty book names no team or role)."""
    path = path.resolve()
    others = [other for other in rulebook_files(workspace) if other.resolve() != path]
    sales = not is_loyalty(read_file(path, display_name(path)))
    report = check_files([*others, path], workspace=workspace, against_reps=sales)
    # problems of the other books are theirs: show only those of the file asked about
    mine = display_name(path)
    report.problems = [p for p in report.problems if p.file in (mine, "workspace")]
    return report


@dataclass(frozen=True)
class VersionInfo:
    version: str
    effective_from: date
    until: date | None  # last day in effect; None while no later version exists
    file: str
    rules: int


def list_versions(workspace: Workspace) -> tuple[list[VersionInfo], CheckReport]:
    """The live sales versions in effective order (and the check of the set, for its problems
    and its loyalty books: ``effective_spans(report.loyalty_books)``)."""
    report = check_files(rulebook_files(workspace), against_reps=False)
    versions = [
        VersionInfo(book.version, book.effective_from, until, book.file, len(book.rules))
        for book, until in effective_spans(report.books)
    ]
    return versions, report


Book = TypeVar("Book", RuleBook, LoyaltyBook)


def effective_spans(books: list[Book]) -> list[tuple[Book, date | None]]:
    """Each version of one program with the last day it is in effect (None while no later
    version exists), in effective order; books without a label or date are left out."""
    ordered = sorted(
        (book for book in books if book.effective_from and book.version),
        key=lambda book: book.effective_from,
    )
    spans = []
    for index, book in enumerate(ordered):
        following = ordered[index + 1].effective_from if index + 1 < len(ordered) else None
        spans.append((book, following - timedelta(days=1) if following else None))
    return spans
