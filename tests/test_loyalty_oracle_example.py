"""The loyalty oracle (tests/oracle/loyalty.py) reproduces every value of the contract's worked
example (tests/fixtures/loyalty-example, a copy of shared/design/loyalty-example): balances,
register, offers, KPIs, ledger sums by kind and quarantine counts, for both closes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from loyalty_tables import (
    copy_example_landing,
    differences,
    example_expected,
    example_scenario,
    land_example_files,
    oracle_rows,
    report,
    summary,
)
from oracle.loyalty import LoyaltyClose, LoyaltyOracle


@pytest.fixture(scope="module")
def closes(tmp_path_factory) -> dict[str, LoyaltyClose]:
    landing = tmp_path_factory.mktemp("loyalty-example") / "landing"
    copy_example_landing(landing)
    oracle = LoyaltyOracle()
    results = {}
    for close in example_scenario()["closes"]:
        land_example_files(landing, close["land_before"])
        results[close["period"]] = oracle.close(landing, close["period"])
    return results


@pytest.mark.parametrize("period", ["2026-07", "2026-08"])
def test_the_oracle_reproduces_every_expected_value(closes, period):
    expected = {k: v for k, v in example_expected()[period].items() if k != "period"}
    found = differences(expected, summary(oracle_rows(closes[period])))
    assert not found, report(f"oracle vs expected.json, {period}", found)


def test_the_late_lines_of_august_correct_july_and_sum_to_each_adjustment(closes):
    august = closes["2026-08"]
    late = sorted(
        (x.customer_id, x.kind, x.event_date, x.points, x.lot_id, x.source_id)
        for x in august.ledger
        if x.late
    )
    july_28, july_30, july_31 = dt.date(2026, 7, 28), dt.date(2026, 7, 30), dt.date(2026, 7, 31)
    # The late return R12 takes 2,000: O12's lot holds 1,100 after X10/X12, then the oldest lots
    # (only O14's 10 points are left), the rest is debt; July's bonus no longer holds (4 orders).
    # X31 (C4, 07-30) is accepted late and takes from the oldest lot with points (S40's).
    assert late == [
        ("C2", "FREQUENCY_BONUS", july_31, -50, "FREQUENCY_BONUS:C2:2026-07", "C2:2026-07"),
        ("C2", "PURCHASE", july_28, -1100, "PURCHASE:S12", "R12"),
        ("C2", "PURCHASE", july_28, -890, None, "R12"),
        ("C2", "PURCHASE", july_28, -10, "PURCHASE:S14", "R12"),
        ("C4", "REDEMPTION", july_30, -100, "PURCHASE:S40", "X31"),
    ]
    for cid, balance in august.balances.items():
        late_sum = sum(x.points for x in august.ledger if x.late and x.customer_id == cid)
        assert late_sum == balance.prior_period_adjustment, cid
        period_sum = sum(x.points for x in august.ledger if x.customer_id == cid)
        assert period_sum == balance.closing_points - balance.opening_points, cid
    assert not [x for x in closes["2026-07"].ledger if x.late]  # none at the first close


def test_august_lists_the_late_rows_behind_each_adjustment(closes):
    adjustments = closes["2026-08"].adjustments
    assert {cid: (a.prior_period_adjustment, a.late_rows) for cid, a in adjustments.items()} == {
        "C2": (-2050, [{"source": "sales", "file": "sales_2026-08.csv", "row": 1}]),
        "C4": (-100, [{"source": "redemptions", "file": "redemptions_2026-08.csv", "row": 1}]),
    }
    assert closes["2026-07"].adjustments == {}


def test_walk_level_verdicts_are_as_of_the_latest_close(closes):
    def verdicts(period: str) -> dict[tuple[str, int], str]:
        return {
            (q.source_file, q.row_number): q.reason
            for q in closes[period].quarantine
            if q.source == "redemptions"
        }

    july, august = verdicts("2026-07"), verdicts("2026-08")
    assert july[("redemptions_2026-07.csv", 4)] == "over_redemption_limit"  # X11
    assert july[("redemptions_2026-07.csv", 6)] == "over_redemption_limit"  # X13
    assert august[("redemptions_2026-08.csv", 2)] == "insufficient_points"  # X20
    assert august[("redemptions_2026-08.csv", 3)] == "not_member"  # X32, after C3 left
    assert ("redemptions_2026-08.csv", 1) not in august  # X31 accepted


def test_a_workspace_without_members_has_no_loyalty_tables(tmp_path: Path):
    landing = tmp_path / "landing"
    copy_example_landing(landing)
    for file in (landing / "members").iterdir():
        file.unlink()
    close = LoyaltyOracle().close(landing, "2026-07")
    assert (close.balances, close.ledger, close.register, close.kpis) == ({}, [], {}, {})
