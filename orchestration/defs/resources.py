"""Dagster resources shared by every domain."""

from __future__ import annotations

from dagster import ConfigurableResource

from orchestration.lib.workspace import Workspace, default_home


class WorkspaceResource(ConfigurableResource):
    """The workspace a run works in (``$JIFEN_HOME`` unless the run says otherwise)."""

    home: str = ""

    def get(self) -> Workspace:
        return Workspace.at(self.home or default_home()).prepare()


class SparkResource(ConfigurableResource):
    """The Spark session of a workspace on the Spark engine: one per process (a JVM holds one
    session and one metastore), made on first use with the workspace's settings
    (``warehouse/spark_session.py``: master, ``spark-defaults.conf``, ``JIFEN_SPARK_CONF``)."""

    def session(self, workspace: Workspace):
        from orchestration.warehouse.open import spark_of

        return spark_of(workspace)
