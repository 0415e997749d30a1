"""Quarantine reason codes of both programs, in the order the checks run.

A row with several problems is quarantined once, under the first code of this list. The loyalty
program's codes (docs/loyalty-program.md) keep its contract's order among the sales program's:
its row-level codes close the row-level block, ``not_member`` follows the checks across rows, and
the last two are judged later, in the ledger walk, never by validation. The sign-off sources'
codes (disputes and their decisions) follow ``not_member``: those sources are judged after all
others.
"""

from __future__ import annotations

from schemas.contract import REDEMPTION_UNIT

REASONS = (
    "missing_field",
    "bad_type",
    "bad_enum",
    "bad_amount",
    "bad_currency",
    "score_out_of_range",
    "bad_date_range",
    "bad_points",
    "duplicate_conflict",
    "duplicate_order",
    "unknown_rep",
    "unknown_customer",
    "rep_inactive",
    "unknown_order",
    "over_return",
    "not_member",
    "unknown_dispute",
    "unknown_line",
    "missing_resolution",
    "over_redemption_limit",
    "insufficient_points",
)
ROW_LEVEL = REASONS[: REASONS.index("duplicate_conflict")]  # decided by one row alone (pandera)
# Business outcomes of the loyalty walk: in the quarantine, never under the error budget.
WALK_LEVEL = ("over_redemption_limit", "insufficient_points")
# The sign-off sources' own codes (disputes, dispute decisions; orchestration/validate/
# signoff_checks.py): their rows never earn points, never under the error budget either.
SIGNOFF_LEVEL = ("unknown_dispute", "unknown_line", "missing_resolution")
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
    "bad_date_range": "a member's left_date is earlier than enrolled_date",
    "bad_points": f"redemption points <= 0, not a multiple of {REDEMPTION_UNIT} or 10^9 or more",
    "not_member": "the customer is not a member on redeemed_date",
    "unknown_dispute": "a dispute decision whose dispute_id is not a loaded dispute",
    "unknown_line": "a dispute's line_id is not in that rep's published ledger for that period",
    "missing_resolution": "an accepted dispute decision without exactly one of a loaded "
    "adjustment_id of the dispute's rep or a published restated_version (> 1) of the disputed "
    "period, or a rejected one naming either",
    "over_redemption_limit": "the member's accepted redemptions of the calendar month would "
    "exceed the monthly limit (judged in the ledger walk)",
    "insufficient_points": "the member's available points are fewer than the redemption's "
    "(judged in the ledger walk)",
}
