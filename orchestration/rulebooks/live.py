"""The live rule books of a workspace: which files they are, compiling, checking and listing.

The repository's ``rulebooks/*.yaml`` (reviewed like code) and the workspace's own
``HOME/rulebooks/*.yaml`` (written by ``promotion``) are one set; ``rulebooks/examples/`` is
not live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.check import CheckReport, check_files, display_name
from orchestration.rulebooks.compiler import CompileResult, compile_files
from orchestration.rulebooks.layout import REPO_RULEBOOKS, REPO_SEEDS


def rulebook_files(workspace: Workspace) -> list[Path]:
    """The live rule books: the repository's, then the workspace's (each sorted by name)."""
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
    """Check one file together with the workspace's live books and its loaded reps."""
    path = path.resolve()
    others = [other for other in rulebook_files(workspace) if other.resolve() != path]
    report = check_files([*others, path], workspace=workspace)
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
    """The live versions in effective order (and the check of the set, for its problems)."""
    report = check_files(rulebook_files(workspace), against_reps=False)
    books = sorted(
        (book for book in report.books if book.effective_from and book.version),
        key=lambda book: book.effective_from,
    )
    versions = []
    for index, book in enumerate(books):
        following = books[index + 1].effective_from if index + 1 < len(books) else None
        until = following - timedelta(days=1) if following else None
        versions.append(
            VersionInfo(book.version, book.effective_from, until, book.file, len(book.rules))
        )
    return versions, report
