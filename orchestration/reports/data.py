"""Queries on the readers' copy. Every page of a period reads one version: the latest.

Queries name the version explicitly (rather than the ``latest_`` views) so that everything on a
page provably comes from the publication record printed at its foot.
"""

from __future__ import annotations

from typing import Any

from orchestration.warehouse.connection import Warehouse

Row = dict[str, Any]

RuleOrder = dict[str, int]


def rule_key(rule_id: str, order: RuleOrder | None = None) -> tuple[int, str]:
    """Rules by the rank of their kind (``rulebook.rule_order``), then by id; a rule the rule
    book does not know comes last."""
    order = order or {}
    return (order.get(rule_id, max(order.values(), default=0) + 1), rule_id)


def latest_versions(published: Warehouse) -> dict[str, int]:
    """Every published period and its newest version, oldest period first."""
    found = published.rows(
        "select period, max(version) from publications group by period order by period"
    )
    return {period: int(version) for period, version in found}


def publications(published: Warehouse, period: str) -> list[Row]:
    """Every version of a period, newest first (whatever extra columns the table has)."""
    return published.dicts(
        "select * from publications where period = ? order by version desc", [period]
    )


def period_reps(published: Warehouse, period: str, version: int) -> list[Row]:
    """The leaderboard of one version with each rep's reward, best rank first."""
    return published.dicts(
        "select p.rep_id, p.rep_name, p.team_id, p.total_points, p.tier, p.company_rank, "
        "p.team_rank, r.reward, r.cash_value "
        "from rep_period_points p left join reward_list r "
        "on r.period = p.period and r.version = p.version and r.rep_id = p.rep_id "
        "where p.period = ? and p.version = ? order by p.company_rank, p.rep_id",
        [period, version],
    )


def rule_totals(
    published: Warehouse, period: str, version: int, order: RuleOrder | None = None
) -> list[Row]:
    """Points of each rule present in the version over all reps, with how many reps and ledger
    lines earned them."""
    found = published.dicts(
        "select rule_id, sum(points) as points, count(distinct rep_id) as reps, "
        "count(*) as lines from points_ledger where period = ? and version = ? group by rule_id",
        [period, version],
    )
    return sorted(found, key=lambda row: rule_key(row["rule_id"], order))


def ledger(
    published: Warehouse, period: str, version: int, order: RuleOrder | None = None
) -> dict[str, list[Row]]:
    """Every ledger line of one version, by rep, in rule order then line id."""
    lines = published.dicts(
        "select rep_id, line_id, rule_id, rulebook_version, source, source_id, points, "
        "explanation, source_file, source_row_number "
        "from points_ledger where period = ? and version = ? order by rep_id, line_id",
        [period, version],
    )
    by_rep: dict[str, list[Row]] = {}
    for line in lines:
        by_rep.setdefault(line["rep_id"], []).append(line)
    for rep_lines in by_rep.values():
        rep_lines.sort(key=lambda line: (rule_key(line["rule_id"], order), line["line_id"]))
    return by_rep


def provisional(published: Warehouse, period: str) -> tuple[Any, list[Row]] | None:
    """The newest provisional figures of a period, if the optional table has any."""
    if not published.table_exists("provisional_rep_points"):
        return None
    as_of = published.value(
        "select max(as_of) from provisional_rep_points where period = ?", [period]
    )
    if as_of is None:
        return None
    found = published.dicts(
        "select rep_id, rep_name, team_id, total_points, tier, company_rank, team_rank "
        "from provisional_rep_points where period = ? and as_of = ? order by rep_id",
        [period, as_of],
    )
    return as_of, found


# Sign-off, disputes and acknowledgements (docs/operations.md). A readers' copy written before
# they existed lacks the tables: each query then answers "nothing recorded" (None or []).


def decisions(published: Warehouse, period: str) -> list[Row]:
    """The sign-off log of a period, every version, newest record first."""
    if not published.table_exists("approvals"):
        return []
    return published.dicts(
        "select seq, version, status, closed_by, decided_by, decided_at, note from approvals "
        "where period = ? order by seq desc",
        [period],
    )


def payout_batches(published: Warehouse, period: str) -> list[Row]:
    """The payout batches of a period, oldest first."""
    if not published.table_exists("payout_batches"):
        return []
    return published.dicts(
        "select payout_batch_id, version, previous_version, approved_by, row_count, "
        "total_amount, currency, created_at from payout_batches where period = ? order by seq",
        [period],
    )


def disputes(published: Warehouse, period: str, version: int) -> list[Row] | None:
    """The disputes the version knows (opened by the period's last day), oldest first; None
    when the readers' copy has no disputes table."""
    if not published.table_exists("disputes"):
        return None
    return published.dicts(
        "select dispute_id, rep_id, disputed_period, line_id, opened_date, reason, status, "
        "decided_date, age_days, resolved_by, note from disputes "
        "where period = ? and version = ? order by opened_date, dispute_id",
        [period, version],
    )


def acknowledgements(published: Warehouse, period: str, version: int) -> list[Row] | None:
    """Per rep active in the period: the rule book version in effect and whether the rep
    acknowledged it; None when the readers' copy has no such table."""
    if not published.table_exists("rule_acknowledgements"):
        return None
    return published.dicts(
        "select rep_id, rulebook_version, acknowledged, acknowledged_date "
        "from rule_acknowledgements where period = ? and version = ? order by rep_id",
        [period, version],
    )
