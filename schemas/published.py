"""The published tables (docs/sales-program.md#outputs): columns, order, and how they are hashed.

One place for the shape BI tools and auditors depend on; the store, the serving copy and the
hashes all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type) after period, version
    order_by: str
    candidate: str  # the dbt mart holding the period's candidate rows
    program: str = "sales"  # loyalty tables are never restated: a restatement carries them over

    @property
    def column_names(self) -> tuple[str, ...]:
        return ("period", "version", *(name for name, _ in self.columns))


# The customer loyalty program (docs/loyalty-program.md#published-tables): published by the same
# close, in the same version, as the sales program's tables; empty without members.
LOYALTY = (
    PublishedTable(
        "loyalty_ledger",
        (
            ("line_id", "VARCHAR"),
            ("customer_id", "VARCHAR"),
            ("kind", "VARCHAR"),
            ("event_date", "DATE"),
            ("points", "BIGINT"),
            ("lot_id", "VARCHAR"),
            ("source", "VARCHAR"),
            ("source_id", "VARCHAR"),
            ("rulebook_version", "VARCHAR"),
            ("explanation", "VARCHAR"),
            ("late", "BOOLEAN"),
            ("source_file", "VARCHAR"),
            ("source_row_number", "BIGINT"),
            ("source_file_hash", "VARCHAR"),
        ),
        "period, version, customer_id, line_id",
        "loyalty_ledger",
        "loyalty",
    ),
    PublishedTable(
        "member_balances",
        (
            ("customer_id", "VARCHAR"),
            ("opening_points", "BIGINT"),
            ("prior_period_adjustment", "BIGINT"),
            ("earned", "BIGINT"),
            ("reversed", "BIGINT"),
            ("redeemed", "BIGINT"),
            ("expired", "BIGINT"),
            ("forfeited", "BIGINT"),
            ("closing_points", "BIGINT"),
            ("debt_points", "BIGINT"),
            ("expiring_next_month", "BIGINT"),
            ("liability_cny", "DECIMAL(18,2)"),
        ),
        "period, version, customer_id",
        "member_balances",
        "loyalty",
    ),
    PublishedTable(
        "redemption_register",
        (
            ("redemption_id", "VARCHAR"),
            ("customer_id", "VARCHAR"),
            ("redeemed_date", "DATE"),
            ("points", "BIGINT"),
            ("value_cny", "DECIMAL(18,2)"),
            ("reward", "VARCHAR"),
            ("late", "BOOLEAN"),
        ),
        "period, version, redemption_id",
        "redemption_register",
        "loyalty",
    ),
    PublishedTable(
        "loyalty_adjustments",
        (
            ("customer_id", "VARCHAR"),
            ("prior_period_adjustment", "BIGINT"),
            ("late_rows", "VARCHAR"),
        ),
        "period, version, customer_id",
        "loyalty_adjustments",
        "loyalty",
    ),
    PublishedTable(
        "member_offers",
        (
            ("customer_id", "VARCHAR"),
            ("offer", "VARCHAR"),
            ("points", "BIGINT"),
            ("detail", "VARCHAR"),
        ),
        "period, version, customer_id",
        "member_offers",
        "loyalty",
    ),
    PublishedTable(
        "member_lots",
        (
            ("customer_id", "VARCHAR"),
            ("lot_id", "VARCHAR"),
            ("earned_on", "DATE"),
            ("expires_on", "DATE"),
            ("remaining_points", "BIGINT"),
            ("rulebook_version", "VARCHAR"),
        ),
        "period, version, customer_id, lot_id",
        "member_lots",
        "loyalty",
    ),
    PublishedTable(
        "loyalty_kpis",
        (
            ("opening_points", "BIGINT"),
            ("prior_period_adjustment", "BIGINT"),
            ("closing_points", "BIGINT"),
            ("debt_points", "BIGINT"),
            ("members", "BIGINT"),
            ("new_members", "BIGINT"),
            ("purchasing_members", "BIGINT"),
            ("points_earned", "BIGINT"),
            ("points_reversed", "BIGINT"),
            ("points_redeemed", "BIGINT"),
            ("points_expired", "BIGINT"),
            ("points_forfeited", "BIGINT"),
            ("outstanding_points", "BIGINT"),
            ("liability_cny", "DECIMAL(18,2)"),
            ("redemption_value_cny", "DECIMAL(18,2)"),
            ("breakage_rate_12m", "DECIMAL(18,4)"),
            ("member_sales_share", "DECIMAL(18,4)"),
        ),
        "period, version",
        "loyalty_kpis",
        "loyalty",
    ),
)

VERSIONED = (
    PublishedTable(
        "rep_period_points",
        (
            ("rep_id", "VARCHAR"),
            ("rep_name", "VARCHAR"),
            ("team_id", "VARCHAR"),
            ("total_points", "DECIMAL(18,2)"),
            ("tier", "VARCHAR"),
            ("company_rank", "BIGINT"),
            ("team_rank", "BIGINT"),
        ),
        "period, version, company_rank, rep_id",
        "rep_period_points",
    ),
    PublishedTable(
        "rep_period_rule_points",
        (("rep_id", "VARCHAR"), ("rule_id", "VARCHAR"), ("points", "DECIMAL(18,2)")),
        "period, version, rep_id, rule_id",
        "rep_period_rule_points",
    ),
    PublishedTable(
        "reward_list",
        (
            ("rep_id", "VARCHAR"),
            ("tier", "VARCHAR"),
            ("reward", "VARCHAR"),
            ("cash_value", "DECIMAL(18,2)"),
        ),
        "period, version, rep_id",
        "reward_list",
    ),
    PublishedTable(
        "points_ledger",
        (
            ("line_id", "VARCHAR"),
            ("rep_id", "VARCHAR"),
            ("rule_id", "VARCHAR"),
            ("rulebook_version", "VARCHAR"),
            ("source", "VARCHAR"),
            ("source_id", "VARCHAR"),
            ("points", "DECIMAL(18,2)"),
            ("explanation", "VARCHAR"),
            ("source_file", "VARCHAR"),
            ("source_row_number", "BIGINT"),
            ("source_file_hash", "VARCHAR"),
            ("adjusted_period", "VARCHAR"),
            ("adjusted_rule_id", "VARCHAR"),
        ),
        "period, version, rep_id, rule_id, line_id",
        "points_ledger",
    ),
    PublishedTable(
        "publication_inputs",
        (
            ("source", "VARCHAR"),
            ("source_file", "VARCHAR"),
            ("file_hash", "VARCHAR"),
            ("rows_read", "BIGINT"),
            ("rows_loaded", "BIGINT"),
            ("rows_deduplicated", "BIGINT"),
            ("rows_quarantined", "BIGINT"),
        ),
        "period, version, source, source_file",
        "candidate_publication_inputs",
    ),
    # Sign-off and disputes (docs/operations.md): the disputes known at the period's end with
    # their status, and whether each rep active in the period acknowledged its rule book.
    PublishedTable(
        "disputes",
        (
            ("dispute_id", "VARCHAR"),
            ("rep_id", "VARCHAR"),
            ("disputed_period", "VARCHAR"),
            ("line_id", "VARCHAR"),
            ("opened_date", "DATE"),
            ("reason", "VARCHAR"),
            ("status", "VARCHAR"),  # open, accepted, rejected
            ("decided_date", "DATE"),
            ("age_days", "BIGINT"),  # to the decision, or to the period's last day while open
            ("resolved_by", "VARCHAR"),  # 'adjustment <id>' or 'version <n>' when accepted
            ("note", "VARCHAR"),
            ("source_file", "VARCHAR"),
            ("source_row_number", "BIGINT"),
            ("source_file_hash", "VARCHAR"),
        ),
        "period, version, dispute_id",
        "disputes",
    ),
    PublishedTable(
        "rule_acknowledgements",
        (
            ("rep_id", "VARCHAR"),
            ("rulebook_version", "VARCHAR"),
            ("acknowledged", "BOOLEAN"),
            ("acknowledged_date", "DATE"),
        ),
        "period, version, rep_id",
        "rule_acknowledgements",
    ),
    *LOYALTY,
)

# Internal tables kept with every version in the warehouse's history only (schema
# ``published``): the readers' copy, the Parquet copy and the content hash cover VERSIONED alone.
INTERNAL = (
    # How dbt derived each line of the version (dbt model int_ledger_derivations): what
    # `jifen trace` shows. line_period is the line's own period: the version's period, or a
    # closed period whose recomputed lines a prior-period adjustment is computed from.
    PublishedTable(
        "ledger_derivations",
        (
            ("line_period", "VARCHAR"),
            ("line_id", "VARCHAR"),
            ("rep_id", "VARCHAR"),
            ("rule_id", "VARCHAR"),
            ("rulebook_version", "VARCHAR"),
            ("source", "VARCHAR"),
            ("source_id", "VARCHAR"),
            ("points", "DECIMAL(18,2)"),
            ("rule_kind", "VARCHAR"),
            ("inputs", "VARCHAR"),
            ("parameters", "VARCHAR"),
            ("formula", "VARCHAR"),
            ("input_period", "VARCHAR"),
            ("input_rules", "VARCHAR"),
            ("source_file", "VARCHAR"),
            ("source_row_number", "BIGINT"),
            ("source_file_hash", "VARCHAR"),
        ),
        "period, version, line_period, line_id",
        "int_ledger_derivations",
    ),
    # The redemptions each loyalty close accepted for the first time: never again quarantined
    # (the coupon was issued), whatever later data says (docs/loyalty-program.md).
    PublishedTable(
        "loyalty_accepted_redemptions",
        (("redemption_id", "VARCHAR"),),
        "period, version, redemption_id",
        "int_loyalty_newly_accepted",
        "loyalty",
    ),
)

# The loyalty walk of the latest loyalty close (every line it wrote and the lots it left), kept
# so that the next close books late data as `late` lines and resumes members without new events.
# Replaced by each loyalty close; not published (the published ledger carries every line).
LOYALTY_STATE = (
    PublishedTable(
        "loyalty_walk_lines",
        (
            ("customer_id", "VARCHAR"),
            ("kind", "VARCHAR"),
            ("event_date", "DATE"),
            ("points", "BIGINT"),
            ("lot_id", "VARCHAR"),
            ("source", "VARCHAR"),
            ("source_id", "VARCHAR"),
            ("rulebook_version", "VARCHAR"),
            ("line_seq", "BIGINT"),
        ),
        "period, version, customer_id, event_date, line_seq",
        "int_loyalty_lines",
        "loyalty",
    ),
    PublishedTable(
        "loyalty_walk_states",
        (
            ("customer_id", "VARCHAR"),
            ("debt", "BIGINT"),
            ("next_seq", "BIGINT"),
            ("month", "VARCHAR"),
            ("month_redeemed", "BIGINT"),
            ("events_digest", "VARCHAR"),
        ),
        "period, version, customer_id",
        "int_loyalty_states",
        "loyalty",
    ),
    PublishedTable(
        "loyalty_walk_lots",
        (
            ("customer_id", "VARCHAR"),
            ("lot_id", "VARCHAR"),
            ("seq", "BIGINT"),
            ("earned_on", "DATE"),
            ("expires_on", "DATE"),
            ("remaining", "BIGINT"),
            ("rulebook_version", "VARCHAR"),
        ),
        "period, version, customer_id, seq",
        "int_loyalty_lots",
        "loyalty",
    ),
    PublishedTable(
        "loyalty_walk_refusals",
        (
            ("customer_id", "VARCHAR"),
            ("redemption_id", "VARCHAR"),
            ("status", "VARCHAR"),
            ("detail", "VARCHAR"),
        ),
        "period, version, redemption_id",
        "int_loyalty_refusals",
        "loyalty",
    ),
)

PUBLICATIONS_COLUMNS = (
    ("period", "VARCHAR"),
    ("version", "INTEGER"),
    ("rulebook_version", "VARCHAR"),
    ("input_fingerprint", "VARCHAR"),
    ("published_at", "TIMESTAMP"),
    ("run_id", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("content_hash", "VARCHAR"),
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_deduplicated", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("seq", "INTEGER"),
    ("previous_hash", "VARCHAR"),
    ("publication_hash", "VARCHAR"),
)
# The fields a publication's own hash covers (with the previous publication's hash: a chain).
CHAINED_FIELDS = (
    "seq",
    "period",
    "version",
    "rulebook_version",
    "input_fingerprint",
    "published_at",
    "run_id",
    "reason",
    "content_hash",
    "previous_hash",
)


# Logs appended after a version is published (docs/operations.md), each record chained like a
# publication: one ``seq`` across publications, approvals and payout batches, its
# ``previous_hash`` the record before it, its ``record_hash`` over ``CHAINED`` fields. Readers'
# copies hold them whole, with ``latest_approvals``: the standing decision on each period's
# latest version.
@dataclass(frozen=True)
class LogTable:
    name: str
    columns: tuple[tuple[str, str], ...]
    chained: tuple[str, ...]  # the fields its record_hash covers, with previous_hash

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


APPROVALS = LogTable(
    "approvals",
    (
        ("seq", "INTEGER"),
        ("period", "VARCHAR"),
        ("version", "INTEGER"),
        ("status", "VARCHAR"),  # pending (written by the close), approved, rejected
        ("closed_by", "VARCHAR"),
        ("decided_by", "VARCHAR"),
        ("decided_at", "TIMESTAMP"),
        ("note", "VARCHAR"),
        ("previous_hash", "VARCHAR"),
        ("record_hash", "VARCHAR"),
    ),
    ("seq", "period", "version", "status", "closed_by", "decided_by", "decided_at", "note"),
)
PAYOUT_BATCHES = LogTable(
    "payout_batches",
    (
        ("seq", "INTEGER"),
        ("payout_batch_id", "VARCHAR"),
        ("period", "VARCHAR"),
        ("version", "INTEGER"),
        ("previous_version", "INTEGER"),  # the version paid before: a batch of differences
        ("approved_by", "VARCHAR"),
        ("created_by", "VARCHAR"),  # who ran the payout
        ("row_count", "BIGINT"),
        ("total_amount", "DECIMAL(18,2)"),
        ("currency", "VARCHAR"),
        ("csv_file", "VARCHAR"),
        ("csv_sha256", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("previous_hash", "VARCHAR"),
        ("record_hash", "VARCHAR"),
    ),
    (
        "seq",
        "payout_batch_id",
        "period",
        "version",
        "previous_version",
        "approved_by",
        "created_by",
        "row_count",
        "total_amount",
        "currency",
        "csv_file",
        "csv_sha256",
        "created_at",
    ),
)
LOGS = (APPROVALS, PAYOUT_BATCHES)

QUARANTINE_COLUMNS = ("source", "source_file", "row_number", "reason", "raw", "detail")
QUARANTINE_ORDER = "source, source_file, row_number"
