"""Ingest and validation on Spark give every landed row the outcome DuckDB gives (issue 12).

One dirty landing (a small generated data set with its planted rows of every reason code, a
compressed CSV, a workbook, Parquet, a copy of a file's bytes, a file no reader can load) is
ingested and validated on DuckDB (the existing path) and on Spark, in two workspaces with the
same files; every row's outcome, the file hashes and the validated rows must be the same. Run as
a script (``python tests/test_spark_ingest.py HOME STATE``), this file ingests and judges a few
files on a ``local-cluster`` master, executors in JVMs of their own, and prints them as JSON.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.landing import ingest_source
from orchestration.ingest.spark_landing import ingest_source_on_executors, read_files
from orchestration.lib.workspace import SOURCES, Workspace
from orchestration.validate.engine import validate_all
from orchestration.validate.row_checks import judge_new_rows_in_batches
from orchestration.validate.verdict_cache import keep_verdicts_of_this_code
from orchestration.warehouse.duckdb import connect
from schemas.contract import SPECS

MONTHS = ["2026-07", "2026-08"]
LINEAGE = ("source_file", "row_number", "file_hash")


def deliver_in_every_format(landing: Path) -> None:
    """The first sales CSV gzip-compressed, the first sales Parquet file also as a workbook
    (a later delivery), a byte copy of a reps file, and a sales file no reader can load."""
    sales = sorted((landing / "sales").iterdir())
    plain = next(path for path in sales if path.suffix == ".csv")
    compressed = plain.with_name(plain.name + ".gz")
    compressed.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    plain.unlink()
    typed = next(path for path in sales if path.suffix == ".parquet")
    write_workbook(typed.with_name("sales_zz_workbook.xlsx"), pq.read_table(typed).to_pylist())
    reps = sorted((landing / "reps").iterdir())[0]
    shutil.copyfile(reps, reps.with_name("zz_copy_of_" + reps.name))
    (landing / "sales" / "zz_broken.csv").write_text("txn_id;amount\nT1;3\n", encoding="utf-8")
    (landing / "sales" / "notes.txt").write_text("not a delivery\n", encoding="utf-8")


def write_workbook(path: Path, rows: list[dict]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "sales"
    book.active.append(list(rows[0]))
    for row in rows:
        book.active.append([float(v) if isinstance(v, Decimal) else v for v in row.values()])
    book.save(path)


@pytest.fixture(scope="module")
def dirty_landing(tmp_path_factory) -> Path:
    from orchestration.generate.landing import generate

    home = tmp_path_factory.mktemp("dirty") / "home"
    Workspace.at(home).prepare().create_landing()
    generate(home, seed=5, months=MONTHS, reps=6, sales_per_rep_month=6, dirty_rate=0.05)
    deliver_in_every_format(home / "landing")
    return home / "landing"


def workspace_with(landing: Path, home: Path) -> Workspace:
    shutil.copytree(landing, home / "landing")
    return Workspace.at(home).prepare()


def everything(warehouse, reports) -> dict:
    """What ingest and validation leave, keyed so two engines' results compare row by row."""
    found = {
        "reports": {
            source: (
                report.loaded_files,
                report.skipped_files,
                [(r.path.name, r.problem, r.hint) for r in report.rejected],
                report.ignored,
            )
            for source, report in reports.items()
        },
        "ingested_files": sorted(
            warehouse.rows(
                "select source, source_file, file_hash, file_format, row_count, byte_size "
                "from ingested_files"
            )
        ),
        "skipped_files": sorted(
            warehouse.rows("select source, source_file, file_hash, same_as from skipped_files")
        ),
        "outcomes": {
            (source, file, row): rest
            for source, file, row, *rest in warehouse.rows(
                "select source, source_file, row_number, status, reason, detail, raw, "
                "file_hash, period, raw_id from row_outcomes"
            )
        },
    }
    for source in SOURCES:
        columns = warehouse.table_columns(f"validated_{source}")
        rows = warehouse.rows(f"select * from validated_{source}")
        found[f"validated_{source}"] = (columns, sorted(rows, key=repr))
    return found


