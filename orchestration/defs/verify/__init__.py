"""`jifen verify`: recompute a published version from its recorded inputs, as a Dagster job."""

from dagster import Config, Definitions, OpExecutionContext, in_process_executor, job, op

from orchestration.defs.resources import WorkspaceResource
from orchestration.verify.recompute import Verification, verify_version


class VerifyConfig(Config):
    period: str
    version: int = 0  # 0: the latest


@op
def verify_publication(
    context: OpExecutionContext, config: VerifyConfig, workspace: WorkspaceResource
) -> Verification:
    ws = workspace.get()
    with ws.writer_lock():
        result = verify_version(ws, config.period, config.version or None)
    context.log.info(f"{result.period} v{result.version}: identical={result.identical}")
    return result


@job(executor_def=in_process_executor, description="Recompute a version and compare it.")
def verify():
    verify_publication()


defs = Definitions(jobs=[verify])
