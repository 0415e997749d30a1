"""dagster-dbt as the closes use it: the ``dbt`` resource of the points step."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version

from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.lib.paths import DBT_PROJECT_DIR
from orchestration.points.dbt import dbt_executable


class JifenDbtResource(DbtCliResource):
    """dagster-dbt as the closes use it, without two fixed costs it pays on every invocation.

    It runs ``dbt --version`` per resource (the installed package already knows), and it loads
    dbt's project, profile and adapter in the Dagster process (2-3 s a close) only to serve column
    metadata and row counts, which jifen does not ask for; dbt itself runs as a child process.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> JifenDbtResource:
    return JifenDbtResource(
        project_dir=os.fspath(DBT_PROJECT_DIR),
        profiles_dir=os.fspath(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )
