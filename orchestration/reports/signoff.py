"""What the people around a close see of its sign-off (docs/operations.md): the version's
approval status, the reps' open disputes by age, and the reps who have not acknowledged the rule
book in effect; each statement shows the rep's own part of it.

Everything is read from the published tables of the version the page shows (``data``). A
readers' copy without them (published before sign-off existed) shows the version pending, as
every version starts, and its disputes and acknowledgements "not recorded".
"""

from __future__ import annotations

from typing import Any

from orchestration.reports import data
from orchestration.reports.data import Row
from orchestration.warehouse.connection import Warehouse

# Open disputes by age in days: (label, lowest age, highest age or None).
AGE_BUCKETS = (("0-7 days", 0, 7), ("8-30 days", 8, 30), ("31+ days", 31, None))
FINAL = "approved"  # the one status that makes a version's figures final


def standing(log: list[Row], version: int) -> Row:
    """The decision that stands on ``version``: its newest record (``log`` is newest first).
    A version without one (published before sign-off was recorded) is pending, as every
    version starts (``latest_approvals`` says the same)."""
    pending = {"version": version, "status": "pending", "closed_by": None, "decided_by": None}
    return next((record for record in log if record["version"] == version), pending)


def age_buckets(open_disputes: list[Row]) -> list[Row]:
    """How many open disputes fall in each age bucket."""
    return [
        {
            "label": label,
            "count": sum(
                low <= dispute["age_days"] and (high is None or dispute["age_days"] <= high)
                for dispute in open_disputes
            ),
        }
        for label, low, high in AGE_BUCKETS
    ]


def close_signoff(published: Warehouse, period: str, version: int, reps: list[Row]) -> dict:
    """The close report's part: ``reps`` are the version's leaderboard rows (for names)."""
    log = data.decisions(published, period)
    disputes = data.disputes(published, period, version)
    acknowledged = data.acknowledgements(published, period, version)
    names = {rep["rep_id"]: rep["rep_name"] for rep in reps}
    open_disputes = sorted(
        (d for d in disputes or [] if d["status"] == "open"),
        key=lambda d: (-d["age_days"], d["dispute_id"]),
    )
    missing = [
        {**row, "rep_name": names.get(row["rep_id"])}
        for row in acknowledged or []
        if not row["acknowledged"]
    ]
    return {
        "decision": standing(log, version),
        "log": log,
        "payouts": data.payout_batches(published, period),
        "disputes_recorded": disputes is not None,
        "disputes": disputes or [],
        "open_disputes": [{**d, "rep_name": names.get(d["rep_id"])} for d in open_disputes],
        "age_buckets": age_buckets(open_disputes),
        "acknowledgements_recorded": acknowledged is not None,
        "acknowledgement_of": {row["rep_id"]: row for row in acknowledged or []},
        "not_acknowledged": missing,
    }


def statement_signoff(signoff: dict, rep_id: str) -> dict[str, Any]:
    """One rep's part of the close's ``signoff``: the version's decision, the rep's disputes
    (newest first) and the rep's acknowledgement row (None: not recorded for this version)."""
    own = [d for d in signoff["disputes"] if d["rep_id"] == rep_id]
    return {
        "decision": signoff["decision"],
        "final": signoff["decision"]["status"] == FINAL,
        "disputes_recorded": signoff["disputes_recorded"],
        "disputes": sorted(own, key=lambda d: (d["opened_date"], d["dispute_id"]), reverse=True),
        "acknowledgements_recorded": signoff["acknowledgements_recorded"],
        "acknowledgement": signoff["acknowledgement_of"].get(rep_id),
    }
