"""The one place a Spark session is configured (the Spark engine, docs/operations.md).

The master comes from ``JIFEN_SPARK_MASTER`` (default ``local[*]``); further settings from
``HOME/spark-defaults.conf`` (Spark's own format: one ``key value`` per line, ``#`` comments)
and then ``JIFEN_SPARK_CONF`` (the path of another such file), later ones winning. A JVM holds
one session and one metastore, so the first call in a process decides both; later calls get the
same session (``getOrCreate``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MASTER_ENV = "JIFEN_SPARK_MASTER"
CONF_ENV = "JIFEN_SPARK_CONF"
DEFAULT_MASTER = "local[*]"

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
    """``key value`` lines, as in Spark's ``spark-defaults.conf``."""
    settings: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, _, value = text.partition(" ")
        if not value.strip():
            raise ValueError(f"{path}, line {number}: expected 'key value', got {text!r}")
        settings[key] = value.strip()
    return settings


def session_conf(state_dir: Path, home: Path | None = None) -> dict[str, str]:
    """Every setting of the session: defaults, the metastore under ``state_dir``, the files."""
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
    return conf


def _env_conf() -> Path | None:
    value = os.environ.get(CONF_ENV)
    return Path(value) if value else None


def spark_session(state_dir: Path, home: Path | None = None):
    """The process's Spark session (created on first use, with Hive's catalog for dbt-spark)."""
    from pyspark.sql import SparkSession

    # Executors in their own JVMs start Python workers: they must be this environment's Python.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    state_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("jifen")
    for key, value in session_conf(state_dir, home).items():
        builder = builder.config(key, value)
    return builder.enableHiveSupport().getOrCreate()
