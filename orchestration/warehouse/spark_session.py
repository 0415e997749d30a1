"""The one place a Spark session is configured (the Spark engine, docs/operations.md).

The master comes from ``JIFEN_SPARK_MASTER`` (default ``local[*]``); further settings from
``HOME/spark-defaults.conf`` (Spark's own format: one ``key value`` per line, ``#`` comments)
and then ``JIFEN_SPARK_CONF`` (the path of another such file), later ones winning. A JVM holds
one session and one metastore, so the first call in a process decides both; later calls get the
same session (``getOrCreate``).

The writer lock (``Workspace.writer_lock``) is a ``flock`` on the local ``HOME/state``: it keeps
a second close off this machine's workspace, not off an object store or a shared metastore. So a
session whose tables or published files live elsewhere (``s3a://``, ``hdfs://``, ``abfss://``...)
or whose metastore is remote starts only once ``spark.jifen.singleWriter true`` declares that
this workspace is the one writer there (``check_single_writer``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

MASTER_ENV = "JIFEN_SPARK_MASTER"
CONF_ENV = "JIFEN_SPARK_CONF"
DEFAULT_MASTER = "local[*]"
SINGLE_WRITER = "spark.jifen.singleWriter"
WAREHOUSE_DIR = "spark.sql.warehouse.dir"
METASTORE_URIS = "spark.hadoop.hive.metastore.uris"
LOCAL_SCHEMES = ("", "file")

# Small closes dominate: Spark's 200 shuffle partitions cost more than they bring on a few cores.
DEFAULTS = {
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    # TIMESTAMP means what it means in DuckDB (no time zone): the same types, values and hashes
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
}


def read_conf_file(path: Path) -> dict[str, str]:
    """``key value`` lines (spaces or tabs between), as in Spark's ``spark-defaults.conf``."""
    settings: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, value = (text.split(None, 1) + [""])[:2]
        if not value.strip():
            raise ValueError(f"{path}, line {number}: expected 'key value', got {text!r}")
        settings[key] = value.strip()
    return settings


class SingleWriterUndeclared(RuntimeError):
    """A Spark session on a shared location without the single-writer declaration."""


def is_local(location: str | Path) -> bool:
    """A plain path or a ``file:`` URI: the writer lock's ``flock`` covers it."""
    return urlsplit(str(location)).scheme.lower() in LOCAL_SCHEMES


def shared_locations(conf: dict[str, str], published: str | Path | None = None) -> list[str]:
    """What the session writes to that other machines can write to as well."""
    shared = []
    if not is_local(conf[WAREHOUSE_DIR]):
        shared.append(f"the warehouse {WAREHOUSE_DIR}={conf[WAREHOUSE_DIR]}")
    if published is not None and not is_local(published):
        shared.append(f"the published location {published}")
    if conf.get(METASTORE_URIS, "").strip():
        shared.append(f"the metastore {METASTORE_URIS}={conf[METASTORE_URIS]}")
    return shared


def check_single_writer(conf: dict[str, str], published: str | Path | None = None) -> None:
    """Refuse a shared location unless ``spark.jifen.singleWriter true`` says this workspace is
    its only writer: two writers there would interleave closes, which Spark's tables (no
    transactions) and the hash chain cannot survive."""
    shared = shared_locations(conf, published)
    declared = conf.get(SINGLE_WRITER, "").strip().lower() == "true"
    if not shared or declared:
        return
    raise SingleWriterUndeclared(
        f"This Spark session writes to {' and '.join(shared)}, which jifen's writer lock does "
        f"not protect: the lock is a flock on the local state folder, and a local flock does "
        f"not lock an object store, HDFS or a shared metastore. Make sure no other workspace, "
        f"machine or job writes there (one scheduler, one workspace per location), then declare "
        f"it with the line '{SINGLE_WRITER} true' in HOME/spark-defaults.conf or in the file "
        f"JIFEN_SPARK_CONF names (now: {SINGLE_WRITER}={conf.get(SINGLE_WRITER, '(not set)')}). "
        f"Or use local paths (docs/operations.md, 'Running on a Spark cluster')."
    )


def session_conf(
    state_dir: Path, home: Path | None = None, published: str | Path | None = None
) -> dict[str, str]:
    """Every setting of the session: defaults, the metastore under ``state_dir``, the files;
    refused when a shared location lacks the single-writer declaration (``published``: the
    workspace's published location, checked with the warehouse's)."""
    state_dir = state_dir.resolve()
    conf = dict(DEFAULTS)
    conf["spark.master"] = os.environ.get(MASTER_ENV) or DEFAULT_MASTER
    conf["spark.sql.warehouse.dir"] = str(state_dir / "spark-warehouse")
    # Derby, the embedded metastore, serves one JVM: the writer lock makes that JVM the only one.
    conf["spark.hadoop.javax.jdo.option.ConnectionURL"] = (
        f"jdbc:derby:;databaseName={state_dir / 'spark-metastore'};create=true"
    )
    conf["spark.driver.extraJavaOptions"] = f"-Dderby.system.home={state_dir}"
    for path in (home / "spark-defaults.conf" if home else None, _env_conf()):
        if path is not None and path.is_file():
            conf.update(read_conf_file(path))
    check_single_writer(conf, published)
    return conf


def _env_conf() -> Path | None:
    value = os.environ.get(CONF_ENV)
    return Path(value) if value else None


def spark_session(state_dir: Path, home: Path | None = None, published: str | Path | None = None):
    """The process's Spark session (created on first use, with Hive's catalog for dbt-spark)."""
    from pyspark.sql import SparkSession

    # Executors in their own JVMs start Python workers: they must be this environment's Python.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    state_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("jifen")
    for key, value in session_conf(state_dir, home, published).items():
        builder = builder.config(key, value)
    return builder.enableHiveSupport().getOrCreate()
