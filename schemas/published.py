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

    @property
    def column_names(self) -> tuple[str, ...]:
        return ("period", "version", *(name for name, _ in self.columns))


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

QUARANTINE_COLUMNS = ("source", "source_file", "row_number", "reason", "raw", "detail")
QUARANTINE_ORDER = "source, source_file, row_number"
