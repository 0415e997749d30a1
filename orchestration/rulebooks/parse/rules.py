"""A rule's own fields: its id, kind, description and eligibility (roles, teams); the
parameters of its kind are read by ``kinds``."""

from __future__ import annotations

import re

from orchestration.rulebooks.model import (
    COMMON_FIELDS,
    KIND_FIELDS,
    OPTIONAL_BY_KIND,
    OPTIONAL_FIELDS,
    RESERVED_RULE_IDS,
    RULE_KINDS,
    Rule,
)
from orchestration.rulebooks.parse.fields import FieldReader, list_of_mappings
from orchestration.rulebooks.parse.kinds import read_parameters
from orchestration.rulebooks.source import Node

RULE_ID_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def read_rules(reader: FieldReader, node: Node | None) -> list[Rule]:
    rules = []
    for item in list_of_mappings(reader, node, "rules", "rules"):
        rule = read_rule(reader, item)
        if rule is not None:
            rules.append(rule)
    return rules


def read_rule(reader: FieldReader, item: Node) -> Rule | None:
    """One rule; ``None`` when its kind is missing or unknown (its fields cannot be judged)."""
    rule_id = _rule_id(reader, item)
    subject = f"rule {rule_id}" if rule_id else item.path
    kind = _kind(reader, item, subject)
    if kind is None:
        return None
    allowed = (*COMMON_FIELDS[:3], *KIND_FIELDS[kind], *COMMON_FIELDS[3:])
    optional = OPTIONAL_FIELDS | OPTIONAL_BY_KIND.get(kind, set())
    required = tuple(name for name in allowed if name not in optional and name != "id")
    required = tuple(name for name in required if name != "kind")
    fields = reader.fields(item, subject, allowed, required, f"a {kind} rule takes")
    rule = Rule(
        id=rule_id,
        kind=kind,
        description="",
        line=item.line,
        path=item.path,
        lines={key: item.key_lines[key] for key in item.entries},
    )
    if "description" in fields:
        rule.description = reader.text(fields["description"], subject, "description") or ""
    for name in ("roles", "teams"):  # eligibility: every rep when a rule lists none
        if name in fields:
            setattr(rule, name, reader.names(fields[name], subject, name) or ())
    read_parameters(reader, rule, fields, subject)
    return rule


def _rule_id(reader: FieldReader, item: Node) -> str:
    id_node = item.entries.get("id")
    if id_node is None or id_node.null:
        reader.problem(item, item.path, f"{item.path} has no id; every rule needs an id like SALES")
        return ""
    rule_id = reader.text(id_node, item.path, "id") or ""
    if rule_id in RESERVED_RULE_IDS:
        reader.problem(
            id_node,
            id_node.path,
            f"rule id {rule_id} is reserved for lines the pipeline writes itself; "
            "choose another id",
        )
    elif rule_id and not RULE_ID_RE.match(rule_id):
        reader.problem(
            id_node,
            id_node.path,
            f"rule id '{rule_id}' is not valid; a rule id is capital letters, digits and _, "
            "starting with a letter (e.g. SALES_CAP)",
        )
    return rule_id


def _kind(reader: FieldReader, item: Node, subject: str) -> str | None:
    kind_node = item.entries.get("kind")
    kinds = ", ".join(RULE_KINDS)
    if kind_node is None or kind_node.null:
        reader.problem(item, item.path, f"{subject} has no kind; the kinds are {kinds}")
        return None
    kind = reader.text(kind_node, subject, "kind")
    if kind is not None and kind not in KIND_FIELDS:
        reader.problem(
            kind_node,
            kind_node.path,
            f"{subject} has an unknown kind '{kind}'; the kinds are {kinds}",
        )
        return None
    return kind
