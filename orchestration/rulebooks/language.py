"""The language a workspace's sales program names for its reports (a book's ``language``).

Read from the live YAML books, not from the compiled seeds: the seeds are the pipeline's input
and part of every publication's fingerprint, which a report's language must not change.
"""

from __future__ import annotations

from orchestration.lib.period import window
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.check import check_files
from orchestration.rulebooks.live import effective_spans, rulebook_files
from orchestration.rulebooks.seeds import in_effect


def program_language(workspace: Workspace, period: str | None = None) -> str:
    """The ``language`` of the live sales book in effect on ``period``'s first day (the newest
    live book when ``period`` is None or precedes every book); ``""`` when it names none."""
    report = check_files(rulebook_files(workspace), against_reps=False)
    books = [book for book, _until in effective_spans(report.books)]  # in effective order
    book = in_effect(books, window(period).first_day) if period else None
    book = book or (books[-1] if books else None)
    return book.language if book else ""
