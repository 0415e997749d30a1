"""Walk one published loyalty ledger line back to its source (docs/loyalty-program.md).

A line of a purchase, a reversal, a welcome or a redemption carries the lineage of the row that
caused it (landing file, row, file hash): that row is shown as landed (``landed.py``). An
``EXPIRY`` or ``FORFEIT`` line empties a lot: the lot as ``member_lots`` last published it, the
ledger line that created it (or, for a lot earned before any published loyalty ledger, the
loaded row it comes from), and for a forfeit the member row whose ``left_date`` caused it. A
``FREQUENCY_BONUS`` line is derived: the customer's purchase lines of its month are listed.
Nothing is computed again: every value is read from what dbt produced and publishing kept.
"""

from __future__ import annotations

from typing import Any

from orchestration.audit.landed import LandedRows
from orchestration.audit.readonly import (
    AuditError,
    LineNotFound,
    open_readers_copy,
    open_warehouse,
    resolve_version,
)
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS

LEDGER = "loyalty_ledger"
LOT_SOURCES = {"PURCHASE": "sales", "WELCOME": "members"}  # the source a lot's id names
EMPTIES_A_LOT = ("EXPIRY", "FORFEIT")


def trace_loyalty_line(
    ws: Workspace,
    line_id: str,
    period: str,
    version: int | None = None,
    customer: str | None = None,
) -> dict:
    """Trace one line of the published ``loyalty_ledger`` (latest version unless ``version``).

    Returns a dict::

        period, version, program ("loyalty")
        line                the ledger line, every published column by name
        line_matches_history  the same line in the warehouse's history (True/False)
        kind                "landed" (caused by a landed row), "lot" (empties a lot) or
                            "derived" (a frequency bonus)
        landed              the landed row (landed.py's trace) of a landed line, of a forfeit's
                            member row; else None
        lot                 for EXPIRY/FORFEIT: lot_id, held (its member_lots row as last
                            published up to this period, with period and version, or None),
                            created_by (the published ledger line that created it, or None),
                            created_landed (the landed row the lot comes from, or None) and
                            created_note (where that row was found)
        derived_from, inputs  for a frequency bonus: in words, and the customer's published
                            purchase lines of the month (each a dict of the ledger's columns)
        problems, ok        what did not check out; ok when nothing
    """
    with open_readers_copy(ws) as published:
        version = resolve_version(published, period, version)
        with open_warehouse(ws) as warehouse:
            tracer = LoyaltyTracer(ws, published, warehouse)
            line = tracer.line(period, version, line_id, customer)
            result = tracer.trace(line)
    result = {"period": period, "version": version, "program": "loyalty", **result}
    result["ok"] = not result["problems"]
    return result


def is_loyalty_line(ws: Workspace, line_id: str, period: str, version: int | None) -> bool:
    """Is ``line_id`` a line of the period's published loyalty ledger (any customer)?"""
    with open_readers_copy(ws) as published:
        if not published.table_exists(LEDGER):
            return False
        version = resolve_version(published, period, version)
        return bool(
            published.value(
                f"select count(*) from {LEDGER} where period = ? and version = ? and line_id = ?",
                [period, version, line_id],
            )
        )


