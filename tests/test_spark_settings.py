"""The Spark session's settings, read without starting Spark: the conf files, their precedence,
the master, and the single-writer rule on locations a local flock does not lock; and the audit's
refusal, before any JVM starts, while a close holds a Spark workspace."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orchestration.audit import WarehouseLocked
from orchestration.audit.readonly import open_warehouse
from orchestration.lib.engine import workspace_engine
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.spark_session import (
    DEFAULT_MASTER,
    SingleWriterUndeclared,
    read_conf_file,
    session_conf,
)


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch):
    monkeypatch.delenv("JIFEN_SPARK_MASTER", raising=False)
    monkeypatch.delenv("JIFEN_SPARK_CONF", raising=False)


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_conf_file_is_key_value_lines_with_comments_and_tabs(tmp_path):
    path = write(
        tmp_path / "spark.conf",
        "# executors\n\nspark.executor.memory   4g\nspark.executor.cores\t2\n"
        "spark.driver.extraJavaOptions -Da=1 -Db=2\n",
    )
    assert read_conf_file(path) == {
        "spark.executor.memory": "4g",
        "spark.executor.cores": "2",
        "spark.driver.extraJavaOptions": "-Da=1 -Db=2",
    }


def test_a_key_without_a_value_is_refused_naming_the_line(tmp_path):
    path = write(tmp_path / "spark.conf", "spark.executor.memory 4g\nspark.executor.cores\n")
    with pytest.raises(ValueError, match=r"spark.conf, line 2: expected 'key value'"):
        read_conf_file(path)


def test_the_master_defaults_to_local_and_comes_from_the_environment(tmp_path, monkeypatch):
    assert session_conf(tmp_path / "state")["spark.master"] == DEFAULT_MASTER == "local[*]"
    monkeypatch.setenv("JIFEN_SPARK_MASTER", "spark://head:7077")
    assert session_conf(tmp_path / "state")["spark.master"] == "spark://head:7077"


def test_the_metastore_and_tables_live_under_the_state_folder(tmp_path):
    conf = session_conf(tmp_path / "state")
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path / "state" / "spark-warehouse")
    assert (
        str(tmp_path / "state" / "spark-metastore")
        in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )


def test_defaults_then_the_home_file_then_the_file_jifen_spark_conf_names(tmp_path, monkeypatch):
    home = tmp_path / "home"
    write(
        home / "spark-defaults.conf",
        "spark.sql.shuffle.partitions 64\nspark.executor.memory 4g\n",
    )
    extra = write(tmp_path / "cluster.conf", "spark.executor.memory 16g\n")
    conf = session_conf(home / "state", home)
    assert conf["spark.sql.shuffle.partitions"] == "64"  # the home file over the default (8)
    assert conf["spark.executor.memory"] == "4g"
    assert conf["spark.sql.session.timeZone"] == "UTC"  # a default no file overrides
    monkeypatch.setenv("JIFEN_SPARK_CONF", str(extra))
    conf = session_conf(home / "state", home)
    assert conf["spark.executor.memory"] == "16g"  # JIFEN_SPARK_CONF over the home file
    assert conf["spark.sql.shuffle.partitions"] == "64"


def test_a_file_may_set_the_master_over_the_environment(tmp_path, monkeypatch):
    """spark.master is a setting like any other: a file that names one wins, as Spark's own
    spark-submit --conf would."""
    home = tmp_path / "home"
    write(home / "spark-defaults.conf", "spark.master local[2]\n")
    monkeypatch.setenv("JIFEN_SPARK_MASTER", "local[*]")
    assert session_conf(home / "state", home)["spark.master"] == "local[2]"


@pytest.mark.parametrize(
    "location",
    [
        "s3a://lake/jifen/warehouse",
        "hdfs://namenode:8020/jifen",
        "abfss://c@acct.dfs.core.windows.net/j",
    ],
)
def test_a_remote_warehouse_is_refused_without_the_single_writer_declaration(tmp_path, location):
    home = tmp_path / "home"
    write(home / "spark-defaults.conf", f"spark.sql.warehouse.dir {location}\n")
    with pytest.raises(SingleWriterUndeclared) as refused:
        session_conf(home / "state", home)
    message = str(refused.value)
    assert location in message
    assert "spark.jifen.singleWriter true" in message  # the setting to add
    assert "flock" in message and "object store" in message  # why


def test_the_declaration_lets_a_remote_warehouse_start(tmp_path, monkeypatch):
    home = tmp_path / "home"
    write(home / "spark-defaults.conf", "spark.sql.warehouse.dir s3a://lake/jifen/warehouse\n")
    declared = write(tmp_path / "cluster.conf", "spark.jifen.singleWriter TRUE\n")
    monkeypatch.setenv("JIFEN_SPARK_CONF", str(declared))
    conf = session_conf(home / "state", home)
    assert conf["spark.sql.warehouse.dir"] == "s3a://lake/jifen/warehouse"


def test_a_declaration_other_than_true_does_not_count(tmp_path):
    home = tmp_path / "home"
    write(
        home / "spark-defaults.conf",
        "spark.sql.warehouse.dir s3a://lake/w\nspark.jifen.singleWriter yes\n",
    )
    with pytest.raises(SingleWriterUndeclared, match=r"now: spark.jifen.singleWriter=yes"):
        session_conf(home / "state", home)


def test_a_remote_published_location_is_refused_too(tmp_path):
    with pytest.raises(SingleWriterUndeclared, match="the published location s3a://lake/pub"):
        session_conf(tmp_path / "state", published="s3a://lake/pub")


def test_a_remote_metastore_is_refused_without_the_declaration(tmp_path):
    home = tmp_path / "home"
    write(home / "spark-defaults.conf", "spark.hadoop.hive.metastore.uris thrift://meta:9083\n")
    with pytest.raises(SingleWriterUndeclared, match="thrift://meta:9083"):
        session_conf(home / "state", home)


def test_local_paths_and_file_uris_need_no_declaration(tmp_path):
    home = tmp_path / "home"
    write(home / "spark-defaults.conf", f"spark.sql.warehouse.dir file://{tmp_path}/w\n")
    conf = session_conf(home / "state", home, published=home / "published")
    assert conf["spark.sql.warehouse.dir"] == f"file://{tmp_path}/w"
    assert "spark.jifen.singleWriter" not in conf
    session_conf(home / "state", published=f"file://{home}/published")


HOLD_THE_WRITER_LOCK = """
import sys, time
from pathlib import Path
from orchestration.lib.workspace import Workspace
with Workspace.at(Path(sys.argv[1])).writer_lock():
    print("held", flush=True)
    time.sleep(60)
"""


def test_the_audit_names_a_running_close_of_a_spark_workspace_before_starting_spark(tmp_path):
    """A close's JVM holds the workspace's embedded Derby metastore: a second JVM would fail
    with pages of Java errors. The audit asks the writer lock first and says what to do."""
    ws = Workspace.at(tmp_path / "home").prepare()
    assert workspace_engine(ws, "spark") == "spark"
    command = [sys.executable, "-c", HOLD_THE_WRITER_LOCK, str(ws.home)]
    holder = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert ws.close_running()
        locked = pytest.raises(WarehouseLocked, match=r"the Spark metastore in .* is locked by a")
        with locked, open_warehouse(ws):
            pass
    finally:
        holder.kill()
        holder.wait()
    assert not ws.close_running()
