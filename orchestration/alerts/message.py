"""What an alert says: which close, at which stage, why, and what a person should do now."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# What to do when a close stops on purpose at a stage (a check said no); nothing was published.
STOPPED_ACTIONS = {
    "ingest": "Fix the rejected file(s) named above or move them out of landing/, then run "
    "`jifen close {period}` again.",
    "validate": "Look at the quarantined rows (`jifen quarantine --source <source>`), land "
    "corrected files, or, if the data is known to be right, run `jifen close {period} "
    "--error-budget <share>`.",
    "dbt": "Read the failing dbt test or model named above, fix the rule book or the landing "
    "files, then run `jifen close {period}` again.",
    "gate": "Open the failed gate's Data Docs named above and inspect the candidate tables in "
    "state/warehouse.duckdb; fix the cause, then run `jifen close {period}` again.",
    "publish": "Read the reason above (a closed period needs `--restate --reason`), then run "
    "the close again.",
}
FAILED_ACTION = (
    "Read the run's log in the Dagster UI (run {run_id}), fix the cause, and run "
    "`jifen close {period}` again: a close that died half-way finishes when run again."
)


@dataclass(frozen=True)
class Alert:
    kind: str  # "stopped" (a check said no) or "failed" (an error)
    job: str
    period: str
    stage: str
    reason: str
    action: str
    run_id: str

    @property
    def subject(self) -> str:
        verb = "stopped" if self.kind == "stopped" else "failed"
        return f"jifen: {self.job} of {self.period} {verb} at {self.stage}"

    @property
    def text(self) -> str:
        return (
            f"{self.subject}; nothing was published.\n\n"
            f"Period: {self.period}\nStage: {self.stage}\nRun: {self.run_id}\n\n"
            f"Reason:\n{self.reason}\n\nWhat to do:\n{self.action}\n"
        )

    def as_json(self) -> dict[str, str]:
        return {"subject": self.subject, **asdict(self)}


def close_alert(
    job: str, period: str, stage: str, reason: str, run_id: str, *, stopped: bool
) -> Alert:
    """``stopped``: a check refused (a ``Failure`` the step raised), else an error."""
    template = STOPPED_ACTIONS.get(stage, FAILED_ACTION) if stopped else FAILED_ACTION
    return Alert(
        kind="stopped" if stopped else "failed",
        job=job,
        period=period,
        stage=stage,
        reason=reason,
        action=template.format(period=period, run_id=run_id),
        run_id=run_id,
    )
