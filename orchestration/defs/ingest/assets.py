"""One asset per landing source: new files in, every row kept with its lineage."""

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from orchestration.defs.ingest.unread import UNREAD_ASSET, unread_landing_files
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WorkspaceResource
from orchestration.ingest.landing import ingest_source
from orchestration.lib.workspace import OPTIONAL_SOURCES, SOURCES
from orchestration.warehouse.open import connect


def _ingester(warehouse):
    """The same books either way: files read in this process (DuckDB) or by Spark's executors."""
    if warehouse.engine == "spark":
        from orchestration.ingest.spark_landing import ingest_source_on_executors

        return ingest_source_on_executors
    return ingest_source


def _ingest_asset(source: str):
    optional = source in OPTIONAL_SOURCES
    note = " An optional source: its folder may be absent." if optional else ""

    @asset(
        name=f"raw_{source}",
        group_name="ingest",
        partitions_def=monthly_partitions,
        kinds={"duckdb"},
        deps=[UNREAD_ASSET],  # a strict close stops there, before any file is read
        description=f"Every row of landing/{source}/ as text, with file, row number and SHA-256."
        + note,
    )
    def _ingest(context: AssetExecutionContext, workspace: WorkspaceResource) -> MaterializeResult:
        ws = workspace.get()
        folder = ws.landing_dir(source)
        if not folder.is_dir() and optional:
            context.log.info(f"no landing folder {folder}: no {source} landed (optional source)")
        elif not folder.is_dir():
            raise Failure(
                description=f"the landing folder {folder} is missing. Create it (an empty folder "
                f"is fine when no {source} file has arrived yet) or check --home / $JIFEN_HOME."
            )
        with ws.writer_lock(), connect(ws) as warehouse:
            report = _ingester(warehouse)(ws, warehouse, source, context.run.run_id)
            total = warehouse.value(f"select count(*) from raw_{source}")
        for name, same_as in report.skipped_files:
            context.log.info(f"{source}/{name}: same bytes as {same_as}, already ingested; skipped")
        for name in report.ignored:
            context.log.warning(f"{source}/{name}: not read (see {UNREAD_ASSET})")
        if report.rejected:
            problems = "\n".join(f"  - {rejected}" for rejected in report.rejected)
            raise Failure(
                description=(
                    f"{len(report.rejected)} {source} file(s) rejected, none of their rows "
                    f"loaded:\n{problems}\nFix or move these files away, then close again."
                ),
                metadata={"rejected": MetadataValue.json([str(r) for r in report.rejected])},
            )
        return MaterializeResult(
            metadata={
                "files_loaded": len(report.loaded_files),
                "rows_loaded_now": report.rows,
                "files_skipped_same_bytes": len(report.skipped_files),
                "rows_total": total,
                "files": MetadataValue.json(dict(report.loaded_files)),
            }
        )

    return _ingest


ingest_assets = [unread_landing_files, *(_ingest_asset(source) for source in SOURCES)]
