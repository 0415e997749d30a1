"""Sales rows the contract quarantines: one or more per reason code, then random ones up to the
dirty rate (text problems only in CSV files: a typed Parquet file cannot hold them)."""

from __future__ import annotations

from collections.abc import Callable

from orchestration.generate.draft import Draft
from orchestration.generate.rows import (
    S_AMT,
    S_CAT,
    S_CUST,
    S_D,
    S_FILE,
    S_ORDER,
    S_REP,
    S_SORT,
    S_TAG,
    S_TYPE,
    SALE_FIELDS,
    sale_row,
)

REASONS = (
    "missing_field",
    "bad_type",
    "bad_enum",
    "bad_amount",
    "bad_currency",
    "duplicate_order",
    "unknown_rep",
    "unknown_customer",
    "rep_inactive",
    "over_return",
)


def pick_sale(
    draft: Draft,
    i: int,
    ok: Callable[[list], bool] | None = None,
    file: str | None = None,
    claim: bool = True,
) -> list:
    """A clean sale of month i (dated in i, no returns, not used by another scenario)."""
    rows, (_, start, end, _) = draft.sales[i], draft.months[i]
    n = len(rows)
    at = draft.rng.randrange(n)
    for k in range(n):
        r = rows[(at + k) % n]
        if (
            r[S_CAT] == "n"
            and r[S_TYPE] == "sale"
            and not r[S_TAG]
            and start <= r[S_SORT] <= end
            and r[S_ORDER] not in draft.returned
            and r[S_ORDER] not in draft.touched
            and (file is None or r[S_FILE] == file)
            and isinstance(r[S_AMT], int)
            and (ok is None or ok(r))
        ):
            if claim:
                draft.touched.add(r[S_ORDER])
            return r
    raise RuntimeError(f"no clean sale left in {draft.months[i][0]} for a planted row")


def extra_sale(draft: Draft, i: int, tpl: list, file: str = "a", **values) -> list:
    """A new planted sales row (fresh order id) modelled on a clean template row."""
    file = file if file == "a" or draft.has_b(i) else "a"
    row = sale_row(
        tpl[S_SORT], "x", "sale", draft.next_order(), tpl[S_REP], tpl[S_CUST], tpl[S_AMT], file
    )
    row[S_D] = tpl[S_D]
    for key, value in values.items():
        row[SALE_FIELDS[key]] = value
    draft.sales[i].append(row)
    j = draft.month_of(row[S_SORT])  # the period the row counts against
    draft.plant("sales", i if j is None else j)
    return row


def plant_sales(draft: Draft) -> None:
    """One or more rows per sales reason code, spread over the months; two valid oddities."""
    for k, reason in enumerate(REASONS):
        i = k % draft.n_months
        tpl = pick_sale(draft, i, claim=False)
        PLANTERS[reason](draft, i, tpl)
    # Valid but unusual text: three decimals with a trailing zero, padded ids.
    r = pick_sale(draft, 0, file="a")
    r[S_AMT] = f"{r[S_AMT] // 100}.{r[S_AMT] % 100:02d}0"
    r[S_TAG] = "edge"
    r = pick_sale(draft, 0, file="a")
    r[S_REP], r[S_CUST], r[S_TAG] = f" {r[S_REP]} ", f"{r[S_CUST]}  ", "edge"


