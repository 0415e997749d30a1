"""What the close report of one period shows, computed from one published version."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from orchestration.ingest.unread import reason_not_read
from orchestration.publish.store import NOT_READ
from orchestration.reports import data, rulebook
from orchestration.reports.charts import bar_chart
from orchestration.reports.data import Row
from orchestration.reports.loyalty import loyalty_context
from orchestration.reports.quarantine import Quarantine
from orchestration.reports.quarterly import quarter_of
from orchestration.reports.signoff import close_signoff
from orchestration.warehouse.connection import Warehouse

NO_TIER = "(none)"
MOVES = ("up", "down", "same", "new", "left")
# Rows shown in each per-rep table of a report page; the published tables hold every rep.
LISTING_LIMIT = 1_000


def previous_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def tier_names(ladder: list[rulebook.Rung], reps: list[Row]) -> list[str]:
    """Tiers lowest first: the rule book's ladder, then any other tier found in the data."""
    names = [tier.name for tier in ladder]
    extra = sorted({rep["tier"] for rep in reps if rep["tier"] and rep["tier"] not in names})
    return names + extra


def teams(reps: list[Row]) -> list[Row]:
    by_team: dict[str, list[Row]] = {}
    for rep in reps:
        by_team.setdefault(rep["team_id"], []).append(rep)
    return [
        {
            "team_id": team_id,
            "reps": sorted(members, key=lambda rep: (rep["team_rank"], rep["rep_id"])),
            "size": len(members),
            "total": sum((rep["total_points"] for rep in members), Decimal(0)),
        }
        for team_id, members in sorted(by_team.items())
    ]


def listing(rows: list[Row], limit: int) -> dict[str, Any]:
    """The first ``limit`` rows of a per-rep table and how many there are in all: a page
    listing 200,000 reps neither renders fast nor reads well; the published tables hold all."""
    return {"rows": rows[:limit], "total": len(rows)}


def reward_cost(reps: list[Row], order: list[str]) -> tuple[list[Row], Decimal]:
    by_tier: dict[str, Row] = {}
    for rep in reps:
        if rep["tier"] is None:
            continue
        entry = by_tier.setdefault(
            rep["tier"],
            {"tier": rep["tier"], "reward": rep["reward"], "reps": 0, "cost": Decimal(0)},
        )
        entry["reps"] += 1
        entry["cost"] += rep["cash_value"] or Decimal(0)
    lines = [by_tier[name] for name in order if name in by_tier]
    return lines, sum((line["cost"] for line in lines), Decimal(0))


def changes(reps: list[Row], before: list[Row], order: list[str]) -> list[Row]:
    """Per rep: total and rank now and in the previous period, and the tier move."""
    level = {name: index + 1 for index, name in enumerate(order)}
    earlier = {rep["rep_id"]: rep for rep in before}
    now = {rep["rep_id"]: rep for rep in reps}
    found = []
    for rep_id in [rep["rep_id"] for rep in reps] + sorted(set(earlier) - set(now)):
        rep, old = now.get(rep_id), earlier.get(rep_id)
        if rep and old:
            move = level.get(rep["tier"], 0) - level.get(old["tier"], 0)
            kind = "up" if move > 0 else "down" if move < 0 else "same"
        else:
            kind = "new" if rep else "left"
        found.append(
            {
                "rep_id": rep_id,
                "rep_name": (rep or old)["rep_name"],
                "team_id": (rep or old)["team_id"],
                "before": old,
                "now": rep,
                "delta": rep["total_points"] - old["total_points"] if rep and old else None,
                "rank_change": old["company_rank"] - rep["company_rank"] if rep and old else None,
                "move": kind,
            }
        )
    return found


def versus_provisional(reps: list[Row], provisional: list[Row]) -> list[Row]:
    early = {rep["rep_id"]: rep for rep in provisional}
    final = {rep["rep_id"]: rep for rep in reps}
    ids = [rep["rep_id"] for rep in reps] + sorted(set(early) - set(final))
    return [
        {
            "rep_id": rep_id,
            "rep_name": (final.get(rep_id) or early[rep_id])["rep_name"],
            "provisional": early.get(rep_id),
            "final": final.get(rep_id),
            "delta": final[rep_id]["total_points"] - early[rep_id]["total_points"]
            if rep_id in final and rep_id in early
            else None,
        }
        for rep_id in ids
    ]


