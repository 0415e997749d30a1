"""The loyalty program in a close, on the worked example: a member without new or late events
resumes from the walk state the previous close saved (docs/loyalty-program.md, "Lifecycle") and
the result equals a full walk from the start; the gate refuses loyalty results that break the
program's identities; the close report shows the program's section.

On the worked example: July closed, the August files landed, August computed twice by the
provisional run (dbt without publishing): resuming (the default) and walking everyone again
(JIFEN_LOYALTY_REWALK=all). Every loyalty mart must be the same, row for row.
"""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest
from loyalty_tables import copy_example_landing, example_scenario, land_example_files

from orchestration.defs.launch import run_close, run_standings
from orchestration.gate.invariants import run_gate
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.duckdb import connect
from schemas.published import LOYALTY

AUGUST = "2026-08"


def _marts(workspace: Workspace) -> dict[str, list[tuple]]:
    with connect(workspace) as warehouse:
        return {
            table.name: warehouse.rows(f"select * from {table.candidate} order by all")
            for table in LOYALTY
        }


def _resumed(workspace: Workspace) -> list[str]:
    with connect(workspace) as warehouse:
        return [row[0] for row in warehouse.rows("select customer_id from int_loyalty_resumed")]


@pytest.fixture(scope="module")
def august_both_ways(tmp_path_factory) -> tuple[Workspace, dict, dict, list, list]:
    workspace = Workspace.at(tmp_path_factory.mktemp("resume") / "home").prepare()
    workspace.create_landing()
    copy_example_landing(workspace.landing)
    scenario = example_scenario()
    july, august = scenario["closes"]
    assert run_close(workspace, july["period"], error_budget=scenario["error_budget"]).success
    land_example_files(workspace.landing, august["land_before"])
    assert run_standings(workspace, AUGUST).success
    resumed_marts, resumed = _marts(workspace), _resumed(workspace)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JIFEN_LOYALTY_REWALK", "all")
        assert run_standings(workspace, AUGUST).success
        rewalked_marts, rewalk_resumed = _marts(workspace), _resumed(workspace)
    return workspace, resumed_marts, rewalked_marts, resumed, rewalk_resumed


def test_members_without_new_or_late_events_resume_and_the_others_walk_again(august_both_ways):
    _, _, _, resumed, rewalk_resumed = august_both_ways
    # C2 (a late return) and C4 (a late redemption) changed before August; C1, C3, C5 did not
    # (C3's new members row moves its left_date into August, an August event).
    assert sorted(resumed) == ["C1", "C3", "C5"]
    assert rewalk_resumed == []


@pytest.mark.parametrize("table", [table.name for table in LOYALTY])
def test_resuming_gives_what_a_full_walk_gives(august_both_ways, table):
    _, resumed_marts, rewalked_marts, _, _ = august_both_ways
    assert resumed_marts[table], f"{table} is empty: the example's August fills every table"
    assert resumed_marts[table] == rewalked_marts[table]


def test_the_close_report_shows_the_loyalty_section_of_the_published_version(august_both_ways):

    workspace = august_both_ways[0]
    page = (workspace.reports_dir / "close-2026-07.html").read_text(encoding="utf-8")
    with duckdb.connect(str(workspace.published_db), read_only=True) as published:
        members, closing, liability = published.execute(
            "select members, closing_points, liability_cny from latest_loyalty_kpis "
            "where period = '2026-07'"
        ).fetchone()
        refused = published.execute(
            "select source_file, row_number, reason from quarantine "
            "where reason in ('over_redemption_limit', 'insufficient_points') "
            "and json_extract_string(raw, '$.redeemed_date') like '2026-07-%'"
        ).fetchall()
    assert f'id="loyalty-members">{members}<' in page
    assert f'id="loyalty-closing">{closing:,}<' in page
    assert f'id="loyalty-liability">{liability:,}<' in page
    assert refused, "the example has redemptions over the monthly limit"
    section = page[page.index('id="loyalty-refused"') :]
    for file, row, reason in refused:
        assert f'<td class="mono">{file}</td><td class="n">{row}</td><td>{reason}</td>' in section


def test_the_gate_refuses_a_balance_that_is_not_the_sum_of_its_lines(august_both_ways):
    workspace = august_both_ways[0]
    with connect(workspace) as warehouse:
        assert run_gate(warehouse).passed
        warehouse.run(
            "update member_balances set closing_points = closing_points + 1 "
            "where customer_id = 'C1'"
        )
        result = run_gate(warehouse)
    assert not result.passed
    failed = " ".join(result.failures)
    assert "balance_not_sum_of_lines" in failed
    assert "closing_not_rolled_forward" in failed


def test_explain_customer_shows_lines_lots_and_the_balance_they_make(august_both_ways):

    workspace = august_both_ways[0]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "explain",
            "--customer",
            "C1",
            "--period",
            "2026-07",
            "--home",
            str(workspace.home),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    # C1 (expected.json): opening 423, X02 takes 100, the remaining 23 of lot PURCHASE:S01 expire
    # at the end of 2026-07-31; 300 points left in lot PURCHASE:S02, which expires in 2027-06.
    assert "opening 423 + 2 lines -123 (late +0 = adjustment +0) = closing 300 ✓" in done.stdout
    assert "lots 300 - debt 0 = 300 ✓" in done.stdout
    assert "PURCHASE:S02" in done.stdout and "2027-06-30" in done.stdout
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "explain",
            "--period",
            "2026-07",
            "--home",
            str(workspace.home),
        ],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "--rep REP or --customer CUSTOMER" in refused.stderr
