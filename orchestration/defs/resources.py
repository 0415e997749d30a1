"""Dagster resources shared by every domain."""

from __future__ import annotations

from dagster import ConfigurableResource

from orchestration.lib.workspace import Workspace, default_home


class WorkspaceResource(ConfigurableResource):
    """The workspace a run works in (``$JIFEN_HOME`` unless the run says otherwise)."""

    home: str = ""

    def get(self) -> Workspace:
        return Workspace.at(self.home or default_home()).prepare()
