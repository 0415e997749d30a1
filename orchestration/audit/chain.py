"""Tamper evidence: recompute every publication's hashes in every copy of the published data.

Three copies hold the publications: the warehouse's history (schema ``published`` in
``state/warehouse.duckdb``, or Spark's database of that name), the readers' copy
(``published.duckdb``) and the Delta tables (``published/<table>/``). In each, every
publication's rows must hash to its ``content_hash``, its record to its ``publication_hash``,
every record of the sign-off logs (``approvals``, ``payout_batches``) to its ``record_hash``,
and all these records, in ``seq`` order, must form
one unbroken chain (each ``previous_hash`` the hash of the record before it, the first NULL).
The readers' copies must hold the same records as the history, and the readers' database's
``latest_`` views the newest versions (``latest_approvals``: the standing decision on each). In
the Delta copy, every data file must have the size its log recorded, and altered rows are named
by table. Everything is opened read-only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial

from orchestration.audit.readonly import open_readers_copy, open_warehouse
from orchestration.lib.workspace import Workspace
from orchestration.publish import store
from orchestration.publish.hashing import rows_sha256
from orchestration.verify.recorded import has_warehouse
from orchestration.warehouse import delta
from orchestration.warehouse.connection import Warehouse, WarehouseError, open_database
from orchestration.warehouse.published import NothingPublished
from schemas.published import CHAINED_FIELDS, LOGS, VERSIONED, LogTable

HISTORY = "warehouse history"
READERS = "readers' copy (published.duckdb)"
DELTA = "Delta copy (published/)"
TABLES = ("publications", *(table.name for table in VERSIONED))
LOG_NAMES = tuple(log.name for log in LOGS)


class _Findings:
    """Problems grouped per copy and publication: one line per broken publication."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], list[str]] = {}

    def add(self, copy: str, subject: str, what: str) -> None:
        self.items.setdefault((copy, subject), []).append(what)

    def lines(self) -> list[str]:
        return [
            f"{copy}: {subject}: {'; '.join(what)}" for (copy, subject), what in self.items.items()
        ]


def verify_chain(ws: Workspace) -> list[str]:
    """Every problem found, one human-readable line per broken publication; [] when intact.

    Raises ``WarehouseLocked`` while a close holds the warehouse.
    """
    findings = _Findings()
    history: dict[tuple[str, int], tuple] | None = None
    with ExitStack() as opened:
        warehouse = _history(ws, opened)
        if warehouse is not None and warehouse.table_columns("publications", "published"):
            history = _verify_copy(warehouse, "published", HISTORY, findings)
        copies: dict[str, dict[tuple[str, int], tuple]] = {}
        if ws.published_db.exists():
            with open_readers_copy(ws) as published:
                copies[READERS] = _verify_copy(published, "main", READERS, findings)
                _verify_latest(published, "main", "latest_{}", READERS, findings)
        elif history:
            findings.add(READERS, "published.duckdb", "missing")
        if delta.exists(ws.published_table("publications")):
            with open_database() as memory, ExitStack() as registered:
                memory.run("create schema dl")
                for name in (*TABLES, *LOG_NAMES):
                    _attach_delta(ws, name, memory, registered, findings)
                altered = None if history is None else partial(_altered_tables, memory, warehouse)
                copies[DELTA] = _verify_copy(memory, "dl", DELTA, findings, altered)
        elif history:
            findings.add(DELTA, "published/", "missing")
    if history is not None:
        for copy, records in copies.items():
            _compare(history, records, copy, findings)
    return findings.lines()


def _history(ws: Workspace, opened: ExitStack) -> Warehouse | None:
    """The warehouse (read-only) whose ``published`` schema is the history; None without one."""
    if not has_warehouse(ws):
        return None
    try:
        return opened.enter_context(open_warehouse(ws))
    except NothingPublished:  # a Spark workspace whose warehouse was never made
        return None


def _attach_delta(
    ws: Workspace, name: str, memory: Warehouse, registered: ExitStack, findings: _Findings
) -> None:
    """One Delta table as the view ``dl.<name>``, after checking its data files' sizes."""
    path = ws.published_table(name)
    try:
        if not delta.exists(path):
            return  # reported as missing by _verify_copy
        for relative, size in delta.data_files(path):
            file = path / relative
            if not file.is_file():
                findings.add(DELTA, name, f"data file {relative} missing")
            elif file.stat().st_size != size:
                findings.add(
                    DELTA,
                    name,
                    f"data file {relative} rewritten ({file.stat().st_size} bytes, "
                    f"the Delta log says {size})",
                )
        registered.enter_context(memory.registered(f"delta_{name}", delta.dataset(path)))
    except delta.DeltaError as error:
        findings.add(DELTA, name, f"cannot be read ({str(error).splitlines()[0]})")
        return
    memory.run(f"create view dl.{name} as select * from delta_{name}")


