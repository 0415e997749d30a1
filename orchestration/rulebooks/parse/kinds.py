"""The parameters of each rule kind (``model.KIND_FIELDS``), read by one function per kind.

A new kind adds its fields to ``model.KIND_FIELDS`` and its reader to ``PARAMETER_READERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from orchestration.rulebooks.model import SCORES, SEGMENTS, Rule
from orchestration.rulebooks.parse.fields import (
    AMOUNT,
    FIELD_HELP,
    RATE,
    WHOLE_RE,
    FieldReader,
    display,
)
from orchestration.rulebooks.source import Node

Fields = dict[str, Node]  # the rule's fields that are present and not empty
# a gate's numbers: the range each must lie in (more than the first, at most the second), and why
GATE_BOUNDS = {
    "mean_score_below": (
        (Decimal(1), Decimal(5)),
        "it must be more than 1 and at most 5 (survey scores are 1 to 5)",
    ),
    "factor": (
        (Decimal(0), Decimal(1)),
        "a factor must be more than 0 and at most 1 (0.20 deducts 20 %)",
    ),
}


def read_parameters(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    """The parameters of the rule's kind, set on ``rule`` (``None`` where unreadable)."""
    PARAMETER_READERS[rule.kind](reader, rule, fields, subject)


def _amount_rate(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "rate" in fields:
        rule.rate = reader.number(fields["rate"], subject, "rate", RATE)


def _first_sale(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "points" in fields:
        rule.points = reader.number(
            fields["points"],
            subject,
            "points",
            AMOUNT,
            rule="first-sale points must be zero or more",
        )


def _score_points(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "points_by_score" in fields:
        rule.points_by_score = _points_by_score(reader, fields["points_by_score"], subject)


def _cap(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "family" in fields:
        rule.family = _family(reader, fields["family"], subject)
    if "limit" in fields:
        rule.limit = reader.number(fields["limit"], subject, "limit", AMOUNT)


def _gate(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "family" in fields:
        rule.family = _family(reader, fields["family"], subject)
    if "min_surveys" in fields:
        rule.min_surveys = reader.whole(fields["min_surveys"], subject, "min_surveys", 1)
    for name, (bounds, need) in GATE_BOUNDS.items():
        if name in fields:
            setattr(rule, name, _within(reader, fields[name], subject, name, bounds, need))
    if "cap" in fields:
        rule.cap = reader.text(fields["cap"], subject, "cap")


def _team_bonus(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "points" in fields:
        rule.points = reader.number(fields["points"], subject, "points", AMOUNT)
    if "default_target" in fields:
        rule.default_target = reader.number(
            fields["default_target"],
            subject,
            "default_target",
            AMOUNT,
            minimum_open=True,
            rule="a target must be more than 0",
        )
    if "targets" in fields:
        rule.targets = _targets(reader, fields["targets"], subject, rule)


def _spiff(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "base" in fields:
        rule.base = reader.text(fields["base"], subject, "base")
    if "window" in fields:
        _window(reader, rule, fields["window"], subject)
    if "segment" in fields:
        rule.segment = _segment(reader, fields["segment"], subject)
    _rate_or_multiplier(reader, rule, fields, subject)


def _distinct_customers(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    if "points" in fields:
        rule.points = reader.number(
            fields["points"],
            subject,
            "points",
            AMOUNT,
            rule="points per customer must be zero or more",
        )
    if "min_amount" in fields:  # left out: any net amount above 0 counts
        rule.min_amount = reader.number(
            fields["min_amount"],
            subject,
            "min_amount",
            AMOUNT,
            rule="a min_amount must be zero or more; leave it out to count every customer "
            "with net sales above 0",
        )


PARAMETER_READERS: dict[str, Callable[[FieldReader, Rule, Fields, str], None]] = {
    "amount_rate": _amount_rate,
    "first_sale": _first_sale,
    "score_points": _score_points,
    "cap": _cap,
    "gate": _gate,
    "team_bonus": _team_bonus,
    "spiff": _spiff,
    "distinct_customers": _distinct_customers,
}


def _within(
    reader: FieldReader,
    node: Node,
    subject: str,
    name: str,
    bounds: tuple[Decimal, Decimal],
    need: str,
) -> Decimal | None:
    """A rate-like number more than the lower bound and at most the upper one."""
    value = reader.number(node, subject, name, RATE, minimum=None)
    low, high = bounds
    if value is not None and not low < value <= high:
        reader.problem(node, node.path, f"{subject} has a {name} {display(node)}; {need}")
        return None
    return value


def _family(reader: FieldReader, node: Node, subject: str) -> tuple[str, ...]:
    family = reader.names(node, subject, "family")
    if family is not None and not family:
        reader.problem(
            node,
            node.path,
            f"{subject} has an empty family; list the rule ids it applies to, e.g. [SALES]",
        )
    return family or ()


def _points_by_score(reader: FieldReader, node: Node, subject: str) -> dict[int, Decimal]:
    if node.kind != "mapping":
        reader.problem(
            node,
            node.path,
            f"{subject} has points_by_score that is {node.describe()}; give "
            + FIELD_HELP["points_by_score"],
        )
        return {}
    found: dict[int, Decimal] = {}
    complete = True
    for key, value_node in node.entries.items():
        line = node.key_lines[key]
        score = int(key) if WHOLE_RE.match(key.strip()) else None
        if score not in SCORES:
            reader.problem(
                line,
                value_node.path,
                f"{subject} gives points for score '{key}'; survey scores are 1 to 5",
            )
            complete = False
            continue
        if score in found:
            reader.problem(line, value_node.path, f"{subject} gives points for score {score} twice")
            complete = False
            continue
        points = reader.number(
            value_node, subject, f"points for score {score}", AMOUNT, minimum=None
        )
        if points is None:
            complete = False
            continue
        found[score] = points
    missing = [str(score) for score in SCORES if score not in found]
    if missing and complete:
        reader.problem(
            node,
            node.path,
            f"{subject} gives no points for score {', '.join(missing)}; points_by_score must "
            "list every score 1 to 5 exactly once",
        )
    return found if not missing and complete else {}


def _targets(reader: FieldReader, node: Node, subject: str, rule: Rule) -> dict[str, Decimal]:
    if node.kind != "mapping":
        reader.problem(
            node,
            node.path,
            f"{subject} has targets that are {node.describe()}; give each team's monthly "
            "target, e.g. {T01: 350000}",
        )
        return {}
    targets = {}
    for team, value_node in node.entries.items():
        value = reader.number(
            value_node,
            subject,
            f"target for team {team}",
            AMOUNT,
            minimum_open=True,
            rule="a target must be more than 0",
        )
        if value is not None:
            targets[team.strip()] = value
            rule.lines[f"targets.{team.strip()}"] = node.key_lines[team]
    return targets


def _window(reader: FieldReader, rule: Rule, window: Node, subject: str) -> None:
    if window.kind != "mapping":
        reader.problem(
            window,
            window.path,
            f"{subject} has a window that is {window.describe()}; give " + FIELD_HELP["window"],
        )
        return
    days = reader.fields(
        window, f"the window of {subject}", ("from", "to"), ("from", "to"), "a window takes"
    )
    if "from" in days:
        rule.window_start = reader.day(days["from"], subject, "window start")
    if "to" in days:
        rule.window_end = reader.day(days["to"], subject, "window end")
    rule.lines["window.to"] = window.key_lines.get("to", window.line)
    start, end = rule.window_start, rule.window_end
    if start is not None and end is not None and end < start:
        reader.problem(
            rule.lines["window.to"],
            f"{window.path}.to",
            f"{subject} has a window that ends on {end} before it starts on {start}; the "
            "window's to date must be on or after its from date",
        )


def _segment(reader: FieldReader, node: Node, subject: str) -> str | None:
    segment = reader.text(node, subject, "segment")
    if segment is not None and segment not in SEGMENTS:
        reader.problem(
            node,
            node.path,
            f"{subject} has an unknown segment '{segment}'; the customer segments are "
            f"{', '.join(SEGMENTS)}",
        )
        return None
    return segment


def _rate_or_multiplier(reader: FieldReader, rule: Rule, fields: Fields, subject: str) -> None:
    """A spiff gives extra points per CNY or a multiple of its base rule's: exactly one."""
    rate, multiplier = fields.get("rate"), fields.get("multiplier")
    if rate is not None and multiplier is not None:
        reader.problem(
            multiplier,
            multiplier.path,
            f"{subject} has both a rate and a multiplier; a spiff gives either extra points per "
            "CNY (rate) or a multiple of the base rule's points (multiplier), not both",
        )
    elif rate is None and multiplier is None:
        reader.problem(
            rule.line,
            rule.path,
            f"{subject} has neither a rate nor a multiplier; give rate (extra points per CNY, "
            "e.g. 0.005) or multiplier (e.g. 2 doubles the base rule's points)",
        )
    elif rate is not None:
        rule.rate = reader.number(rate, subject, "rate", RATE)
    else:
        rule.multiplier = reader.number(
            multiplier,
            subject,
            "multiplier",
            RATE,
            minimum=Decimal(1),
            minimum_open=True,
            rule="a multiplier must be more than 1 (2 doubles the base rule's points)",
        )
