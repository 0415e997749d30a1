"""Provisional standings of the open month: the same computation as a close, never a version."""

from datetime import UTC, datetime

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, asset

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WorkspaceResource
from orchestration.lib.period import parse_period
from orchestration.publish import serving
from orchestration.warehouse.open import connect

CANDIDATES = ["rep_period_points", "points_ledger"]


@asset(
    group_name="standings",
    partitions_def=monthly_partitions,
    deps=[AssetKey(name) for name in CANDIDATES],
    kinds={"duckdb"},
    description="Provisional leaderboard of an open period; never a version.",
)
def provisional_standings(
    context: AssetExecutionContext, workspace: WorkspaceResource
) -> MaterializeResult:
    ws = workspace.get()
    period = parse_period(context.partition_key)
    with ws.writer_lock(), connect(ws) as warehouse:
        version = warehouse.value(
            "select max(version) from published.publications where period = ?", [period]
        )
        if version is not None:
            raise Failure(
                description=f"{period} is closed (version {version} is published): its results "
                f"are final, see `jifen leaderboard {period}`"
            )
        as_of = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        with warehouse.transaction():
            warehouse.run("delete from provisional_rep_points where period = ?", [period])
            warehouse.run(
                "insert into provisional_rep_points select period, ?, rep_id, rep_name, team_id, "
                "total_points, tier, company_rank, team_rank from rep_period_points",
                [as_of],
            )
        reps = warehouse.value(
            "select count(*) from provisional_rep_points where period = ?", [period]
        )
        serving.refresh(ws, warehouse)
    return MaterializeResult(metadata={"as_of": as_of.isoformat(), "reps": reps})