def _altered_tables(copy: Warehouse, history: Warehouse, period: str, version: int) -> list[str]:
    """The tables whose rows of a version differ from the warehouse history's."""
    return [
        table.name
        for table in VERSIONED
        if store.table_rows_hash(copy, table, period, version, "dl")
        != store.table_rows_hash(history, table, period, version, "published")
    ]


def chain_head(ws: Workspace) -> tuple[int, str] | None:
    """The newest record's (seq, hash) in the readers' copy (a publication, a decision or a
    payout batch): write it down somewhere jifen cannot reach, and a rewrite of the whole chain
    shows."""
    if not ws.published_db.exists():
        return None
    with open_readers_copy(ws) as published:
        if "publication_hash" not in published.table_columns("publications"):
            return None
        records = ["select seq, publication_hash as hash from publications"]
        records += [
            f"select seq, record_hash from {name}"
            for name in LOG_NAMES
            if published.table_columns(name)
        ]
        row = published.row(
            f"select seq, hash from ({' union all '.join(records)}) where seq is not null "
            "order by seq desc limit 1"
        )
    return (int(row[0]), row[1]) if row else None


def _label(period: str, version: int) -> str:
    return f"{period} v{version}"


def _verify_copy(
    warehouse: Warehouse,
    schema: str,
    copy: str,
    findings: _Findings,
    altered: Callable[[str, int], list[str]] | None = None,
) -> dict[tuple, tuple]:
    """Check one copy's records, rows and chain; return each record by its key: (period,
    version) for a publication, (log, seq) for a decision or a payout batch. ``altered`` names
    the tables whose rows of a version were altered."""
    columns = warehouse.table_columns("publications", schema)
    if not columns:
        findings.add(copy, "publications", "missing")
        return {}
    chained = all(name in columns for name in (*CHAINED_FIELDS, "publication_hash"))
    wanted = [
        name
        for name in ("period", "version", "content_hash", *CHAINED_FIELDS, "publication_hash")
        if name in columns
    ]
    wanted = list(dict.fromkeys(wanted))
    order = "seq nulls last, period, version" if chained else "period, version"
    records = warehouse.dicts(
        f"select {', '.join(wanted)} from {schema}.publications order by {order}",
    )
    if not chained and records:
        findings.add(copy, "publications", "carry no hash chain (seq, previous_hash, ...)")
    counted = Counter((row["period"], row["version"]) for row in records)
    found: dict[tuple, tuple] = {}
    links: list[tuple[int, str, str, str | None]] = []  # seq, subject, hash, previous_hash
    for row in records:
        period, version = row["period"], row["version"]
        subject = _label(period, version)
        if counted[(period, version)] > 1:
            findings.add(copy, subject, "recorded more than once")
        try:
            now = store.content_hash(warehouse, period, version, schema=schema)
        except WarehouseError as error:
            findings.add(copy, subject, f"rows cannot be read ({str(error).splitlines()[0]})")
        else:
            if now != row["content_hash"]:
                tables = altered(period, version) if altered else []
                where = f" in {', '.join(tables)}" if tables else ""
                findings.add(
                    copy,
                    subject,
                    f"rows altered{where} (they hash to {now[:12]}…, the record says "
                    f"{str(row['content_hash'])[:12]}…)",
                )
        found[(period, version)] = tuple(str(row.get(name)) for name in wanted)
        if not chained:
            continue
        if row["seq"] is None or row["publication_hash"] is None:
            findings.add(copy, subject, "record altered (no seq or publication_hash)")
            continue
        if store.publication_hash(row) != row["publication_hash"]:
            findings.add(
                copy, subject, "record altered (its fields no longer hash to its publication_hash)"
            )
        links.append((row["seq"], subject, row["publication_hash"], row["previous_hash"]))
    for log in LOGS:
        links += _verify_log(warehouse, schema, log, copy, findings, found)
    if chained:
        _walk_chain(sorted(links, key=lambda link: link[0]), copy, findings)
    for table in VERSIONED:
        if not warehouse.table_columns(table.name, schema):
            findings.add(copy, table.name, "missing")
            continue
        try:
            unrecorded = warehouse.rows(
                f"select distinct period, version from {schema}.{table.name} t where not exists "
                f"(select 1 from {schema}.publications p "
                "where p.period = t.period and p.version = t.version) order by all"
            )
        except WarehouseError as error:
            findings.add(copy, table.name, f"cannot be read ({str(error).splitlines()[0]})")
            continue
        for period, version in unrecorded:
            findings.add(
                copy,
                _label(period, version),
                f"missing publication record ({table.name} holds rows of it)",
            )
    return found


