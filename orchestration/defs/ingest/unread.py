"""Files under landing/ that no source reads: listed at every run, a stop under strictness."""

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WorkspaceResource
from orchestration.ingest.unread import stop_message, unread_files
from orchestration.lib.settings import SettingsError, load_settings

UNREAD_ASSET = "unread_landing_files"


class UnreadConfig(Config):
    strict: bool = False  # any unread file stops the run (as `jifen close --strict`)


@asset(
    name=UNREAD_ASSET,
    group_name="ingest",
    partitions_def=monthly_partitions,
    description="Every file under landing/ that no source reads, with the reason. Stops a close "
    "under strict (config, or strict_landing in the workspace's settings.toml).",
)
def unread_landing_files(
    context: AssetExecutionContext, config: UnreadConfig, workspace: WorkspaceResource
) -> MaterializeResult:
    ws = workspace.get()
    found = unread_files(ws)
    for unread in found:
        context.log.warning(f"landing/{unread.path}: not read: {unread.reason}")
    if found and (config.strict or _strict_by_setting(ws, context.job_name)):
        raise Failure(description=stop_message(found))
    return MaterializeResult(
        metadata={
            "files_not_read": len(found),
            "not_read": MetadataValue.json(
                [{"file": unread.path, "reason": unread.reason} for unread in found]
            ),
        }
    )


def _strict_by_setting(ws, job_name: str) -> bool:
    """The setting stops closes; provisional standings publish nothing and never stop for it
    (as they never stop for the error budget)."""
    if job_name == "provisional":
        return False
    try:
        return load_settings(ws).strict_landing
    except SettingsError as error:
        raise Failure(description=str(error)) from None