def on_duckdb(workspace: Workspace) -> dict:
    with connect(workspace) as warehouse:
        reports = {s: ingest_source(workspace, warehouse, s, "run-1") for s in SOURCES}
        validate_all(warehouse)
        return everything(warehouse, reports)


def on_spark(spark, workspace: Workspace, prefix: str) -> dict:
    from orchestration.warehouse.spark import Databases, SparkWarehouse, create_tables

    location = workspace.state / "spark"
    with SparkWarehouse(spark, Databases(prefix), location) as warehouse:
        create_tables(warehouse)
        reports = {s: ingest_source_on_executors(workspace, warehouse, s, "run-1") for s in SOURCES}
        validate_all(warehouse)
        return everything(warehouse, reports)


def assert_same(duck: dict, spark: dict) -> None:
    assert duck.keys() == spark.keys()
    for key in duck:
        assert spark[key] == duck[key], key


def land_later_files(workspace: Workspace) -> None:
    """Three rows delivered again (deduplicated or in conflict) and an ingested file changed."""
    sales = workspace.landing_dir("sales")
    first = sorted(sales.glob("*.parquet"))[0]
    late = pq.read_table(first).slice(0, 3).to_pandas().astype(str)
    late.to_csv(sales / "zzz_late_delivery.csv", index=False)
    surveys = sorted(workspace.landing_dir("surveys").glob("*.csv"))[0]
    surveys.write_bytes(surveys.read_bytes() + surveys.read_bytes().splitlines(True)[-1])


@pytest.fixture(scope="module")
def two_closes(spark, dirty_landing, tmp_path_factory) -> dict[str, list[dict]]:
    """Per engine, what the first close leaves and what a second one leaves after later files:
    one Spark run of each, shared by the tests below (Spark's statements cost a fraction of a
    second each)."""
    found = {}
    for engine in ("duckdb", "spark"):
        workspace = workspace_with(dirty_landing, tmp_path_factory.mktemp(engine))
        close = on_duckdb if engine == "duckdb" else lambda ws: on_spark(spark, ws, "closes_")
        first = close(workspace)
        land_later_files(workspace)
        found[engine] = [first, close(workspace)]
    return found


def test_every_row_ends_as_on_duckdb(two_closes):
    duck, spark = two_closes["duckdb"][0], two_closes["spark"][0]
    statuses = {status for status, *_ in duck["outcomes"].values()}
    reasons = {rest[1] for rest in duck["outcomes"].values()}
    formats = {row[3] for row in duck["ingested_files"]}
    # the landing is dirty in every way this test claims
    assert statuses == {"loaded", "deduplicated", "quarantined"}
    assert {"missing_field", "bad_type", "duplicate_conflict", "unknown_rep"} <= reasons
    assert {"csv", "csv.gz", "parquet", "xlsx (sheet sales)"} <= formats
    assert duck["reports"]["sales"][2] and duck["skipped_files"]
    assert_same(duck, spark)


def test_a_later_close_judges_the_new_files_as_on_duckdb(two_closes):
    """The kept verdicts (a high-water mark), later rows, a file changed after ingestion."""
    (first, later), (_, spark_later) = two_closes["duckdb"], two_closes["spark"]
    refused = [problem for _, problem, _ in later["reports"]["surveys"][2]]
    assert any("modified after it was ingested" in problem for problem in refused)
    assert len(later["outcomes"]) == len(first["outcomes"]) + 3
    assert_same(later, spark_later)


