"""Quarantine reason codes of the default program, in the order the checks run.

A row with several problems is quarantined once, under the first code of this list.
"""

from __future__ import annotations

REASONS = (
    "missing_field",
    "bad_type",
    "bad_enum",
    "bad_amount",
    "bad_currency",
    "score_out_of_range",
    "duplicate_conflict",
    "duplicate_order",
    "unknown_rep",
    "unknown_customer",
    "rep_inactive",
    "unknown_order",
    "over_return",
)
ROW_LEVEL = REASONS[:6]  # decided by one row alone (pandera)
RANK = {reason: position for position, reason in enumerate(REASONS)}

DESCRIPTIONS = {
    "missing_field": "a required value is empty",
    "bad_type": "a value does not parse (date, month, decimal, integer)",
    "bad_enum": "a value is not in its closed set",
    "bad_amount": "amount <= 0 (adjustment points = 0) or more than 2 decimal places",
    "bad_currency": "currency is not the program currency",
    "score_out_of_range": "score outside 1..5",
    "duplicate_conflict": "another row has the same key but different values",
    "duplicate_order": "a second sale with an order_id already used by another sale",
    "unknown_rep": "rep_id is not in the loaded reps",
    "unknown_customer": "customer_id is not in the loaded customers",
    "rep_inactive": "dated outside the rep's hire_date..leave_date "
    "(an adjustment: no active day in its month)",
    "unknown_order": "a return whose order_id has no loaded sale",
    "over_return": "returns of the order would exceed the sale's amount",
}
