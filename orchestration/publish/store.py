"""Immutable, versioned history of every publication, kept in the warehouse's ``published`` schema.

A version is written in one transaction: readers of the history see all of it or none of it.
Nothing here ever updates or deletes a published row. With each version the internal tables
(``schemas.published.INTERNAL``: how dbt derived each ledger line) are kept beside it, outside
its content hash and the readers' copy. The sign-off logs (``schemas.published.LOGS``) are
appended to the same hash chain (``append_log``); a version's ``pending`` record is written with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from orchestration.lib.faults import crash_point
from orchestration.lib.period import month_before
from orchestration.publish.hashing import rows_sha256
from orchestration.warehouse.connection import Warehouse
from schemas.published import (
    APPROVALS,
    CHAINED_FIELDS,
    INTERNAL,
    LOGS,
    LOYALTY_STATE,
    PUBLICATIONS_COLUMNS,
    VERSIONED,
    LogTable,
    PublishedTable,
)

# publication_inputs.source of a landing file that no source reads (ingest/unread.py)
NOT_READ = "(not read)"
RULEBOOK_SEEDS = ("rulebooks", "rules", "score_points", "team_targets", "tiers")


class PeriodClosed(Exception):
    """A plain close of a published period whose inputs changed."""


@dataclass(frozen=True)
class Outcome:
    period: str
    version: int
    published: bool
    reason: str
    input_fingerprint: str
    content_hash: str

    @property
    def label(self) -> str:
        return (
            f"version {self.version} published"
            if self.published
            else (f"unchanged (version {self.version} stands)")
        )


def rulebook_versions(warehouse: Warehouse) -> list[str]:
    rows = warehouse.rows(
        "select rulebook_version from int_periods where is_closing union "
        "select rulebook_version from points_ledger order by 1"
    )
    return [row[0] for row in rows]


def input_fingerprint(warehouse: Warehouse, versions: list[str]) -> str:
    """What the period's results are made of: the rule book used, every fact that earns a line
    with the values that earn it, and the roster of the period's reps. Lineage (which file a row
    came in) is left out: the same facts re-delivered are the same inputs."""
    digest = hashlib.sha256()
    marks = ", ".join("?" for _ in versions)
    for seed in RULEBOOK_SEEDS:
        digest.update(seed.encode())
        digest.update(
            rows_sha256(
                warehouse,
                f"select * from {seed} where rulebook_version in ({marks}) order by all",
                versions,
            ).encode()
        )
    digest.update(
        rows_sha256(
            warehouse,
            "select period, line_id, rep_id, rule_id, rulebook_version, source, source_id, points, "
            "explanation from points_ledger order by line_id",
        ).encode()
    )
    digest.update(
        rows_sha256(
            warehouse, "select rep_id, rep_name, team_id from rep_period_points order by rep_id"
        ).encode()
    )
    return digest.hexdigest()


def content_hash(warehouse: Warehouse, period: str, version: int, schema: str = "published") -> str:
    """Hash of the published rows of one version, table by table in the published order.

    ``schema`` is ``published`` in the warehouse and ``main`` in the readers' copy.
    """
    digest = hashlib.sha256()
    for table in VERSIONED:
        digest.update(table.name.encode())
        digest.update(table_rows_hash(warehouse, table, period, version, schema).encode())
    return digest.hexdigest()


def table_rows_hash(
    warehouse: Warehouse, table: PublishedTable, period: str, version: int, schema: str
) -> str:
    """Hash of one table's rows of one version, in the published order (part of its content
    hash)."""
    return rows_sha256(
        warehouse,
        f"select {', '.join(table.column_names)} from {schema}.{table.name} "
        f"where period = ? and version = ? order by {table.order_by}",
        [period, version],
    )


def publication_hash(record: dict) -> str:
    """The hash of a publication record, chaining it to the previous one."""
    text = "\x1f".join("" if record[f] is None else str(record[f]) for f in CHAINED_FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()


def record_hash(table: LogTable, record: dict) -> str:
    """The hash of a log record (an approval, a payout batch), chaining it like a publication."""
    fields = (*table.chained, "previous_hash")
    text = "\x1f".join("" if record[f] is None else str(record[f]) for f in fields)
    return hashlib.sha256(text.encode()).hexdigest()


def chain_head(warehouse: Warehouse, schema: str = "published") -> tuple[int, str | None]:
    """(seq, hash) of the newest record of the one chain: publications and the logs."""
    records = [f"select seq, publication_hash as hash from {schema}.publications"]
    records += [f"select seq, record_hash from {schema}.{log.name}" for log in LOGS]
    row = warehouse.row(
        f"select seq, hash from ({' union all '.join(records)}) order by seq desc limit 1"
    )
    return (row[0], row[1]) if row else (0, None)


def append_log(warehouse: Warehouse, table: LogTable, record: dict) -> dict:
    """Append ``record`` (every column but the chain's) to a log as the chain's next link.

    Run it inside the caller's transaction, with the writer lock held: the head cannot move."""
    seq, previous_hash = chain_head(warehouse)
    record = {**record, "seq": seq + 1, "previous_hash": previous_hash}
    record["record_hash"] = record_hash(table, record)
    names = table.column_names
    warehouse.run(
        f"insert into published.{table.name} ({', '.join(names)}) "
        f"values ({', '.join('?' for _ in names)})",
        [record[name] for name in names],
    )
    return record


def standing_decisions_sql(schema: str = "published") -> str:
    """Each version's standing sign-off: its approvals record with the highest seq (the latest
    decision stands; a version published before sign-off existed has none)."""
    columns = ", ".join(APPROVALS.column_names)
    return (
        f"select {columns} from {schema}.approvals "
        "qualify row_number() over (partition by period, version order by seq desc) = 1"
    )


def latest_approvals_sql(schema: str = "published") -> str:
    """The standing decision on each period's latest version (``pending`` without a record)."""
    return (
        "select p.period, p.version, coalesce(a.status, 'pending') as status, a.closed_by, "
        "a.decided_by, a.decided_at, a.note, a.seq, a.record_hash "
        f"from (select period, max(version) as version from {schema}.publications "
        f"group by period) p left join ({standing_decisions_sql(schema)}) a "
        "using (period, version) order by p.period"
    )


def latest(warehouse: Warehouse, period: str) -> tuple[int, str, datetime] | None:
    return warehouse.row(
        "select version, input_fingerprint, published_at from published.publications "
        "where period = ? order by version desc limit 1",
        [period],
    )


def publish_period(
    warehouse: Warehouse,
    period: str,
    run_id: str,
    *,
    restate: bool = False,
    reason: str = "",
    counts: tuple[int, int, int, int] = (0, 0, 0, 0),
    unread: Sequence[tuple[str, str]] = (),
    closed_by: str | None = None,
) -> Outcome:
    """Publish the candidate marts as the period's next version, or say why not. ``unread``:
    (path under landing/, SHA-256) of every landing file no source reads, recorded with the
    version's inputs. The version starts ``pending`` sign-off, recorded as closed by
    ``closed_by`` (a user id) in the same transaction."""
    candidate_period = warehouse.value("select period from int_periods where is_closing")
    if candidate_period != period:
        raise RuntimeError(
            f"the candidate results are for {candidate_period}, not {period}: run the close again"
        )
    versions = rulebook_versions(warehouse)
    fingerprint = input_fingerprint(warehouse, versions)
    previous = latest(warehouse, period)
    if previous and previous[1] == fingerprint:
        return Outcome(
            period,
            previous[0],
            False,
            "inputs and rule book unchanged",
            fingerprint,
            _stored_hash(warehouse, period, previous[0]),
        )
    if previous and not restate:
        raise PeriodClosed(
            f"period {period} is closed: version {previous[0]} was published "
            f"{previous[2]:%Y-%m-%d %H:%M} UTC, and its inputs or rule book have changed since. "
            f"A closed version never changes. To publish version {previous[0] + 1}, run: "
            f'jifen close {period} --restate --reason "<why>"'
        )
    if previous and not reason.strip():
        raise PeriodClosed('a restatement needs a reason: --reason "<why>"')
    if not previous:
        check_loyalty_order(warehouse, period)
    version = previous[0] + 1 if previous else 1
    reason = reason.strip() or ("restatement" if previous else "first close")
    if warehouse.engine == "spark":
        discard_unmarked_rows(warehouse)
    stage_accounting(warehouse, period, unread)
    carried = previous is not None  # loyalty tables are never restated (docs/loyalty-program.md)
    with warehouse.transaction():
        for number, table in enumerate(VERSIONED):
            if number == 2:
                crash_point("between_tables")
            _store_version(warehouse, table, period, version, carried)
        for table in INTERNAL:  # kept with the version, outside its content hash
            _store_version(warehouse, table, period, version, carried)
        if not carried:
            _replace_loyalty_state(warehouse, period, version)
        digest = content_hash(warehouse, period, version)
        seq, previous_hash = chain_head(warehouse)
        record = {
            "period": period,
            "version": version,
            "rulebook_version": ",".join(versions),
            "input_fingerprint": fingerprint,
            "published_at": datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            "run_id": run_id,
            "reason": reason,
            "content_hash": digest,
            "rows_read": counts[0],
            "rows_loaded": counts[1],
            "rows_deduplicated": counts[2],
            "rows_quarantined": counts[3],
            "seq": seq + 1,
            "previous_hash": previous_hash,
        }
        record["publication_hash"] = publication_hash(record)
        names = [name for name, _ in PUBLICATIONS_COLUMNS]
        warehouse.run(
            f"insert into published.publications ({', '.join(names)}) "
            f"values ({', '.join('?' for _ in names)})",
            [record[name] for name in names],
        )
        pending = {
            "period": period,
            "version": version,
            "status": "pending",
            "closed_by": closed_by,
            "decided_by": None,
            "decided_at": record["published_at"],
            "note": None,
        }
        append_log(warehouse, APPROVALS, pending)
    return Outcome(period, version, True, reason, fingerprint, digest)


def discard_unmarked_rows(warehouse: Warehouse) -> None:
    """Rows of a version that has no ``publications`` record. Spark has no transactions: a close
    killed while publishing leaves the tables it had written; readers never see those rows
    (every read goes by ``publications``, the record written last), and the next publication
    removes them before writing its own."""
    marked = "select concat(period, '/', cast(version as varchar)) from published.publications"
    for table in (*VERSIONED, *INTERNAL):
        unmarked = f"concat(period, '/', cast(version as varchar)) not in ({marked})"
        if warehouse.value(f"select count(*) from published.{table.name} where {unmarked}"):
            warehouse.run(f"delete from published.{table.name} where {unmarked}")


def _store_version(
    warehouse: Warehouse, table: PublishedTable, period: str, version: int, carried: bool
) -> None:
    """The candidate rows, or for a loyalty table of a restatement the previous version's."""
    if table.program == "loyalty" and carried:
        columns = ", ".join(name for name, _ in table.columns)
        warehouse.run(
            f"insert into published.{table.name} select period, ? as version, {columns} "
            f"from published.{table.name} where period = ? and version = ? "
            f"order by {table.order_by.replace('version, ', '')}",
            [version, period, version - 1],
        )
    else:
        _insert_version(warehouse, table, version)


def check_loyalty_order(warehouse: Warehouse, period: str) -> None:
    """Loyalty periods close in order once the program has started: P needs P-1 closed."""
    if not warehouse.value("select count(*) from loyalty_kpis"):
        return  # no members: no loyalty program in this close
    latest_period = warehouse.value("select max(period) from published.loyalty_kpis")
    if latest_period and period > latest_period and month_before(period) != latest_period:
        raise PeriodClosed(
            f"the loyalty program's periods close in order: the last one closed is "
            f"{latest_period}, so {month_before(period)} must be closed before {period}. "
            f"Run: jifen close {month_before(period)}"
        )


def _replace_loyalty_state(warehouse: Warehouse, period: str, version: int) -> None:
    """The walk this close published becomes the one the next loyalty close continues from
    (never replaced by the first close of an earlier month)."""
    state_period = warehouse.value("select max(period) from published.loyalty_walk_lines")
    if state_period and state_period > period:
        return
    for table in LOYALTY_STATE:
        warehouse.run(f"delete from published.{table.name}")
        _insert_version(warehouse, table, version)


def _insert_version(warehouse: Warehouse, table: PublishedTable, version: int) -> None:
    """The candidate's rows as ``version``. A versioned table is stored in its published order;
    the internal tables and the walk state are only ever looked up (by line, by member), so
    they skip the sort, which at 10 M rows spills to disk."""
    columns = ", ".join(name for name, _ in table.columns)
    order = f" order by {table.order_by.replace('version, ', '')}" if table in VERSIONED else ""
    warehouse.run(
        f"insert into published.{table.name} select period, ? as version, {columns} "
        f"from {table.candidate}{order}",
        [version],
    )


def stage_accounting(
    warehouse: Warehouse, period: str, unread: Sequence[tuple[str, str]] = ()
) -> None:
    """Every ingested file with its rows of the period (all rows for reference data), split into
    loaded, deduplicated and quarantined: the inputs the version was made from. Each landing
    file no source reads is there too, as source ``NOT_READ`` with no rows, by its path under
    landing/ and its SHA-256: nothing landed goes unrecorded."""
    values = [value for pair in unread for value in pair]
    warehouse.replace_table(
        "candidate_unread_files",
        "select cast(source_file as varchar) as source_file, "
        "cast(file_hash as varchar) as file_hash from "
        + (
            f"(values {', '.join('(?, ?)' for _ in unread)}) t(source_file, file_hash)"
            if unread
            else "(select null as source_file, null as file_hash) t where false"
        ),
        values or None,
        temp=True,
    )
    warehouse.run(
        f"""create or replace temp view candidate_publication_inputs as
            select '{period}' as period, f.source, f.source_file, f.file_hash,
                   coalesce(sum(c.rows_read), 0) as rows_read,
                   coalesce(sum(c.rows_loaded), 0) as rows_loaded,
                   coalesce(sum(c.rows_deduplicated), 0) as rows_deduplicated,
                   coalesce(sum(c.rows_quarantined), 0) as rows_quarantined
            from ingested_files f
            left join validation_counts c
              on c.source = f.source and c.source_file = f.source_file
             and (c.period = '{period}' or c.period is null)
            group by all
            union all
            select '{period}', '{NOT_READ}', source_file, file_hash, 0, 0, 0, 0
            from candidate_unread_files"""
    )


def _stored_hash(warehouse: Warehouse, period: str, version: int) -> str:
    return warehouse.value(
        "select content_hash from published.publications where period = ? and version = ?",
        [period, version],
    )
