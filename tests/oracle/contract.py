"""Independent reference implementation ("oracle") of the default points program.

It reads a landing folder and computes, in plain Python, what the contract
(`docs/sales-program.md`: inputs, reason codes, rules) and `docs/decisions.md` say the pipeline
must produce: the quarantine, the per-source counts, and per period the rep results, the
per-rule subtotals and the reward list.

It is written for clarity, not speed, and on purpose shares no code with the real
pipeline (nothing is imported from `orchestration` or `schemas`).

It evaluates every landed file at once, against the final state of the landing
folder: there is no ingestion history, so "the loaded reps" means the reps that are
loaded once every file has been taken into account.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# --------------------------------------------------------------------------------------
# Contract constants
# --------------------------------------------------------------------------------------

SOURCES = ("reps", "customers", "sales", "surveys")

COLUMNS: dict[str, tuple[str, ...]] = {
    "reps": ("rep_id", "rep_name", "team_id", "role", "hire_date", "leave_date"),
    "customers": ("customer_id", "customer_name", "segment", "region", "created_date"),
    "sales": (
        "txn_id",
        "txn_type",
        "order_id",
        "rep_id",
        "customer_id",
        "txn_date",
        "amount",
        "currency",
    ),
    "surveys": ("survey_id", "rep_id", "customer_id", "order_id", "score", "survey_date"),
}
KEYS = {"reps": "rep_id", "customers": "customer_id", "sales": "txn_id", "surveys": "survey_id"}
OPTIONAL = {"reps": {"leave_date"}, "surveys": {"order_id"}}
DATE_COLUMNS = {
    "reps": ("hire_date", "leave_date"),
    "customers": ("created_date",),
    "sales": ("txn_date",),
    "surveys": ("survey_date",),
}
DECIMAL_COLUMNS = {"sales": ("amount",)}
INTEGER_COLUMNS = {"surveys": ("score",)}
ENUMS = {
    "sales": {"txn_type": {"sale", "return"}},
    "customers": {"segment": {"enterprise", "smb", "consumer"}},
}
REFERENCE_SOURCES = ("reps", "customers")
FACT_SOURCES = ("sales", "surveys")

PROGRAM_CURRENCY = "CNY"
MAX_AMOUNT = Decimal(10) ** 16  # DECIMAL(18,2) cannot hold this or more
CENT = Decimal("0.01")

DEFAULT_TEAM_TARGET = Decimal("300000")
SALES_CAP = Decimal("3000")
NEW_CUSTOMER_POINTS = Decimal("50")
TEAM_BONUS_POINTS = Decimal("100")
SATISFACTION_POINTS = {
    5: Decimal(20),
    4: Decimal(10),
    3: Decimal(0),
    2: Decimal(-10),
    1: Decimal(-20),
}
QUALITY_GATE_MIN_SURVEYS = 3
QUALITY_GATE_MEAN = Fraction(7, 2)
QUALITY_GATE_SHARE = Decimal("0.20")

# (tier, lower bound inclusive, reward, cash value), highest first.
TIERS = (
    ("platinum", Decimal(2500), "cash bonus and incentive trip", Decimal(6000)),
    ("gold", Decimal(1500), "cash bonus", Decimal(3000)),
    ("silver", Decimal(800), "cash bonus", Decimal(1000)),
    ("bronze", Decimal(300), "gift card", Decimal(300)),
)

RULES = ("SALES", "NEW_CUSTOMER", "SATISFACTION", "SALES_CAP", "QUALITY_GATE", "TEAM_BONUS")

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_PERIOD_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


# --------------------------------------------------------------------------------------
# Public result types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarantineRow:
    source: str
    source_file: str
    row_number: int
    reason: str


@dataclass(frozen=True)
class RepResult:
    rep_id: str
    team_id: str
    total_points: Decimal
    tier: str | None
    company_rank: int
    team_rank: int


@dataclass
class OracleResult:
    quarantine: list[QuarantineRow]
    deduplicated: dict[str, int]  # per source
    loaded: dict[str, int]  # per source
    read: dict[str, int]  # per source (byte-identical duplicate files are not read)
    results: dict[str, dict[str, RepResult]]  # period -> rep_id -> result
    rule_points: dict[str, dict[tuple[str, str], Decimal]]  # period -> (rep, rule) -> points
    rewards: dict[str, dict[str, tuple[str, str, Decimal]]]  # period -> rep -> (tier, ...)
    # Extension: (source, file name, problem) of every file that was rejected whole. Only
    # filled with compute(..., skip_rejected=True); by default a rejected file raises.
    rejected: list[tuple[str, str, str]] = field(default_factory=list)


class RejectedFile(Exception):
    """A landed file that cannot be read or lacks a required column (rejected whole)."""

    def __init__(self, source: str, file_name: str, problem: str) -> None:
        super().__init__(f"{source}/{file_name}: {problem}")
        self.source = source
        self.file_name = file_name
        self.problem = problem


# --------------------------------------------------------------------------------------
# Internal row model
# --------------------------------------------------------------------------------------


@dataclass
class Row:
    source: str
    file_name: str
    row_number: int
    text: dict[str, str]  # trimmed text of the contract's columns
    values: dict[str, Any] = field(default_factory=dict)  # parsed values
    reason: str | None = None  # quarantine reason, None while the row is still alive
    deduplicated: bool = False

    @property
    def alive(self) -> bool:
        return self.reason is None and not self.deduplicated

    @property
    def key(self) -> str:
        return self.values[KEYS[self.source]]

    def identity(self) -> tuple[Any, ...]:
        """Parsed values of the contract's columns, used to compare duplicate keys."""
        return tuple(self.values[c] for c in COLUMNS[self.source])

    def order(self) -> tuple[bytes, int]:
        # (file name, row number); names are ordered byte by byte.
        return (self.file_name.encode("utf-8", "surrogateescape"), self.row_number)


