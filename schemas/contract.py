"""The landing sources of the contract: columns, keys and how each column is judged."""

from __future__ import annotations

from dataclasses import dataclass

PROGRAM_CURRENCY = "CNY"


@dataclass(frozen=True)
class SourceSpec:
    name: str
    columns: tuple[str, ...]
    key: str
    optional: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    decimals: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    snapshot: bool = False  # reference data: later deliveries replace earlier rows
    period_date: str | None = None  # the date that places a fact row in a period
    personal: tuple[str, ...] = ()  # never published, not even in the quarantine's raw values


REPS = SourceSpec(
    name="reps",
    columns=("rep_id", "rep_name", "team_id", "role", "hire_date", "leave_date"),
    key="rep_id",
    optional=("leave_date",),
    dates=("hire_date", "leave_date"),
    snapshot=True,
)
CUSTOMERS = SourceSpec(
    name="customers",
    columns=("customer_id", "customer_name", "segment", "region", "created_date"),
    key="customer_id",
    dates=("created_date",),
    enums=(("segment", ("enterprise", "smb", "consumer")),),
    snapshot=True,
    personal=("customer_name",),
)
SALES = SourceSpec(
    name="sales",
    columns=(
        "txn_id",
        "txn_type",
        "order_id",
        "rep_id",
        "customer_id",
        "txn_date",
        "amount",
        "currency",
    ),
    key="txn_id",
    dates=("txn_date",),
    decimals=("amount",),
    enums=(("txn_type", ("sale", "return")),),
    period_date="txn_date",
)
SURVEYS = SourceSpec(
    name="surveys",
    columns=("survey_id", "rep_id", "customer_id", "order_id", "score", "survey_date"),
    key="survey_id",
    optional=("order_id",),
    dates=("survey_date",),
    integers=("score",),
    period_date="survey_date",
)

SPECS = {spec.name: spec for spec in (REPS, CUSTOMERS, SALES, SURVEYS)}
