"""dbt on the Spark engine: the same project, target ``spark`` (dbt-spark, method ``session``),
run in this process by dbt's programmatic runner, against the process's Spark session.

The session method is the only one that shares the JVM holding an embedded (Derby) metastore,
which serves one JVM. dbt-spark submits Python models only to Databricks clusters; the project's
one Python model (the loyalty walk) is executed here on the session instead: a submission method
``session`` is added to dbt-spark before dbt runs, and is the default under the session method.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.lib.paths import DBT_PROJECT_DIR

TARGET = "spark"
TARGET_ENV = "JIFEN_DBT_TARGET"  # another output of profiles.yml (docs/operations.md)
SESSION_METHOD = "session"


@dataclass(frozen=True)
class NodeResult:
    """One dbt node as it finished: a model, seed or test of the build."""

    unique_id: str
    status: str  # success, error, skipped (models, seeds); pass, warn, fail, error (tests)
    message: str
    execution_time: float
    failures: int


def run_dbt_on_spark(
    session: Any,
    *args: str,
    env: Mapping[str, str],
    target: Path,
    on_node: Callable[[NodeResult], None] | None = None,
):
    """``dbt <args>`` on ``session`` with ``env`` (the period window, JIFEN_SEEDS, JIFEN_PLAN_ID,
    JIFEN_DATABASE_PREFIX) set for its duration; dbt's artifacts and log go to ``target``;
    ``on_node`` hears of each node as it finishes (from dbt's threads).
    Returns dbt's ``dbtRunnerResult`` (``success``, ``result``, ``exception``)."""
    from dbt.cli.main import dbtRunner

    register_session_submission(session)
    forget_cached_tables(session)
    target_name = os.environ.get(TARGET_ENV) or TARGET  # spark_thrift, spark_http: a cluster's
    command = [*args, "--target", target_name, "--project-dir", str(DBT_PROJECT_DIR)]
    command += ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)]
    command += ["--log-path", str(target)]
    callbacks = [] if on_node is None else [_node_finished(on_node)]
    quiet = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    with _environment({**env, **quiet}):
        return dbtRunner(callbacks=callbacks).invoke(command)


def _node_finished(on_node: Callable[[NodeResult], None]) -> Callable:
    """A dbt event callback that hands each finished node to ``on_node``."""

    def callback(event) -> None:
        if event.info.name != "NodeFinished":
            return
        result = event.data.run_result
        on_node(
            NodeResult(
                unique_id=event.data.node_info.unique_id,
                status=result.status,
                message=result.message,
                execution_time=result.execution_time,
                failures=result.num_failures,
            )
        )

    return callback


def forget_cached_tables(session: Any) -> None:
    """jifen's own steps write the tables in sessions of their own (``SparkWarehouse``); this
    session, dbt's, may still hold the file lists of the tables as the last close left them,
    and would read files since replaced (an error) or miss files since appended (silently)."""
    session._jsparkSession.sessionState().catalog().invalidateAllCachedTables()


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """dbt's ``env_var()`` reads os.environ: set ``values`` while dbt runs, then restore."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def register_session_submission(session: Any) -> None:
    """Teach dbt-spark the submission method ``session``: a Python model's compiled code runs in
    this process with ``spark`` bound to ``session`` (it then writes its table as dbt-spark's
    materialization says). Idempotent; the latest session wins."""
    from dbt.adapters.spark.impl import SparkAdapter

    original = getattr(SparkAdapter, "_jifen_original_submission", None)
    if original is None:
        original = (
            SparkAdapter.python_submission_helpers.fget,
            SparkAdapter.default_python_submission_method.fget,
        )
        SparkAdapter._jifen_original_submission = original
    helpers, default_method = original
    helper = _session_helper(session)

    def python_submission_helpers(adapter):
        return {**helpers(adapter), SESSION_METHOD: helper}

    def default_python_submission_method(adapter):
        if adapter.config.credentials.method == SESSION_METHOD:
            return SESSION_METHOD
        return default_method(adapter)

    SparkAdapter.python_submission_helpers = property(python_submission_helpers)
    SparkAdapter.default_python_submission_method = property(default_python_submission_method)


def _session_helper(session: Any) -> type:
    from dbt.adapters.base.impl import PythonJobHelper

    class SessionPythonJobHelper(PythonJobHelper):
        """Runs a compiled Python model on the process's session (no notebook, no cluster)."""

        def __init__(self, parsed_model: dict, credentials: Any) -> None:
            self.name = parsed_model["unique_id"]

        def submit(self, compiled_code: str) -> None:
            code = compile(compiled_code, f"<dbt python model {self.name}>", "exec")
            exec(code, {"__name__": "__dbt_model__", "spark": session})  # noqa: S102

    return SessionPythonJobHelper
