"""A whole rule book: its header (version, effective date, currency, description and the
optional language of its reports), then its rules, tiers and rewards, each read by its own
module."""

from __future__ import annotations

import re

from orchestration.rulebooks.model import (
    BOOK_LANGUAGES,
    LANGUAGE_FIELD,
    TOP_LEVEL_FIELDS,
    RuleBook,
)
from orchestration.rulebooks.parse.fields import FieldReader, listed
from orchestration.rulebooks.parse.rules import read_rules
from orchestration.rulebooks.parse.tiers import read_rewards, read_tiers
from orchestration.rulebooks.source import Document, Node

VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


def parse_book(document: Document) -> RuleBook | None:
    """The typed book of a readable document (None when its root is unreadable)."""
    root = document.root
    if root is None:
        return None
    reader = FieldReader(document)
    fields = reader.fields(
        root,
        "the rule book",
        (*TOP_LEVEL_FIELDS, LANGUAGE_FIELD),
        TOP_LEVEL_FIELDS,
        "a rule book has the fields",
    )
    version = ""
    if "version" in fields:
        version = reader.text(fields["version"], "the rule book", "version") or ""
        if version and not VERSION_RE.match(version):
            reader.problem(
                fields["version"],
                "version",
                f"the version label '{version}' is not valid; use letters, digits, '.', '-' or "
                "'_' (e.g. 2026.2): it also names the promoted file",
            )
    book_subject = f"rule book {version}" if version else "the rule book"
    effective_from = None
    if "effective_from" in fields:
        effective_from = reader.day(fields["effective_from"], book_subject, "effective_from")
    currency = ""
    if "currency" in fields:
        currency = reader.text(fields["currency"], book_subject, "currency") or ""
    description = ""
    if "description" in fields:
        description = reader.text(fields["description"], book_subject, "description") or ""
    rules = read_rules(reader, fields.get("rules"))
    tiers_before = len(reader.problems)
    tiers = read_tiers(reader, fields.get("tiers"))
    tiers_readable = len(reader.problems) == tiers_before
    rewards = read_rewards(reader, fields.get("rewards"))
    book = RuleBook(
        file=document.file,
        source=document.path,
        version=version,
        effective_from=effective_from,
        currency=currency,
        description=description,
        rules=rules,
        tiers=tiers,
        rewards=rewards,
        lines={key: root.key_lines[key] for key in root.entries},
        listed_rule_ids=listed(fields.get("rules"), "id"),
        listed_tiers=listed(fields.get("tiers"), "tier"),
        listed_rewards=(
            {key.strip() for key in fields["rewards"].entries} if "rewards" in fields else set()
        ),
        tiers_readable=tiers_readable,
        language=read_language(reader, fields.get(LANGUAGE_FIELD), book_subject),
    )
    document.problems.extend(reader.problems)
    return book


def read_language(reader: FieldReader, node: Node | None, subject: str) -> str:
    """The optional ``language`` of a book of either program: ``en`` or ``zh``, the default
    language of the reports (``""`` when absent or not one of them, which is a problem)."""
    if node is None:
        return ""
    code = reader.text(node, subject, LANGUAGE_FIELD)
    if code is None:
        return ""
    if code not in BOOK_LANGUAGES:
        reader.problem(
            node,
            LANGUAGE_FIELD,
            f"{subject} has the language '{code}'; reports are written in "
            f"{' or '.join(BOOK_LANGUAGES)} (e.g. `language: zh`)",
        )
        return ""
    return code
