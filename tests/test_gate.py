"""The quality gate on a small hand-built warehouse (no Dagster, no dbt): each invariant holds
on good results and fails on one deliberately broken row. The last test runs the gate, the
publication and the reports as the Dagster steps of a close.

The candidate below follows the tier seed of rule book 2026.1 (read from seeds/tiers.csv into
the warehouse, as dbt loads it): bronze 300, silver 800, gold 1500, platinum 2500.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.gate.invariants import run_gate
from orchestration.gate.record import as_stored, load, save
from orchestration.lib.paths import REPO_SEEDS
from orchestration.warehouse.connection import Warehouse

# rep, team, ledger lines (rule, points), total, tier, company rank, team rank
REPS = [
    ("R1", "T1", [("SALES", "2000.00"), ("NEW_CUSTOMER", "500.00")], "2500.00", "platinum", 1, 1),
    ("R2", "T1", [("SALES", "1500.00")], "1500.00", "gold", 2, 2),
    ("R3", "T2", [("SALES", "800.00")], "800.00", "silver", 3, 1),
    ("R4", "T2", [("SALES", "810.00"), ("MANUAL_ADJUSTMENT", "-10.00")], "800.00", "silver", 3, 1),
    ("R5", "T1", [("SALES", "300.00"), ("PRIOR_PERIOD_ADJUSTMENT", "-0.01")], "299.99", None, 5, 3),
    ("R6", "T2", [], "0.00", None, 6, 3),
]
# what the tier seed pays (seeds/tiers.csv), written out by hand
REWARDS = {
    "silver": ("cash bonus", "1000.00"),
    "gold": ("cash bonus", "3000.00"),
    "platinum": ("cash bonus and incentive trip", "6000.00"),
}


@pytest.fixture
def con():
    con = duckdb.connect()
    for seed in ("tiers", "rules"):
        con.execute(
            f"create table {seed} as select * from "
            f"read_csv('{REPO_SEEDS / seed}.csv', header = true, all_varchar = true)"
        )
    con.execute("alter table tiers alter min_points type decimal(18, 2)")
    con.execute("alter table tiers alter cash_value type decimal(18, 2)")
    con.execute(
        "create table int_periods as select '2026-07' as period, true as is_closing, "
        "'2026.1' as rulebook_version"
    )
    con.execute(
        "create table points_ledger (period VARCHAR, line_id VARCHAR, rep_id VARCHAR, "
        "rule_id VARCHAR, points DECIMAL(18, 2))"
    )
    con.execute(
        "create table rep_period_points (period VARCHAR, rep_id VARCHAR, rep_name VARCHAR, "
        "team_id VARCHAR, total_points DECIMAL(18, 2), tier VARCHAR, company_rank BIGINT, "
        "team_rank BIGINT)"
    )
    con.execute(
        "create table reward_list (period VARCHAR, rep_id VARCHAR, tier VARCHAR, "
        "reward VARCHAR, cash_value DECIMAL(18, 2))"
    )
    for rep, team, lines, total, tier, company_rank, team_rank in REPS:
        for number, (rule, points) in enumerate(lines):
            con.execute(
                "insert into points_ledger values ('2026-07', ?, ?, ?, ?)",
                [f"{rule}:{rep}:{number}", rep, rule, points],
            )
        con.execute(
            "insert into rep_period_points values ('2026-07', ?, ?, ?, ?, ?, ?, ?)",
            [rep, f"name {rep}", team, total, tier, company_rank, team_rank],
        )
        if tier:
            con.execute(
                "insert into reward_list values ('2026-07', ?, ?, ?, ?)",
                [rep, tier, *REWARDS[tier]],
            )
    con.execute("create schema published")
    con.execute("create table published.publications (period VARCHAR, version BIGINT)")
    con.execute("create table published.rep_period_points (period VARCHAR, version BIGINT)")
    yield con
    con.close()


def failed(result) -> set[tuple[str, str]]:
    """(suite, what failed) of every failed expectation: its columns, or its type."""
    found = set()
    for validation in result.validations:
        suite = validation.suite_name.removesuffix("_suite")
        for item in validation.results:
            if not item.success:
                kwargs = item.expectation_config.kwargs
                columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
                found.add((suite, "/".join(columns) or item.expectation_config.type))
    return found


def test_good_results_pass_every_invariant(con):
    result = run_gate(Warehouse(con))
    assert result.passed, result.failures
    assert failed(result) == set()
    suites = [v.suite_name for v in result.validations]
    assert suites == [
        "ledger_lines_suite",
        "rep_totals_suite",
        "tiers_suite",
        "ranks_suite",
        "reward_list_suite",
    ]
    assert result.checked == sum(len(v.results) for v in result.validations) >= 20


BROKEN = {
    "a ledger that does not sum to its total": (
        ["update points_ledger set points = 1999.99 where line_id = 'SALES:R1:0'"],
        {("rep_totals", "total_cents/ledger_cents")},
    ),
    "a total without the ledger line it sums": (
        ["delete from points_ledger where line_id = 'MANUAL_ADJUSTMENT:R4:1'"],
        {("rep_totals", "total_cents/ledger_cents")},
    ),
    "a ledger rep missing from the results": (
        ["insert into points_ledger values ('2026-07', 'SALES:R9', 'R9', 'SALES', 0)"],
        {("rep_totals", "rep_in_results")},
    ),
    "a ledger line of another period": (
        ["update points_ledger set period = '2026-06' where line_id = 'SALES:R3:0'"],
        # R3's 2026-07 total no longer matches, and a 2026-06 rep appears that has no results
        {
            ("rep_totals", "period"),
            ("rep_totals", "rep_in_results"),
            ("rep_totals", "total_cents/ledger_cents"),
        },
    ),
    "a ledger line of an unknown rule": (
        ["insert into points_ledger values ('2026-07', 'MYSTERY:R6', 'R6', 'MYSTERY', 0)"],
        {("ledger_lines", "rule_id")},
    ),
    "a repeated ledger line id": (
        ["insert into points_ledger values ('2026-07', 'SALES:R6', 'R6', 'SALES', 0)"] * 2,
        {("ledger_lines", "repeated_line_ids")},
    ),
    "a tier above the total's band (wrong tier, reward to match)": (
        [
            "update rep_period_points set tier = 'platinum' where rep_id = 'R2'",
            "update reward_list set tier = 'platinum', reward = 'cash bonus and incentive trip', "
            "cash_value = 6000 where rep_id = 'R2'",
        ],
        {("tiers", "total_cents/band_min_cents")},
    ),
    "a tier below the total's band at its exact boundary": (
        [
            "update rep_period_points set tier = 'silver' where rep_id = 'R2'",
            "update reward_list set tier = 'silver', reward = 'cash bonus', cash_value = 1000 "
            "where rep_id = 'R2'",
        ],
        {("tiers", "band_end_cents/total_cents")},
    ),
    "no tier for a total that reaches the lowest": (
        [
            "update rep_period_points set tier = null where rep_id = 'R3'",
            "delete from reward_list where rep_id = 'R3'",
        ],
        {("tiers", "band_end_cents/total_cents")},
    ),
    "a tier the seed does not have": (
        [
            "update rep_period_points set tier = 'diamond' where rep_id = 'R6'",
            "insert into reward_list values ('2026-07', 'R6', 'diamond', 'cash bonus', 0)",
        ],
        {("tiers", "tier"), ("reward_list", "reward/seed_reward")},
    ),
    "a higher total ranked below a lower one": (
        [
            "update rep_period_points set company_rank = 3 - company_rank "
            "where rep_id in ('R1', 'R2')"
        ],
        {("ranks", "previous_total_cents/total_cents")},
    ),
    "a tie that does not share its rank": (
        ["update rep_period_points set company_rank = 4 where rep_id = 'R4'"],
        {("ranks", "rank/previous_rank")},
    ),
    "a dense rank after a tie (1, 2, 3, 3, 4)": (
        ["update rep_period_points set company_rank = 4 where rep_id = 'R5'"],
        {("ranks", "rank/place")},
    ),
    "a team rank out of order": (
        ["update rep_period_points set team_rank = 2 where rep_id = 'R6'"],
        {("ranks", "rank/place")},
    ),
    "a rank missing": (
        ["update rep_period_points set team_rank = null where rep_id = 'R6'"],
        {("ranks", "rank")},
    ),
    "a reward the seed does not pay for the tier": (
        ["update reward_list set cash_value = 999 where rep_id = 'R3'"],
        {("reward_list", "cash_cents/seed_cash_cents")},
    ),
    "a tier without its reward": (
        ["delete from reward_list where rep_id = 'R2'"],
        {
            ("reward_list", "reward_tier/tier"),
            ("reward_list", "reward/seed_reward"),
            ("reward_list", "cash_cents/seed_cash_cents"),
        },
    ),
    "a reward for a rep without a tier": (
        ["insert into reward_list values ('2026-07', 'R6', 'silver', 'cash bonus', 1000)"],
        {
            ("reward_list", "reward_tier/tier"),
            ("reward_list", "reward/seed_reward"),
            ("reward_list", "cash_cents/seed_cash_cents"),
        },
    ),
    "a reward for a rep not in the results": (
        ["insert into reward_list values ('2026-07', 'R9', 'silver', 'cash bonus', 1000)"],
        {("reward_list", "rep_in_results"), ("reward_list", "reward_tier/tier")}
        | {("reward_list", "reward/seed_reward"), ("reward_list", "cash_cents/seed_cash_cents")},
    ),
    "a rep count far from the previous period's": (
        [
            "insert into published.publications values ('2026-06', 1)",
            "insert into published.rep_period_points "
            "select '2026-06', 1 from range(100)",  # 6 reps now: outside 50..155
        ],
        {("rep_totals", "expect_table_row_count_to_be_between")},
    ),
}


@pytest.mark.parametrize("statements, expected", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_row_fails_its_invariant(con, statements, expected):
    for statement in statements:
        con.execute(statement)
    result = run_gate(Warehouse(con))
    assert not result.passed
    assert failed(result) == expected, result.failures
    assert len(result.failures) == len(expected)


def test_the_row_count_band_passes_within_it(con):
    con.execute("insert into published.publications values ('2026-06', 1), ('2026-05', 1)")
    con.execute("insert into published.rep_period_points select '2026-06', 1 from range(8)")
    con.execute("insert into published.rep_period_points select '2026-05', 1 from range(99)")
    assert run_gate(Warehouse(con)).passed  # 6 reps: within 4..17 of 2026-06, the latest before


def test_a_record_reads_back_as_it_was_checked(con, tmp_path):
    con.execute("update reward_list set cash_value = 999 where rep_id = 'R3'")
    result = run_gate(Warehouse(con))
    record = load(save(tmp_path / "gate.json", "run-1", result.checked, result.validations))
    assert (record.run_id, record.checked) == ("run-1", result.checked)
    assert [v.to_json_dict() for v in record.validations] == [
        v.to_json_dict() for v in result.validations
    ]
    assert [as_stored(v).to_json_dict() for v in record.validations] == [
        v.to_json_dict() for v in result.validations
    ]


# --- the gate as a step of the close (Dagster) --------------------------------------------------


def test_gate_publication_and_reports_are_steps_of_their_own(base_landing):
    """Publication refuses a candidate its run did not gate; after a passed gate it publishes,
    and the reports (with the Data Docs of the gate that let the version through) render again
    on their own without publishing."""
    from conftest import write_csv
    from dagster import materialize

    from orchestration.defs.gate.assets import quality_gate
    from orchestration.defs.launch import run_standings
    from orchestration.defs.publish.assets import publication
    from orchestration.defs.reports.assets import reports
    from orchestration.defs.resources import WorkspaceResource
    from orchestration.warehouse.duckdb import connect

    ws = base_landing
    sale = ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100000", "CNY"]
    write_csv(ws, "sales", "sales_a.csv", [sale])
    assert run_standings(ws, "2026-07").success  # the candidate, nothing published

    def steps(*assets):
        result = materialize(
            list(assets),
            partition_key="2026-07-01",
            resources={"workspace": WorkspaceResource(home=str(ws.home))},
            raise_on_error=False,
        )
        failures = [e for e in result.all_events if e.is_step_failure]
        return result, [e.step_failure_data.user_failure_data.description for e in failures]

    def versions():
        with connect(ws) as warehouse:
            return warehouse.rows("select period, version from published.publications")

    alone, errors = steps(publication)
    assert not alone.success and "the quality gate has not passed" in errors[0]
    assert versions() == []

    closed, errors = steps(quality_gate, publication, reports)
    assert closed.success, errors
    assert versions() == [("2026-07", 1)]
    gate = closed.asset_materializations_for_node("quality_gate")[0].metadata
    assert gate["gate_expectations"].value > 20
    published = closed.asset_materializations_for_node("publication")[0].metadata
    assert published["version"].value == 1 and published["published"].value is True
    docs = ws.reports_dir / "datadocs" / "2026-07-v1" / "index.html"
    assert docs.is_file() and "jifen 2026-07 v1 gate" in docs.read_text(encoding="utf-8")

    close_report = ws.reports_dir / "close-2026-07.html"
    close_report.unlink()
    again, errors = steps(reports)
    assert again.success, errors
    assert close_report.is_file() and docs.is_file()
    assert versions() == [("2026-07", 1)]
