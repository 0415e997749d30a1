"""The sign-off part of an audit pack (docs/operations.md): who approved what, what was paid,
the reps' disputes and their acknowledgements of the rule book.

``approvals.csv`` and ``payout_batches.csv`` are the period's records of the two logs (every
version), each chained into the publication chain by its ``record_hash``; the payout files a
batch names are copied into ``payouts/`` when they are still where the payout wrote them.
``disputes.csv`` and ``rule_acknowledgements.csv`` are published tables of the version (written
with the others, in its content hash). Checked once when the pack is written: every record
hashes to its ``record_hash``, each copied payout file to its batch's ``csv_sha256``, and the
period's batches add up to the reward list of the version paid last.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from orchestration.ingest.reader import sha256_of
from orchestration.publish.store import record_hash
from orchestration.warehouse.connection import Warehouse
from schemas.published import APPROVALS, PAYOUT_BATCHES, VERSIONED, LogTable

NOTES = {
    "disputes": "the disputes opened by the period's last day, as known then: the rep, the "
    "disputed period and ledger line, the reason, `status` (`open`, `accepted`, `rejected`) "
    "with its date, `age_days` (to the decision, or to the period's last day while open), "
    "`resolved_by` (`adjustment <id>` or `version <n>`) and the landed dispute row",
    "rule_acknowledgements": "per rep active in the period: the rule book version in effect "
    "and whether (and when) the rep acknowledged it",
}
WriteCsv = Callable[[Path, list[str], list], None]


def _log_rows(warehouse: Warehouse, log: LogTable, period: str) -> list[dict]:
    if not warehouse.table_exists(log.name, "published"):
        return []  # a warehouse from before sign-off existed
    return warehouse.dicts(
        f"select {', '.join(log.column_names)} from published.{log.name} "
        "where period = ? order by seq",
        [period],
    )


def _copy_payout_files(batches: list[dict], folder: Path) -> list[dict]:
    """Copy each batch's CSV into ``payouts/`` when it is still there; say what was found."""
    found = []
    for batch in batches:
        source = Path(batch["csv_file"] or "")
        state = "missing"
        if source.is_file():
            state = "matches" if sha256_of(source) == batch["csv_sha256"] else "CHANGED"
            (folder / "payouts").mkdir(exist_ok=True)
            shutil.copyfile(source, folder / "payouts" / source.name)
        found.append({"batch": batch["payout_batch_id"], "file": source.name, "state": state})
    return found


def _paid_total(warehouse: Warehouse, period: str, batches: list[dict]) -> Decimal | None:
    """The reward list total of the version the last batch paid (None: nothing paid)."""
    if not batches:
        return None
    return warehouse.value(
        "select coalesce(sum(cash_value), 0) from published.reward_list "
        "where period = ? and version = ?",
        [period, batches[-1]["version"]],
    )


def write_signoff_logs(
    warehouse: Warehouse, folder: Path, period: str, version: int, write_csv: WriteCsv
) -> dict:
    """Write the period's log records (and the payout files still present); return the checks
    the README reports."""
    approvals = _log_rows(warehouse, APPROVALS, period)
    batches = _log_rows(warehouse, PAYOUT_BATCHES, period)
    for log, rows in ((APPROVALS, approvals), (PAYOUT_BATCHES, batches)):
        names = list(log.column_names)
        write_csv(folder / f"{log.name}.csv", names, [[row[n] for n in names] for row in rows])
    records = [(APPROVALS, row) for row in approvals] + [(PAYOUT_BATCHES, r) for r in batches]
    standing = [row for row in approvals if row["version"] == version]
    return {
        "approvals": len(approvals),
        "batches": len(batches),
        "standing": standing[-1]["status"] if standing else "pending",
        "unhashed": [
            f"{log.name} seq {row['seq']}"
            for log, row in records
            if record_hash(log, row) != row["record_hash"]
        ],
        "payout_files": _copy_payout_files(batches, folder),
        "batches_total": sum((row["total_amount"] for row in batches), Decimal(0)),
        "paid_total": _paid_total(warehouse, period, batches),
        "paid_version": batches[-1]["version"] if batches else None,
    }


def _mark(passed: bool) -> str:
    return "yes" if passed else "**NO**"


FILES_NOTE = (
    "- `approvals.csv`, `payout_batches.csv`: the period's sign-off decisions and payout\n"
    "  batches (every version), each a link of the publication chain; `payouts/`: the payout\n"
    "  CSV files of those batches that were still where the payout wrote them\n"
)


