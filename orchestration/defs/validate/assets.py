"""Validation: every landed row is loaded, deduplicated or quarantined, then the error budget."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WorkspaceResource
from orchestration.lib.faults import crash_point
from orchestration.lib.period import parse_period
from orchestration.lib.workspace import SOURCES
from orchestration.validate.budget import (
    DEFAULT_ERROR_BUDGET,
    adjustment_stops,
    budget_breaches,
    listed_counts,
    open_adjustments,
    period_counts,
)
from orchestration.validate.engine import validate_all
from orchestration.warehouse.open import connect

VALIDATED = [AssetKey(["validated", f"validated_{source}"]) for source in SOURCES]


class ValidationConfig(Config):
    error_budget: float = DEFAULT_ERROR_BUDGET


@multi_asset(
    specs=[
        *(
            AssetSpec(
                key,
                deps=[f"raw_{source}"],
                group_name="validation",
                kinds={"duckdb"},
                description=f"Loaded {source} rows, typed, with lineage.",
            )
            for key, source in zip(VALIDATED, SOURCES, strict=True)
        ),
        AssetSpec(
            "quarantine",
            deps=[f"raw_{s}" for s in SOURCES],
            group_name="validation",
            kinds={"duckdb"},
            description="Every quarantined row: file, row number, reason code, raw values.",
        ),
    ],
    partitions_def=monthly_partitions,
    can_subset=False,
)
def validated_inputs(
    context: AssetExecutionContext, config: ValidationConfig, workspace: WorkspaceResource
):
    ws = workspace.get()
    period = parse_period(context.partition_key)
    crash_point("after_ingest")
    with ws.writer_lock(), connect(ws) as warehouse:
        validate_all(warehouse, context.log.info)
        counts = period_counts(warehouse, period)
        breaches = budget_breaches(warehouse, period, config.error_budget)
        stops = adjustment_stops(warehouse, period, config.error_budget)
        breaches += stops
        waived = [] if stops else open_adjustments(warehouse, period)
        quarantined = warehouse.value("select count(*) from quarantine")
    table = "\n".join(
        f"| {c.source} | {c.read} | {c.loaded} | {c.deduplicated} | {c.quarantined} |"
        for c in listed_counts(counts)
    )
    summary = MetadataValue.md(
        "| source | read | loaded | deduplicated | quarantined |\n|---|---|---|---|---|\n" + table
    )
    if breaches:
        raise Failure(
            description="the close stops before publishing:\n  - "
            + "\n  - ".join(breaches)
            + "\nSee the quarantine (jifen quarantine) for the rows and fix the landing files, "
            "or raise the budget with --error-budget.",
            metadata={"counts": summary},
        )
    for file, number, adjustment_id, _month, reason, detail in waived:
        context.log.warning(
            f"adjustments/{file} row {number}: adjustment {adjustment_id or '(no id)'} is "
            f"quarantined ({reason}: {detail}) and not in the results; the error budget of "
            f"{config.error_budget:.0%} lets the run go on"
        )
    for key, source in zip(VALIDATED, SOURCES, strict=True):
        count = next(c for c in counts if c.source == source)
        yield MaterializeResult(
            asset_key=key,
            metadata={
                "rows_read": count.read,
                "rows_loaded": count.loaded,
                "rows_deduplicated": count.deduplicated,
                "rows_quarantined": count.quarantined,
            },
        )
    yield MaterializeResult(
        asset_key="quarantine", metadata={"rows_total": quarantined, "counts": summary}
    )
