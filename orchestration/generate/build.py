"""Every landing file of a generated data set, drawn in one fixed order."""

from __future__ import annotations

from orchestration.generate.draft import Draft
from orchestration.generate.members import draw_members
from orchestration.generate.planted_duplicates import plant_duplicates
from orchestration.generate.planted_members import Outsiders, plant_members
from orchestration.generate.planted_redemptions import (
    plant_redemption_duplicates,
    plant_redemptions,
)
from orchestration.generate.planted_reference import plant_random_reference, plant_reference
from orchestration.generate.planted_sales import plant_random_sale, plant_sales
from orchestration.generate.planted_surveys import plant_random_survey, plant_surveys
from orchestration.generate.redemptions import draw_redemptions, number_redemptions
from orchestration.generate.roster import draw_roster
from orchestration.generate.rows import S_SORT, S_TXN, V_ID, V_SORT
from orchestration.generate.sales import draw_late_sales, draw_month, draw_return_after_leave
from orchestration.generate.writers import LandingFile, serialise


def build(draft: Draft) -> list[LandingFile]:
    draw_roster(draft)
    for i in range(draft.n_months):
        draw_month(draft, i)
    draw_late_sales(draft)
    draw_return_after_leave(draft)
    if draft.dirty:
        plant_reference(draft)
        plant_sales(draft)
        plant_surveys(draft)
        plant_to_dirty_rate(draft)
    assign_ids(draft)
    if draft.dirty:
        plant_duplicates(draft)
    if draft.loyalty:
        draw_loyalty(draft)
    return serialise(draft)


def draw_loyalty(draft: Draft) -> None:
    """Members and redemptions, from the finished sales and their own random stream."""
    draw_members(draft)
    draw_redemptions(draft)
    if draft.dirty:
        outsiders = Outsiders(draft)
        plant_members(draft, outsiders)
        plant_redemptions(draft, outsiders)
    number_redemptions(draft)
    if draft.dirty:
        plant_redemption_duplicates(draft)


def plant_to_dirty_rate(draft: Draft) -> None:
    """Top each month up to dirty_rate with assorted problems (text ones in CSV only)."""
    rng = draft.rng
    for i in range(draft.n_months):
        want = int(draft.dirty_rate * len(draft.sales[i]) + rng.random())
        for _ in range(max(0, want - draft.planted_in.get(("sales", i), 0))):
            file = "b" if draft.has_b(i) and rng.random() < 0.3 else "a"
            plant_random_sale(draft, i, file)
        want = int(draft.dirty_rate * len(draft.surveys[i]) + rng.random())
        for _ in range(max(0, want - draft.planted_in.get(("surveys", i), 0))):
            plant_random_survey(draft, i)
    for i in range(draft.n_months):
        if not draft.is_parquet(i):
            plant_random_reference(draft, i)


def assign_ids(draft: Draft) -> None:
    """Ids follow date order within each month's batch, like an order system's."""
    for i in range(draft.n_months):
        rows = draft.sales[i]
        rows.sort(key=lambda r: r[S_SORT])
        for r in rows:
            draft.txn_no += 1
            r[S_TXN] = f"X{draft.txn_no:07d}"
        rows = draft.surveys[i]
        rows.sort(key=lambda r: r[V_SORT])
        for r in rows:
            draft.survey_no += 1
            r[V_ID] = f"V{draft.survey_no:07d}"
