"""Rows that repeat a key in a later file: conflicting (both quarantined), identical
(deduplicated), and corrected resends of rows that failed."""

from __future__ import annotations

from orchestration.generate.draft import Draft
from orchestration.generate.planted_sales import pick_sale
from orchestration.generate.rows import S_AMT, S_TAG, V_CAT, V_SCORE


def plant_duplicates(draft: Draft) -> None:
    _plant_sales_duplicates(draft)
    _plant_resends(draft)
    _plant_survey_duplicates(draft)


def _plant_sales_duplicates(draft: Draft) -> None:
    n_months = draft.n_months
    i = 1 % n_months
    orig = pick_sale(draft, i)
    copy = list(orig)
    copy[S_AMT] = orig[S_AMT] + 1000  # same txn_id, other amount: both quarantined
    draft.trail_sales.setdefault((i, "b" if draft.has_b(i) else "a"), []).append(copy)
    draft.plant("sales", i, 2)
    i = 0
    orig = pick_sale(draft, i, file="a")  # identical in the other file: deduplicated
    target = (0, "b") if draft.has_b(0) else (min(1, n_months - 1), "a")
    draft.trail_sales.setdefault(target, []).append(list(orig))
    draft.plant("sales", i)


def _plant_resends(draft: Draft) -> None:
    """The corrected row of each ``bad_type`` amount, with the same txn_id, in a later file."""
    for i in range(draft.n_months):
        for r in draft.sales[i]:
            if r[S_TAG].startswith("resend:"):
                fixed = list(r)
                fixed[S_AMT], fixed[S_TAG] = int(r[S_TAG][7:]), ""
                draft.trail_sales.setdefault((i, "b" if draft.has_b(i) else "a"), []).append(fixed)


def _plant_survey_duplicates(draft: Draft) -> None:
    rng, n_months = draft.rng, draft.n_months
    for k, change in enumerate((True, False)):
        i = (k + 2) % n_months
        later = min(i + 1, n_months - 1)
        clean = [r for r in draft.surveys[i] if r[V_CAT] == "n"]
        orig = clean[rng.randrange(len(clean))]
        copy = list(orig)
        if change:
            copy[V_SCORE] = orig[V_SCORE] % 5 + 1
        draft.trail_surveys[later].append(copy)
        draft.plant("surveys", i, 2 if change else 1)