class LoyaltyTracer:
    def __init__(self, ws: Workspace, published: Warehouse, warehouse: Warehouse) -> None:
        self.published = published
        self.warehouse = warehouse
        self.landed = LandedRows(ws, warehouse)
        self.columns = published.table_columns(LEDGER)

    def _lines(self, where: str, params: list) -> list[dict]:
        columns = ", ".join(f'"{name}"' for name in self.columns)
        return self.published.dicts(
            f"select {columns} from {LEDGER} where {where} "
            "order by period, version, event_date, line_id",
            params,
        )

    def line(self, period: str, version: int, line_id: str, customer: str | None) -> dict:
        where, params = "period = ? and version = ? and line_id = ?", [period, version, line_id]
        if customer is not None:
            where, params = where + " and customer_id = ?", [*params, customer]
        found = self._lines(where, params)
        if not found:
            whose = f" of customer {customer}" if customer else ""
            raise LineNotFound(
                f"{period} v{version} has no loyalty ledger line {line_id!r}{whose} "
                f"(see `jifen explain --customer ID --period {period}`)"
            )
        if len(found) > 1:
            customers = ", ".join(row["customer_id"] for row in found)
            raise AuditError(
                f"{period} v{version} has loyalty line {line_id!r} for customers {customers}: "
                "name one with --customer"
            )
        return found[0]

    def trace(self, line: dict) -> dict:
        result: dict[str, Any] = {
            "line": line,
            "line_matches_history": self._matches_history(line),
            "kind": "landed",
            "landed": None,
            "lot": None,
            "derived_from": None,
            "inputs": [],
            "problems": [],
        }
        problems = result["problems"]
        if not result["line_matches_history"]:
            problems.append(
                "the readers' copy of this line differs from the warehouse's history "
                "(run `jifen verify-chain`)"
            )
        kind = line["kind"]
        if kind in EMPTIES_A_LOT:
            result["kind"] = "lot"
            result["lot"] = self._lot(line, problems)
            if kind == "FORFEIT":  # the member row whose left_date ended the membership
                member = {**line, "source": "members", "source_id": line["customer_id"]}
                result["landed"] = self._landed(member, problems)
        elif kind == "FREQUENCY_BONUS":
            result["kind"] = "derived"
            month = line["source_id"].rsplit(":", 1)[-1]
            result["derived_from"] = (
                f"customer {line['customer_id']}'s qualifying orders of {month} "
                "(its published purchase lines are listed; an order earning 0 points has none)"
            )
            result["inputs"] = self._lines(  # as the month's own close published them
                "customer_id = ? and kind = 'PURCHASE' and not late and period = ? and version = "
                f"(select max(version) from {LEDGER} where period = ?)",
                [line["customer_id"], month, month],
            )
        else:
            result["landed"] = self._landed(line, problems)
        return result

    def _landed(self, line: dict, problems: list[str]) -> dict | None:
        if line.get("source_file") is None:
            if str(line["line_id"]).startswith("late-"):
                return None  # withdrawn: its explanation names what the previous walk wrote
            problems.append(f"a {line['source']} line without lineage (source_file is empty)")
            return None
        return self.landed.trace(line, problems)

    def _matches_history(self, line: dict) -> bool:
        history = set(self.warehouse.table_columns(LEDGER, "published"))
        common = [name for name in self.columns if name in history]
        columns = ", ".join(f'"{name}"' for name in common)
        rows = self.warehouse.dicts(
            f"select {columns} from published.{LEDGER} where period = ? and version = ? "
            "and line_id = ? and customer_id = ?",
            [line["period"], line["version"], line["line_id"], line["customer_id"]],
        )
        return len(rows) == 1 and rows[0] == {name: line[name] for name in common}

    def _lot(self, line: dict, problems: list[str]) -> dict:
        lot_id, customer = line["lot_id"], line["customer_id"]
        lot: dict[str, Any] = {
            "lot_id": lot_id,
            "held": None,
            "created_by": None,
            "created_landed": None,
            "created_note": None,
        }
        if lot_id is None:
            problems.append(f"a {line['kind']} line without a lot")
            return lot
        if line["source_id"] != lot_id:
            problems.append(f"the line's source_id {line['source_id']!r} is not its lot {lot_id!r}")
        held = self.published.dicts(
            "select * from member_lots where customer_id = ? and lot_id = ? and period <= ? "
            "order by period desc, version desc limit 1",
            [customer, lot_id, line["period"]],
        )
        lot["held"] = held[0] if held else None
        kind, _, source_id = lot_id.partition(":")
        created = self._lines(
            "customer_id = ? and lot_id = ? and kind = ? and source_id = ? and points > 0 "
            "and line_id not like 'late-%' and period <= ?",
            [customer, lot_id, kind, source_id, line["period"]],
        )
        if created:
            lot["created_by"] = created[0]
            lot["created_note"] = (
                f"created by line {created[0]['line_id']} of {created[0]['period']} "
                f"v{created[0]['version']}"
            )
            if created[0]["source_file"] is not None:
                lot["created_landed"] = self.landed.trace(created[0], problems)
            return lot
        self._lot_source_row(lot, customer, kind, source_id, problems)
        return lot

    def _lot_source_row(
        self, lot: dict, customer: str, kind: str, source_id: str, problems: list[str]
    ) -> None:
        """A lot earned before any published ledger: the loaded row its id names."""
        source = LOT_SOURCES.get(kind)
        if source is None:
            lot["created_note"] = (
                f"a {kind} lot earned before the first published loyalty ledger: no row"
            )
            return
        key = SPECS[source].key
        rows = self.warehouse.dicts(
            f"select source_file, row_number, file_hash from validated_{source} "
            f"where {key} = ? order by source_file desc, row_number desc limit 1",
            [source_id],
        )
        if not rows:
            problems.append(f"lot {lot['lot_id']}: no loaded {source} row with {key} {source_id}")
            return
        row = rows[0]
        lot["created_note"] = (
            f"earned before the first published loyalty ledger; its {source} row as loaded now"
        )
        origin = {
            "source": source,
            "source_id": source_id,
            "customer_id": customer,
            "source_file": row["source_file"],
            "source_row_number": row["row_number"],
            "source_file_hash": row["file_hash"],
        }
        lot["created_landed"] = self.landed.trace(origin, problems)