def test_a_file_read_in_several_chunks_reaches_spark_as_plain_arrays(tmp_path, monkeypatch):
    """pyspark turns each column of an executor's frame into one Arrow array: a frame over the
    several chunks of a large file (16 MiB blocks) has chunked columns, which it refuses (the
    1 M-row benchmark stopped so). Small blocks make a small file large; no JVM needed."""
    monkeypatch.setattr("orchestration.ingest.csv_file.BLOCK_SIZE", 1 << 12)
    path = tmp_path / "sales_2026-07.csv"
    lines = [",".join(SPECS["sales"].columns)]
    lines += [f"X{i},sale,O{i},R1,C1,2026-07-02,{i}.00,CNY" for i in range(2000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    listed = pd.DataFrame({"file_index": [0], "path": [str(path)]})
    frames = list(read_files("sales", iter([listed])))
    rows = [frame for frame in frames if not frame["is_file"].any()]
    assert len(rows) > 1  # the file was read in several chunks ...
    numbers = [n for frame in rows for n in frame["row_number"]]
    assert numbers == list(range(1, 2001))  # ... and every row is there once, in order
    for frame in frames:
        for column in frame.columns:
            assert isinstance(pa.Array.from_pandas(frame[column]), pa.Array), column


CLUSTER_SOURCES = ("reps", "customers", "sales")


def ingested_and_judged(workspace: Workspace, warehouse, ingest, judge) -> dict[str, str]:
    """The work of the executors (hashing, reading, the row checks) on a few sources: the raw
    rows with their lineage, the row-level verdicts and the rows they accept."""
    keep_verdicts_of_this_code(warehouse)
    found = {}
    for source in CLUSTER_SOURCES:
        ingest(workspace, warehouse, source, "run-1")
        judge(warehouse, SPECS[source], lambda _: None)
        columns = ", ".join(("raw_id", *SPECS[source].columns, *LINEAGE))
        found[f"raw_{source}"] = warehouse.rows(f"select {columns} from raw_{source}")
        found[f"judged_{source}"] = warehouse.rows(f"select * from judged_{source}")
    found["verdicts"] = warehouse.rows(
        "select source, raw_id, reason, detail from row_judgements where reason is not null"
    )
    found["ingested_files"] = warehouse.rows(
        "select source, source_file, file_hash, file_format, row_count, byte_size "
        "from ingested_files"
    )
    return {key: comparable(sorted(rows, key=repr)) for key, rows in found.items()}


def test_executors_in_their_own_jvms_read_and_judge_the_same_rows(dirty_landing, tmp_path):
    """A ``local-cluster`` master: executors in two JVMs of their own hash, read and judge the
    files, so nothing may depend on the driver's memory. Kept small (a few files, the row
    checks): two more JVMs cost a minute on two cores."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime")
    pytest.importorskip("pyspark")
    small = tmp_path / "small"
    for source in SOURCES:
        (small / source).mkdir(parents=True)
    for source in CLUSTER_SOURCES:
        for path in sorted((dirty_landing / source).iterdir())[:4]:
            shutil.copyfile(path, small / source / path.name)
    workspace = workspace_with(small, tmp_path / "duck")
    with connect(workspace) as warehouse:
        duck = ingested_and_judged(workspace, warehouse, ingest_source, judge_new_rows_in_batches)
    workspace_with(small, tmp_path / "cluster")
    environment = {**os.environ, "JIFEN_SPARK_MASTER": "local-cluster[2,1,1024]"}
    done = subprocess.run(
        [sys.executable, __file__, str(tmp_path / "cluster"), str(tmp_path / "state")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found.pop("executors") == 2
    assert "csv.gz" in duck["ingested_files"] and "bad_type" in duck["verdicts"]
    assert found == duck


def comparable(value) -> str:
    """One text for a result of either process (JSON has no dates, decimals or tuples)."""
    return json.dumps(value, default=str)


def judge_on_a_cluster(home: Path, state: Path) -> None:
    from orchestration.validate.spark_rows import judge_new_rows_on_executors
    from orchestration.warehouse.spark import Databases, SparkWarehouse, create_tables
    from orchestration.warehouse.spark_session import spark_session

    spark = spark_session(state)
    try:
        workspace = Workspace.at(home).prepare()
        with SparkWarehouse(spark, Databases("cluster_"), workspace.state / "spark") as warehouse:
            create_tables(warehouse)
            found = ingested_and_judged(
                workspace, warehouse, ingest_source_on_executors, judge_new_rows_on_executors
            )
        executors = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
        print(json.dumps({**found, "executors": executors}))
    finally:
        spark.stop()


if __name__ == "__main__":
    judge_on_a_cluster(Path(sys.argv[1]), Path(sys.argv[2]))
