"""``jifen explain --customer``: a loyalty member's period, line by line and lot by lot.

Reads the readers' database only: the period's ledger lines (with the lot each created or took
from), the lots left at the end of the period with their expiry days, and the balance row they
must add up to (closing = opening + the period's lines = the lots' remaining points - debt).
"""

from __future__ import annotations

import typer
from rich.table import Table

from orchestration.cli.output import console, fail
from orchestration.warehouse.connection import Warehouse

BALANCE_COLUMNS = "opening_points, prior_period_adjustment, closing_points, debt_points"


def explain_member(published: Warehouse, customer: str, period: str, version: int) -> None:
    balance = published.row(
        f"select {BALANCE_COLUMNS} from member_balances "
        "where period = ? and version = ? and customer_id = ?",
        [period, version, customer],
    )
    if balance is None:
        raise fail(f"customer {customer} has no member balance in {period} v{version}")
    lines = published.rows(
        "select event_date, kind, points, lot_id, late, explanation, source_file, "
        "source_row_number from loyalty_ledger where period = ? and version = ? "
        "and customer_id = ? order by late desc, event_date, line_id",
        [period, version, customer],
    )
    lots = published.rows(
        "select lot_id, earned_on, expires_on, remaining_points from member_lots "
        "where period = ? and version = ? and customer_id = ? order by earned_on, lot_id",
        [period, version, customer],
    )
    _print_lines(customer, period, version, lines)
    _print_lots(lots)
    _print_balance(balance, lines, lots)


def _print_lines(customer: str, period: str, version: int, lines: list[tuple]) -> None:
    table = Table(title=f"member {customer} in {period} v{version}")
    for column in ("date", "kind", "points", "lot", "explanation", "landed as"):
        table.add_column(column, justify="right" if column == "points" else "left")
    for day, kind, points, lot, late, text, file, row in lines:
        table.add_row(
            f"{day}{' (late)' if late else ''}",
            kind,
            f"{points:+,}",
            lot or "(debt)",
            text,
            f"{file} row {row}" if file else "",
        )
    console.print(table)


def _print_lots(lots: list[tuple]) -> None:
    table = Table(title="lots at the end of the period (used oldest first)")
    for column in ("lot", "earned", "expires at the end of", "points left"):
        table.add_column(column, justify="right" if column == "points left" else "left")
    for lot, earned, expires, remaining in lots:
        table.add_row(lot, str(earned), str(expires or "never"), f"{remaining:,}")
    console.print(table)


def _print_balance(balance: tuple, lines: list[tuple], lots: list[tuple]) -> None:
    opening, adjustment, closing, debt = balance
    moved = sum(line[2] for line in lines)
    late = sum(line[2] for line in lines if line[4])
    held = sum(lot[3] for lot in lots)
    rolls = opening + moved == closing and late == adjustment
    matches = held - debt == closing
    console.print(
        f"opening {opening:,} + {len(lines)} lines {moved:+,} (late {late:+,} = adjustment "
        f"{adjustment:+,}) = closing {closing:,} {'✓' if rolls else '≠ (MISMATCH)'}; "
        f"lots {held:,} - debt {debt:,} = {held - debt:,} {'✓' if matches else '≠ (MISMATCH)'}"
    )
    if not (rolls and matches):
        raise typer.Exit(1)
