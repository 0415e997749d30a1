"""The floor's results against the ones a close published for the same period: per-rep totals,
tiers and ranks, rule subtotals, and the quarantine per (source, reason). Prior-period
adjustments, which the floor does not compute, are left out of the close's side, and so is the
quarantine of the sources the floor does not validate (the loyalty program's)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.files import sql_text

PPA = "PRIOR_PERIOD_ADJUSTMENT"
FLOOR_SOURCES = ("reps", "customers", "sales", "surveys")  # what floor_validation.sql validates

TOTALS = """
with close as (
    select rep_id, total_points, tier, company_rank, team_rank
    from latest_rep_period_points where period = {period}
),
adjustments as (
    select rep_id, sum(points) as points from latest_rep_period_rule_points
    where period = {period} and rule_id = '{ppa}' group by rep_id
),
floor as (select * from read_parquet({reps}))
select
    count(*),
    count(*) filter (where coalesce(f.total_points, 0)
        <> coalesce(c.total_points, 0) - coalesce(a.points, 0)),
    count(*) filter (where f.rep_id is null),
    count(*) filter (where c.rep_id is null),
    count(*) filter (where a.points is null and c.rep_id is not null
        and f.rep_id is not null and (f.tier is distinct from c.tier
        or f.company_rank <> c.company_rank or f.team_rank <> c.team_rank)),
    count(a.rep_id),
    coalesce(sum(f.total_points), 0),
    coalesce(sum(c.total_points), 0) - coalesce(sum(a.points), 0)
from floor f
full join close c on f.rep_id = c.rep_id
left join adjustments a on coalesce(f.rep_id, c.rep_id) = a.rep_id
"""
TOTALS_KEYS = (
    "reps",
    "mismatched",
    "only_floor",
    "only_close",
    "tier_rank_mismatched",
    "reps_with_adjustments",
    "floor_total",
    "close_total_without_adjustments",
)

RULE_MISMATCHES = """
with close as (
    select rep_id, rule_id, points from latest_rep_period_rule_points
    where period = {period} and rule_id <> '{ppa}' and points <> 0
),
floor as (select * from read_parquet({rules}) where points <> 0)
select count(*) from floor f full join close c using (rep_id, rule_id)
where f.points is distinct from c.points
"""


def _published(published_db: Path, period: str, floor_dir: Path) -> tuple[dict, int, dict]:
    """Totals compared, rule subtotals that differ, and the close's quarantine counts."""
    import duckdb

    names = {
        "period": sql_text(period),
        "ppa": PPA,
        "reps": sql_text(str(floor_dir / "floor_rep_points.parquet")),
        "rules": sql_text(str(floor_dir / "floor_rule_points.parquet")),
    }
    with duckdb.connect(str(published_db), read_only=True) as con:
        totals = con.execute(TOTALS.format(**names)).fetchone()
        rules = con.execute(RULE_MISMATCHES.format(**names)).fetchone()[0]
        quarantine = con.execute(
            "select source, reason, count(*) from quarantine where list_contains(?, source) "
            "group by all",
            [list(FLOOR_SOURCES)],
        )
        close_quarantine = {
            (source, reason): rows for source, reason, rows in quarantine.fetchall()
        }
    return dict(zip(TOTALS_KEYS, totals, strict=True)), rules, close_quarantine


def _floor_quarantine(floor_dir: Path) -> dict[tuple[str, str], int]:
    summary = json.loads((floor_dir / "floor.json").read_text())
    return {
        (source, reason): rows
        for source, status, reason, rows in summary["outcomes"]
        if status == "quarantined"
    }


def compare(published_db: Path, period: str, floor_dir: Path) -> dict:
    """The check of one period: counts of what differs, and whether everything matches."""
    totals, rule_mismatches, close_quarantine = _published(published_db, period, floor_dir)
    floor_quarantine = _floor_quarantine(floor_dir)
    keys = sorted(set(floor_quarantine) | set(close_quarantine))
    pairs = [(k, floor_quarantine.get(k, 0), close_quarantine.get(k, 0)) for k in keys]
    differing = [f"{s}/{r}: floor {f}, close {c}" for (s, r), f, c in pairs if f != c]
    return {
        **totals,
        "floor_total": str(totals["floor_total"]),
        "close_total_without_adjustments": str(totals["close_total_without_adjustments"]),
        "rule_subtotals_mismatched": rule_mismatches,
        "quarantine_reasons": len(keys),
        "quarantine_differences": differing,
        "quarantined_rows": sum(close_quarantine.values()),
        "match": totals["mismatched"] == 0 and rule_mismatches == 0 and not differing,
    }
