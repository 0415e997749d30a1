"""Rule book YAML as a tree of nodes that remember their line (and text span).

``yaml.safe_load`` forgets where a value came from and turns ``0.01`` into a float; the composed
node tree keeps each scalar's text and mark, so numbers become exact ``Decimal`` values and every
problem can name its line. Duplicate keys (silently merged by PyYAML) are reported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.rulebooks.problems import Problem

NULL_TAG = "tag:yaml.org,2002:null"


@dataclass
class Node:
    """One YAML value: ``text`` (scalar), ``items`` (sequence) or ``entries`` (mapping)."""

    kind: str  # "scalar", "sequence" or "mapping"
    line: int  # 1-based line of the value
    path: str  # YAML path from the document root, e.g. rules[1].rate
    text: str = ""
    null: bool = False  # an empty value (`rate:`) or `null` / `~`
    items: list[Node] = field(default_factory=list)
    entries: dict[str, Node] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    start: int = 0  # character offsets of the value in the source text
    end: int = 0

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    def describe(self) -> str:
        """What the value is, for messages ('a list', 'a mapping', 'empty')."""
        if self.kind == "sequence":
            return "a list"
        if self.kind == "mapping":
            return "a mapping (key: value pairs)"
        return "empty" if self.null else repr(self.text)


@dataclass
class Document:
    """A rule book file as read: its text, its root node (None when unreadable) and problems."""

    file: str
    path: Path | None
    text: str
    root: Node | None
    problems: list[Problem]


def child_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _convert(node: yaml.Node, path: str, file: str, problems: list[Problem]) -> Node:
    line = node.start_mark.line + 1
    span = {"start": node.start_mark.index, "end": node.end_mark.index}
    if isinstance(node, yaml.ScalarNode):
        null = node.tag == NULL_TAG
        return Node("scalar", line, path, text=str(node.value), null=null, **span)
    if isinstance(node, yaml.SequenceNode):
        items = [
            _convert(item, child_path(path, index), file, problems)
            for index, item in enumerate(node.value)
        ]
        return Node("sequence", line, path, items=items, **span)
    result = Node("mapping", line, path, **span)
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem(file, key_line, path, "a key must be a plain name"))
            continue
        key = str(key_node.value)
        entry_path = child_path(path, key)
        if key in result.entries:
            problems.append(
                Problem(
                    file,
                    key_line,
                    entry_path,
                    f"{key} is given twice (first on line {result.key_lines[key]}); keep only one",
                )
            )
            continue
        result.entries[key] = _convert(value_node, entry_path, file, problems)
        result.key_lines[key] = key_line
    return result


def parse_text(text: str, file: str, path: Path | None = None) -> Document:
    """Compose YAML text into nodes; unreadable YAML becomes a problem, never an exception."""
    problems: list[Problem] = []
    try:
        composed = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(part for part in (error.context, error.problem) if part)
        problems.append(
            Problem(file, line, "", f"this is not readable YAML ({what}); check the indentation")
        )
        return Document(file, path, text, None, problems)
    except yaml.YAMLError as error:
        problems.append(Problem(file, None, "", f"this is not readable YAML ({error})"))
        return Document(file, path, text, None, problems)
    if composed is None:
        problems.append(Problem(file, None, "", "the file is empty; a rule book is a mapping"))
        return Document(file, path, text, None, problems)
    root = _convert(composed, "", file, problems)
    if root.kind != "mapping":
        problems.append(
            Problem(
                file,
                root.line,
                "",
                f"a rule book must be a mapping (version: ..., rules: ...), not {root.describe()}",
            )
        )
        return Document(file, path, text, None, problems)
    return Document(file, path, text, root, problems)


def read_file(path: Path, file: str) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(file, None, "", f"cannot read the file ({error})")
        return Document(file, path, "", None, [problem])
    return parse_text(text, file, path)
