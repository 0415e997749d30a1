"""Published ledger lines as readers see them (``published.duckdb``), checked against the
warehouse's history of the same version."""

from __future__ import annotations

from orchestration.audit.readonly import marks
from orchestration.warehouse.connection import Warehouse


class PublishedLines:
    def __init__(self, published: Warehouse, warehouse: Warehouse) -> None:
        self.published = published
        self.warehouse = warehouse
        self.columns = published.table_columns("points_ledger")
        history = set(warehouse.table_columns("points_ledger", "published"))
        self.common = [name for name in self.columns if name in history]
        self.history: dict[tuple[str, int, str], dict | None] = {}

    def _select(self, where: str, params: list, order: str = "line_id") -> list[dict]:
        columns = ", ".join(f'"{name}"' for name in self.columns)
        return self.published.dicts(
            f"select {columns} from points_ledger where {where} order by {order}",
            params,
        )

    def line(self, period: str, version: int, line_id: str) -> dict | None:
        rows = self._select(
            "period = ? and version = ? and line_id = ?", [period, version, line_id]
        )
        return rows[0] if rows else None

    def of_reps(self, period: str, version: int, reps: list[str], rules: tuple) -> list[dict]:
        """The lines of some reps and rules in a version, by rep, rule and line."""
        if not reps or not rules:
            return []
        return self._select(
            f"period = ? and version = ? and rep_id in ({marks(reps)}) "
            f"and rule_id in ({marks(rules)})",
            [period, version, *reps, *rules],
            order="rep_id, rule_id, line_id",
        )

    def team_members(self, period: str, version: int, team: str) -> list[str]:
        """The reps of a team in a version's results (their team as published)."""
        rows = self.published.rows(
            "select rep_id from rep_period_points where period = ? and version = ? "
            "and team_id = ? order by rep_id",
            [period, version, team],
        )
        return [row[0] for row in rows]

    def matches_history(self, line: dict) -> bool | None:
        """Is the readers' copy of the line the warehouse's history of it (None: no history)?"""
        if "line_id" not in self.common:
            return None
        key = (line["period"], line["version"], line["line_id"])
        if key not in self.history:
            self.prefetch_history([line])
        stored = self.history.get(key)
        return stored == {name: line[name] for name in self.common}

    def prefetch_history(self, lines: list[dict]) -> None:
        """The warehouse's history of many lines of one version at once (a line missing from
        it is remembered as None)."""
        if "line_id" not in self.common:
            return
        columns = ", ".join(f'"{name}"' for name in self.common)
        for period, version in {(line["period"], line["version"]) for line in lines}:
            ids = [
                line["line_id"]
                for line in lines
                if (line["period"], line["version"]) == (period, version)
            ]
            rows = self.warehouse.dicts(
                f"select {columns} from published.points_ledger "
                f"where period = ? and version = ? and line_id in ({marks(ids)})",
                [period, version, *ids],
            )
            by_id: dict[str, list[dict]] = {}
            for row in rows:
                by_id.setdefault(row["line_id"], []).append(row)
            for line_id in ids:
                found = by_id.get(line_id, [])
                self.history[(period, version, line_id)] = found[0] if len(found) == 1 else None
