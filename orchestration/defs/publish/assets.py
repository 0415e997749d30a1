"""Publish: after the quality gate, a new immutable version (or 'unchanged'), then the readers'
copy. The reports are rendered by the next step (``defs/reports``)."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WorkspaceResource
from orchestration.gate.record import candidate_record, keep_for_version, load
from orchestration.ingest.unread import unread_files
from orchestration.lib.faults import crash_point
from orchestration.lib.period import parse_period
from orchestration.points.marks import book_marks
from orchestration.publish import serving
from orchestration.publish.store import PeriodClosed, publish_period
from orchestration.signoff import SignoffRefused, acting_user
from orchestration.validate.budget import period_counts
from orchestration.warehouse.open import connect

CANDIDATES = ["points_ledger", "rep_period_points", "rep_period_rule_points", "reward_list"]


class PublishConfig(Config):
    restate: bool = False
    reason: str = ""
    # who closes (a user id; recorded with the version's pending sign-off, who may not approve
    # it); empty: JIFEN_USER, else the user the run's process runs as
    closed_by: str = ""


def _gate_passed_in(ws, period: str, run_id: str) -> None:
    """Publish only what the gate passed in this run (a lone ``publication`` would skip it)."""
    record = load(candidate_record(ws, period))
    if record is None or record.run_id != run_id:
        raise Failure(
            description=f"the quality gate has not passed on {period}'s candidate in this run; "
            "nothing was published. Materialize quality_gate with publication (the close job "
            "does)."
        )


@asset(
    group_name="publish",
    partitions_def=monthly_partitions,
    deps=[AssetKey("quality_gate"), *(AssetKey(name) for name in CANDIDATES)],
    kinds={"duckdb", "deltalake"},
    description="The period's published version: published.duckdb and Delta tables.",
)
def publication(
    context: AssetExecutionContext, config: PublishConfig, workspace: WorkspaceResource
) -> MaterializeResult:
    ws = workspace.get()
    period = parse_period(context.partition_key)
    try:
        closed_by = acting_user(config.closed_by or None)
    except SignoffRefused as refused:
        if config.closed_by:
            raise Failure(description=str(refused)) from None
        # a service without a usable login name still closes; its versions name no closer
        context.log.warning(f"{refused}; the version records no closer (set JIFEN_USER)")
        closed_by = None
    with ws.writer_lock(), connect(ws) as warehouse:
        _gate_passed_in(ws, period, context.run.run_id)
        counts = period_counts(warehouse, period)
        totals = tuple(
            sum(getattr(c, f) for c in counts)
            for f in ("read", "loaded", "deduplicated", "quarantined")
        )
        try:
            outcome = publish_period(
                warehouse,
                period,
                context.run.run_id,
                restate=config.restate,
                reason=config.reason,
                counts=totals,
                unread=[(unread.path, unread.sha256(ws)) for unread in unread_files(ws)],
                closed_by=closed_by,
            )
        except PeriodClosed as closed:
            raise Failure(description=str(closed)) from None
        book_marks(warehouse, context.run.run_id, outcome)
        crash_point("after_commit")
        refreshed = serving.refresh(ws, warehouse)
        top = warehouse.rows(
            "select company_rank, rep_id, team_id, total_points, coalesce(tier, '') "
            "from published.rep_period_points where period = ? and version = ? "
            "order by company_rank, rep_id limit 10",
            [period, outcome.version],
        )
        keep_for_version(ws, period, outcome.version, outcome.published)
    leaderboard = "| rank | rep | team | points | tier |\n|---|---|---|---|---|\n" + "\n".join(
        f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |" for r in top
    )
    context.log.info(f"{period}: {outcome.label}")
    return MaterializeResult(
        metadata={
            "outcome": outcome.label,
            "version": outcome.version,
            "published": outcome.published,
            "reason": outcome.reason,
            "input_fingerprint": outcome.input_fingerprint,
            "content_hash": outcome.content_hash,
            "serving_refreshed": refreshed,
            "top_10": MetadataValue.md(leaderboard),
        }
    )
