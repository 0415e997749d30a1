"""The quality gate: a step of its own between dbt's candidate results and their publication.

A failed gate fails this step, so Dagster shows it as the failed gate and runs nothing after it:
nothing is published and the candidate tables stay in the warehouse for inspection.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WorkspaceResource
from orchestration.gate.invariants import run_gate
from orchestration.gate.record import record_failed_gate, record_passed_gate
from orchestration.lib.period import parse_period
from orchestration.warehouse.open import connect

# The candidate marts the gate checks, and the seeds and period it checks them against.
CHECKED = ["points_ledger", "rep_period_points", "rep_period_rule_points", "reward_list"]
AGAINST = ["tiers", "rules", "int_periods"]


@asset(
    group_name="gate",
    partitions_def=monthly_partitions,
    deps=[AssetKey(name) for name in CHECKED + AGAINST],
    kinds={"great_expectations"},
    description="great-expectations checks the invariants of the candidate results (ledger sums "
    "to totals, tiers within the tier seed's bands, rank order, rewards per the seed, known "
    "rules, rep count); a failure stops the close before publishing.",
)
def quality_gate(context: AssetExecutionContext, workspace: WorkspaceResource) -> MaterializeResult:
    ws = workspace.get()
    period = parse_period(context.partition_key)
    with ws.writer_lock(), connect(ws) as warehouse:
        gate = run_gate(warehouse)
    if not gate.passed:
        docs = record_failed_gate(ws, period, gate.validations)
        raise Failure(
            description="the quality gate failed; nothing was published. The candidate "
            "tables stay in the warehouse for inspection:\n  - "
            + "\n  - ".join(gate.failures)
            + f"\nData Docs of the failed gate: {docs}"
        )
    record = record_passed_gate(ws, period, context.run.run_id, gate.checked, gate.validations)
    context.log.info(f"{period}: gate passed {gate.checked} expectations")
    return MaterializeResult(
        metadata={
            "gate_expectations": gate.checked,
            "suites": len(gate.validations),
            "record": MetadataValue.path(str(record)),
        }
    )
