"""Publish: quality gate, then a new immutable version (or 'unchanged'), then the readers' copy."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.resources import WorkspaceResource
from orchestration.gate.datadocs import write_data_docs
from orchestration.gate.expectations import run_gate
from orchestration.lib.faults import crash_point
from orchestration.lib.period import monthly_partitions, parse_period
from orchestration.points.marks import book_marks
from orchestration.publish import serving
from orchestration.publish.store import PeriodClosed, publish_period
from orchestration.reports import render_reports
from orchestration.validate.budget import period_counts
from orchestration.warehouse.duckdb import connect

CANDIDATES = ["points_ledger", "rep_period_points", "rep_period_rule_points", "reward_list"]


class PublishConfig(Config):
    restate: bool = False
    reason: str = ""


@asset(
    group_name="publish",
    partitions_def=monthly_partitions,
    deps=[AssetKey(name) for name in CANDIDATES],
    kinds={"duckdb", "parquet"},
    description="The period's published version: published.duckdb and published/*.parquet.",
)
def publication(
    context: AssetExecutionContext, config: PublishConfig, workspace: WorkspaceResource
) -> MaterializeResult:
    ws = workspace.get()
    period = parse_period(context.partition_key)
    with ws.writer_lock(), connect(ws) as con:
        gate = run_gate(con)
        if not gate.passed:
            docs = write_data_docs(
                gate.validations, ws.state / "gate-failures" / period, f"jifen {period} (failed)"
            )
            raise Failure(
                description="the quality gate failed; nothing was published. The candidate "
                "tables stay in the warehouse for inspection:\n  - "
                + "\n  - ".join(gate.failures)
                + f"\nData Docs of the failed gate: {docs}"
            )
        counts = period_counts(con, period)
        totals = tuple(
            sum(getattr(c, f) for c in counts)
            for f in ("read", "loaded", "deduplicated", "quarantined")
        )
        try:
            outcome = publish_period(
                con,
                period,
                context.run.run_id,
                restate=config.restate,
                reason=config.reason,
                counts=totals,
            )
        except PeriodClosed as closed:
            raise Failure(description=str(closed)) from None
        book_marks(con, context.run.run_id, outcome)
        crash_point("after_commit")
        refreshed = serving.refresh(ws, con)
        top = con.execute(
            "select company_rank, rep_id, team_id, total_points, coalesce(tier, '') "
            "from published.rep_period_points where period = ? and version = ? "
            "order by company_rank, rep_id limit 10",
            [period, outcome.version],
        ).fetchall()
    reports = render_reports(ws.published_db, ws.reports_dir, [period])
    docs_dir = ws.reports_dir / "datadocs" / f"{period}-v{outcome.version}"
    if outcome.published or not docs_dir.exists():  # the gate that let this version through
        write_data_docs(gate.validations, docs_dir, f"jifen {period} v{outcome.version} gate")
    docs = docs_dir / "index.html"
    leaderboard = "| rank | rep | team | points | tier |\n|---|---|---|---|---|\n" + "\n".join(
        f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |" for r in top
    )
    context.log.info(f"{period}: {outcome.label}; gate passed {gate.checked} expectations")
    return MaterializeResult(
        metadata={
            "outcome": outcome.label,
            "version": outcome.version,
            "published": outcome.published,
            "reason": outcome.reason,
            "input_fingerprint": outcome.input_fingerprint,
            "content_hash": outcome.content_hash,
            "serving_refreshed": refreshed,
            "gate_expectations": gate.checked,
            "top_10": MetadataValue.md(leaderboard),
            "reports": MetadataValue.path(str(reports[-1])),
            "data_docs": MetadataValue.path(str(docs)),
        }
    )
