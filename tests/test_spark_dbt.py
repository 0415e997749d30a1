"""The same dbt project on Spark gives exactly DuckDB's relations (issue 12, item 2).

A generated workspace with dirty rows and the loyalty program closes July on DuckDB; a late
adjustment for July lands and a new rule book is promoted from August; August's standings run
dbt on DuckDB. Every table dbt reads there (its sources: validated rows, the pipeline's tables,
the published history) is copied into the Spark catalog as Arrow, and the same ``dbt build``
for August (same period, plan, compiled rule book seeds) runs on Spark through dbt-spark's
session method in this process. Every model and seed must then hold the same rows with the
same column types on both engines, every column compared, texts included: the differences
that raise no error (Spark's rtrim, rank() as int, listagg's order, unescaped seed literals,
to_json dropping nulls) are what this test is for.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.defs.launch import run_close, run_standings
from orchestration.generate import generate
from orchestration.lib.paths import REPO_ROOT
from orchestration.lib.period import window
from orchestration.lib.workspace import Workspace
from orchestration.points.dbt import run_dbt, seeds_env
from orchestration.points.dbt_spark import run_dbt_on_spark
from orchestration.rulebooks.promotion import promote
from orchestration.warehouse.spark import DATABASE_PREFIX_ENV

JULY, AUGUST = "2026-07", "2026-08"
PREFIX = "dbt_same_"  # this workspace's databases in the process's one metastore
BUILD = ("build", "--exclude", "resource_type:unit_test")  # what a close runs
# A quote, a comma and a backslash in a text dbt carries into the ledger's explanations.
# Digests of a member's walk events, in each engine's own 64-bit hash (docs/decisions.md): they
# differ by design; that Spark takes the same decisions from its own is int_loyalty_resumed.
ENGINE_DIGESTS = {"digest_before", "digest_through", "events_digest"}
LATE_ADJUSTMENT = (
    "adjustment_id,rep_id,period,points,reason,approved_by\n"
    'ADJ-L1,R001,2026-07,12.5,"Late ""July"" deal, booked \\ late",Finance\n'
)


@pytest.fixture(scope="module")
def duckdb_side(tmp_path_factory):
    """The workspace after July's close and August's standings, July's walk events (what July's
    close digested) and August's plan id. A close in this process leaves its seeds in
    os.environ: restored afterwards."""
    environment = dict(os.environ)
    try:
        ws = Workspace.at(tmp_path_factory.mktemp("spark-dbt") / "home").prepare()
        generate(ws.home, seed=11, months=[JULY, AUGUST], reps=8, sales_per_rep_month=10)
        july = run_close(ws, JULY, error_budget=0.5)
        assert july.success, july.errors
        july_events = _duckdb_table(ws, "main.int_loyalty_events")
        late = ws.landing_dir("adjustments") / "adjustments_2026-08-20.csv"
        late.parent.mkdir(parents=True, exist_ok=True)
        late.write_text(LATE_ADJUSTMENT, encoding="utf-8")
        candidate = REPO_ROOT / "rulebooks" / "examples" / "2026.2-candidate.yaml"
        promote(ws, candidate, date(2026, 8, 1))
        august = run_standings(ws, AUGUST)
        assert august.success, august.errors
        with duckdb.connect(str(ws.warehouse), read_only=True) as con:
            (plan_id,) = con.execute(
                "select distinct plan_id from close_plan where period = ?", [AUGUST]
            ).fetchone()
        return ws, july_events, plan_id
    finally:
        os.environ.clear()
        os.environ.update(environment)


@pytest.fixture(scope="module")
def both_builds(duckdb_side, spark, tmp_path_factory):
    """August built on both engines from the same inputs; the names of every model and seed."""
    ws, july_events, plan_id = duckdb_side
    scratch = tmp_path_factory.mktemp("spark-dbt-targets")
    env = {**window(AUGUST).env(), "JIFEN_PLAN_ID": plan_id}
    duck_target = scratch / "duckdb"
    duck = run_dbt(
        *BUILD,
        env={**env, **seeds_env(ws.seeds, duck_target), "JIFEN_WAREHOUSE": str(ws.warehouse)},
        target=duck_target,
    )
    assert duck.returncode == 0, duck.stdout[-3000:]
    sources = _sources(duck_target / "manifest.json")
    _copy_to_spark(spark, ws, sources)
    _save_spark_digests(spark, july_events, scratch / "july", ws)
    spark_target = scratch / "spark"
    spark_env = {**env, **seeds_env(ws.seeds, spark_target), DATABASE_PREFIX_ENV: PREFIX}
    result = run_dbt_on_spark(spark, *BUILD, env=spark_env, target=spark_target)
    failed = [
        f"{r.node.unique_id}: {r.message}"
        for r in (result.result or [])
        if r.status not in ("success", "pass", "no-op")
    ]
    assert result.success, failed or result.exception
    return ws, spark, _relations(spark_target / "manifest.json")


def _duckdb_table(ws: Workspace, name: str) -> pa.Table:
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        return con.sql(f"select * from {name}").to_arrow_table()


def _sources(manifest: Path) -> list[tuple[str, str]]:
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["sources"].values()
    return sorted({(node["schema"], node["identifier"]) for node in nodes})


def _relations(manifest: Path) -> list[str]:
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return sorted(n["alias"] for n in nodes if n["resource_type"] in ("model", "seed"))


def _copy_to_spark(spark, ws: Workspace, sources: list[tuple[str, str]]) -> None:
    """Every source table, as Arrow (decimals stay decimals), into ``<PREFIX><schema>``."""
    for schema in {schema for schema, _ in sources}:
        spark.sql(f"create database if not exists {PREFIX}{schema}")
    for schema, name in sources:
        frame = _spark_frame(spark, _duckdb_table(ws, f"{schema}.{name}"))
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"{PREFIX}{schema}.{name}")


def _spark_frame(spark, table: pa.Table):
    """A DataFrame of ``table`` with its types: DuckDB's TIMESTAMP (no time zone) is Spark's
    TIMESTAMP_NTZ, not a time in the session's zone."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return spark.createDataFrame(table, schema=from_arrow_schema(table.schema, True))