@dataclass
class Delivery:
    source: str
    file_name: str
    rows: list[Row]


# --------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------


def _file_sort_key(path: Path) -> bytes:
    # "Files of a source are processed in byte order of their file name."
    return path.name.encode("utf-8", "surrogateescape")


# How a landed file's name ends -> how it is read (docs/workspace.md, "What jifen reads").
LANDED_ENDINGS = (".csv.gz", ".csv.bz2", ".csv.zst", ".csv", ".parquet", ".xlsx")


def _ending(path: Path) -> str | None:
    name = path.name.lower()
    return next((e for e in LANDED_ENDINGS if name.endswith(e) and name != e), None)


def _landed_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = [
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and _ending(p)
    ]
    return sorted(files, key=_file_sort_key)


def _landed_bytes(source: str, path: Path) -> bytes:
    """A CSV's bytes, decompressed when it was landed compressed."""
    import bz2
    import gzip

    ending = _ending(path)
    try:
        if ending == ".csv.gz":
            return gzip.decompress(path.read_bytes())
        if ending == ".csv.bz2":
            return bz2.decompress(path.read_bytes())
        if ending == ".csv.zst":  # no zstd in Python 3.11's standard library
            import pyarrow as pa

            with pa.input_stream(str(path), compression="zstd") as stream:
                return stream.read()
    except Exception as exc:  # any failure to decompress rejects the file
        raise RejectedFile(source, path.name, f"cannot decompress: {exc}") from exc
    return path.read_bytes()


def _header_index(source: str, file_name: str, header: list[str]) -> dict[str, int]:
    names = [h.strip() for h in header]
    index: dict[str, int] = {}
    for column in COLUMNS[source]:
        positions = [i for i, n in enumerate(names) if n == column]
        if not positions:
            raise RejectedFile(source, file_name, f"missing required column {column!r}")
        if len(positions) > 1:
            raise RejectedFile(source, file_name, f"column {column!r} appears more than once")
        index[column] = positions[0]
    return index


