"""A trace as plain text lines for ``jifen trace``: the line, its recorded derivation, the
landed row, and indented under it the lines it is computed from."""

from __future__ import annotations

from decimal import Decimal

MAX_SHOWN = 50  # input lines printed per derived line; the rest are counted


def trace_text(trace: dict, indent: str = "") -> list[str]:
    line = trace["line"]
    out = [
        f"{indent}{line['line_id']} {line['rule_id']} {_points(line['points'])} "
        f"(rep {line['rep_id']}, rule book {line['rulebook_version']}): {line['explanation']}"
    ]
    out += _derivation_text(trace, indent + "  ")
    if trace.get("landed"):
        out += landed_text(trace["landed"], indent + "  ")
    if trace.get("derived_from"):
        out.append(f"{indent}  derived from {trace['derived_from']}")
    for late in trace.get("late_rows", []):
        out += _late_text(late, indent + "  ")
    out += [f"{indent}  problem: {problem}" for problem in trace.get("problems", [])]
    inputs = trace.get("inputs", [])
    for child in inputs[:MAX_SHOWN]:
        out += trace_text(child, indent + "    ")
    if len(inputs) > MAX_SHOWN:
        out.append(f"{indent}    … and {len(inputs) - MAX_SHOWN} more input lines")
    return out


def _derivation_text(trace: dict, indent: str) -> list[str]:
    derivation = trace.get("derivation")
    if derivation is None:
        note = trace.get("derivation_note")
        return [f"{indent}derivation: not recorded ({note})"] if note else []
    return [
        f"{indent}derivation ({derivation['rule_kind']}): {derivation['formula']}",
        *_values(indent + "  ", "inputs", derivation["inputs"]),
        *_values(indent + "  ", "parameters", derivation["parameters"]),
    ]


def _values(indent: str, name: str, values: dict[str, str]) -> list[str]:
    if not values:
        return []
    return [f"{indent}{name}: " + ", ".join(f"{key} {value}" for key, value in values.items())]


def landed_text(landed: dict, indent: str) -> list[str]:
    file = landed.get("file") or {}
    state = "unchanged" if file.get("matches") else "CHANGED OR MISSING"
    return [
        f"{indent}landed as {landed['source']}/{landed['source_file']} row "
        f"{landed['row_number']} (sha256 {landed['file_hash'][:12]}…, file now {state})",
        f"{indent}raw values: {landed.get('raw') or {}}",
    ]


def _late_text(late: dict, indent: str) -> list[str]:
    out = [
        f"{indent}{late['status']} since: {late['line_id']} published "
        f"{_points(late['published_points'])}, now {_points(late['points_now'])}, "
        f"delta {_points(late['delta'], signed=True)}"
    ]
    if late.get("derivation"):
        out.append(f"{indent}  derivation: {late['derivation']['formula']}")
    if late.get("landed"):
        out += landed_text(late["landed"], indent + "  ")
    for row in late.get("quarantined", []):
        out.append(
            f"{indent}  quarantined: {row['source_file']} row {row['row_number']} "
            f"{row['reason']} ({row['detail']})"
        )
    out += [f"{indent}  problem: {problem}" for problem in late.get("problems", [])]
    return out


def _points(value: Decimal | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"
