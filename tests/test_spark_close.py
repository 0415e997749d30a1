"""The same close on Spark and on DuckDB publishes the same tables (issue 12).

One scenario, run on both engines in workspaces with the same files: two generated months with
dirty rows of every reason code; July closed; a new rule book promoted from August; a manual
adjustment of August and a prior-period one of July landed late; August closed; July restated.
Every published table must then be the same on both engines, in values and types, texts
included (the differences Spark does not report are the danger), read from the Delta tables and
from the readers' database; and the published results must agree with the tests' own
implementation of the contract (tests/oracle) on Spark too. Spark runs in this process, on the
test session's one Spark session (``spark`` fixture); the workspace's databases carry a prefix.

Then everything besides the close on the Spark workspace (item 6), as a user runs it: explain,
trace, audit pack, verify, verify-chain, trial, the rule book check, provisional standings (of
September, whose sales land after the scenario) and reports. The audit commands read Spark's
warehouse; verify and trial recompute in a scratch DuckDB warehouse from the rows copied out of
Spark; reports read ``published.duckdb``. One scenario serves both: each Spark close costs
minutes on two cores.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from conftest import write_csv
from test_close_e2e import assert_agrees_with_the_oracle
from typer.testing import CliRunner

from orchestration.audit import trace_line
from orchestration.audit.chain import verify_chain
from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.engine import workspace_engine
from orchestration.lib.workspace import Workspace
from orchestration.publish.serving import DELTA_TABLES
from orchestration.rulebooks.layout import REPO_RULEBOOKS
from orchestration.rulebooks.workspace_facts import rep_facts
from orchestration.warehouse import delta
from orchestration.warehouse.connection import DATABASE_PREFIX_ENV
from orchestration.warehouse.open import connect

JULY, AUGUST, SEPTEMBER = "2026-07", "2026-08", "2026-09"
CANDIDATE = REPO_RULEBOOKS / "examples" / "2026.2-candidate.yaml"
PREFIX = "close_"
# what depends on when and by which run a version was published, not on what it holds
CLOCK_COLUMNS = {"published_at", "run_id", "publication_hash", "previous_hash", "decided_at"}
CLOCK_COLUMNS |= {"record_hash", "as_of", "ingested_at", "first_seen_at"}
EXPECTED_NON_EMPTY = {"publications", "points_ledger", "rep_period_points", "quarantine"}
EXPECTED_NON_EMPTY |= {"loyalty_ledger", "member_balances", "publication_inputs", "approvals"}
# a quote, a comma and a backslash, carried by dbt into explanation texts (seed literals,
# rtrim's arguments and listagg's order differ between the engines without an error)
LATE_REASON = 'July deal "booked" late, by hand \\ again'
# digests of a member's walk events, in each engine's own 64-bit hash (docs/decisions.md): they
# differ by design; that Spark takes the same decisions from its own is int_loyalty_resumed
ENGINE_DIGESTS = {"digest_before", "digest_through", "events_digest"}
runner = CliRunner()


def close_the_scenario(ws: Workspace) -> dict[str, object]:
    """July, a rule book from August, late adjustments, August, July restated. After July,
    what the oracle (the default rule book, first closes only) says of the published results."""
    runs = {"july": run_close(ws, JULY, error_budget=0.6)}
    runs["oracle"] = oracle_disagreement(ws)
    promoted = runner.invoke(
        app,
        ["rules", "promote", str(CANDIDATE), "--effective-from", "2026-08-01"]
        + ["--home", str(ws.home)],
    )
    assert promoted.exit_code == 0, promoted.output
    rep = sorted(p.name for p in (ws.landing / "reps").iterdir())[0]
    rep_id = (ws.landing / "reps" / rep).read_text().splitlines()[1].split(",")[0]
    write_csv(
        ws,
        "adjustments",
        "adjustments_2026-08.csv",
        [
            ["ADJ1", rep_id, AUGUST, "20.78", "missed deal credit", "Li Wei"],
            ["ADJ2", rep_id, JULY, "10.00", LATE_REASON, "Li Wei"],
        ],
    )
    runs["august"] = run_close(ws, AUGUST, error_budget=0.6)
    runs["relations"] = dbt_relations(ws)
    runs["restated"] = run_close(ws, JULY, restate=True, reason="a late deal", error_budget=0.6)
    return runs


def dbt_relations(ws: Workspace) -> dict[str, pa.Table]:
    """Every model and seed dbt built for August's close, read back from the engine's warehouse:
    the prior-period adjustment, the promoted rule book and the walk resumed from July's saved
    states all pass through them."""
    manifest = json.loads((ws.dbt_target / "manifest.json").read_text(encoding="utf-8"))
    names = sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    )
    with connect(ws, read_only=True) as warehouse:
        return {name: warehouse.arrow(f"select * from {name}") for name in names}


def oracle_disagreement(ws: Workspace) -> str:
    """'' when the published results agree with tests/oracle, else how they differ."""
    try:
        assert_agrees_with_the_oracle(ws, [JULY])
    except AssertionError as error:
        return str(error)
    return ""


@pytest.fixture(scope="module")
def both(tmp_path_factory, spark) -> tuple[Workspace, Workspace, dict, dict]:
    """The scenario closed on each engine; the module's tests run with the Spark workspace's
    database prefix (its databases in the test session's one metastore)."""
    landing = tmp_path_factory.mktemp("landing") / "home"
    Workspace.at(landing).prepare().create_landing()
    generate(landing, seed=5, months=[JULY, AUGUST], reps=6, sales_per_rep_month=6, dirty_rate=0.05)
    homes = {}
    for engine in ("duckdb", "spark"):
        home = tmp_path_factory.mktemp(engine) / "home"
        shutil.copytree(landing / "landing", home / "landing")
        ws = Workspace.at(home).prepare()
        assert workspace_engine(ws, engine) == engine
        homes[engine] = ws
    duck_runs = close_the_scenario(homes["duckdb"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_PREFIX_ENV, PREFIX)
        spark_runs = close_the_scenario(homes["spark"])
        yield homes["duckdb"], homes["spark"], duck_runs, spark_runs


@pytest.fixture(scope="module")
def ws(both) -> Workspace:
    """The Spark workspace after the scenario."""
    return both[1]


def test_every_close_of_the_scenario_publishes_on_both_engines(both):
    _, _, duck_runs, spark_runs = both
    for runs in (duck_runs, spark_runs):
        for name, run in runs.items():
            if name not in ("oracle", "relations"):
                assert run.success, (name, run.errors)
    assert spark_runs["restated"].metadata["publication"]["version"] == 2
    assert engine_tag(both[1], spark_runs["august"].run_id) == "spark"  # shown in the UI
    assert engine_tag(both[0], duck_runs["august"].run_id) == "duckdb"


def engine_tag(ws: Workspace, run_id: str) -> str:
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        return instance.get_run_by_id(run_id).tags["jifen/engine"]


def rows_and_types(path: Path) -> tuple[list[tuple[str, str]], list[tuple]]:
    table = delta.read(path)
    names = [name for name in table.column_names if name not in CLOCK_COLUMNS]
    rows = sorted(
        tuple(repr(value) for value in row.values()) for row in table.select(names).to_pylist()
    )
    return [(f.name, str(f.type)) for f in table.schema if f.name in names], rows


def test_every_delta_table_is_the_same_on_both_engines(both):
    duck, spark, _, _ = both
    for name in DELTA_TABLES:
        duck_types, duck_rows = rows_and_types(duck.published_table(name))
        spark_types, spark_rows = rows_and_types(spark.published_table(name))
        assert spark_types == duck_types, name
        assert spark_rows == duck_rows, name
        if name in EXPECTED_NON_EMPTY:
            assert duck_rows, f"{name} has no rows: the comparison would prove nothing"


def readers_tables(ws: Workspace) -> dict[str, tuple[list, list]]:
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        tables = {}
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall():
            described = con.execute(f"describe {name}").fetchall()
            columns = [(c[0], c[1]) for c in described if c[0] not in CLOCK_COLUMNS]
            listed = ", ".join(f'"{c}"' for c, _ in columns)
            tables[name] = (
                columns,
                sorted(map(repr, con.execute(f"select {listed} from {name}").fetchall())),
            )
        return tables


def test_the_readers_database_is_the_same_on_both_engines(both):
    duck, spark, _, _ = both
    duck_tables, spark_tables = readers_tables(duck), readers_tables(spark)
    assert sorted(spark_tables) == sorted(duck_tables)
    for name, (columns, rows) in duck_tables.items():
        assert spark_tables[name][0] == columns, name
        assert spark_tables[name][1] == rows, name


def test_content_hashes_and_input_fingerprints_are_the_same_on_both_engines(both):
    duck, spark, _, _ = both
    sql = "select period, version, content_hash, input_fingerprint from publications order by 1, 2"
    found = []
    for ws in (duck, spark):
        with duckdb.connect(str(ws.published_db), read_only=True) as con:
            found.append(con.execute(sql).fetchall())
    assert found[0] == found[1]
    assert [(p, v) for p, v, *_ in found[1]] == [(JULY, 1), (JULY, 2), (AUGUST, 1)]


def test_the_spark_close_agrees_with_the_oracle(both):
    """July's first close (the oracle knows neither restatements nor a changed rule book; the
    equality tests above carry the rest of the scenario from DuckDB's tested close)."""
    _, _, duck_runs, spark_runs = both
    assert duck_runs["oracle"] == ""  # the oracle is right about this scenario ...
    assert spark_runs["oracle"] == ""  # ... and Spark agrees with it


def arrow_type(data_type: pa.DataType) -> str:
    """A column type as both engines' Arrow shows it; every text type is text."""
    text = pa.types.is_string(data_type) or pa.types.is_large_string(data_type)
    return "string" if text or pa.types.is_string_view(data_type) else str(data_type)


def content(table: pa.Table) -> tuple[list[tuple[str, str]], list[tuple]]:
    """(column, type) pairs and the rows sorted; the values of what depends on the run (plan
    and run ids, clocks) or on the engine's own digests are left out, their types compared."""
    varies = CLOCK_COLUMNS | ENGINE_DIGESTS | {"plan_id"}
    columns = [(field.name, arrow_type(field.type)) for field in table.schema]
    rows = [
        tuple("<varies>" if name in varies else value for name, value in row.items())
        for row in table.to_pylist()
    ]
    return columns, sorted(rows, key=repr)


def test_every_model_and_seed_holds_the_same_rows_and_types_on_spark(both):
    """dbt's relations of August's close on each engine, every column, texts included."""
    duck, spark = both[2]["relations"], both[3]["relations"]
    assert len(duck) > 70 and sorted(spark) == sorted(duck)
    differences = {}
    for name in duck:
        (duck_columns, duck_rows), (spark_columns, spark_rows) = map(
            content, (duck[name], spark[name])
        )
        if duck_columns != spark_columns:
            differences[name] = {"duckdb": duck_columns, "spark": spark_columns}
        elif duck_rows != spark_rows:
            only_duck = [row for row in duck_rows if row not in spark_rows][:3]
            only_spark = [row for row in spark_rows if row not in duck_rows][:3]
            differences[name] = {"duckdb only": only_duck, "spark only": only_spark}
    assert not differences, "\n".join(f"{name}: {what}" for name, what in differences.items())


@pytest.mark.parametrize(
    ("relation", "column", "holds"),
    [
        ("int_manual_adjustments", "explanation", lambda text: '"booked" late, by' in text),
        ("int_prior_period_adjustments", "rep_id", bool),
        ("points_ledger", "rulebook_version", lambda version: version == "2026.2"),
        ("loyalty_ledger", "kind", lambda kind: kind == "REDEMPTION"),
        ("int_loyalty_resumed", "customer_id", bool),
        ("member_balances", "customer_id", bool),
    ],
)
def test_the_scenario_reaches_what_the_comparison_must_cover(both, relation, column, holds):
    """Late rows booked, the new rule book applied, members resumed from the saved walk state
    and redemptions walked, on Spark: so the equality above is not of empty tables."""
    values = both[3]["relations"][relation].column(column).to_pylist()
    assert any(holds(value) for value in values if value is not None), relation


# -- everything else on the Spark workspace (item 6) --------------------------------------------


def published(ws: Workspace, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def invoke(*args: str):
    return runner.invoke(app, [*args])


def top_rep(ws: Workspace, period: str = JULY) -> tuple[str, Decimal]:
    return published(
        ws,
        "select rep_id, total_points from latest_rep_period_points where period = ? "
        "order by company_rank, rep_id limit 1",
        [period],
    )[0]


def latest_version(ws: Workspace, period: str = JULY) -> int:
    return published(ws, "select max(version) from publications where period = ?", [period])[0][0]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_explain_lists_lines_that_sum_to_the_published_total(ws):
    rep, total = top_rep(ws)
    result = invoke("explain", "--home", str(ws.home), "--rep", rep, "--period", JULY)
    assert result.exit_code == 0, result.output
    assert f"sum to {total:,.2f} = published total" in result.output


def test_trace_reads_spark_history_and_reaches_the_landed_rows(ws):
    rep, _ = top_rep(ws)
    lines = published(
        ws,
        "select line_id from latest_points_ledger where period = ? and rep_id = ? order by line_id",
        [JULY, rep],
    )
    assert lines
    for (line_id,) in lines:
        result = invoke("trace", "--home", str(ws.home), "--line", line_id, "--period", JULY)
        assert result.exit_code == 0, result.output
        assert "landed as" in result.output
    traced = trace_line(ws, lines[0][0], JULY)
    assert traced["ok"] and traced["line_matches_history"] is True  # Spark's history read
    landed = traced["landed"] or traced["inputs"][0]["landed"]
    assert landed["ingested"] is not None and landed["file_row_matches"] is True


def test_audit_pack_hashes_back_to_the_publication(ws, tmp_path):
    version = latest_version(ws)
    result = invoke("audit-pack", JULY, "--out", str(tmp_path), "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    pack = tmp_path / f"jifen-audit-{JULY}-v{version}"
    assert (tmp_path / f"jifen-audit-{JULY}-v{version}.zip").is_file()
    totals = {
        row["rep_id"]: Decimal(row["total_points"])
        for row in read_csv(pack / "rep_period_points.csv")
    }
    assert totals == dict(
        published(
            ws,
            "select rep_id, total_points from rep_period_points where period = ? and version = ?",
            [JULY, version],
        )
    )
    readme = (pack / "README.md").read_text(encoding="utf-8")
    assert "**NO**" not in readme  # fingerprint, rule book sources and counts all check out
    checked = subprocess.run(
        [sys.executable, str(pack / "check_hashes.py"), "--landing", str(ws.landing)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout
    assert "all checks passed" in checked.stdout


def test_verify_recomputes_the_spark_versions_identically_on_duckdb(ws):
    """July's restated version and August's under the promoted rule book."""
    for period in (JULY, AUGUST):
        result = invoke("verify", period, "--home", str(ws.home))
        assert result.exit_code == 0, result.output
        assert f"{period} v{latest_version(ws, period)}: identical" in result.output


def test_trial_scores_the_loaded_spark_rows(ws):
    result = invoke("trial", "--rules", str(CANDIDATE), "--periods", JULY, "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    reps = read_csv(ws.home / "trials" / f"2026.2-{JULY}" / "reps.csv")
    published_totals = dict(
        published(
            ws,
            "select rep_id, total_points from latest_rep_period_points where period = ?",
            [JULY],
        )
    )
    # the live rule book recomputed on DuckDB from the rows copied out of Spark gives what
    # Spark published, and the candidate changes something
    assert {row["rep_id"]: Decimal(row["current_total"]) for row in reps} == published_totals
    assert any(row["delta"] != "0.00" for row in reps)


def test_rule_book_check_reads_the_reps_loaded_on_spark(ws):
    facts = rep_facts(ws)
    teams = {row[0] for row in published(ws, "select distinct team_id from rep_period_points")}
    assert facts.known and teams and set(teams) <= facts.teams


def land_september_sales(ws: Workspace) -> None:
    """July's sales files again as September's: new ids, the same reps, customers and dirt."""
    for path in sorted(ws.landing_dir("sales").glob(f"sales_{JULY}*.csv")):
        text = path.read_text(encoding="utf-8").replace(f"{JULY}-", f"{SEPTEMBER}-")
        text = re.sub(r"\b([XO])0", r"\g<1>9", text)  # txn and order ids of their own
        (path.parent / path.name.replace(JULY, SEPTEMBER)).write_text(text, encoding="utf-8")


def test_provisional_standings_of_september_run_on_spark(ws):
    land_september_sales(ws)
    result = invoke("standings", "--home", str(ws.home), "--period", SEPTEMBER)
    assert result.exit_code == 0, result.output
    assert f"PROVISIONAL standings {SEPTEMBER}" in result.output
    standings = published(
        ws,
        "select rep_id, total_points from provisional_rep_points where period = ? "
        "order by company_rank, rep_id",
        [SEPTEMBER],
    )
    assert standings
    assert f"{standings[0][1]:,.2f}" in result.output
    assert published(ws, "select count(*) from publications where period = ?", [SEPTEMBER]) == [
        (0,)
    ]


def test_reports_render_from_the_readers_copy_a_spark_close_wrote(ws):
    result = invoke("report", "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    assert (ws.reports_dir / "index.html").is_file()
    rep, total = top_rep(ws)
    pages = "".join(
        path.read_text(encoding="utf-8") for path in ws.reports_dir.rglob(f"*{JULY}*.html")
    )
    assert rep in pages and f"{total:,.2f}" in pages


def test_verify_chain_checks_spark_history_readers_copy_and_delta(ws):
    result = invoke("verify-chain", "--home", str(ws.home))
    assert result.exit_code == 0, result.output
    assert "hash chain intact" in result.output


def test_verify_chain_names_rows_added_to_the_spark_history(ws):
    """Last: it adds ledger rows of an unpublished version to Spark's history, then removes them."""
    with connect(ws) as warehouse:
        columns = warehouse.table_columns("points_ledger", "published")
        stray = ", ".join("'2026-01'" if name == "period" else name for name in columns)
        warehouse.run(
            f"insert into published.points_ledger select {stray} "
            "from published.points_ledger where period = ? and version = 1 limit 1",
            [JULY],
        )
        try:
            problems = verify_chain(ws)
        finally:
            warehouse.run("delete from published.points_ledger where period = '2026-01'")
    assert problems == [
        "warehouse history: 2026-01 v1: missing publication record (points_ledger holds rows of it)"
    ]
    assert verify_chain(ws) == []
