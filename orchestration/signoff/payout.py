"""The payout of a period: the latest version, approved, paid once; a restatement by its
differences per rep, so a period's batches always sum to its latest approved reward list.

What was paid before is the reward list of the version the last batch paid (each batch brings
the period's payments up to its version), so the differences need no earlier file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from orchestration.lib.workspace import Workspace
from orchestration.publish.store import append_log
from orchestration.signoff.decisions import APPROVED, latest_version, standing
from orchestration.signoff.files import write_batch_files
from orchestration.signoff.refusal import SignoffRefused
from orchestration.warehouse.connection import Warehouse
from schemas.contract import PROGRAM_CURRENCY
from schemas.published import PAYOUT_BATCHES

CSV_COLUMNS = (
    "rep_id",
    "rep_name",
    "tier",
    "reward",
    "amount",
    "currency",
    "payout_batch_id",
    "period",
    "version",
    "previous_version",
)
# Per rep: the reward of the version paid now less that of the version paid before (none: 0).
DIFFERENCES_SQL = """
    with paid_now as (
        select rep_id, tier, reward, cash_value from published.reward_list
        where period = $period and version = $version),
    paid_before as (
        select rep_id, cash_value from published.reward_list
        where period = $period and version = $previous),
    names as (
        select rep_id, arg_max(rep_name, version) as rep_name from published.rep_period_points
        where period = $period and version in ($version, $previous) group by rep_id)
    select rep_id, n.rep_name, w.tier, w.reward,
           coalesce(w.cash_value, 0) - coalesce(b.cash_value, 0) as amount
    from paid_now w full join paid_before b using (rep_id) left join names n using (rep_id)
    where coalesce(w.cash_value, 0) <> coalesce(b.cash_value, 0)
    order by rep_id"""


@dataclass(frozen=True)
class PayoutLine:
    rep_id: str
    rep_name: str | None
    tier: str | None
    reward: str | None
    amount: Decimal


@dataclass(frozen=True)
class Batch:
    payout_batch_id: str
    period: str
    version: int
    previous_version: int | None
    approved_by: str
    created_by: str
    created_at: datetime
    csv_file: Path
    control_file: Path
    lines: tuple[PayoutLine, ...] = field(repr=False)

    @property
    def total_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def pay_period(
    workspace: Workspace, warehouse: Warehouse, period: str, out_dir: Path, by: str
) -> Batch:
    """Write the period's next payout batch into ``out_dir`` and record it; or refuse."""
    version = latest_version(warehouse, period)
    approved_by = _approver(warehouse, period, version)
    previous = _paid_before(warehouse, period, version)
    batch_id = f"PAY-{period}-v{version}"
    stem = f"payout_{period}_v{version}"
    rows = warehouse.rows(
        DIFFERENCES_SQL, {"period": period, "version": version, "previous": previous or 0}
    )
    batch = Batch(
        batch_id,
        period,
        version,
        previous,
        approved_by,
        by,
        datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        Path(out_dir).resolve() / f"{stem}.csv",
        Path(out_dir).resolve() / f"{stem}.control.json",
        tuple(PayoutLine(*row) for row in rows),
    )
    payout_csv = csv_bytes(batch)
    record = {
        "payout_batch_id": batch_id,
        "period": period,
        "version": version,
        "previous_version": previous,
        "approved_by": approved_by,
        "created_by": by,
        "row_count": len(batch.lines),
        "total_amount": batch.total_amount,
        "currency": PROGRAM_CURRENCY,
        "csv_file": str(batch.csv_file),
        "csv_sha256": hashlib.sha256(payout_csv).hexdigest(),
        "created_at": batch.created_at,
    }

    def commit() -> None:
        with warehouse.transaction():
            append_log(warehouse, PAYOUT_BATCHES, record)

    files = {batch.csv_file: payout_csv, batch.control_file: control_bytes(record)}
    write_batch_files(workspace, warehouse, batch_id, files, commit)
    return batch


def _approver(warehouse: Warehouse, period: str, version: int) -> str:
    decision = standing(warehouse, period, version)
    if decision["status"] == APPROVED:
        return decision["decided_by"]
    if decision["status"] == "rejected":
        why = f"rejected by {decision['decided_by']} ({decision['note']})"
        then = "approve it after the problem is solved, or restate the period"
    else:
        closer = f", closed by {decision['closed_by']}" if decision["closed_by"] else ""
        why = f"pending sign-off{closer}"
        then = f"someone other than its closer runs `jifen approve {period} --by <user id>`"
    raise SignoffRefused(f"{period} v{version} cannot be paid: it is {why}; {then}")


def _paid_before(warehouse: Warehouse, period: str, version: int) -> int | None:
    """The version the period's last batch paid; refused when it is ``version`` itself."""
    last = warehouse.row(
        "select version, payout_batch_id, created_at, csv_file from published.payout_batches "
        "where period = ? order by seq desc limit 1",
        [period],
    )
    if last and last[0] == version:
        raise SignoffRefused(
            f"{period} v{version} is already paid: batch {last[1]} of {last[2]:%Y-%m-%d %H:%M} "
            f"UTC ({last[3]}). A version is paid once; a correction is a restatement "
            f'(`jifen close {period} --restate --reason "<why>"`), approved, then paid by its '
            "differences"
        )
    return last[0] if last else None


def csv_bytes(batch: Batch) -> bytes:
    """The payroll file: one row per rep paid (a difference: + top-up, - claw-back)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in batch.lines:
        writer.writerow(
            [
                line.rep_id,
                line.rep_name or "",
                line.tier or "",
                line.reward or "",
                f"{line.amount:.2f}",
                PROGRAM_CURRENCY,
                batch.payout_batch_id,
                batch.period,
                batch.version,
                "" if batch.previous_version is None else batch.previous_version,
            ]
        )
    return text.getvalue().encode("utf-8")


def control_bytes(record: dict) -> bytes:
    """The control file finance reconciles the CSV with (amounts as exact decimal text)."""
    control = {
        "payout_batch_id": record["payout_batch_id"],
        "period": record["period"],
        "version": record["version"],
        "previous_version": record["previous_version"],
        "approver": record["approved_by"],
        "created_by": record["created_by"],
        "created_at": record["created_at"].isoformat() + "Z",
        "row_count": record["row_count"],
        "total_amount": f"{record['total_amount']:.2f}",
        "currency": record["currency"],
        "csv_file": Path(record["csv_file"]).name,
        "csv_sha256": record["csv_sha256"],
    }
    return (json.dumps(control, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
