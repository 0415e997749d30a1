"""The derivations dbt recorded for the lines of each published version.

dbt's rule models record, for every ledger line, the values it read, the rule's parameters and
the arithmetic (``int_ledger_derivations``); publishing keeps them with the version in the
warehouse's ``published.ledger_derivations`` (``schemas.published.INTERNAL``). The audit reads
them as recorded: it never computes a line again. A version published before derivations were
recorded has none.
"""

from __future__ import annotations

import json
from decimal import Decimal

from orchestration.audit.readonly import marks
from orchestration.warehouse.connection import Warehouse

TABLE = "ledger_derivations"
NOT_RECORDED = (
    "{period} v{version} was published before jifen recorded how each line is derived: its "
    "explanation is the only account of the arithmetic"
)


def as_derivation(row: dict) -> dict:
    """A stored row as the trace shows it: inputs and parameters as dicts of text (values that
    did not apply left out), the rules a derived line is computed from as a tuple."""
    return {
        "rule_kind": row["rule_kind"],
        "inputs": _record(row["inputs"]),
        "parameters": _record(row["parameters"]),
        "formula": row["formula"],
        "input_period": row["input_period"],
        "input_rules": tuple(filter(None, (row["input_rules"] or "").split("|"))),
        "points": row["points"],
    }


def _record(text: str | None) -> dict[str, str]:
    values = json.loads(text) if text else {}
    return {name: value for name, value in values.items() if value is not None}


def decimal_input(derivation: dict, name: str) -> Decimal | None:
    value = derivation["inputs"].get(name)
    return None if value is None else Decimal(value)


class RecordedDerivations:
    """The warehouse's recorded derivations, fetched a version's lines at a time and cached."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.stored = bool(warehouse.table_columns(TABLE, "published"))
        self.versions: dict[tuple[str, int], bool] = {}
        self.lines: dict[tuple[str, int, str, str], dict | None] = {}

    def recorded(self, period: str, version: int) -> bool:
        """Did publishing this version record derivations (it did from this feature on)?"""
        key = (period, version)
        if key not in self.versions:
            self.versions[key] = self.stored and bool(
                self.warehouse.value(
                    f"select count(*) from published.{TABLE} where period = ? and version = ?",
                    [period, version],
                )
            )
        return self.versions[key]

    def of_line(self, period: str, version: int, line_period: str, line_id: str) -> dict | None:
        """The derivation of one line of a version (``line_period`` is the line's own period)."""
        key = (period, version, line_period, line_id)
        if key not in self.lines:
            found = self._fetch(
                period,
                version,
                "line_period = ? and line_id = ?",
                [
                    line_period,
                    line_id,
                ],
            )
            self.lines[key] = as_derivation(found[0]) if found else None
        return self.lines[key]

    def of_reps(
        self, period: str, version: int, line_period: str, reps: list[str], rules: tuple
    ) -> dict[str, dict]:
        """The recorded lines of some reps and rules in one period of a version, by line id,
        each as a derivation with the line's ``rep_id``, ``rule_id`` and lineage."""
        if not reps or not rules or not self.stored:
            return {}
        rows = self._fetch(
            period,
            version,
            f"line_period = ? and rep_id in ({marks(reps)}) and rule_id in ({marks(rules)})",
            [line_period, *reps, *rules],
        )
        found = {}
        for row in rows:
            derivation = as_derivation(row)
            self.lines[(period, version, line_period, row["line_id"])] = derivation
            found[row["line_id"]] = {**row, "derivation": derivation}
        return found

    def _fetch(self, period: str, version: int, where: str, params: list) -> list[dict]:
        if not self.stored:
            return []
        return self.warehouse.dicts(
            f"select * from published.{TABLE} where period = ? and version = ? and {where} "
            "order by line_period, line_id",
            [period, version, *params],
        )
