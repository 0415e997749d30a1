"""The pipeline on the contract's worked example (tests/fixtures/loyalty-example): its landing
folder in a fresh workspace, `jifen close 2026-07` with the example's error budget, the late
files landed, `jifen close 2026-08`. After each close, the published loyalty tables (latest_
views of published.duckdb) and the loyalty quarantine are compared with every value of
expected.json and, row by row (ledger lines included), with the oracle (tests/oracle/loyalty.py).
"""

from __future__ import annotations

import pytest
from loyalty_tables import (
    TABLES,
    ClosedPeriod,
    close_in_lockstep,
    compare_with_oracle,
    copy_example_landing,
    differences,
    example_expected,
    example_scenario,
    land_example_files,
    published_of,
    report,
    summary,
)

from orchestration.lib.workspace import Workspace

SCENARIO = example_scenario()
PERIODS = [close["period"] for close in SCENARIO["closes"]]


@pytest.fixture(scope="module")
def closes(tmp_path_factory) -> dict[str, ClosedPeriod]:
    home = tmp_path_factory.mktemp("loyalty-example") / "home"
    workspace = Workspace.at(home).prepare().create_landing()
    copy_example_landing(workspace.landing)
    files = {close["period"]: close["land_before"] for close in SCENARIO["closes"]}
    return close_in_lockstep(
        workspace.home,
        PERIODS,
        lambda period: land_example_files(workspace.landing, files[period]),
        SCENARIO["error_budget"],
    )


@pytest.mark.parametrize("period", PERIODS)
def test_published_loyalty_tables_hold_every_value_of_expected_json(closes, period):
    expected = {k: v for k, v in example_expected()[period].items() if k != "period"}
    found = differences(expected, summary(published_of(closes, period)))
    assert not found, report(f"published vs expected.json, {period}", found)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("period", PERIODS)
def test_published_loyalty_tables_equal_the_oracle_row_by_row(closes, period, table):
    compare_with_oracle(closes, period, table)
