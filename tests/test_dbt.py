"""dbt on its own: the build with its data tests, the unit tests of every rule, and the gate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import write_csv

from orchestration.gate.invariants import run_gate
from orchestration.ingest.landing import ingest_source
from orchestration.lib.paths import REPO_SEEDS
from orchestration.lib.period import window
from orchestration.lib.workspace import SOURCES
from orchestration.points.dbt import ensure_manifest, run_dbt, seeds_env
from orchestration.points.inputs import LEDGER_MODEL, Project
from orchestration.rulebooks.model import ROW_KINDS, RULE_KINDS
from orchestration.validate.engine import validate_all
from orchestration.warehouse.duckdb import connect


def dbt(ws, *args: str) -> subprocess.CompletedProcess:
    env = {**window("2026-07").env(), "JIFEN_WAREHOUSE": str(ws.warehouse)}
    return run_dbt(*args, env=env, target=ws.state / "dbt-target")


@pytest.fixture
def built(base_landing):
    write_csv(
        base_landing,
        "sales",
        "sales_a.csv",
        [
            ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100.50", "CNY"],
            ["X2", "sale", "O2", "R2", "C2", "2026-07-03", "250000", "CNY"],
            ["X3", "return", "O1", "R2", "C1", "2026-07-04", "100.50", "CNY"],
            ["X4", "sale", "O4", "R1", "C2", "2026-07-05", "60000", "CNY"],
        ],
    )
    write_csv(
        base_landing,
        "surveys",
        "surveys_a.csv",
        [
            ["V1", "R2", "C1", "", "2", "2026-07-03"],
            ["V2", "R2", "C1", "", "3", "2026-07-03"],
            ["V3", "R2", "C2", "", "4", "2026-07-04"],
        ],
    )
    with connect(base_landing) as con:
        for source in SOURCES:
            ingest_source(base_landing, con, source, "test")
        validate_all(con)
    result = dbt(base_landing, "build", "--exclude", "resource_type:unit_test")
    assert result.returncode == 0, result.stdout[-3000:]
    return base_landing


def test_unit_tests_of_every_rule_pass(built):
    result = dbt(built, "test", "--select", "test_type:unit")
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads((built.state / "dbt-target" / "run_results.json").read_text())
    names = {r["unique_id"].split(".")[-1] for r in results["results"]}
    assert {
        "calendar_versions_end_the_day_before_the_next",
        "returns_charged_to_the_seller_and_scored_on_the_sale_date",
        "amount_rate_rounding_returns_and_eligibility",
        "amount_rate_effective_dating_mid_month",
        "spiff_window_edges_segment_and_clawback",
        "first_sale_only_by_version_and_eligibility",
        "score_points_for_every_score",
        "family_subtotals_sum_the_family_only",
        "cap_edges",
        "gate_edges",
        "team_bonus_targets_and_eligibility",
        "distinct_customers_minimum_returns_and_eligibility",
        "manual_adjustments_in_their_period",
        "tiers_at_exact_boundaries_and_rank_ties",
    } <= names
    assert all(r["status"] == "pass" for r in results["results"])


def test_hand_computed_period(built):
    with connect(built) as con:
        totals = dict(con.rows("select rep_id, total_points from rep_period_points"))
        lines = con.rows("select line_id, points from points_ledger order by line_id")
    # R1: sale 100.50 -> 1.01, its return -1.01, sale 60000 -> 600, new customer C1 +50,
    #     team T1 net 100.50 + 250000 - 100.50 + 60000 = 310000 >= 300000 -> +100  => 750.00
    # R2: sale 250000 -> 2500, new customer C2 +50, surveys 2,3,4 -> -10 + 0 + 10, mean 3.0 < 3.5
    #     -> gate -0.2 x 2500 = -500, team bonus +100                              => 2150.00
    assert str(totals["R1"]) == "750.00"
    assert str(totals["R2"]) == "2150.00"
    assert str(totals["R3"]) == "0.00" and "R4" not in totals  # R3 active, R4 left in June
    assert ("SALES:X3", __import__("decimal").Decimal("-1.01")) in lines


def test_a_broken_candidate_fails_the_gate(built):
    with connect(built) as con:
        assert run_gate(con).passed
        con.run("delete from points_ledger where line_id = 'SALES:X4'")
        result = run_gate(con)
    assert not result.passed
    assert any("total_cents" in failure for failure in result.failures)


def test_the_gate_counts_ledger_problems_per_rule(built):
    """A repeated line id and a line of a rule no rule book has are caught from counts."""
    with connect(built) as con:
        con.run(
            "insert into points_ledger select * replace ('MYSTERY' as rule_id) "
            "from points_ledger where line_id = 'SALES:X4'"
        )
        con.run("insert into points_ledger select * from points_ledger where line_id = 'SALES:X1'")
        result = run_gate(con)
    assert not result.passed
    assert any("repeated_line_ids" in failure for failure in result.failures), result.failures
    assert any("MYSTERY" in failure for failure in result.failures), result.failures


def test_a_failing_gate_publishes_nothing_and_keeps_the_candidate(base_landing):
    """The real gate, publication and reports assets, on a candidate with one ledger line
    dropped: the gate step fails and the steps after it never run."""
    from dagster import materialize

    from orchestration.defs.gate.assets import quality_gate
    from orchestration.defs.launch import run_standings
    from orchestration.defs.publish.assets import publication
    from orchestration.defs.reports.assets import reports
    from orchestration.defs.resources import WorkspaceResource

    ws = base_landing
    write_csv(
        ws,
        "sales",
        "sales_a.csv",
        [
            ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100.50", "CNY"],
            ["X4", "sale", "O4", "R1", "C2", "2026-07-05", "60000", "CNY"],
        ],
    )
    assert run_standings(ws, "2026-07").success  # builds the candidate, publishes nothing
    with connect(ws) as con:
        con.run("delete from points_ledger where line_id = 'SALES:X4'")
    result = materialize(
        [quality_gate, publication, reports],
        partition_key="2026-07-01",
        resources={"workspace": WorkspaceResource(home=str(ws.home))},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "quality_gate"
    assert {e.step_key for e in result.all_events if e.is_step_success} == set()
    message = failure.step_failure_data.user_failure_data.description
    assert "the quality gate failed; nothing was published" in message
    assert "expect_column_pair_values_to_be_equal" in message and "total_cents" in message
    assert (ws.state / "gate-failures" / "2026-07" / "index.html").exists()
    with connect(ws) as con:
        assert con.rows("select count(*) from published.publications") == [(0,)]
        # kept for inspection: SALES:X1 and both NEW_CUSTOMER lines, without the dropped one
        assert con.rows("select count(*) from points_ledger") == [(3,)]


def test_seeds_outside_the_project_write_nothing_outside_the_target(tmp_path):
    """dbt's runtime copy of a seed goes to <target>/run/<project>/<seed path>; for the rule
    book compiled outside the project that path climbs out of the target (CI once found it in
    a trial's scratch parent). The project's noop_statement skips that copy for seeds."""
    seeds = tmp_path / "workspace" / "state" / "seeds"
    shutil.copytree(REPO_SEEDS, seeds)
    target = tmp_path / "workspace" / "state" / "dbt"
    env = {
        **window("2026-07").env(),
        "JIFEN_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        **seeds_env(seeds, target),
    }
    before = {path for path in tmp_path.rglob("*") if path.is_file()}
    result = run_dbt("seed", env=env, target=target)
    assert result.returncode == 0, result.stdout[-3000:]
    relative = env["JIFEN_SEEDS"]
    escaped = Path(os.path.normpath(target / "run" / "jifen" / relative / "rules.csv"))
    assert not escaped.exists(), f"dbt wrote {escaped}"
    added = {path for path in tmp_path.rglob("*") if path.is_file()} - before
    outside = sorted(
        str(path)
        for path in added
        if target not in path.parents and path.name != "warehouse.duckdb"
    )
    assert outside == []
    assert [path.read_bytes() for path in sorted(seeds.glob("*"))] == [
        path.read_bytes() for path in sorted(REPO_SEEDS.glob("*"))
    ]


def test_every_rule_kind_writes_ledger_lines_through_the_declared_list():
    """macros/rule_models.sql lists the models that write ledger lines, once. dbt cannot derive
    the list from the models' YAML (a ref must be known when the project is parsed, before the
    graph exists), so it is checked here: every kind of the rule book has its model in the list,
    the row-level kinds feed the subtotals of caps and gates, and no model in rules/ is left
    unread."""
    project = Project.load(ensure_manifest())
    kinds = {f"int_rule_{kind}" for kind in RULE_KINDS}
    assert set(project.parents(LEDGER_MODEL)) == kinds | {"int_manual_adjustments"}
    assert set(project.parents("int_rule_subtotals")) == {f"int_rule_{k}" for k in ROW_KINDS}
    rules_folder = {
        name
        for name, node in project.models.items()
        if node["original_file_path"].startswith("models/intermediate/rules/")
    }
    assert kinds <= rules_folder <= project.ancestors(LEDGER_MODEL)