def readme_checks(checks: dict) -> str:
    """The pack's check lines for the sign-off logs."""
    signoff = checks.get("signoff")
    if not signoff:
        return ""
    lines = [
        f"- this version's sign-off stands at `{signoff['standing']}` "
        f"({signoff['approvals']} approval record(s) of the period)",
        f"- every record of `approvals.csv` and `payout_batches.csv` hashes to its "
        f"`record_hash`: {_mark(not signoff['unhashed'])}"
        + "".join(f"\n  - {name}" for name in signoff["unhashed"]),
    ]
    if signoff["paid_version"] is not None:
        lines.append(
            f"- the period's {signoff['batches']} payout batch(es) add up to "
            f"{signoff['batches_total']}, the reward list total of version "
            f"{signoff['paid_version']} (paid last), {signoff['paid_total']}: "
            f"{_mark(signoff['batches_total'] == signoff['paid_total'])}"
        )
    for found in signoff["payout_files"]:
        lines.append(
            f"- payout file `{found['file']}` of batch `{found['batch']}`: "
            + {
                "matches": "copied to `payouts/`, SHA-256 = `csv_sha256`: yes",
                "CHANGED": "copied to `payouts/`, SHA-256 = `csv_sha256`: **NO**",
                "missing": "not found where the payout wrote it (not checked)",
            }[found["state"]]
        )
    return "\n".join(lines) + "\n"


def _fields(log: LogTable) -> str:
    return ", ".join(f"`{field}`" for field in log.chained)


def _steps(period: str, version: int) -> list[str]:
    """The hand-check steps, the published tables' only when this version publishes them."""
    steps = [
        f"`approvals.csv` holds every decision on the versions of {period} (oldest first): the "
        "close writes `pending` with `closed_by`; `approved` and `rejected` name `decided_by` "
        "and `decided_at`. The record of a version with the highest `seq` is the decision that "
        "stands; `decided_by` is never `closed_by` on an approval.",
        "Each record of `approvals.csv` and `payout_batches.csv` is a link of the publication "
        "chain: its `record_hash` is the SHA-256 of its chained fields (approvals: "
        f"{_fields(APPROVALS)}; payout batches: {_fields(PAYOUT_BATCHES)}) and `previous_hash`,"
        " joined by 0x1F (NULL as an empty string); `previous_hash` is the hash of the record "
        "with `seq` - 1 (a publication's `publication_hash` or a log record's `record_hash`). "
        "`jifen verify-chain` checks the whole chain.",
        "`payout_batches.csv`: each batch's `version` was approved (step 1) when it was "
        "created. A batch with an empty `previous_version` pays the version's `reward_list`; "
        "one with a `previous_version` pays, per rep, the version's `cash_value` minus that "
        "version's (a claw-back is negative). So the `total_amount`s of the period add up to "
        "the `cash_value` total of `reward_list` of the version paid last. Each batch's CSV (in "
        "`payouts/` when it was found) has `row_count` rows, amounts adding up to "
        "`total_amount`, and the SHA-256 `csv_sha256` (`sha256sum payouts/<file>`).",
    ]
    published = {table.name for table in VERSIONED}
    if "disputes" in published:
        steps.append(
            f"`disputes.csv` (as known at the end of {period}, version {version}): an `open` "
            "dispute's `age_days` is the days from `opened_date` to the period's last day, a "
            "decided one's to `decided_date`. An `accepted` dispute is resolved by "
            "`adjustment <id>` (a `MANUAL_ADJUSTMENT` line with that `source_id` in the ledger "
            "of its period, or a `PRIOR_PERIOD_ADJUSTMENT` naming it) or by `version <n>` (a "
            "restatement of the disputed period). The dispute's landing row is `source_file` "
            "row `source_row_number`."
        )
    if "rule_acknowledgements" in published:
        steps.append(
            f"`rule_acknowledgements.csv`: one row per rep active in {period} with the rule "
            "book version in effect; `acknowledged` is true when `landing/acknowledgements/` "
            "holds a loaded row of that rep and version (on `acknowledged_date`)."
        )
    return steps


def readme_section(checks: dict, number: int, period: str, version: int) -> str:
    """``## N. Check the sign-off, the payouts and the disputes by hand``."""
    if not checks.get("signoff"):
        return ""
    steps = "".join(
        textwrap.fill(
            text, 96, initial_indent=f"{n}. ", subsequent_indent="   ", break_on_hyphens=False
        )
        + "\n"
        for n, text in enumerate(_steps(period, version), start=1)
    )
    return f"""
## {number}. Check the sign-off, the payouts and the disputes by hand

A published version is paid only once someone other than the user who closed it approves it
(`jifen approve`); a payout pays the latest approved version once, and a restated version only
its differences per rep.

{steps}"""
