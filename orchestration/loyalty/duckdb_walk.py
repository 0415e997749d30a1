"""The walk on DuckDB: members split into buckets by a hash of ``customer_id``, each bucket walked
by the same code as on Spark (``batches.walk_partition``, hence ``walk.walk_member``) in a process
of its own, so a close uses every core and no process holds more than one member's rows.

The buckets travel as Parquet files in a folder beside the warehouse: dbt holds the warehouse's
only write connection, so the walkers cannot read it. A walker sorts its bucket by member with a
DuckDB of its own (which spills to disk), streams it through the walk and writes its output as
Parquet; the model's table is read from those files. A small close walks in dbt's process: two
processes cost more to start than its walk takes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from orchestration.loyalty.batches import EVENT_FIELDS, OUTPUT, SAVED, walk_partition
from orchestration.warehouse.connection import open_database

IN_PROCESS_ROWS = 200_000  # below this many rows (events and saved states), one process walks
IDLE_MEMORY = "256MB"  # dbt's DuckDB while the walkers run
WALKER_MEMORY = "512MB"  # each walker's DuckDB sort; beyond it, the sort spills to disk
BUCKET = "bucket"
SCRATCH = "jifen-walk-"  # the scratch folders' prefix


def walk_on_duckdb(session: Any, events: Any, resumed: Any, resumed_lots: Any, until: date) -> Any:
    """The walk's output (``OUTPUT``) as a DuckDB relation: ``events`` (int_loyalty_walk_events)
    walked up to ``until``, each member from its saved state when ``resumed`` (members) and
    ``resumed_lots`` (their lots) hold one."""
    folder = _scratch_folder(session)
    buckets = max(os.cpu_count() or 1, 1)
    (rows,) = session.execute(
        f"copy ({_member_rows(events, resumed, resumed_lots, buckets)}) to '{folder / 'in'}' "
        f"(format parquet, partition_by ({BUCKET}))"
    ).fetchone()
    inputs = sorted((folder / "in").glob(f"{BUCKET}=*"))
    outputs = [folder / f"out-{number}.parquet" for number in range(len(inputs))]
    jobs = list(zip(inputs, outputs, [until] * len(inputs), strict=True))
    if rows < IN_PROCESS_ROWS or len(jobs) < 2:
        for job in jobs:
            walk_bucket(*job)
    else:
        with _buffers_released(session):
            _walk_in_processes(jobs)
    if not outputs:
        return session.from_arrow(OUTPUT.empty_table())
    listed = ", ".join(f"'{path}'" for path in outputs)
    return session.sql(f"select * from read_parquet([{listed}])")


def walk_bucket(bucket: Path, output: Path, until: date) -> None:
    """Walk the members of one bucket folder (Parquet) up to ``until`` into ``output``."""
    import pyarrow.parquet as pq

    with open_database() as con:
        con.run(f"set memory_limit = '{WALKER_MEMORY}'")
        con.run("set threads = 1")  # one walker per core already
        con.run(f"set temp_directory = '{bucket}.spill'")
        ordered = con.batches(
            f"select * from read_parquet('{bucket}/*.parquet', hive_partitioning = false) "
            "order by customer_id"
        )
        with pq.ParquetWriter(output, OUTPUT) as writer:
            for batch in walk_partition(ordered, until=until):
                writer.write_batch(batch)


@contextmanager
def _buffers_released(session: Any) -> Iterator[None]:
    """dbt's DuckDB, idle while the walkers run, gives its memory back to the system meanwhile:
    the walkers count in the same close's memory. (Measured: lowering the limit took a DuckDB
    from 1,720 to 369 MiB resident.) The limit comes back as DuckDB spells it, to within its
    rounding (0.1 GiB)."""
    (limit,) = session.execute("select current_setting('memory_limit')").fetchone()
    session.execute(f"set memory_limit = '{IDLE_MEMORY}'")
    try:
        yield
    finally:
        session.execute(f"set memory_limit = '{limit}'")


def _walk_in_processes(jobs: list[tuple[Path, Path, date]]) -> None:
    """One walker process per bucket (``python -m`` this module), all at once; a walker that
    fails stops the model with its own error."""
    walkers = [
        subprocess.Popen(
            [sys.executable, "-m", __name__, str(bucket), str(output), until.isoformat()],
            stderr=subprocess.PIPE,
            text=True,
        )
        for bucket, output, until in jobs
    ]
    failed = [
        f"walker of {bucket.name} exited with {walker.returncode}: {error.strip()[-2000:]}"
        for walker, (bucket, _, _) in zip(walkers, jobs, strict=True)
        if (error := walker.communicate()[1]) is not None and walker.returncode
    ]
    if failed:
        raise RuntimeError("the loyalty walk failed:\n" + "\n".join(failed))


def _member_rows(events: Any, resumed: Any, resumed_lots: Any, buckets: int) -> str:
    """Events and saved rows of every member in one query, each row with its member's bucket."""
    fields = ", ".join(("customer_id", *EVENT_FIELDS))
    return (
        f"select *, hash(customer_id) % {buckets} as {BUCKET} from ("
        f"select {fields}, null::varchar as {SAVED} from ({events.sql_query()}) "
        f"union all by name select *, 'member' as {SAVED} from ({resumed.sql_query()}) "
        f"union all by name select *, 'lot' as {SAVED} from ({resumed_lots.sql_query()}))"
    )


def _scratch_folder(session: Any) -> Path:
    """A new folder beside the warehouse (the system's temporary folder for one in memory),
    removed when dbt's process ends: the model's table is read from it after the model returns."""
    (path,) = session.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    beside = Path(path).parent if path else None
    for stale in beside.glob(f"{SCRATCH}*") if beside else ():  # left by a killed close
        shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=beside))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


if __name__ == "__main__":  # a walker: BUCKET-FOLDER OUTPUT-FILE UNTIL
    walk_bucket(Path(sys.argv[1]), Path(sys.argv[2]), date.fromisoformat(sys.argv[3]))
