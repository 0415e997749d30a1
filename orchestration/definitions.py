"""The jifen code location: one Definitions merged from one folder per stop on the data's road."""

from dagster import Definitions, in_process_executor

from orchestration.defs import (
    close,
    ingest,
    points,
    publish,
    standings,
    trial,
    validation,
    verify,
)
from orchestration.lib.resources import WorkspaceResource

defs = Definitions.merge(
    ingest.defs,
    validation.defs,
    points.defs,
    publish.defs,
    close.defs,
    standings.defs,
    verify.defs,
    trial.defs,
    Definitions(resources={"workspace": WorkspaceResource()}, executor=in_process_executor),
)