def _save_spark_digests(spark, july_events: pa.Table, target: Path, ws: Workspace) -> None:
    """The saved walk states carry a digest of each member's events in the engine's own hash
    (a workspace keeps its engine): put in the copied July states the digests a Spark July close
    would have saved, computed by the same model from July's events on Spark."""
    events = _spark_frame(spark, july_events)
    events.write.mode("overwrite").format("parquet").saveAsTable(f"{PREFIX}main.int_loyalty_events")
    env = {**window(JULY).env(), **seeds_env(ws.seeds, target), DATABASE_PREFIX_ENV: PREFIX}
    result = run_dbt_on_spark(
        spark, "run", "--select", "int_loyalty_event_digests", env=env, target=target
    )
    assert result.success, result.exception
    columns = spark.table(f"{PREFIX}published.loyalty_walk_states").columns
    kept = ", ".join(f"states.{column}" for column in columns if column != "events_digest")
    states = spark.sql(
        f"select {kept}, coalesce(digests.digest_through, '') as events_digest "
        f"from {PREFIX}published.loyalty_walk_states as states "
        f"left join {PREFIX}main.int_loyalty_event_digests as digests "
        "on states.customer_id = digests.customer_id"
    ).toArrow()
    frame = _spark_frame(spark, states.select(columns))
    frame.write.mode("overwrite").format("parquet").saveAsTable(
        f"{PREFIX}published.loyalty_walk_states"
    )


def _arrow_type(data_type: pa.DataType) -> str:
    """A column type as both engines' Arrow shows it; every text type is text."""
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "string"
    if pa.types.is_string_view(data_type):
        return "string"
    return str(data_type)


def _content(table: pa.Table) -> tuple[list[tuple[str, str]], list[tuple]]:
    """(column, type) pairs and the rows sorted (order-insensitive comparison); the values of
    the engine's own digests are left out (their types are compared)."""
    columns = [(field.name, _arrow_type(field.type)) for field in table.schema]
    rows = [
        tuple("<digest>" if name in ENGINE_DIGESTS else value for name, value in row.items())
        for row in table.to_pylist()
    ]
    return columns, sorted(rows, key=repr)


def test_every_model_and_seed_holds_the_same_rows_and_types_on_spark(both_builds):
    ws, spark, relations = both_builds
    assert len(relations) > 70, relations
    differences = {}
    for name in relations:
        duck_columns, duck_rows = _content(_duckdb_table(ws, f"main.{name}"))
        spark_columns, spark_rows = _content(spark.table(f"{PREFIX}main.{name}").toArrow())
        if duck_columns != spark_columns:
            differences[name] = {"duckdb": duck_columns, "spark": spark_columns}
        elif duck_rows != spark_rows:
            only_duck = [row for row in duck_rows if row not in spark_rows][:3]
            only_spark = [row for row in spark_rows if row not in duck_rows][:3]
            differences[name] = {"duckdb only": only_duck, "spark only": only_spark}
    assert not differences, "\n".join(f"{name}: {what}" for name, what in differences.items())


@pytest.mark.parametrize(
    ("relation", "condition"),
    [
        ("int_manual_adjustments", "explanation like '%\"July\"%'"),
        ("int_prior_period_adjustments", "true"),
        ("points_ledger", "rulebook_version = '2026.2'"),
        ("loyalty_ledger", "kind = 'REDEMPTION'"),
        ("int_loyalty_resumed", "true"),
        ("member_balances", "true"),
    ],
)
def test_the_scenario_reaches_what_the_comparison_must_cover(both_builds, relation, condition):
    """Late rows booked, the new rule book applied, members resumed from the saved walk state
    and redemptions walked: on Spark, so the equality above is not of empty tables."""
    _, spark, _ = both_builds
    assert spark.sql(f"select count(*) from {PREFIX}main.{relation} where {condition}").first()[0]
