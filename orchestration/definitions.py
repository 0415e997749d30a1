"""The jifen code location: wiring only. Every folder of ``orchestration/defs/`` is one stop on
the data's road (docs/architecture.md); ``load_defs`` collects what each defines."""

import dagster as dg

import orchestration.defs
from orchestration.defs.resources import SparkResource, WorkspaceResource

defs = dg.Definitions.merge(
    dg.components.load_defs(orchestration.defs),
    dg.Definitions(
        resources={"workspace": WorkspaceResource(), "spark": SparkResource()},
        executor=dg.in_process_executor,
    ),
)
