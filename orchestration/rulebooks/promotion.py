"""Promoting a candidate rule book into a workspace: a new live version from a future date.

Promotion only ever adds a version that starts after every closed period, so a published
version is always recomputed with the rule book it was closed with. The candidate's text is
kept as written (comments, layout, line numbers); only its effective date (and label) change.
A loyalty book (``program: loyalty``) is promoted the same way: the closes publish both programs,
so the same closed periods bound it; it is checked without the loaded reps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.check import CheckReport, check_documents, check_files, display_name
from orchestration.rulebooks.compiler import CompileResult
from orchestration.rulebooks.live import compile_workspace_result, rulebook_files
from orchestration.rulebooks.parse import VERSION_RE, is_loyalty
from orchestration.rulebooks.problems import RulebookError
from orchestration.rulebooks.source import parse_text, read_file
from orchestration.rulebooks.workspace_facts import closed_periods, rep_facts


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
    _refuse_a_taken_label(live, label, target)
    _refuse_a_closed_period(workspace, label, effective_from)
    documents = [read_file(path, display_name(path)) for path in live] + [document]
    facts = None if is_loyalty(document) else rep_facts(workspace)
    report = check_documents(documents, facts=facts)
    report.problems = [p for p in report.problems if p.file in (file, "workspace")]
    if not report.ok:
        raise PromotionRefused(
            f"{file} has {len(report.errors)} problem(s); nothing was promoted", report.errors
        )
    workspace.rulebooks.mkdir(parents=True, exist_ok=True)
    target.write_text(_promoted_text(text, candidate, label, effective_from), encoding="utf-8")
    try:
        compiled = compile_workspace_result(workspace)
    except RulebookError:
        target.unlink()  # the set no longer compiles: leave the workspace as it was
        raise
    return Promotion(label, effective_from, target, compiled, report)


def _refuse_a_taken_label(live: list[Path], label: str, target: Path) -> None:
    """A version never changes once it exists: a label already live (in either program) cannot
    be promoted."""
    report = check_files(live, against_reps=False)
    for book in [*report.books, *report.loyalty_books]:
        if book.version == label:
            raise PromotionRefused(
                f"version {label} already exists ({book.file}); a version never changes once "
                "it exists: promote the candidate under a new label with --version",
                [],
            )
    if target.exists():
        raise PromotionRefused(f"{target} already exists; choose another --version", [])


def _refuse_a_closed_period(workspace: Workspace, label: str, effective_from: date) -> None:
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


def _promoted_text(text: str, candidate: Path, label: str, effective_from: date) -> str:
    """The candidate's text under a header saying where it came from (replacing the header of
    a candidate that was itself promoted)."""
    header = (
        f"# Promoted from {candidate.name} on {date.today().isoformat()} as version {label}, in "
        f"effect from\n# {effective_from.isoformat()}. Never edit it once a period was closed "
        "with it: promote a new version instead.\n"
    )
    body = re.sub(r"\A(#[^\n]*\n)*", "", text) if text.startswith("# Promoted") else text
    return header + body
