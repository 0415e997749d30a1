"""`jifen trial`: score a candidate rule book on the loaded data and compare, as a Dagster job.

An op-based job (not an asset: the ``close`` job selects every asset, and a trial publishes
nothing). Launch it from the UI with run config, e.g.::

    ops:
      trial_rulebook:
        config: {rules: rulebooks/examples/2026.2-candidate.yaml, periods: 2026-07..2026-10}
"""

from dagster import Config, Definitions, OpExecutionContext, in_process_executor, job, op

from orchestration.defs.resources import WorkspaceResource
from orchestration.trial.run import TrialResult, run_trial_in


class TrialConfig(Config):
    rules: str  # the candidate rule book (YAML file); a relative path is from the working folder
    periods: str  # e.g. 2026-07..2026-10, or 2026-07,2026-09
    out: str = ""  # output folder; default HOME/trials/<version>-<periods>/


@op
def trial_rulebook(
    context: OpExecutionContext, config: TrialConfig, workspace: WorkspaceResource
) -> TrialResult:
    result = run_trial_in(workspace.get(), config.rules, config.periods, config.out or None)
    context.log.info(result.summary)
    context.add_output_metadata(
        {
            "report": result.report,
            "reps_compared": result.reps_compared,
            "reps_changed": result.reps_changed,
            "current_cost": str(result.current_cost),
            "candidate_cost": str(result.candidate_cost),
        }
    )
    return result


@job(
    executor_def=in_process_executor,
    description="Score a candidate rule book on the loaded data; publish nothing; compare.",
)
def trial():
    trial_rulebook()


defs = Definitions(jobs=[trial])
