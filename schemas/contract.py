"""The landing sources of the contract: columns, keys and how each column is judged."""

from __future__ import annotations

from dataclasses import dataclass

PROGRAM_CURRENCY = "CNY"


@dataclass(frozen=True)
class SourceSpec:
    name: str
    columns: tuple[str, ...]
    key: str  # the key column, or several separated by ", " (SQL reads it as a column list)
    optional: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    decimals: tuple[str, ...] = ()
    integers: tuple[str, ...] = ()
    months: tuple[str, ...] = ()  # YYYY-MM text, kept as text once valid
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    snapshot: bool = False  # reference data: later deliveries replace earlier rows
    period_date: str | None = None  # the date that places a fact row in a period
    period_month: str | None = None  # or the YYYY-MM column that does (one of the two)
    personal: tuple[str, ...] = ()  # never published, not even in the quarantine's raw values
    landing_optional: bool = False  # a missing landing folder means "nothing landed yet"

    def __post_init__(self) -> None:
        if self.period_date and self.period_month:
            raise ValueError(f"{self.name}: a period comes from period_date or period_month")
        if self.period_month and self.period_month not in self.months:
            raise ValueError(f"{self.name}: period_month must be one of the months columns")

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The key's columns, one for most sources."""
        return tuple(column.strip() for column in self.key.split(","))

    @property
    def period_column(self) -> str | None:
        """The column whose first seven characters (``YYYY-MM``) place a row in a period; None
        for reference data, which carries no period."""
        return self.period_date or self.period_month


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

ADJUSTMENTS = SourceSpec(
    name="adjustments",
    columns=("adjustment_id", "rep_id", "period", "points", "reason", "approved_by"),
    key="adjustment_id",
    decimals=("points",),
    months=("period",),
    period_month="period",
    landing_optional=True,
)
"""Manual adjustments: approved points for a rep in a period (``MANUAL_ADJUSTMENT`` lines).

Facts keyed by ``adjustment_id`` across deliveries. Unlike the four sources of the contract, the
landing folder is optional: people key adjustments in when there are any.
"""

MEMBERS = SourceSpec(
    name="members",
    columns=("customer_id", "card_id", "enrolled_date", "left_date"),
    key="customer_id",
    optional=("left_date",),
    dates=("enrolled_date", "left_date"),
    snapshot=True,
    personal=("card_id",),
    landing_optional=True,
)
"""Loyalty members (docs/loyalty-program.md): reference data delivered as snapshots, like
customers. A workspace without members/ files has no loyalty program."""
REDEMPTIONS = SourceSpec(
    name="redemptions",
    columns=("redemption_id", "customer_id", "redeemed_date", "points", "reward"),
    key="redemption_id",
    dates=("redeemed_date",),
    integers=("points",),
    period_date="redeemed_date",
    landing_optional=True,
)
"""Loyalty redemptions: facts keyed by ``redemption_id`` across deliveries; ``points`` a
positive multiple of ``REDEMPTION_UNIT``."""
REDEMPTION_UNIT = 100  # the contract's redemption unit (points of one coupon): bad_points
LOYALTY_SOURCES = (MEMBERS.name, REDEMPTIONS.name)  # without them, no loyalty program

# From published points to paid rewards (docs/operations.md): a rep's disputes, their decisions
# and the reps' acknowledgements of the rule book. Optional folders, validated like every source;
# they never earn points: not counted against the error budget, and a rep who left may still
# dispute or acknowledge (no rep_inactive; docs/decisions.md).
DISPUTES = SourceSpec(
    name="disputes",
    columns=("dispute_id", "rep_id", "period", "line_id", "opened_date", "reason"),
    key="dispute_id",
    optional=("line_id",),
    dates=("opened_date",),
    months=("period",),
    period_date="opened_date",
    landing_optional=True,
)
"""A rep's dispute of a published period (optionally of one ledger line)."""
DISPUTE_DECISIONS = SourceSpec(
    name="dispute_decisions",
    columns=(
        "dispute_id",
        "decided_date",
        "decision",
        "note",
        "adjustment_id",
        "restated_version",
    ),
    key="dispute_id",
    optional=("note", "adjustment_id", "restated_version"),
    dates=("decided_date",),
    integers=("restated_version",),
    enums=(("decision", ("accepted", "rejected")),),
    period_date="decided_date",
    landing_optional=True,
)
"""The decision on a dispute; ``accepted`` names exactly one of a loaded manual adjustment or the
restated version of the disputed period that corrected it."""
ACKNOWLEDGEMENTS = SourceSpec(
    name="acknowledgements",
    columns=("rep_id", "rulebook_version", "acknowledged_date"),
    # Every column: a second acknowledgement on another day is no conflict (the earliest stands,
    # in the rule_acknowledgements mart); an identical copy is deduplicated.
    key="rep_id, rulebook_version, acknowledged_date",
    dates=("acknowledged_date",),
    period_date="acknowledged_date",
    landing_optional=True,
)
"""A rep's acknowledgement that they were told a rule book version (公布积分规则)."""
SIGNOFF_SOURCES = (DISPUTES.name, DISPUTE_DECISIONS.name, ACKNOWLEDGEMENTS.name)

SPECS = {
    spec.name: spec
    for spec in (
        REPS,
        CUSTOMERS,
        SALES,
        SURVEYS,
        ADJUSTMENTS,
        MEMBERS,
        REDEMPTIONS,
        DISPUTES,
        DISPUTE_DECISIONS,
        ACKNOWLEDGEMENTS,
    )
}
"""Every landing source, in the order the pipeline and its reports list them. Everything that
handles sources one by one (landing folders, ingest and validation assets, pandera schemas,
warehouse tables, the generator) iterates this."""
