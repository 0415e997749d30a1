"""The generated facts in memory: plain lists (fast at millions of rows), read by the indexes
below. Dates are day ordinals and amounts cents while clean; a planted row holds raw text."""

from __future__ import annotations

from schemas.contract import PROGRAM_CURRENCY

# Sales: sort date, category ('n' generated business, 'x' planted), the contract's columns
# (txn_id, txn_type, order_id, rep_id, customer_id, txn_date, amount, currency), file, tag.
S_SORT, S_CAT, S_TXN, S_TYPE, S_ORDER, S_REP, S_CUST, S_D, S_AMT, S_CUR, S_FILE, S_TAG = range(12)
# Surveys: sort date, category, survey_id, rep, customer, order, score, date.
V_SORT, V_CAT, V_ID, V_REP, V_CUST, V_ORDER, V_SCORE, V_D = range(8)

SALE_COLUMNS = (S_TXN, S_TYPE, S_ORDER, S_REP, S_CUST, S_D, S_AMT, S_CUR)  # contract order
SURVEY_COLUMNS = (V_ID, V_REP, V_CUST, V_ORDER, V_SCORE, V_D)
SALE_FIELDS = {  # the names a planted sale's changes are given by (``extra_sale``)
    "sort": S_SORT,
    "type": S_TYPE,
    "order": S_ORDER,
    "rep": S_REP,
    "cust": S_CUST,
    "d": S_D,
    "amt": S_AMT,
    "cur": S_CUR,
}


def sale_row(
    d: int,
    cat: str,
    kind: str,
    order: str,
    rep: str,
    cust: str,
    cents: int,
    file: str,
    tag: str = "",
) -> list:
    """A sales row; its txn_id is given once every row is drawn (``build.assign_ids``)."""
    return [d, cat, "", kind, order, rep, cust, d, cents, PROGRAM_CURRENCY, file, tag]
