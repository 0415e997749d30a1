"""Rule books of a workspace: which files are live, compiling them, listing and promoting.

The repository's ``rulebooks/*.yaml`` (reviewed like code) and the workspace's own
``HOME/rulebooks/*.yaml`` (written by promotion) are one set; ``rulebooks/examples/`` is not
live. Promotion only ever adds a version that starts after every closed period, so a published
version is always recomputed with the rule book it was closed with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.check import (
    CheckReport,
    check_documents,
    check_files,
    display_name,
)
from orchestration.rulebooks.compiler import CompileResult, compile_files
from orchestration.rulebooks.facts import closed_periods, rep_facts
from orchestration.rulebooks.layout import REPO_RULEBOOKS, REPO_SEEDS
from orchestration.rulebooks.parse import VERSION_RE
from orchestration.rulebooks.problems import Problem, RulebookError
from orchestration.rulebooks.source import parse_text, read_file


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


# Promotion ---------------------------------------------------------------------------------------


class PromotionRefused(RulebookError):
    """The candidate was not promoted; nothing was written."""


@dataclass(frozen=True)
class Promotion:
    version: str
    effective_from: date
    path: Path
    compiled: CompileResult
    report: CheckReport  # warnings and notes of the candidate's check


def _replace_scalar(text: str, node, value: str) -> str:
    return text[: node.start] + value + text[node.end :]


def candidate_text(text: str, effective_from: date, version: str | None, file: str) -> str:
    """The candidate's text with the new effective date (and label), everything else as
    written: comments and layout survive, and line numbers stay those of the candidate."""
    document = parse_text(text, file)
    if document.root is None:
        raise PromotionRefused(f"{file} cannot be promoted", document.problems)
    root = document.root
    edits = [("effective_from", effective_from.isoformat())]
    if version is not None:
        edits.append(("version", f'"{version}"'))
    missing = []
    for key, value in sorted(
        edits, key=lambda edit: -(root.entries[edit[0]].start if edit[0] in root.entries else -1)
    ):
        node = root.entries.get(key)
        if node is None or not node.is_scalar:
            missing.append(f"{key}: {value}")
            continue
        if node.null:  # `effective_from:` with nothing after it: rewrite the key's line
            lines = text.split("\n")
            at = root.key_lines[key] - 1
            lines[at] = re.sub(rf"^({key}\s*:).*$", rf"\g<1> {value}", lines[at])
            text = "\n".join(lines)
        else:
            text = _replace_scalar(text, node, value)
    if missing:
        text = text.rstrip("\n") + "\n" + "\n".join(missing) + "\n"
    return text


def promote(
    workspace: Workspace,
    candidate: Path,
    effective_from: date,
    version: str | None = None,
) -> Promotion:
    """Check the candidate with the new effective date (and label) against the live books, the
    closed periods and the loaded reps; write it to ``HOME/rulebooks/<version>.yaml`` and compile
    the workspace seeds. Refuses (``PromotionRefused``, nothing written) on any error.

    The caller holds the workspace's writer lock, so no close publishes meanwhile."""
    file = display_name(candidate)
    if version is not None and not VERSION_RE.match(version):
        raise PromotionRefused(
            f"the version label '{version}' is not valid: use letters, digits, '.', '-' or '_' "
            "(e.g. 2026.2)",
            [],
        )
    original = read_file(candidate, file)
    if original.root is None:
        raise PromotionRefused(f"{file} cannot be promoted", original.problems)
    text = candidate_text(original.text, effective_from, version, file)
    document = parse_text(text, file, candidate)
    label_node = document.root.entries.get("version") if document.root else None
    label = version or (label_node.text.strip() if label_node and label_node.is_scalar else "")
    target = workspace.rulebooks / f"{label}.yaml"

    live = [path for path in rulebook_files(workspace) if path.resolve() != candidate.resolve()]
    live_report = check_files(live, against_reps=False)
    for book in live_report.books:
        if book.version == label:
            raise PromotionRefused(
                f"version {label} already exists ({book.file}); a version never changes once "
                "it exists: promote the candidate under a new label with --version",
                [],
            )
    if target.exists():
        raise PromotionRefused(f"{target} already exists; choose another --version", [])

    closed = closed_periods(workspace)
    if closed.last_day is not None and effective_from <= closed.last_day:
        latest = max(closed.periods)
        raise PromotionRefused(
            f"cannot promote {label} effective {effective_from}: period {latest} is closed "
            f"(published) and runs to {closed.last_day}. Closed versions never change, so a new "
            f"rule book may only take effect after the last closed period: use "
            f"--effective-from {closed.last_day + timedelta(days=1)} or later",
            [],
        )

    documents = [read_file(path, display_name(path)) for path in live] + [document]
    report = check_documents(documents, facts=rep_facts(workspace))
    report.problems = [p for p in report.problems if p.file in (file, "workspace")]
    if not report.ok:
        raise PromotionRefused(
            f"{file} has {len(report.errors)} problem(s); nothing was promoted", report.errors
        )

    header = (
        f"# Promoted from {candidate.name} on {date.today().isoformat()} as version {label}, in "
        f"effect from\n# {effective_from.isoformat()}. Never edit it once a period was closed "
        "with it: promote a new version instead.\n"
    )
    body = re.sub(r"\A(#[^\n]*\n)*", "", text) if text.startswith("# Promoted") else text
    workspace.rulebooks.mkdir(parents=True, exist_ok=True)
    target.write_text(header + body, encoding="utf-8")
    try:
        compiled = compile_workspace_result(workspace)
    except RulebookError:
        target.unlink()  # the set no longer compiles: leave the workspace as it was
        raise
    return Promotion(label, effective_from, target, compiled, report)


def problems_text(problems: list[Problem]) -> str:
    return "\n".join(str(problem) for problem in problems)
