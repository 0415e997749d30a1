"""Reports: the period's static HTML from the readers' copy, and the Data Docs of the gate that let
its version through. A step of its own after the publication: it can be materialized alone to
render the reports again without publishing."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WorkspaceResource
from orchestration.gate.record import version_data_docs
from orchestration.lib.period import parse_period
from orchestration.reports import render_reports
from orchestration.warehouse.published import open_published, resolve_version


@asset(
    group_name="reports",
    partitions_def=monthly_partitions,
    deps=[AssetKey("publication")],
    kinds={"html"},
    description="The period's HTML reports (close report, statements, quarterly summary) and the "
    "Data Docs of its version's quality gate.",
)
def reports(context: AssetExecutionContext, workspace: WorkspaceResource) -> MaterializeResult:
    ws = workspace.get()
    period = parse_period(context.partition_key)
    written = render_reports(ws.published_db, ws.reports_dir, [period])
    with open_published(ws) as published:
        version = resolve_version(published, period, None)
    docs = version_data_docs(ws, period, version)
    if docs is None:
        context.log.warning(f"{period} v{version}: no record of its gate, so no Data Docs")
    return MaterializeResult(
        metadata={
            "version": version,
            "reports": MetadataValue.path(str(written[-1])),
            "data_docs": MetadataValue.path(str(docs)) if docs else "none",
        }
    )
