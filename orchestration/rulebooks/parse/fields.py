"""Reading one field of a rule book: its type, sign, decimal places and allowed values.

``FieldReader`` turns a YAML node into a typed value or, when it cannot, into a problem that says
where it is and what a valid value looks like (``FIELD_HELP``); the value is then ``None`` so the
other checks still run on the rest of the book.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from orchestration.rulebooks.model import LOYALTY_PARAMETERS
from orchestration.rulebooks.problems import Problem
from orchestration.rulebooks.source import Document, Node, child_path

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WHOLE_RE = re.compile(r"^\+?\d+$")

# (decimal places, largest absolute value) of each seed column type
RATE = (4, Decimal("99999.9999"))  # decimal(9,4)
AMOUNT = (2, Decimal("9999999999999999.99"))  # decimal(18,2)

FIELD_HELP = {
    "version": "a version label such as 2026.2",
    "effective_from": "the first day the version applies, as YYYY-MM-DD",
    "currency": "the program currency, CNY",
    "description": "one sentence saying what it is or does",
    "rules": "a list of rules",
    "tiers": "a list of tiers such as {tier: bronze, from: 300, below: 800}",
    "rewards": "a mapping of each tier to {reward: ..., cash_value: ...}",
    "rate": "points per CNY, e.g. 0.01",
    "points": "a number of points, e.g. 50",
    "points_by_score": "points for each survey score, e.g. {5: 20, 4: 10, 3: 0, 2: -10, 1: -20}",
    "family": "the rule ids it applies to, e.g. [SALES]",
    "limit": "the most points the family may add up to in a period, e.g. 3000",
    "min_surveys": "the least number of surveys in the period, e.g. 3",
    "mean_score_below": "the mean survey score below which it applies, e.g. 3.5",
    "factor": "the share deducted, more than 0 and at most 1, e.g. 0.20",
    "default_target": "the monthly net sales target in CNY of every team, e.g. 300000",
    "base": "the amount_rate rule whose sales earn the extra, e.g. SALES",
    "window": "the dates of the window, e.g. {from: 2026-09-01, to: 2026-09-30}",
    "tier": "the tier name, e.g. bronze",
    "from": "the lowest period total of the tier, e.g. 300",
    "reward": "the reward, e.g. gift card",
    "cash_value": "the reward's cash value in CNY, e.g. 300",
    "program": "program: loyalty (a sales rule book has no program field)",
    **{parameter.name: parameter.meaning for parameter in LOYALTY_PARAMETERS},
}


class FieldReader:
    def __init__(self, document: Document) -> None:
        self.file = document.file
        self.problems: list[Problem] = []

    def problem(self, node_or_line: Node | int, path: str, message: str) -> None:
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.line
        self.problems.append(Problem(self.file, line, path, message))

    # fields ------------------------------------------------------------------------------------

    def fields(
        self,
        mapping: Node,
        subject: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...],
        takes: str,
    ) -> dict[str, Node]:
        """The mapping's entries; unknown and missing fields become problems."""
        for key in mapping.entries:
            if key not in allowed:
                self.problem(
                    mapping.key_lines[key],
                    mapping.entries[key].path,
                    f"{subject} has an unknown field '{key}'; {takes} {', '.join(allowed)}",
                )
        present = {
            key: node for key, node in mapping.entries.items() if key in allowed and not node.null
        }
        for key in required:
            if key not in present:
                where = child_path(mapping.path, key)
                line = mapping.key_lines.get(key, mapping.line)
                help_text = FIELD_HELP.get(key)
                self.problem(
                    line,
                    where,
                    f"{subject} has no {key}" + (f"; give {help_text}" if help_text else ""),
                )
        return present

    def text(self, node: Node, subject: str, name: str) -> str | None:
        if not node.is_scalar:
            self.problem(
                node,
                node.path,
                f"{subject} has a {name} that is {node.describe()}; it must be a single value",
            )
            return None
        value = node.text.strip()
        if not value:
            self.problem(node, node.path, f"{subject} has an empty {name}")
            return None
        return value

    def number(
        self,
        node: Node,
        subject: str,
        name: str,
        kind: tuple[int, Decimal],
        *,
        minimum: Decimal | None = Decimal(0),
        minimum_open: bool = False,
        rule: str = "",
    ) -> Decimal | None:
        """A decimal from the scalar's text; sign, places and size checked."""
        text = self.text(node, subject, name)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.problem(node, node.path, f"{subject} has a {name} '{text}' that is not a number")
            return None
        places, largest = kind
        if abs(value) > largest:
            self.problem(node, node.path, f"{subject} has a {name} {text} that is too large")
            return None
        if value != value.quantize(Decimal(1).scaleb(-places)):
            self.problem(
                node,
                node.path,
                f"{subject} has a {name} {text} with more than {places} decimal places; "
                f"use at most {places}",
            )
            return None
        if minimum is not None and (value <= minimum if minimum_open else value < minimum):
            if minimum == 0 and not minimum_open:
                sign = "negative "
                need = rule or f"a {name} must be zero or more"
            else:
                sign = ""
                need = rule or f"a {name} must be more than {minimum}"
            self.problem(node, node.path, f"{subject} has a {sign}{name} {text}; {need}")
            return None
        return value

    def whole(self, node: Node, subject: str, name: str, minimum: int = 0) -> int | None:
        text = self.text(node, subject, name)
        if text is None:
            return None
        if not WHOLE_RE.match(text):
            self.problem(
                node, node.path, f"{subject} has a {name} '{text}' that is not a whole number"
            )
            return None
        value = int(text)
        if value < minimum:
            self.problem(
                node, node.path, f"{subject} has a {name} {value}; it must be at least {minimum}"
            )
            return None
        return value

    def day(self, node: Node, subject: str, name: str) -> date | None:
        text = self.text(node, subject, name)
        if text is None:
            return None
        try:
            if not DATE_RE.match(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            self.problem(
                node,
                node.path,
                f"{subject} has a {name} '{text}' that is not a date; write it as YYYY-MM-DD",
            )
            return None

    def names(self, node: Node, subject: str, name: str) -> tuple[str, ...] | None:
        """A list of names (a single name is a list of one)."""
        items = node.items if node.kind == "sequence" else [node]
        if node.kind == "mapping":
            self.problem(
                node, node.path, f"{subject} has a {name} that is a mapping; write a list [A, B]"
            )
            return None
        values = []
        for item in items:
            value = self.text(item, subject, f"{name} entry")
            if value is None:
                return None
            if "|" in value:
                self.problem(
                    item,
                    item.path,
                    f"{subject} has a {name} entry '{value}' with '|'; list each name separately",
                )
                return None
            values.append(value)
        return tuple(values)


def display(node: Node) -> str:
    return node.text.strip() if node.is_scalar else node.describe()


def listed(node: Node | None, key: str) -> set[str]:
    """The names a list of mappings gives under ``key`` (whether the rest is readable or not)."""
    if node is None or node.kind != "sequence":
        return set()
    return {
        item.entries[key].text.strip()
        for item in node.items
        if item.kind == "mapping" and key in item.entries and item.entries[key].is_scalar
    }


def list_of_mappings(reader: FieldReader, node: Node | None, name: str, what: str) -> list[Node]:
    if node is None:
        return []
    if node.kind != "sequence":
        reader.problem(node, name, f"{name} must be a list of {what}, not {node.describe()}")
        return []
    found = []
    for item in node.items:
        if item.kind != "mapping":
            reader.problem(
                item,
                item.path,
                f"each entry of {name} must be {what[:-1]} (field: value), not {item.describe()}",
            )
            continue
        found.append(item)
    return found
