"""Tiers (the ranges of period totals) and the reward of each tier."""

from __future__ import annotations

from orchestration.rulebooks.model import Reward, Tier
from orchestration.rulebooks.parse.fields import AMOUNT, FIELD_HELP, FieldReader, list_of_mappings
from orchestration.rulebooks.source import Node


def read_tiers(reader: FieldReader, node: Node | None) -> list[Tier]:
    tiers = []
    mappings = list_of_mappings(reader, node, "tiers", "tiers")
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


def read_rewards(reader: FieldReader, node: Node | None) -> list[Reward]:
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
