"""The loyalty floor's results against what a close published for the same period: per member
the balance figures of ``latest_member_balances`` (the recomputed balance at the end of the
month before is compared with opening_points + prior_period_adjustment, the floor not knowing
what was published before), the period's totals, and the quarantine of the loyalty sources
per (source, reason), the walk's own verdicts included."""

from __future__ import annotations

import json
from pathlib import Path

from bench.files import sql_text

LOYALTY_SOURCES = ("members", "redemptions")
# the points columns of member_balances, and the floor's name for each
FIGURES = {
    "opening_points + prior_period_adjustment": "before_points",
    "earned": "earned",
    "reversed": "reversed",
    "redeemed": "redeemed",
    "expired": "expired",
    "forfeited": "forfeited",
    "closing_points": "closing_points",
    "debt_points": "debt_points",
    "expiring_next_month": "expiring_next_month",
}
TOTALS = ("earned", "reversed", "redeemed", "expired", "forfeited", "closing_points")

MEMBERS = """
with close as (
    select customer_id, {close_columns} from latest_member_balances where period = {period}
),
floor as (select * from read_parquet({balances}))
select
    count(*),
    count(*) filter (where c.customer_id is null),
    count(*) filter (where f.customer_id is null),
    count(*) filter (where {differs}),
    {totals}
from floor f full join close c using (customer_id)
"""


def _members_sql(published_period: str, balances: Path) -> str:
    close_columns = ", ".join(f"{expr} as {name}" for expr, name in FIGURES.items())
    differs = " or ".join(
        f"coalesce(f.{name}, 0) <> coalesce(c.{name}, 0)" for name in FIGURES.values()
    )
    totals = ", ".join(f"coalesce(sum(f.{name}), 0), coalesce(sum(c.{name}), 0)" for name in TOTALS)
    return MEMBERS.format(
        close_columns=close_columns,
        period=sql_text(published_period),
        balances=sql_text(str(balances)),
        differs=differs,
        totals=totals,
    )


def compare_loyalty(published_db: Path, period: str, floor_dir: Path) -> dict:
    """The check of one period: members compared, what differs, and whether all matches."""
    import duckdb

    summary = json.loads((floor_dir / "floor_loyalty.json").read_text())
    with duckdb.connect(str(published_db), read_only=True) as con:
        row = con.execute(
            _members_sql(period, floor_dir / "floor_member_balances.parquet")
        ).fetchall()[0]
        close_quarantine = {
            (source, reason): rows
            for source, reason, rows in con.execute(
                "select source, reason, count(*) from quarantine "
                "where list_contains(?, source) group by all",
                [list(LOYALTY_SOURCES)],
            ).fetchall()
        }
    members, only_floor, only_close, differing = row[:4]
    totals = {
        name: {"floor": int(row[4 + 2 * i]), "close": int(row[5 + 2 * i])}
        for i, name in enumerate(TOTALS)
    }
    floor_quarantine = {
        (source, reason): rows
        for source, status, reason, rows in summary["outcomes"]
        if status == "quarantined"
    }
    keys = sorted(set(floor_quarantine) | set(close_quarantine))
    pairs = [(k, floor_quarantine.get(k, 0), close_quarantine.get(k, 0)) for k in keys]
    quarantine_differences = [f"{s}/{r}: floor {f}, close {c}" for (s, r), f, c in pairs if f != c]
    totals_differing = [name for name, pair in totals.items() if pair["floor"] != pair["close"]]
    return {
        "members": members,
        "only_floor": only_floor,
        "only_close": only_close,
        "mismatched": differing,
        "totals": totals,
        "totals_differing": totals_differing,
        "events": summary["events"],
        "quarantined_rows": sum(close_quarantine.values()),
        "quarantine_reasons": len(keys),
        "quarantine_differences": quarantine_differences,
        "match": members > 0
        and differing == 0
        and not totals_differing
        and not quarantine_differences,
    }