def _missing_field(draft: Draft, i: int, tpl: list) -> None:
    amt = tpl[S_AMT]
    bad = extra_sale(draft, i, tpl, cust="")
    # a return of that never-loaded sale: unknown_order (plus one for a made-up order)
    extra_sale(draft, i, tpl, type="return", order=bad[S_ORDER], amt=max(1, amt // 2))
    extra_sale(draft, i, tpl, "b", type="return", amt=max(1, amt // 3))


def _bad_type(draft: Draft, i: int, tpl: list) -> None:
    amt = tpl[S_AMT]
    row = extra_sale(draft, i, tpl, amt=f"{amt // 100},{amt % 100:02d}")
    row[S_TAG] = f"resend:{amt}"  # corrected row with the same txn_id lands later
    extra_sale(draft, i, tpl, d=f"{draft.year0}-02-30")


def _bad_enum(draft: Draft, i: int, tpl: list) -> None:
    extra_sale(draft, i, tpl, type="refund")


def _bad_amount(draft: Draft, i: int, tpl: list) -> None:
    amt = tpl[S_AMT]
    text = f"{amt // 100}.{amt % 100:02d}"
    for value in ("0.00", f"-{text}", f"{text}5"):
        extra_sale(draft, i, tpl, amt=value)


def _bad_currency(draft: Draft, i: int, tpl: list) -> None:
    extra_sale(draft, i, tpl, cur="USD")


def _duplicate_order(draft: Draft, i: int, tpl: list) -> None:
    orig = pick_sale(draft, i)
    other = "a" if orig[S_FILE] == "b" else "b"
    extra_sale(draft, i, orig, other, order=orig[S_ORDER], amt=orig[S_AMT] + 5000)


def _unknown_rep(draft: Draft, i: int, tpl: list) -> None:
    extra_sale(draft, i, tpl, "b", rep=draft.ghost_rep)
    extra_sale(draft, i, tpl, rep=tpl[S_REP].lower())
    extra_sale(draft, i, tpl, rep=draft.new_ghost_rep() + "X", cust=draft.ghost_cust_enum)


def _unknown_customer(draft: Draft, i: int, tpl: list) -> None:
    extra_sale(draft, i, tpl, "b", cust=draft.ghost_cust_enum)


def _rep_inactive(draft: Draft, i: int, tpl: list) -> None:
    """A sale by a rep who left before the first month, after a leave, before a hire."""
    former = next(p for p in draft.people if p.former)
    extra_sale(draft, i, tpl, "b", rep=former.rep_id)
    for p in draft.active_reps:
        if (
            p.leave is not None
            and p.leave >= draft.first
            and draft.month_of(p.leave + 3) is not None
        ):
            d = p.leave + 3
            j = draft.month_of(d)
            extra_sale(draft, j, tpl, rep=p.rep_id, cust=p.book[0].cid, sort=d, d=d)
            break
    for p in draft.active_reps:
        if p.hire > draft.first and draft.month_of(p.hire - 1) is not None:
            d = p.hire - 1
            j = draft.month_of(d)
            extra_sale(draft, j, tpl, rep=p.rep_id, cust=p.book[0].cid, sort=d, d=d)
            break


def _over_return(draft: Draft, i: int, tpl: list) -> None:
    """Returns of 60 %, 60 % (crosses: quarantined) and the exact rest (fits)."""

    def fits(r: list) -> bool:
        rep = draft.rep_by_id[r[S_REP]]
        return (
            r[S_AMT] >= 1000
            and rep.active(r[S_SORT] + 6)
            and draft.month_of(r[S_SORT] + 6) is not None
        )

    sale = pick_sale(draft, i, fits)
    amt, d = sale[S_AMT], sale[S_SORT]
    first = round(amt * 0.6)
    for step, cents in ((2, first), (4, first), (6, amt - first)):
        j = draft.month_of(d + step)
        extra_sale(
            draft,
            j,
            sale,
            draft.pick_file(j),
            type="return",
            order=sale[S_ORDER],
            sort=d + step,
            d=d + step,
            amt=cents,
        )
        if step != 4:
            draft.planted -= 1  # the two returns that fit load normally
            draft.planted_in[("sales", j)] -= 1


PLANTERS: dict[str, Callable[[Draft, int, list], None]] = {
    "missing_field": _missing_field,
    "bad_type": _bad_type,
    "bad_enum": _bad_enum,
    "bad_amount": _bad_amount,
    "bad_currency": _bad_currency,
    "duplicate_order": _duplicate_order,
    "unknown_rep": _unknown_rep,
    "unknown_customer": _unknown_customer,
    "rep_inactive": _rep_inactive,
    "over_return": _over_return,
}


ANY_FILE_REASONS = ("unknown_rep", "unknown_customer", "unknown_order", "duplicate_order")
CSV_ONLY_REASONS = (
    "missing_field",
    "bad_date",
    "bad_number",
    "bad_enum",
    "bad_amount",
    "bad_currency",
)


def plant_random_sale(draft: Draft, i: int, file: str) -> None:
    """One assorted problem row in month i's ``file`` (text problems only in 'a', a CSV file)."""
    rng = draft.rng
    tpl = draft.sales[i][rng.randrange(len(draft.sales[i]))]
    if (
        type(tpl[S_AMT]) is not int
        or tpl[S_CAT] != "n"
        or tpl[S_TAG]
        or not tpl[S_SORT] >= draft.months[i][1]
    ):
        tpl = pick_sale(draft, i, claim=False)
    kinds = ANY_FILE_REASONS + (CSV_ONLY_REASONS if file == "a" else ())
    kind = rng.choice(kinds)
    if kind in CSV_ONLY_REASONS:
        _random_csv_sale(draft, i, tpl, kind)
    elif kind == "unknown_rep":
        rep = rng.choice((tpl[S_REP].lower(), draft.new_ghost_rep() + "X", tpl[S_REP][:-1]))
        extra_sale(draft, i, tpl, file, rep=rep)
    elif kind == "unknown_customer":
        cust = rng.choice((tpl[S_CUST].lower(), tpl[S_CUST] + "0"))
        extra_sale(draft, i, tpl, file, cust=cust)
    elif kind == "unknown_order":
        extra_sale(draft, i, tpl, file, type="return", amt=max(1, tpl[S_AMT] // 2))
    else:
        orig = pick_sale(draft, i)
        extra_sale(draft, i, orig, file, order=orig[S_ORDER], amt=orig[S_AMT] + 100)


def _random_csv_sale(draft: Draft, i: int, tpl: list, kind: str) -> None:
    rng = draft.rng
    ym, _, _, nd = draft.months[i]
    amt = tpl[S_AMT]
    text = f"{amt // 100}.{amt % 100:02d}"
    if kind == "missing_field":
        col = rng.choice(("cust", "cur", "amt", "rep", "d"))
        extra_sale(draft, i, tpl, **{col: "   " if col == "rep" else ""})
    elif kind == "bad_date":
        day = draft.iso(tpl[S_SORT])[8:]
        bad = (
            f"{ym}-{nd + 1}",
            f"{ym.replace('-', '/')}/{day}",
            f"{ym}-{int(day)}" if day < "10" else f"{day}.{ym[5:]}.{ym[:4]}",
        )
        extra_sale(draft, i, tpl, d=rng.choice(bad))
    elif kind == "bad_number":
        bad = (text.replace(".", ","), f"{text} CNY", f"{amt // 100}e0", "N/A")
        extra_sale(draft, i, tpl, amt=rng.choice(bad))
    elif kind == "bad_enum":
        extra_sale(draft, i, tpl, type=rng.choice(("Sale", "SALE", "refund", "sales")))
    elif kind == "bad_amount":
        extra_sale(draft, i, tpl, amt=rng.choice(("0", "-0", f"-{text}", f"{text}1")))
    else:
        extra_sale(draft, i, tpl, cur=rng.choice(("USD", "RMB", "cny", "HKD")))
