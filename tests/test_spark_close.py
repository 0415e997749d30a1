"""The same close on Spark and on DuckDB publishes the same tables (issue 12).

One scenario, run on both engines in workspaces with the same files: two generated months with
dirty rows of every reason code; July closed; a new rule book promoted from August; a manual
adjustment of August and a prior-period one of July landed late; August closed; July restated.
Every published table must then be the same on both engines, in values and types, texts
included (the differences Spark does not report are the danger), read from the Delta tables and
from the readers' database; and the published results must agree with the tests' own
implementation of the contract (tests/oracle) on Spark too. Spark runs in this process, on the
test session's one Spark session (``spark`` fixture); the workspace's databases carry a prefix.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from conftest import write_csv
from test_close_e2e import assert_agrees_with_the_oracle
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.engine import workspace_engine
from orchestration.lib.workspace import Workspace
from orchestration.publish.serving import DELTA_TABLES
from orchestration.rulebooks.layout import REPO_RULEBOOKS
from orchestration.warehouse import delta
from orchestration.warehouse.spark import DATABASE_PREFIX_ENV

JULY, AUGUST = "2026-07", "2026-08"
CANDIDATE = REPO_RULEBOOKS / "examples" / "2026.2-candidate.yaml"
PREFIX = "close_"
# what depends on when and by which run a version was published, not on what it holds
CLOCK_COLUMNS = {"published_at", "run_id", "publication_hash", "previous_hash", "decided_at"}
CLOCK_COLUMNS |= {"record_hash", "as_of", "ingested_at", "first_seen_at"}
EXPECTED_NON_EMPTY = {"publications", "points_ledger", "rep_period_points", "quarantine"}
EXPECTED_NON_EMPTY |= {"loyalty_ledger", "member_balances", "publication_inputs", "approvals"}
runner = CliRunner()


@contextmanager
def spark_databases(prefix: str):
    saved = os.environ.get(DATABASE_PREFIX_ENV)
    os.environ[DATABASE_PREFIX_ENV] = prefix
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(DATABASE_PREFIX_ENV, None)
        else:
            os.environ[DATABASE_PREFIX_ENV] = saved


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
            ["ADJ2", rep_id, JULY, "10.00", "July deal booked late", "Li Wei"],
        ],
    )
    runs["august"] = run_close(ws, AUGUST, error_budget=0.6)
    runs["restated"] = run_close(
        ws, JULY, restate=True, reason="July deal booked late", error_budget=0.6
    )
    return runs


def oracle_disagreement(ws: Workspace) -> str:
    """'' when the published results agree with tests/oracle, else how they differ."""
    try:
        assert_agrees_with_the_oracle(ws, [JULY])
    except AssertionError as error:
        return str(error)
    return ""


@pytest.fixture(scope="module")
def both(tmp_path_factory, spark) -> tuple[Workspace, Workspace, dict, dict]:
    landing = tmp_path_factory.mktemp("landing") / "home"
    Workspace.at(landing).prepare().create_landing()
    generate(landing, seed=5, months=[JULY, AUGUST], reps=6, sales_per_rep_month=6, dirty_rate=0.05)
    homes = {}
    for engine in ("duckdb", "spark"):
        home = tmp_path_factory.mktemp(engine) / "home"
        (home / "landing").parent.mkdir(parents=True, exist_ok=True)
        import shutil

        shutil.copytree(landing / "landing", home / "landing")
        ws = Workspace.at(home).prepare()
        assert workspace_engine(ws, engine) == engine
        homes[engine] = ws
    duck_runs = close_the_scenario(homes["duckdb"])
    with spark_databases(PREFIX):
        spark_runs = close_the_scenario(homes["spark"])
    return homes["duckdb"], homes["spark"], duck_runs, spark_runs


def test_every_close_of_the_scenario_publishes_on_both_engines(both):
    _, _, duck_runs, spark_runs = both
    for runs in (duck_runs, spark_runs):
        for name, run in runs.items():
            if name != "oracle":
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


def test_verify_chain_passes_on_the_spark_workspace(both):
    _, spark, _, _ = both
    result = runner.invoke(app, ["verify-chain", "--home", str(spark.home)])
    assert result.exit_code == 0, result.output
