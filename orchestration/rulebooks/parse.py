"""From a YAML node tree to a typed ``RuleBook``, reporting every field-level problem.

Each field is judged on its own here (type, sign, decimal places, allowed values); what needs
the whole book or several books (references between rules, tiers as ranges, versions and
dates across files) is judged in ``check``. A field that cannot be read becomes ``None`` so the
other checks still run on the rest of the book.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from orchestration.rulebooks.model import (
    COMMON_FIELDS,
    KIND_FIELDS,
    OPTIONAL_BY_KIND,
    OPTIONAL_FIELDS,
    RESERVED_RULE_IDS,
    RULE_KINDS,
    SCORES,
    SEGMENTS,
    TOP_LEVEL_FIELDS,
    Reward,
    Rule,
    RuleBook,
    Tier,
)
from orchestration.rulebooks.problems import Problem
from orchestration.rulebooks.source import Document, Node, child_path

RULE_ID_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
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
}


class _Reader:
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


def _display(node: Node) -> str:
    return node.text.strip() if node.is_scalar else node.describe()


def parse_book(document: Document) -> RuleBook | None:
    """The typed book of a readable document (None when its root is unreadable)."""
    root = document.root
    if root is None:
        return None
    reader = _Reader(document)
    fields = reader.fields(
        root, "the rule book", TOP_LEVEL_FIELDS, TOP_LEVEL_FIELDS, "a rule book has the fields"
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
    rules = _rules(reader, fields.get("rules"))
    tiers_before = len(reader.problems)
    tiers = _tiers(reader, fields.get("tiers"))
    tiers_readable = len(reader.problems) == tiers_before
    rewards = _rewards(reader, fields.get("rewards"))
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
        listed_rule_ids=_listed(fields.get("rules"), "id"),
        listed_tiers=_listed(fields.get("tiers"), "tier"),
        listed_rewards=(
            {key.strip() for key in fields["rewards"].entries} if "rewards" in fields else set()
        ),
        tiers_readable=tiers_readable,
    )
    document.problems.extend(reader.problems)
    return book


def _listed(node: Node | None, key: str) -> set[str]:
    """The names a list of mappings gives under ``key`` (whether the rest is readable or not)."""
    if node is None or node.kind != "sequence":
        return set()
    return {
        item.entries[key].text.strip()
        for item in node.items
        if item.kind == "mapping" and key in item.entries and item.entries[key].is_scalar
    }


def _list_of_mappings(reader: _Reader, node: Node | None, name: str, what: str) -> list[Node]:
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


def _rules(reader: _Reader, node: Node | None) -> list[Rule]:
    rules = []
    for item in _list_of_mappings(reader, node, "rules", "rules"):
        rule = _rule(reader, item)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(reader: _Reader, item: Node) -> Rule | None:
    entries = item.entries
    rule_id = ""
    id_node = entries.get("id")
    if id_node is None or id_node.null:
        reader.problem(item, item.path, f"{item.path} has no id; every rule needs an id like SALES")
    else:
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
    subject = f"rule {rule_id}" if rule_id else item.path
    kind_node = entries.get("kind")
    kinds = ", ".join(RULE_KINDS)
    if kind_node is None or kind_node.null:
        reader.problem(item, item.path, f"{subject} has no kind; the kinds are {kinds}")
        return None
    kind = reader.text(kind_node, subject, "kind")
    if kind is None:
        return None
    if kind not in KIND_FIELDS:
        reader.problem(
            kind_node,
            kind_node.path,
            f"{subject} has an unknown kind '{kind}'; the kinds are {kinds}",
        )
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
    for name in ("roles", "teams"):
        if name in fields:
            setattr(rule, name, reader.names(fields[name], subject, name) or ())
    _kind_fields(reader, rule, kind, fields, subject)
    return rule


def _kind_fields(reader: _Reader, rule: Rule, kind: str, fields: dict[str, Node], subject: str):
    get = fields.get
    if kind == "amount_rate" and get("rate"):
        rule.rate = reader.number(get("rate"), subject, "rate", RATE)
    elif kind == "first_sale" and get("points"):
        rule.points = reader.number(
            get("points"), subject, "points", AMOUNT, rule="first-sale points must be zero or more"
        )
    elif kind == "score_points" and get("points_by_score"):
        rule.points_by_score = _points_by_score(reader, get("points_by_score"), subject)
    elif kind == "cap":
        if get("family"):
            rule.family = _family(reader, get("family"), subject)
        if get("limit"):
            rule.limit = reader.number(get("limit"), subject, "limit", AMOUNT)
    elif kind == "gate":
        if get("family"):
            rule.family = _family(reader, get("family"), subject)
        if get("min_surveys"):
            rule.min_surveys = reader.whole(get("min_surveys"), subject, "min_surveys", 1)
        if get("mean_score_below"):
            node = get("mean_score_below")
            value = reader.number(node, subject, "mean_score_below", RATE, minimum=None)
            if value is not None and not Decimal(1) < value <= Decimal(5):
                reader.problem(
                    node,
                    node.path,
                    f"{subject} has a mean_score_below {_display(node)}; it must be more than 1 "
                    "and at most 5 (survey scores are 1 to 5)",
                )
                value = None
            rule.mean_score_below = value
        if get("factor"):
            node = get("factor")
            value = reader.number(node, subject, "factor", RATE, minimum=None)
            if value is not None and not Decimal(0) < value <= Decimal(1):
                reader.problem(
                    node,
                    node.path,
                    f"{subject} has a factor {_display(node)}; a factor must be more than 0 and "
                    "at most 1 (0.20 deducts 20 %)",
                )
                value = None
            rule.factor = value
        if get("cap"):
            rule.cap = reader.text(get("cap"), subject, "cap")
    elif kind == "team_bonus":
        if get("points"):
            rule.points = reader.number(get("points"), subject, "points", AMOUNT)
        if get("default_target"):
            rule.default_target = reader.number(
                get("default_target"),
                subject,
                "default_target",
                AMOUNT,
                minimum_open=True,
                rule="a target must be more than 0",
            )
        if get("targets"):
            rule.targets = _targets(reader, get("targets"), subject, rule)
    elif kind == "spiff":
        _spiff(reader, rule, fields, subject)


def _family(reader: _Reader, node: Node, subject: str) -> tuple[str, ...]:
    family = reader.names(node, subject, "family")
    if family is not None and not family:
        reader.problem(
            node,
            node.path,
            f"{subject} has an empty family; list the rule ids it applies to, e.g. [SALES]",
        )
    return family or ()


def _points_by_score(reader: _Reader, node: Node, subject: str) -> dict[int, Decimal]:
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


def _targets(reader: _Reader, node: Node, subject: str, rule: Rule) -> dict[str, Decimal]:
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


def _spiff(reader: _Reader, rule: Rule, fields: dict[str, Node], subject: str) -> None:
    get = fields.get
    if get("base"):
        rule.base = reader.text(get("base"), subject, "base")
    window = get("window")
    if window is not None:
        if window.kind != "mapping":
            reader.problem(
                window,
                window.path,
                f"{subject} has a window that is {window.describe()}; give " + FIELD_HELP["window"],
            )
        else:
            days = reader.fields(
                window, f"the window of {subject}", ("from", "to"), ("from", "to"), "a window takes"
            )
            if "from" in days:
                rule.window_start = reader.day(days["from"], subject, "window start")
            if "to" in days:
                rule.window_end = reader.day(days["to"], subject, "window end")
            rule.lines["window.to"] = window.key_lines.get("to", window.line)
            if (
                rule.window_start is not None
                and rule.window_end is not None
                and rule.window_end < rule.window_start
            ):
                reader.problem(
                    rule.lines["window.to"],
                    f"{window.path}.to",
                    f"{subject} has a window that ends on {rule.window_end} before it starts on "
                    f"{rule.window_start}; the window's to date must be on or after its from date",
                )
    if get("segment"):
        segment = reader.text(get("segment"), subject, "segment")
        if segment is not None and segment not in SEGMENTS:
            reader.problem(
                get("segment"),
                get("segment").path,
                f"{subject} has an unknown segment '{segment}'; the customer segments are "
                f"{', '.join(SEGMENTS)}",
            )
            segment = None
        rule.segment = segment
    rate, multiplier = get("rate"), get("multiplier")
    if rate is not None and multiplier is not None:
        reader.problem(
            multiplier,
            multiplier.path,
            f"{subject} has both a rate and a multiplier; a spiff gives either extra points per "
            "CNY (rate) or a multiple of the base rule's points (multiplier), not both",
        )
        return
    if rate is None and multiplier is None:
        reader.problem(
            rule.line,
            rule.path,
            f"{subject} has neither a rate nor a multiplier; give rate (extra points per CNY, "
            "e.g. 0.005) or multiplier (e.g. 2 doubles the base rule's points)",
        )
        return
    if rate is not None:
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


def _tiers(reader: _Reader, node: Node | None) -> list[Tier]:
    tiers = []
    mappings = _list_of_mappings(reader, node, "tiers", "tiers")
    if node is not None and node.kind == "sequence" and not node.items:
        reader.problem(node, "tiers", "the rule book has no tiers; give at least one tier")
    for item in mappings:
        name = ""
        if "tier" in item.entries and not item.entries["tier"].null:
            name = reader.text(item.entries["tier"], item.path, "tier") or ""
        subject = f"tier {name}" if name else item.path
        fields = reader.fields(
            item, subject, ("tier", "from", "below"), ("tier", "from"), "a tier takes"
        )
        start = below = None
        if "from" in fields:
            start = reader.number(fields["from"], subject, "from", AMOUNT, minimum=None)
        if "below" in fields:
            below = reader.number(fields["below"], subject, "below", AMOUNT, minimum=None)
        if not name or start is None or ("below" in fields and below is None):
            continue
        tiers.append(Tier(name, start, below, item.line, item.path))
    return tiers


def _rewards(reader: _Reader, node: Node | None) -> list[Reward]:
    if node is None:
        return []
    if node.kind != "mapping":
        reader.problem(
            node, "rewards", "rewards must be " + FIELD_HELP["rewards"] + ", not " + node.describe()
        )
        return []
    rewards = []
    for tier, item in node.entries.items():
        subject = f"the reward of tier {tier}"
        if item.kind != "mapping":
            reader.problem(
                item,
                item.path,
                f"{subject} must be {{reward: ..., cash_value: ...}}, not {item.describe()}",
            )
            continue
        fields = reader.fields(
            item, subject, ("reward", "cash_value"), ("reward", "cash_value"), "a reward takes"
        )
        text = reader.text(fields["reward"], subject, "reward") if "reward" in fields else None
        cash = None
        if "cash_value" in fields:
            cash = reader.number(fields["cash_value"], subject, "cash_value", AMOUNT)
        if text is not None and cash is not None:
            rewards.append(Reward(tier.strip(), text, cash, node.key_lines[tier], item.path))
    return rewards