def not_read(published: Warehouse, period: str, version: int) -> list[Row]:
    """The landing files no source read, as the version recorded them, each with the reason."""
    rows = published.dicts(
        "select source_file as file, file_hash from publication_inputs "
        "where period = ? and version = ? and source = ? order by source_file",
        [period, version, NOT_READ],
    )
    return [{**row, "reason": reason_not_read(row["file"]) or ""} for row in rows]


def _moment(value: Any) -> str:
    """The pipeline writes naive UTC timestamps; a date or text is shown as it is."""
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if isinstance(value, datetime) else str(value)


def close_context(
    published: Warehouse,
    period: str,
    versions: dict[str, int],
    quarantine: Quarantine,
    seeds: rulebook.SeedSource = None,
    limit: int = LISTING_LIMIT,
) -> dict[str, Any]:
    """``seeds``: the workspace (or its seed folder) whose rule books the closes used;
    ``limit``: rows shown in each per-rep table (counts and totals always cover every rep)."""
    history = data.publications(published, period)
    publication = history[0]
    version = publication["version"]
    reps = data.period_reps(published, period, version)
    listed = publication["rulebook_version"] or ""
    tier_version = rulebook.governing_version(listed, period, seeds)
    ladder = rulebook.tiers(tier_version, seeds)
    catalog = rulebook.rules(listed, tier_version, seeds)
    rule_rank = rulebook.rule_order(catalog)
    order = tier_names(ladder, reps)
    floors = {tier.name: tier.min_points for tier in ladder}
    distribution = [
        {"tier": name, "from": floors.get(name), "reps": sum(rep["tier"] == name for rep in reps)}
        for name in [None, *order]
    ]
    rules = data.rule_totals(published, period, version, rule_rank)
    for row in rules:
        info = catalog.get(row["rule_id"])
        row["kind"] = info.kind if info else None
        row["description"] = info.description if info else None
    rewards, reward_total = reward_cost(reps, order)
    previous = previous_month(period)
    before = (
        data.period_reps(published, previous, versions[previous]) if previous in versions else None
    )
    early = data.provisional(published, period)
    moved = changes(reps, before, order) if before is not None else []
    by_team = teams(reps)
    return {
        "period": period,
        "quarter": quarter_of(period),
        "publication": publication,
        "history": history,
        "reps": reps,
        "leaderboard": listing(reps, limit),
        # per-team tables while every rep fits on the page, else one line per team
        "teams": by_team if len(reps) <= limit else [],
        "team_lines": listing(by_team, limit) if len(reps) > limit else None,
        "total_points": sum((rep["total_points"] for rep in reps), Decimal(0)),
        "tier_version": tier_version,
        "ladder": ladder,
        "distribution": distribution,
        "tier_chart": bar_chart(
            "Reps per tier", [(row["tier"] or NO_TIER, row["reps"]) for row in distribution]
        ),
        "rules": rules,
        "catalog": catalog,
        "rule_order": rule_rank,
        "rule_chart": bar_chart("Points by rule", [(r["rule_id"], r["points"]) for r in rules]),
        "rewards": rewards,
        "reward_total": reward_total,
        "quarantine_summary": quarantine.summary(period),
        "quarantine_rows": quarantine.in_period(period),
        "quarantine_total": len(quarantine.rows),
        "quarantine_unattributed": quarantine.unattributed(),
        "not_read": not_read(published, period, version),
        "loyalty": loyalty_context(published, period, versions, quarantine),
        "signoff": close_signoff(published, period, version, reps),
        "previous": previous if before is not None else None,
        "previous_version": versions.get(previous),
        "moves": {kind: sum(c["move"] == kind for c in moved) for kind in MOVES},
        "changes": listing(moved, limit),
        "provisional_as_of": _moment(early[0]) if early else None,
        "provisional": listing(versus_provisional(reps, early[1]) if early else [], limit),
    }
