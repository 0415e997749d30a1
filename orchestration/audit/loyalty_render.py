"""A loyalty line's trace as plain text lines for ``jifen trace``."""

from __future__ import annotations

from orchestration.audit.render import landed_text as _landed_text
from schemas.contract import SPECS

WITHHELD = "(withheld: personal data)"  # as the audit pack's quarantine.csv

MAX_SHOWN = 50  # purchase lines printed under a frequency bonus; the rest are counted


def loyalty_trace_text(trace: dict) -> list[str]:
    line = trace["line"]
    out = [
        f"{line['line_id']} {line['kind']} {line['points']:+,} points (customer "
        f"{line['customer_id']}, {line['event_date']}, lot {line['lot_id'] or 'none: debt'}, "
        f"rule book {line['rulebook_version']}{', late' if line['late'] else ''}): "
        f"{line['explanation']}"
    ]
    if trace.get("landed"):
        out += landed_text(trace["landed"], "  ")
    lot = trace.get("lot")
    if lot:
        out += _lot_text(lot, "  ")
    if trace.get("derived_from"):
        out.append(f"  derived from {trace['derived_from']}")
    inputs = trace.get("inputs", [])
    for purchase in inputs[:MAX_SHOWN]:
        out.append(
            f"    {purchase['line_id']} {purchase['points']:+,} points ({purchase['event_date']},"
            f" {purchase['source_file']} row {purchase['source_row_number']})"
        )
    if len(inputs) > MAX_SHOWN:
        out.append(f"    … and {len(inputs) - MAX_SHOWN} more purchase lines")
    out += [f"  problem: {problem}" for problem in trace.get("problems", [])]
    return out


def landed_text(landed: dict, indent: str) -> list[str]:
    """The landed row, its personal values (a member's card number) withheld on screen."""
    spec = SPECS.get(landed["source"])
    raw = landed.get("raw")
    if spec is not None and raw:
        raw = {
            key: WITHHELD if key in spec.personal and value else value for key, value in raw.items()
        }
    return _landed_text({**landed, "raw": raw}, indent)


def _lot_text(lot: dict, indent: str) -> list[str]:
    held = lot.get("held")
    out = [
        f"{indent}empties lot {lot['lot_id']}"
        + (
            f": earned {held['earned_on']}, expires {held['expires_on']}, "
            f"{held['remaining_points']:,} points left at the end of {held['period']} "
            f"(member_lots v{held['version']})"
            if held
            else " (in no published member_lots up to this period)"
        )
    ]
    created = lot.get("created_by")
    if created:
        out.append(
            f"{indent}  {lot['created_note']}: {created['kind']} {created['points']:+,} points "
            f"dated {created['event_date']}: {created['explanation']}"
        )
    elif lot.get("created_note"):
        out.append(f"{indent}  {lot['created_note']}")
    if lot.get("created_landed"):
        out += landed_text(lot["created_landed"], indent + "  ")
    return out
