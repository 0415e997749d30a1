"""The decision log: approve or reject a published version (maker-checker).

Append-only: a decision is a new record of ``published.approvals`` (chained like a
publication); the one with the highest ``seq`` on a version stands, so a later approval undoes a
rejection made for a process reason. Decisions concern the period's latest version only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from orchestration.publish.store import append_log, standing_decisions_sql
from orchestration.signoff.refusal import SignoffRefused
from orchestration.warehouse.connection import Warehouse
from schemas.published import APPROVALS

APPROVED, REJECTED, PENDING = "approved", "rejected", "pending"


@dataclass(frozen=True)
class Decision:
    period: str
    version: int
    status: str
    closed_by: str | None
    decided_by: str
    decided_at: datetime
    note: str
    seq: int


def latest_version(warehouse: Warehouse, period: str, version: int | None = None) -> int:
    """The period's latest version; ``version``, when given, must be it."""
    latest = warehouse.value(
        "select max(version) from published.publications where period = ?", [period]
    )
    if latest is None:
        raise SignoffRefused(f"period {period} is not published: run `jifen close {period}` first")
    if version is not None and version != latest:
        what = "is not published" if version > latest else f"is superseded by v{latest}"
        raise SignoffRefused(
            f"{period} v{version} {what}; sign-off is on a period's latest version: review "
            f"v{latest} and name it (--version {latest})"
        )
    return int(latest)


def standing(warehouse: Warehouse, period: str, version: int) -> dict:
    """The decision that stands on a version (``pending`` when none was recorded)."""
    found = warehouse.dicts(
        f"select * from ({standing_decisions_sql()}) where period = ? and version = ?",
        [period, version],
    )
    return found[0] if found else {"status": PENDING, "closed_by": None, "decided_by": None}


def decide(
    warehouse: Warehouse,
    period: str,
    version: int | None,
    status: str,
    by: str,
    note: str = "",
    approvers: tuple[str, ...] = (),
) -> Decision:
    """Record ``by``'s decision (``approved`` or ``rejected``) on the period's latest version."""
    if status not in (APPROVED, REJECTED):
        raise ValueError(f"a decision is {APPROVED} or {REJECTED}, not {status!r}")
    version = latest_version(warehouse, period, version)
    subject = f"{period} v{version}"
    if approvers and by not in approvers:
        raise SignoffRefused(
            f"{by} is not an approver of this workspace (settings.toml approvers: "
            f"{', '.join(approvers)}); ask one of them to decide on {subject}"
        )
    current = standing(warehouse, period, version)
    closed_by = current["closed_by"]
    if status == APPROVED and by == closed_by:
        raise SignoffRefused(
            f"{subject} was closed by {by}, who may not approve it too (maker-checker): another "
            f"approver runs `jifen approve {period} --version {version} --by <their user id>`"
        )
    if status == REJECTED and not note.strip():
        raise SignoffRefused('a rejection needs a reason: --reason "<why>"')
    paid = warehouse.value(
        "select payout_batch_id from published.payout_batches where period = ? and version = ?",
        [period, version],
    )
    if paid:
        raise SignoffRefused(
            f"{subject} is already paid (batch {paid}): its decision stands. To correct it, "
            f'restate the period (`jifen close {period} --restate --reason "<why>"`), then '
            "approve and pay the new version (only the differences are paid)"
        )
    decided_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with warehouse.transaction():
        record = append_log(
            warehouse,
            APPROVALS,
            {
                "period": period,
                "version": version,
                "status": status,
                "closed_by": closed_by,
                "decided_by": by,
                "decided_at": decided_at,
                "note": note.strip() or None,
            },
        )
    return Decision(period, version, status, closed_by, by, decided_at, note.strip(), record["seq"])
