"""The trace of a prior-period adjustment, from what dbt recorded when it was booked.

An adjustment books, in the period being closed, the difference between a closed period's
rule recomputed with every row known at that close and what was already booked for it. Its
recorded derivation names the adjusted period, the version compared against, the recomputed
and booked points and the lines new, changed or gone since; the recomputed lines themselves are
recorded with the version that booked it (``line_period`` = the adjusted period). The trace
shows the booked lines (traced like any line), each changed line with its recorded derivation
and landed row, and checks that the recorded numbers add up to those lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orchestration.audit.derivations import decimal_input
from orchestration.audit.landed import inputs_match_row
from schemas.contract import SPECS

if TYPE_CHECKING:
    from orchestration.audit.trace import Tracer

ZERO = Decimal("0.00")


def walk(
    tracer: Tracer, line: dict, derivation: dict, version: int, result: dict, depth: int
) -> None:
    """The booked lines, the changed lines and the checks of an adjustment; ``version`` is the
    version of the line's period that booked it (its recorded derivations hold the recomputed
    lines)."""
    inputs = derivation["inputs"]
    adjusted, baseline = inputs["adjusted_period"], int(inputs["adjusted_version"])
    rule, rep = inputs["adjusted_rule_id"], line["rep_id"]
    booked = tracer.lines.of_reps(adjusted, baseline, [rep], (rule,))
    recomputed = tracer.derivations.of_reps(line["period"], version, adjusted, [rep], (rule,))
    result["derived_from"] = (
        f"{adjusted} {rule} of rep {rep} recomputed when {line['period']} v{version} was "
        f"closed ({len(recomputed)} line{'' if len(recomputed) == 1 else 's'}), minus what was "
        f"booked for it: its lines in "
        f"{adjusted} v{baseline} and the adjustments booked for them since"
    )
    result["inputs"] = tracer.trace_all(booked, depth)
    booked_by_id = {entry["line_id"]: entry for entry in booked}
    result["late_rows"] = [
        _late_line(tracer, line_id, booked_by_id, recomputed) for line_id in _changed_lines(inputs)
    ]
    _reconcile(derivation, booked, recomputed, result)


def walk_carried(tracer: Tracer, line: dict, derivation: dict, result: dict, depth: int) -> None:
    """An adjustment a restatement carried over: trace it as the version that booked it
    recorded it."""
    period = line["period"]
    while "carried_from_version" in derivation["inputs"]:
        version = int(derivation["inputs"]["carried_from_version"])
        booked = tracer.derivations.of_line(period, version, period, line["line_id"])
        if booked is None:
            result["derived_from"] = (
                f"booked by {period} v{version} and carried into this version; "
                + (
                    "no derivation of it is recorded there"
                    if tracer.derivations.recorded(period, version)
                    else f"{period} v{version} was published before derivations were recorded"
                )
            )
            return
        derivation = booked
    result["derivation"] = derivation
    walk(tracer, line, derivation, version, result, depth)
    result["derived_from"] = (
        f"booked by {period} v{version} and carried into this version: " + (result["derived_from"])
    )


def _changed_lines(inputs: dict[str, str]) -> list[str]:
    return [text.strip() for text in inputs.get("changed_lines", "").split(",") if text.strip()]


def _late_line(tracer: Tracer, line_id: str, booked: dict[str, dict], recomputed: dict) -> dict:
    """One line the adjustment names: new, changed or gone since the adjusted version."""
    old, new = booked.get(line_id), recomputed.get(line_id)
    status = {(False, True): "new", (True, True): "changed", (True, False): "gone"}
    entry: dict[str, Any] = {
        "line_id": line_id,
        "status": status.get((old is not None, new is not None), "not found"),
        "published_points": old["points"] if old else None,
        "points_now": new["points"] if new else None,
        "delta": None,
        "derivation": new["derivation"] if new else None,
        "landed": None,
        "quarantined": [],
        "problems": [],
    }
    if old is None and new is None:
        entry["problems"].append(f"{line_id} is neither booked nor recorded as recomputed")
        return entry
    entry["delta"] = (new["points"] if new else ZERO) - (old["points"] if old else ZERO)
    row = new or old
    if row.get("source_file") is not None:
        entry["landed"] = tracer.landed.trace(row, entry["problems"])
        raw = entry["landed"]["raw"]
        if new is not None and raw is not None:
            inputs_match_row(new["derivation"]["inputs"], raw, entry["problems"])
    if row.get("source") in SPECS:
        entry["quarantined"] = tracer.landed.quarantined(row["source"], row["source_id"])
    return entry


def _reconcile(derivation: dict, booked: list[dict], recomputed: dict, result: dict) -> None:
    """The recorded numbers against the lines: what the adjusted version booked, what was
    recomputed, and the changed lines accounting for the difference."""
    problems, inputs = result["problems"], derivation["inputs"]
    in_version = decimal_input(derivation, "booked_in_version")
    recomputed_points = decimal_input(derivation, "recomputed_points")
    booked_sum = sum((entry["points"] for entry in booked), ZERO)
    if in_version is not None and booked_sum != in_version:
        problems.append(
            f"the derivation read {in_version} booked in {inputs['adjusted_period']} "
            f"v{inputs['adjusted_version']}; its lines there add up to {booked_sum}"
        )
    recomputed_sum = sum((entry["points"] for entry in recomputed.values()), ZERO)
    if recomputed_points is not None and recomputed_sum != recomputed_points:
        problems.append(
            f"the derivation read {recomputed_points} recomputed; the recomputed lines recorded "
            f"add up to {recomputed_sum}"
        )
    deltas = [entry["delta"] for entry in result["late_rows"]]
    if None in deltas or in_version is None or recomputed_points is None:
        return
    if sum(deltas, ZERO) != recomputed_points - in_version:
        problems.append(
            f"the lines new, changed or gone account for {sum(deltas, ZERO)}, not for the "
            f"difference {recomputed_points - in_version} between recomputed and booked"
        )
