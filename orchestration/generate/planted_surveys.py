"""Survey rows the contract quarantines: one per reason code (two when months allow), then
random ones up to the dirty rate (text problems only in CSV months)."""

from __future__ import annotations

from orchestration.generate.draft import Draft
from orchestration.generate.rows import V_CAT, V_CUST, V_ORDER, V_REP, V_SORT

# (reason, needs a CSV month: a typed Parquet file cannot hold the text)
PLANS = (
    ("missing", True),
    ("bad_score", True),
    ("range", False),
    ("unknown_rep", False),
    ("unknown_customer", False),
)


def pick_survey(draft: Draft, i: int) -> list:
    """A clean survey of month i, as a template for a planted one."""
    rows = draft.surveys[i]
    at = draft.rng.randrange(len(rows))
    return next(
        rows[(at + k) % len(rows)]
        for k in range(len(rows))
        if rows[(at + k) % len(rows)][V_CAT] == "n"
    )


def extra_survey(
    draft: Draft,
    i: int,
    rep: str,
    cust: str,
    d: int,
    score: int | str,
    d_text: str | None = None,
    order: str = "",
) -> None:
    draft.surveys[i].append([d, "x", "", rep, cust, order, score, d if d_text is None else d_text])
    draft.plant("surveys", i)


def plant_surveys(draft: Draft) -> None:
    csv_months = [i for i in range(draft.n_months) if not draft.is_parquet(i)]
    plans = list(PLANS) + ([("bad_date", True)] if len(csv_months) > 1 else [])
    for k, (kind, text_only) in enumerate(plans):
        i = csv_months[k % len(csv_months)] if text_only else k % draft.n_months
        _plant_survey(draft, i, kind)
    _plant_inactive_survey(draft)


def _plant_survey(draft: Draft, i: int, kind: str) -> None:
    t = pick_survey(draft, i)
    ym, _, _, nd = draft.months[i]
    rep, cust, d, order = t[V_REP], t[V_CUST], t[V_SORT], t[V_ORDER]
    if kind == "missing":
        extra_survey(draft, i, rep, cust, d, "")
    elif kind == "bad_score":
        extra_survey(draft, i, rep, cust, d, "4.0", order=order)
    elif kind == "bad_date":
        extra_survey(draft, i, rep, cust, d, 4, d_text=f"{ym}-{nd + 1}")
    elif kind == "range":
        extra_survey(draft, i, rep, cust, d, 0 if draft.is_parquet(i) else "6")
    elif kind == "unknown_rep":
        extra_survey(draft, i, draft.ghost_rep, cust, d, 5)
    else:
        extra_survey(draft, i, rep, draft.ghost_cust_missing, d, 5)


def _plant_inactive_survey(draft: Draft) -> None:
    """rep_inactive: a survey after a leaver's last day, else one for a rep long gone."""
    for p in draft.active_reps:
        d = None if p.leave is None or p.leave < draft.first else p.leave + 2
        if d is not None and draft.month_of(d) is not None:
            extra_survey(draft, draft.month_of(d), p.rep_id, p.book[0].cid, d, 1)
            return
    former = next(p for p in draft.people if p.former)
    t = pick_survey(draft, 0)
    extra_survey(draft, 0, former.rep_id, t[V_CUST], t[V_SORT], 2)


def plant_random_survey(draft: Draft, i: int) -> None:
    """One assorted problem survey of month i."""
    rng = draft.rng
    t = pick_survey(draft, i)
    rep, cust, d = t[V_REP], t[V_CUST], t[V_SORT]
    if draft.is_parquet(i):
        kind = rng.choice(("unknown_rep", "unknown_customer", "range"))
    else:
        kind = rng.choice(("unknown_rep", "unknown_customer", "range", "missing", "type"))
    if kind == "unknown_rep":
        extra_survey(draft, i, rep.lower(), cust, d, 4)
    elif kind == "unknown_customer":
        extra_survey(draft, i, rep, cust + "0", d, 3)
    elif kind == "range":
        extra_survey(draft, i, rep, cust, d, rng.choice((0, 6, -1, 10)))
    elif kind == "missing":
        if rng.random() < 0.5:
            extra_survey(draft, i, rep, cust, d, "")
        else:
            extra_survey(draft, i, rep, cust, d, 5, d_text="")
    else:
        extra_survey(draft, i, rep, cust, d, rng.choice(("4.0", "five", "4.5", " ")))