def _read_csv(source: str, path: Path) -> list[dict[str, str]]:
    data = _landed_bytes(source, path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedFile(source, path.name, f"not UTF-8: {exc}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise RejectedFile(source, path.name, f"malformed CSV: {exc}") from exc
    if not records:
        raise RejectedFile(source, path.name, "no header row")
    header, body = records[0], records[1:]
    index = _header_index(source, path.name, header)
    rows = []
    for number, record in enumerate(body, start=1):
        if len(record) != len(header):
            raise RejectedFile(
                source,
                path.name,
                f"row {number} (line {number + 1}) has {len(record)} fields, "
                f"expected {len(header)}",
            )
        rows.append({c: record[i] for c, i in index.items()})
    return rows


def _parquet_value_to_text(value: Any) -> str:
    """Turn a Parquet value into text "the obvious way" (decisions.md)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):  # the shortest text that reads back as the same double
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, dt.datetime):
        # A TIMESTAMP is not a date: this text never parses as one (bad_type).
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _read_parquet(source: str, path: Path) -> list[dict[str, str]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # any failure to open the file rejects it
        raise RejectedFile(source, path.name, f"cannot read Parquet: {exc}") from exc
    index = _header_index(source, path.name, list(table.column_names))
    columns = {c: table.column(i).to_pylist() for c, i in index.items()}
    return [
        {c: _parquet_value_to_text(columns[c][r]) for c in index} for r in range(table.num_rows)
    ]


def _xlsx_cell_to_text(cell: Any) -> str:
    """An Excel cell as the text the contract judges (decisions.md, "Reading files")."""
    value = cell.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # openpyxl gives every date cell as a datetime: one without a time of day is a date
        midnight = value.time() == dt.time(0)
        return value.date().isoformat() if midnight else value.isoformat(sep=" ")
    return _parquet_value_to_text(value)


def _read_xlsx(source: str, path: Path) -> list[dict[str, str]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # any failure to open the workbook rejects it
        raise RejectedFile(source, path.name, f"cannot read the workbook: {exc}") from exc
    named = [name for name in workbook.sheetnames if name.strip().casefold() == source]
    sheet = workbook[named[0] if named else workbook.sheetnames[0]]
    records = [[_xlsx_cell_to_text(cell) for cell in row] for row in sheet.iter_rows()]
    while records and not any(records[-1]):
        records.pop()  # empty rows after the last filled one are not rows
    if not records:
        raise RejectedFile(source, path.name, "no header row")
    header = records[0]
    while header and not header[-1]:
        header.pop()
    index = _header_index(source, path.name, header)
    return [
        {c: record[i] if i < len(record) else "" for c, i in index.items()}
        for record in records[1:]
    ]


def _read_source(
    landing: Path, source: str, skip_rejected: bool, rejected: list[tuple[str, str, str]]
) -> list[Delivery]:
    deliveries = []
    seen_hashes: set[str] = set()
    for path in _landed_files(landing / source):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen_hashes:
            continue  # same bytes already ingested: not read, not counted
        seen_hashes.add(digest)
        try:
            if _ending(path).startswith(".csv"):
                raw_rows = _read_csv(source, path)
            elif _ending(path) == ".xlsx":
                raw_rows = _read_xlsx(source, path)
            else:
                raw_rows = _read_parquet(source, path)
        except RejectedFile as exc:
            if not skip_rejected:
                raise
            rejected.append((exc.source, exc.file_name, exc.problem))
            continue
        rows = [
            Row(
                source=source,
                file_name=path.name,
                row_number=n,
                text={c: v.strip() for c, v in raw.items()},
            )
            for n, raw in enumerate(raw_rows, start=1)
        ]
        deliveries.append(Delivery(source, path.name, rows))
    return deliveries


# --------------------------------------------------------------------------------------
# Row checks that look at one row only (missing_field .. score_out_of_range)
# --------------------------------------------------------------------------------------


def _parse_date(text: str) -> dt.date | None:
    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return dt.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def _parse_amount(text: str) -> Decimal | None:
    if not _AMOUNT_RE.fullmatch(text):
        return None
    return Decimal(text)


def _decimal_places(value: Decimal) -> int:
    """Significant decimal places of a value (10.500 has 1), computed exactly."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    digits = list(digits)
    while exponent < 0 and digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    return max(0, -exponent)


def _parse_integer(text: str) -> int | None:
    if not _INTEGER_RE.fullmatch(text):
        return None
    return int(text)


def _check_single_row(row: Row) -> str | None:
    """Return the first failing reason among the single-row checks, filling row.values."""
    source, text = row.source, row.text
    optional = OPTIONAL.get(source, set())

    # missing_field
    for column in COLUMNS[source]:
        if column not in optional and text[column] == "":
            return "missing_field"

    # bad_type: parse every typed column; other columns keep their (trimmed) text
    values: dict[str, Any] = dict(text)
    for column in DATE_COLUMNS.get(source, ()):
        if text[column] == "":
            values[column] = None
            continue
        parsed_date = _parse_date(text[column])
        if parsed_date is None:
            return "bad_type"
        values[column] = parsed_date
    for column in DECIMAL_COLUMNS.get(source, ()):
        parsed_amount = _parse_amount(text[column])
        if parsed_amount is None:
            return "bad_type"
        values[column] = parsed_amount
    for column in INTEGER_COLUMNS.get(source, ()):
        parsed_int = _parse_integer(text[column])
        if parsed_int is None:
            return "bad_type"
        values[column] = parsed_int
    row.values = values

    # bad_enum
    for column, allowed in ENUMS.get(source, {}).items():
        if values[column] not in allowed:
            return "bad_enum"

    if source == "sales":
        amount: Decimal = values["amount"]
        if amount <= 0 or amount >= MAX_AMOUNT or _decimal_places(amount) > 2:
            return "bad_amount"
        if values["currency"] != PROGRAM_CURRENCY:
            return "bad_currency"

    if source == "surveys" and not 1 <= values["score"] <= 5:
        return "score_out_of_range"

    return None


# --------------------------------------------------------------------------------------
# duplicate_conflict
# --------------------------------------------------------------------------------------


def _resolve_duplicates(rows: Iterable[Row]) -> None:
    """Apply duplicate_conflict / dedup to the alive rows given, as one group of keys."""
    by_key: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.alive:
            by_key[row.key].append(row)
    for group in by_key.values():
        if len(group) == 1:
            continue
        group.sort(key=Row.order)
        if len({r.identity() for r in group}) > 1:
            for r in group:
                r.reason = "duplicate_conflict"
        else:
            for r in group[1:]:
                r.deduplicated = True


# --------------------------------------------------------------------------------------
# Validation of all sources
# --------------------------------------------------------------------------------------


@dataclass
class _Validated:
    rows: dict[str, list[Row]]  # every row read, per source
    reps: dict[str, dict[str, Any]]  # current rep row per rep_id
    customers: dict[str, dict[str, Any]]  # current customer row per customer_id
    sales: list[Row]  # loaded sale rows
    returns: list[Row]  # loaded return rows
    surveys: list[Row]  # loaded surveys


def _validate(deliveries: dict[str, list[Delivery]]) -> _Validated:
    rows = {s: [r for d in deliveries[s] for r in d.rows] for s in SOURCES}
    for source in SOURCES:
        for row in rows[source]:
            row.reason = _check_single_row(row)

    # Reference data: snapshots, duplicates judged inside one delivery; a later
    # delivery's valid row replaces the key's current value.
    current: dict[str, dict[str, dict[str, Any]]] = {}
    for source in REFERENCE_SOURCES:
        current[source] = {}
        for delivery in deliveries[source]:  # already in file-name byte order
            _resolve_duplicates(delivery.rows)
            for row in delivery.rows:
                if row.alive:
                    current[source][row.key] = row.values
    reps, customers = current["reps"], current["customers"]

    # Facts: keys unique across all deliveries.
    for source in FACT_SOURCES:
        _resolve_duplicates(rows[source])

    sales_rows = sorted(rows["sales"], key=Row.order)

    # duplicate_order: among sales sharing an order_id keep the earliest (date, txn_id).
    by_order: dict[str, list[Row]] = defaultdict(list)
    for row in sales_rows:
        if row.alive and row.values["txn_type"] == "sale":
            by_order[row.values["order_id"]].append(row)
    for group in by_order.values():
        # Ids are ordered as text byte by byte; Python's code-point order of str is the
        # same as the byte order of their UTF-8 encoding.
        group.sort(key=lambda r: (r.values["txn_date"], r.values["txn_id"]))
        for r in group[1:]:
            r.reason = "duplicate_order"

    # unknown_rep / unknown_customer, then rep_inactive (the row's own rep_id).
    for source, date_column in (("sales", "txn_date"), ("surveys", "survey_date")):
        for row in rows[source]:
            if not row.alive:
                continue
            rep = reps.get(row.values["rep_id"])
            if rep is None:
                row.reason = "unknown_rep"
            elif row.values["customer_id"] not in customers:
                row.reason = "unknown_customer"
            elif not _active_on(rep, row.values[date_column]):
                row.reason = "rep_inactive"

    # unknown_order and over_return, for returns.
    loaded_sales = {
        r.values["order_id"]: r for r in sales_rows if r.alive and r.values["txn_type"] == "sale"
    }
    returns_by_order: dict[str, list[Row]] = defaultdict(list)
    for row in sales_rows:
        if row.alive and row.values["txn_type"] == "return":
            if row.values["order_id"] not in loaded_sales:
                row.reason = "unknown_order"
            else:
                returns_by_order[row.values["order_id"]].append(row)
    for order_id, group in returns_by_order.items():
        sold = loaded_sales[order_id].values["amount"]
        returned = Decimal(0)
        group.sort(key=lambda r: (r.values["txn_date"], r.values["txn_id"]))
        for r in group:
            if returned + r.values["amount"] > sold:
                r.reason = "over_return"  # not counted: a later smaller return may load
            else:
                returned += r.values["amount"]

    return _Validated(
        rows=rows,
        reps=reps,
        customers=customers,
        sales=[r for r in sales_rows if r.alive and r.values["txn_type"] == "sale"],
        returns=[r for r in sales_rows if r.alive and r.values["txn_type"] == "return"],
        surveys=[r for r in rows["surveys"] if r.alive],
    )


def _active_in(rep: dict[str, Any], first: dt.date, last: dt.date) -> bool:
    """hire_date <= last and (leave_date empty or leave_date >= first)."""
    return rep["hire_date"] <= last and (rep["leave_date"] is None or rep["leave_date"] >= first)


def _active_on(rep: dict[str, Any], day: dt.date) -> bool:
    return _active_in(rep, day, day)


# --------------------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------------------


def round2(value: Decimal) -> Decimal:
    """Round to 2 places, half away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _period_bounds(period: str) -> tuple[dt.date, dt.date]:
    if not _PERIOD_RE.fullmatch(period):
        raise ValueError(f"period must be 'YYYY-MM', got {period!r}")
    year, month = int(period[:4]), int(period[5:])
    first = dt.date(year, month, 1)
    next_first = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return first, next_first - dt.timedelta(days=1)


def _period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class LedgerLine:
    period: str
    rep_id: str
    rule_id: str
    points: Decimal
    source_id: str = ""


def ledger(
    data: _Validated, period: str, team_targets: dict[str, Decimal] | None = None
) -> list[LedgerLine]:
    """Every points-ledger line of one period."""
    lines: list[LedgerLine] = []
    sale_by_order = {r.values["order_id"]: r for r in data.sales}

    def team_of(rep_id: str) -> str:
        return data.reps[rep_id]["team_id"]

    # SALES: each sale (+) and each return (-, to the rep of the original sale).
    net_by_team: dict[str, Decimal] = defaultdict(Decimal)
    sellers: set[str] = set()
    for r in data.sales:
        if _period_of(r.values["txn_date"]) != period:
            continue
        rep_id, amount = r.values["rep_id"], r.values["amount"]
        lines.append(LedgerLine(period, rep_id, "SALES", round2(amount * CENT), r.key))
        net_by_team[team_of(rep_id)] += amount
        sellers.add(rep_id)
    for r in data.returns:
        if _period_of(r.values["txn_date"]) != period:
            continue
        rep_id = sale_by_order[r.values["order_id"]].values["rep_id"]
        amount = r.values["amount"]
        lines.append(LedgerLine(period, rep_id, "SALES", -round2(amount * CENT), r.key))
        net_by_team[team_of(rep_id)] -= amount

    # NEW_CUSTOMER: a customer's first-ever loaded sale (earliest date, then txn_id).
    first_sale: dict[str, Row] = {}
    for r in data.sales:
        customer = r.values["customer_id"]
        best = first_sale.get(customer)
        if best is None or (r.values["txn_date"], r.key) < (best.values["txn_date"], best.key):
            first_sale[customer] = r
    for r in first_sale.values():
        if _period_of(r.values["txn_date"]) == period:
            lines.append(
                LedgerLine(period, r.values["rep_id"], "NEW_CUSTOMER", NEW_CUSTOMER_POINTS, r.key)
            )

    # SATISFACTION: one line per survey, 0 included.
    scores: dict[str, list[int]] = defaultdict(list)
    for r in data.surveys:
        if _period_of(r.values["survey_date"]) != period:
            continue
        score = r.values["score"]
        scores[r.values["rep_id"]].append(score)
        lines.append(
            LedgerLine(
                period, r.values["rep_id"], "SATISFACTION", SATISFACTION_POINTS[score], r.key
            )
        )

    # SALES_CAP and QUALITY_GATE, from S = the rep's SALES lines of the period.
    sales_sum: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.rule_id == "SALES":
            sales_sum[line.rep_id] += line.points
    for rep_id, s in sorted(sales_sum.items()):
        if s > SALES_CAP:
            lines.append(LedgerLine(period, rep_id, "SALES_CAP", SALES_CAP - s))
    for rep_id, rep_scores in sorted(scores.items()):
        s = sales_sum.get(rep_id, Decimal(0))
        mean = Fraction(sum(rep_scores), len(rep_scores))  # exact
        if len(rep_scores) >= QUALITY_GATE_MIN_SURVEYS and mean < QUALITY_GATE_MEAN and s > 0:
            points = -round2(QUALITY_GATE_SHARE * min(s, SALES_CAP))
            lines.append(LedgerLine(period, rep_id, "QUALITY_GATE", points))

    # TEAM_BONUS: team net amount >= target -> +100 to members with a sale row.
    targets = team_targets or {}
    for rep_id in sorted(sellers):
        team = team_of(rep_id)
        target = targets.get(team, targets.get("*", DEFAULT_TEAM_TARGET))
        if net_by_team[team] >= target:
            lines.append(LedgerLine(period, rep_id, "TEAM_BONUS", TEAM_BONUS_POINTS))

    return lines


def tier_of(total: Decimal) -> tuple[str, str, Decimal] | None:
    for tier, lower, reward, cash in TIERS:
        if total >= lower:
            return tier, reward, cash
    return None


def _rank(totals: dict[str, Decimal]) -> dict[str, int]:
    """SQL RANK() over total descending: 1 + number of strictly greater totals."""
    return {k: 1 + sum(1 for other in totals.values() if other > v) for k, v in totals.items()}


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def compute(
    landing: Path,
    periods: list[str],
    *,
    team_targets: dict[str, Decimal] | None = None,
    skip_rejected: bool = False,
) -> OracleResult:
    """Compute the default program's expected outputs for `periods` from `landing`.

    A file that must be rejected whole raises RejectedFile (a close needing that source
    stops); with skip_rejected=True it is left out and listed in `result.rejected`.
    `team_targets` maps team_id (or '*') to a monthly target; default 300000 for all.
    """
    landing = Path(landing)
    rejected: list[tuple[str, str, str]] = []
    deliveries = {s: _read_source(landing, s, skip_rejected, rejected) for s in SOURCES}
    data = _validate(deliveries)

    quarantine = [
        QuarantineRow(r.source, r.file_name, r.row_number, r.reason)
        for s in SOURCES
        for r in sorted(data.rows[s], key=Row.order)
        if r.reason is not None
    ]
    read = {s: len(data.rows[s]) for s in SOURCES}
    deduplicated = {s: sum(r.deduplicated for r in data.rows[s]) for s in SOURCES}
    loaded = {s: sum(r.alive for r in data.rows[s]) for s in SOURCES}

    results: dict[str, dict[str, RepResult]] = {}
    rule_points: dict[str, dict[tuple[str, str], Decimal]] = {}
    rewards: dict[str, dict[str, tuple[str, str, Decimal]]] = {}
    for period in periods:
        first, last = _period_bounds(period)
        lines = ledger(data, period, team_targets)

        subtotals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for line in lines:
            subtotals[(line.rep_id, line.rule_id)] += line.points
        rule_points[period] = {k: round2(v) for k, v in subtotals.items()}

        # Reps active in the period, plus any other rep with ledger lines in it.
        members = {rep_id for rep_id, rep in data.reps.items() if _active_in(rep, first, last)}
        members |= {line.rep_id for line in lines}
        totals = {rep_id: Decimal("0.00") for rep_id in members}
        for line in lines:
            totals[line.rep_id] += line.points
        totals = {k: round2(v) for k, v in totals.items()}

        company_rank = _rank(totals)
        teams: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for rep_id, total in totals.items():
            teams[data.reps[rep_id]["team_id"]][rep_id] = total
        team_rank: dict[str, int] = {}
        for team_totals in teams.values():
            team_rank.update(_rank(team_totals))

        period_results = {}
        period_rewards = {}
        for rep_id in sorted(totals):
            reward = tier_of(totals[rep_id])
            period_results[rep_id] = RepResult(
                rep_id=rep_id,
                team_id=data.reps[rep_id]["team_id"],
                total_points=totals[rep_id],
                tier=reward[0] if reward else None,
                company_rank=company_rank[rep_id],
                team_rank=team_rank[rep_id],
            )
            if reward:
                period_rewards[rep_id] = reward
        results[period] = period_results
        rewards[period] = period_rewards

    return OracleResult(
        quarantine=quarantine,
        deduplicated=deduplicated,
        loaded=loaded,
        read=read,
        results=results,
        rule_points=rule_points,
        rewards=rewards,
        rejected=rejected,
    )