def _verify_log(
    warehouse: Warehouse,
    schema: str,
    log: LogTable,
    copy: str,
    findings: _Findings,
    found: dict[tuple, tuple],
) -> list[tuple[int, str, str, str | None]]:
    """Each record of a sign-off log against its record_hash; its links of the chain. A copy
    without the log (written before sign-off existed) has no records of it."""
    if not warehouse.table_columns(log.name, schema):
        return []
    links = []
    for record in warehouse.dicts(f"select * from {schema}.{log.name} order by seq nulls last"):
        subject = (
            f"{log.name} seq {record.get('seq')} ({_label(record['period'], record['version'])})"
        )
        found[(log.name, record.get("seq"))] = tuple(str(record.get(n)) for n in log.column_names)
        if record.get("seq") is None or record.get("record_hash") is None:
            findings.add(copy, subject, "record altered (no seq or record_hash)")
            continue
        if store.record_hash(log, record) != record["record_hash"]:
            findings.add(
                copy, subject, "record altered (its fields no longer hash to its record_hash)"
            )
        links.append((record["seq"], subject, record["record_hash"], record["previous_hash"]))
    return links


def _walk_chain(
    links: list[tuple[int, str, str, str | None]], copy: str, findings: _Findings
) -> None:
    """Publications and log records in seq order: one unbroken chain."""
    previous_hash: str | None = None
    previous_seq = 0
    for seq, subject, record_hash, link in links:
        if seq > previous_seq + 1:
            gone = f"seq {previous_seq + 1}" + (
                f"..{seq - 1}" if seq - 1 > previous_seq + 1 else ""
            )
            findings.add(copy, subject, f"missing record(s) before it ({gone} gone)")
        elif seq <= previous_seq:
            findings.add(copy, subject, f"seq {seq} repeats an earlier one")
        if link != previous_hash:
            findings.add(
                copy,
                subject,
                "chain broken (previous_hash "
                + (f"{link[:12]}…" if link else "empty")
                + " is not "
                + (
                    f"{previous_hash[:12]}…, the hash of the record before it)"
                    if previous_hash
                    else "empty, as the first record's must be)"
                ),
            )
        previous_hash, previous_seq = record_hash, seq


def _verify_latest(
    warehouse: Warehouse, schema: str, pattern: str, copy: str, findings: _Findings
) -> None:
    """The latest_ views (files) show exactly the newest version of every period."""
    for table in TABLES:
        name = pattern.format(table)
        columns = warehouse.table_columns(table, schema)
        if not columns:
            continue
        if not warehouse.table_columns(name, schema):
            findings.add(copy, name, "missing")
            continue
        listed = ", ".join(f't."{column}"' for column in columns)
        expected = (
            f"select {listed} from {schema}.{table} t join (select period, max(version) as v "
            f"from {schema}.publications group by period) l "
            "on t.period = l.period and t.version = l.v order by all"
        )
        shown = f"select {listed} from {schema}.{name} t order by all"
        try:
            same = rows_sha256(warehouse, expected) == rows_sha256(warehouse, shown)
        except WarehouseError as error:
            findings.add(copy, name, f"cannot be read ({str(error).splitlines()[0]})")
            continue
        if not same:
            findings.add(copy, name, "does not show exactly the newest version of every period")
    if warehouse.table_columns("approvals", schema):
        _verify_latest_approvals(warehouse, schema, pattern.format("approvals"), copy, findings)


def _verify_latest_approvals(
    warehouse: Warehouse, schema: str, name: str, copy: str, findings: _Findings
) -> None:
    """latest_approvals shows the standing decision on each period's latest version."""
    if not warehouse.table_columns(name, schema):
        findings.add(copy, name, "missing")
        return
    expected = f"select * from ({store.latest_approvals_sql(schema)}) order by all"
    try:
        same = rows_sha256(warehouse, expected) == rows_sha256(
            warehouse, f"select * from {schema}.{name} order by all"
        )
    except WarehouseError as error:
        findings.add(copy, name, f"cannot be read ({str(error).splitlines()[0]})")
        return
    if not same:
        findings.add(copy, name, "does not show the standing decision on each latest version")


def _compare(
    history: dict[tuple, tuple],
    records: dict[tuple, tuple],
    copy: str,
    findings: _Findings,
) -> None:
    for key in sorted(history, key=_key_order):
        if key not in records:
            findings.add(copy, _key_label(key), "missing (it is in the warehouse history)")
        elif records[key] != history[key]:
            findings.add(copy, _key_label(key), "record differs from the warehouse history")
    for key in sorted(set(records) - set(history), key=_key_order):
        findings.add(copy, _key_label(key), "not in the warehouse history")


def _key_order(key: tuple) -> tuple[str, int]:
    return (key[0], -1 if key[1] is None else key[1])


def _key_label(key: tuple) -> str:
    return f"{key[0]} seq {key[1]}" if key[0] in LOG_NAMES else _label(*key)
