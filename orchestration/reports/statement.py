"""What a rep's statement shows: every ledger line, the subtotals, the total and what is next."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orchestration.reports import rulebook
from orchestration.reports.data import Row
from orchestration.reports.signoff import statement_signoff


def statement_context(close: dict[str, Any], rep: Row, lines: list[Row]) -> dict[str, Any]:
    """``close`` is the period's close context: the statement reads the same version."""
    groups: list[Row] = []
    for line in lines:
        if not groups or groups[-1]["rule_id"] != line["rule_id"]:
            info = close.get("catalog", {}).get(line["rule_id"])
            groups.append(
                {
                    "rule_id": line["rule_id"],
                    "kind": info.kind if info else None,
                    "description": info.description if info else None,
                    "lines": [],
                    "subtotal": Decimal(0),
                }
            )
        groups[-1]["lines"].append(line)
        groups[-1]["subtotal"] += line["points"]
    lines_total = sum((group["subtotal"] for group in groups), Decimal(0))
    return {
        "period": close["period"],
        "publication": close["publication"],
        "rep": rep,
        "groups": groups,
        "line_count": len(lines),
        "lines_total": lines_total,
        "reps_in_period": len(close["reps"]),
        "reps_in_team": sum(other["team_id"] == rep["team_id"] for other in close["reps"]),
        "tier_version": close["tier_version"],
        "ladder": close["ladder"],
        "next": rulebook.next_tier(close["ladder"], rep["total_points"]),
        "signoff": statement_signoff(close["signoff"], rep["rep_id"]),
    }
