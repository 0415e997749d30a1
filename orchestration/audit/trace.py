"""Walk one published ledger line back to how dbt derived it and to the values as landed.

A line's trace is the derivation dbt recorded when the version was published (the values the
line read, the rule's parameters and the arithmetic: ``derivations.py``), its lineage back to
the landed row (``landed.py``: ``raw_<source>``, the landing file hashed and read again), and
for a line derived from other lines (cap, gate, team bonus, prior-period adjustment:
``adjustments.py``) the traces of those lines. Nothing is computed again here: a rule's meaning
lives in its dbt model; ``jifen verify`` recomputes a version independently.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orchestration.audit import adjustments
from orchestration.audit.derivations import NOT_RECORDED, RecordedDerivations, decimal_input
from orchestration.audit.landed import LandedRows, inputs_match_row
from orchestration.audit.published_lines import PublishedLines
from orchestration.audit.readonly import (
    LineNotFound,
    open_readers_copy,
    open_warehouse,
    resolve_version,
)
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS

MAX_DEPTH = 3  # a gate's cap line's sales lines are as deep as a trace goes


def trace_line(ws: Workspace, line_id: str, period: str, version: int | None = None) -> dict:
    """Trace one published ledger line (latest version of the period unless ``version``).

    Returns a dict (points and amounts are ``Decimal``, raw values text as landed)::

        period, version     the published version the line belongs to
        line                the ledger line, every published column by name
        line_matches_history  the same line in the warehouse's history (True/False, None if
                            the history has no such table)
        kind                "landed" (earned by a landed row) or "derived"
        rule_kind           the kind that computed the line, as recorded (None if not recorded)
        derivation          what dbt recorded for the line: rule_kind, inputs and parameters
                            (dicts of text), formula, input_period and input_rules (what a
                            derived line is computed from), points; None when not recorded
        derivation_note     why there is no derivation (a version published before they were
                            recorded), else None
        landed              for a landed line: source, source_file, row_number, file_hash,
                            raw (the contract's columns as landed, from raw_<source>), raw_id,
                            run_id, ingested (the ingested_files row), file (path, exists,
                            sha256 now, matches), file_row (the row read from the landing
                            file now) and file_row_matches; None for a derived line
        derived_from        for a derived line: what it is computed from, in words
        inputs              for a derived line: the traces of the lines it is computed from
        late_rows           for a PRIOR_PERIOD_ADJUSTMENT: each line new, changed or gone in
                            the adjusted period (line_id, status, published_points,
                            points_now, delta, its recorded derivation, landed, quarantined)
        problems            what did not check out on this line (inputs carry their own)
        ok                  (top level only) no problem anywhere in the trace

    Raises ``NothingPublished`` for an unpublished period/version, ``LineNotFound`` for an
    unknown line and ``WarehouseLocked`` while a close holds the warehouse.
    """
    with open_readers_copy(ws) as published:
        version = resolve_version(published, period, version)
        with open_warehouse(ws) as warehouse:
            tracer = Tracer(ws, published, warehouse)
            line = tracer.lines.line(period, version, line_id)
            if line is None:
                raise LineNotFound(
                    f"{period} v{version} has no ledger line {line_id!r} "
                    f"(see `jifen explain --rep REP --period {period}`)"
                )
            result = tracer.trace(line, depth=0)
    result = {"period": period, "version": version, **result}
    result["ok"] = not all_problems(result)
    return result


def all_problems(trace: dict) -> list[str]:
    """Every problem of a trace and of the traces of its inputs, line id first."""
    found = [f"{trace['line']['line_id']}: {problem}" for problem in trace["problems"]]
    for child in trace.get("inputs", []):
        found.extend(all_problems(child))
    for late in trace.get("late_rows", []):
        found.extend(f"{late['line_id']}: {problem}" for problem in late["problems"])
    return found


class Tracer:
    def __init__(
        self,
        ws: Workspace,
        published: Warehouse,
        warehouse: Warehouse,
    ) -> None:
        self.lines = PublishedLines(published, warehouse)
        self.derivations = RecordedDerivations(warehouse)
        self.landed = LandedRows(ws, warehouse)

    def trace(self, line: dict, depth: int) -> dict:
        result: dict[str, Any] = {
            "line": line,
            "line_matches_history": self.lines.matches_history(line),
            "kind": "derived",
            "rule_kind": None,
            "derivation": None,
            "derivation_note": None,
            "landed": None,
            "derived_from": None,
            "inputs": [],
            "late_rows": [],
            "problems": [],
        }
        problems = result["problems"]
        if result["line_matches_history"] is False:
            problems.append(
                "the readers' copy of this line differs from the warehouse's history "
                "(run `jifen verify-chain`)"
            )
        derivation = self._recorded(line, result)
        if line.get("source_file") is not None:
            result["kind"] = "landed"
            result["landed"] = self.landed.trace(line, problems)
            if derivation is not None and result["landed"]["raw"] is not None:
                inputs_match_row(derivation["inputs"], result["landed"]["raw"], problems)
        elif line.get("source") in SPECS:
            problems.append(f"a {line['source']} line without lineage (source_file is empty)")
        elif derivation is not None:
            self._derived(line, derivation, result, depth)
        return result

    def trace_all(self, lines: list[dict], depth: int) -> list[dict]:
        """The traces of the lines a derived line is computed from (none beyond MAX_DEPTH)."""
        if depth >= MAX_DEPTH:
            return []
        self.lines.prefetch_history(lines)
        for period, version in {(line["period"], line["version"]) for line in lines}:
            of_version = [
                line for line in lines if (line["period"], line["version"]) == (period, version)
            ]
            self.derivations.of_reps(
                period,
                version,
                period,
                sorted({line["rep_id"] for line in of_version}),
                tuple(sorted({line["rule_id"] for line in of_version})),
            )
        return [self.trace(line, depth + 1) for line in lines]

    def _recorded(self, line: dict, result: dict) -> dict | None:
        """The line's recorded derivation, checked against the line; None when not recorded."""
        period, version = line["period"], line["version"]
        if not self.derivations.recorded(period, version):
            result["derivation_note"] = NOT_RECORDED.format(period=period, version=version)
            return None
        derivation = self.derivations.of_line(period, version, period, line["line_id"])
        if derivation is None:
            result["problems"].append(
                f"no derivation was recorded for this line when {period} v{version} was published"
            )
            return None
        if derivation["points"] != line["points"]:
            result["problems"].append(
                f"the recorded derivation gives {derivation['points']}, the line holds "
                f"{line['points']}"
            )
        result["derivation"], result["rule_kind"] = derivation, derivation["rule_kind"]
        return derivation

    def _derived(self, line: dict, derivation: dict, result: dict, depth: int) -> None:
        if "carried_from_version" in derivation["inputs"]:
            adjustments.walk_carried(self, line, derivation, result, depth)
        elif derivation["input_period"] not in (None, line["period"]):
            adjustments.walk(self, line, derivation, line["version"], result, depth)
        elif derivation["input_rules"]:
            self._from_lines(line, derivation, result, depth)

    def _from_lines(self, line: dict, derivation: dict, result: dict, depth: int) -> None:
        """A cap, gate or team bonus: the lines of its rep (a team bonus: of the team's reps)
        and rules in the same version."""
        period, version, rules = line["period"], line["version"], derivation["input_rules"]
        if line.get("source") == "team":
            reps = self.lines.team_members(period, version, line["source_id"])
            whose = f"team {line['source_id']}'s reps ({', '.join(reps) or 'none'})"
        else:
            reps, whose = [line["rep_id"]], f"rep {line['rep_id']}"
        found = [
            other
            for other in self.lines.of_reps(period, version, reps, rules)
            if other["line_id"] != line["line_id"]
        ]
        result["derived_from"] = f"the {listed(rules)} lines of {whose} in {period} v{version}"
        result["inputs"] = self.trace_all(found, depth)
        _check_family_subtotal(derivation, found, result["problems"])


def listed(names: tuple[str, ...] | list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1] if names else ""]))


def _check_family_subtotal(derivation: dict, lines: list[dict], problems: list[str]) -> None:
    """A recorded family subtotal is the sum of the rep's published lines of the family."""
    subtotal = decimal_input(derivation, "family_subtotal")
    family = derivation["parameters"].get("family")
    if subtotal is None or family is None:
        return
    rules = family.split("|")
    found = sum((line["points"] for line in lines if line["rule_id"] in rules), Decimal("0.00"))
    if found != subtotal:
        problems.append(
            f"the derivation read a {family.replace('|', '+')} subtotal of {subtotal}; the "
            f"rep's published lines of it add up to {found}"
        )
