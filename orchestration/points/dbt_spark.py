"""dbt on the Spark engine: the same project, target ``spark`` (dbt-spark, method ``session``),
run in this process by dbt's programmatic runner, against the process's Spark session.

The session method is the only one that shares the JVM holding an embedded (Derby) metastore,
which serves one JVM. dbt-spark submits Python models only to Databricks clusters; the project's
one Python model (the loyalty walk) is executed here on the session instead: a submission method
``session`` is added to dbt-spark before dbt runs, and is the default under the session method.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from orchestration.points.dbt import NodeResult, invoke_dbt

TARGET = "spark"
TARGET_ENV = "JIFEN_DBT_TARGET"  # another output of profiles.yml (docs/operations.md)
SESSION_METHOD = "session"


def run_dbt_on_spark(
    session: Any,
    *args: str,
    env: Mapping[str, str],
    target: Path,
    on_node: Callable[[NodeResult], None] | None = None,
):
    """``dbt <args>`` on ``session``, otherwise as ``invoke_dbt``."""
    register_session_submission(session)
    forget_cached_tables(session)
    target_name = os.environ.get(TARGET_ENV) or TARGET  # spark_thrift, spark_http: a cluster's
    return invoke_dbt(*args, "--target", target_name, target=target, env=env, on_node=on_node)


def forget_cached_tables(session: Any) -> None:
    """jifen's own steps write the tables in sessions of their own (``SparkWarehouse``); this
    session, dbt's, may still hold the file lists of the tables as the last close left them,
    and would read files since replaced (an error) or miss files since appended (silently)."""
    session._jsparkSession.sessionState().catalog().invalidateAllCachedTables()


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
