"""A loyalty rule book (``program: loyalty``): its header and its eight parameters.

Each parameter is judged on its own (a number, whole where the seed column is an INTEGER, at
most 2 decimal places for CNY, zero or more or strictly positive, not too large for its column);
``check_loyalty`` judges the book as a whole and the loyalty books as a set.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from orchestration.rulebooks.model import (
    LANGUAGE_FIELD,
    LOYALTY_FIELDS,
    LOYALTY_PARAMETERS,
    LOYALTY_PROGRAM,
    LoyaltyBook,
    LoyaltyParameter,
)
from orchestration.rulebooks.parse.book import VERSION_RE, read_language
from orchestration.rulebooks.parse.fields import AMOUNT, FieldReader
from orchestration.rulebooks.source import Document, Node

INTEGER_MAX = 2**31 - 1  # the seed's INTEGER columns
CENT = Decimal("0.01")  # the seed's DECIMAL(18,2) columns


def is_loyalty(document: Document) -> bool:
    """A book with a top-level ``program`` is read as a loyalty book (a value other than
    ``loyalty`` is reported there); a book without one, or unreadable, is a sales book."""
    return document.root is not None and "program" in document.root.entries


def parse_loyalty_book(document: Document) -> LoyaltyBook | None:
    """The typed loyalty book of a readable document (None when its root is unreadable)."""
    root = document.root
    if root is None:
        return None
    reader = FieldReader(document)
    fields = reader.fields(
        root,
        "the loyalty rule book",
        (*LOYALTY_FIELDS, LANGUAGE_FIELD),
        LOYALTY_FIELDS,
        "a loyalty rule book has the fields",
    )
    if "program" in fields:
        program = reader.text(fields["program"], "the loyalty rule book", "program")
        if program is not None and program != LOYALTY_PROGRAM:
            reader.problem(
                fields["program"],
                "program",
                f"the program '{program}' is not known: a loyalty rule book says "
                f"`program: {LOYALTY_PROGRAM}`; a sales rule book has no program field",
            )
    version = _version(reader, fields.get("version"))
    subject = f"loyalty rule book {version}" if version else "the loyalty rule book"
    book = LoyaltyBook(
        file=document.file,
        source=document.path,
        version=version,
        effective_from=(
            reader.day(fields["effective_from"], subject, "effective_from")
            if "effective_from" in fields
            else None
        ),
        description=(
            reader.text(fields["description"], subject, "description") or ""
            if "description" in fields
            else ""
        ),
        lines={key: root.key_lines[key] for key in root.entries},
        language=read_language(reader, fields.get(LANGUAGE_FIELD), subject),
    )
    for parameter in LOYALTY_PARAMETERS:
        if parameter.name in fields:
            value = read_parameter(reader, fields[parameter.name], subject, parameter)
            setattr(book, parameter.name, value)
    document.problems.extend(reader.problems)
    return book


def _version(reader: FieldReader, node: Node | None) -> str:
    if node is None:
        return ""
    version = reader.text(node, "the loyalty rule book", "version") or ""
    if version and not VERSION_RE.match(version):
        reader.problem(
            node,
            "version",
            f"the version label '{version}' is not valid; use letters, digits, '.', '-' or '_' "
            "(e.g. loyalty-2026.2): it also names the promoted file",
        )
    return version


def read_parameter(
    reader: FieldReader, node: Node, subject: str, parameter: LoyaltyParameter
) -> Decimal | int | None:
    """The parameter's exact value (``int`` or ``Decimal``, never a float), or None with a
    problem that says what a valid value looks like."""
    name, help_text = parameter.name, f"give {parameter.meaning}"
    text = reader.text(node, subject, name)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        reader.problem(
            node, node.path, f"{subject} has {_a(name)} '{text}' that is not a number; {help_text}"
        )
        return None
    largest = INTEGER_MAX if parameter.whole else AMOUNT[1]
    if abs(value) > largest:
        reader.problem(
            node,
            node.path,
            f"{subject} has {_a(name)} {text} that is too large (at most {largest})",
        )
        return None
    if parameter.whole and value != value.to_integral_value():
        reader.problem(
            node,
            node.path,
            f"{subject} has {_a(name)} {text} that is not a whole number; {help_text}",
        )
        return None
    if not parameter.whole and value != value.quantize(CENT):
        reader.problem(
            node,
            node.path,
            f"{subject} has {_a(name)} {text} with more than 2 decimal places; use at most 2",
        )
        return None
    if parameter.minimum > 0 and value <= 0:
        reader.problem(
            node, node.path, f"{subject} has {_a(name)} {text}; it must be more than 0: {help_text}"
        )
        return None
    if value < 0:
        reader.problem(
            node,
            node.path,
            f"{subject} has a negative {name} {text}; it must be zero or more: {help_text}",
        )
        return None
    return int(value) if parameter.whole else value


def _a(word: str) -> str:
    return ("an " if word[0] in "aeio" else "a ") + word  # a unit_value, an earn_amount
