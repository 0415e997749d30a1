"""The drawn rows as landing files, the way real exports arrive: CSV (two sales exporters, a
spreadsheet's BOM and CRLF for the customer master) and typed Parquet, each written with fixed
settings so the same rows give the same bytes."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from functools import cache
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.generate.draft import Draft
from orchestration.generate.members import member_rows
from orchestration.generate.redemptions import REDEMPTION_COLUMNS
from orchestration.generate.roster import rep_row
from orchestration.generate.rows import S_FILE, SALE_COLUMNS, SURVEY_COLUMNS
from schemas.contract import SPECS, SourceSpec

# Another sales exporter: other column order, whole amounts without decimals, an extra column.
SALES_ALT_COLUMNS = (
    "txn_date",
    "txn_id",
    "rep_id",
    "customer_id",
    "order_id",
    "txn_type",
    "currency",
    "amount",
    "channel",
)
CHANNELS = ("direct", "partner", "online")


class LandingFile(NamedTuple):
    source: str
    name: str
    data: bytes
    rows: int
    copy: bool  # a byte copy of another file under another name (the pipeline skips it)


def _arrow_type(spec: SourceSpec, column: str) -> pa.DataType:
    """Parquet is typed: dates date32, amounts decimal(12,2), scores int64, the rest text."""
    if column in spec.dates:
        return pa.date32()
    if column in spec.decimals:
        return pa.decimal128(12, 2)
    if column in spec.integers:
        return pa.int64()
    return pa.string()


@cache
def _arrow_schema(source: str) -> pa.Schema:
    spec = SPECS[source]
    return pa.schema([(column, _arrow_type(spec, column)) for column in spec.columns])


def _date_positions(spec: SourceSpec) -> tuple[int, ...]:
    return tuple(k for k, column in enumerate(spec.columns) if column in spec.dates)


def serialise(draft: Draft) -> list[LandingFile]:
    files = [
        *_reps_files(draft),
        *_customers_files(draft),
        *_sales_files(draft),
        *_surveys_files(draft),
    ]
    if draft.loyalty:
        files += [*_members_files(draft), *_redemptions_files(draft)]
    return files


def _reps_files(draft: Draft) -> list[LandingFile]:
    out = []
    for i, (_, start, _, _) in enumerate(draft.months):
        rows = [rep_row(p, i) for p in draft.people if p.first_snap <= i]
        rows = _insert(draft, rows, draft.rep_extra[i])
        out.append(_table(draft, "reps", f"reps_{draft.iso(start)}", i, rows))
    return out


def _customers_files(draft: Draft) -> list[LandingFile]:
    out = []
    for i, (ym, _, _, _) in enumerate(draft.months):
        custs = (draft.base_custs if i == 0 else []) + draft.new_custs[i] + draft.cust_updates[i]
        rows = [[c.cid, c.name, c.seg, c.region, c.created] for c in custs]
        rows = _insert(draft, rows, draft.cust_extra[i])
        out.append(_table(draft, "customers", f"customers_{ym}", i, rows, excel=(i == 0)))
    return out


def _sales_files(draft: Draft) -> list[LandingFile]:
    """One or two files a month ('a' CSV, 'b' Parquet); the first is also re-sent by mistake."""
    out = []
    for i, (ym, _, _, _) in enumerate(draft.months):
        for file in ("a", "b") if draft.has_b(i) else ("a",):
            rows = [r for r in draft.sales[i] if r[S_FILE] == file]
            rows += draft.trail_sales.get((i, file), [])
            name = f"sales_{ym}_{file}"
            if file == "b":
                out.append(
                    _parquet(draft, "sales", name, [[r[k] for k in SALE_COLUMNS] for r in rows])
                )
            else:
                out.append(_sales_csv(draft, name, rows, draft.alt_layout(i)))
            if i == 0 and file == "a":  # re-sent under another name: must be skipped
                src = out[-1]
                out.append(
                    LandingFile("sales", f"sales_{ym}_a_resend.csv", src.data, src.rows, True)
                )
    return out


def _surveys_files(draft: Draft) -> list[LandingFile]:
    out = []
    for i, (ym, _, _, _) in enumerate(draft.months):
        rows = [[r[k] for k in SURVEY_COLUMNS] for r in draft.surveys[i] + draft.trail_surveys[i]]
        out.append(_table(draft, "surveys", f"surveys_{ym}", i, rows))
    return out


def _members_files(draft: Draft) -> list[LandingFile]:
    """The loyalty system's member export: everyone first, then a month's changes."""
    out = []
    for i, (ym, _, _, _) in enumerate(draft.months):
        rows = _insert(draft, member_rows(draft, i), draft.member_extra[i], draft.loyalty_rng)
        out.append(_table(draft, "members", f"members_{ym}", i, rows))
    return out


def _redemptions_files(draft: Draft) -> list[LandingFile]:
    out = []
    for i, (ym, _, _, _) in enumerate(draft.months):
        rows = [[r[k] for k in REDEMPTION_COLUMNS] for r in draft.redemptions[i]]
        out.append(_table(draft, "redemptions", f"redemptions_{ym}", i, rows))
    return out


def _insert(
    draft: Draft, rows: list[list], extra: list[list], rng: random.Random | None = None
) -> list[list]:
    """Planted reference rows at random places (a pair may end up apart, as in life)."""
    rng = rng or draft.rng
    for row in extra:
        rows.insert(rng.randint(0, len(rows)), row)
    return rows


def _table(
    draft: Draft, source: str, stem: str, i: int, rows: list[list], excel: bool = False
) -> LandingFile:
    """Month i's file of a source: Parquet or CSV, as the source alternates."""
    if draft.is_parquet(i):
        return _parquet(draft, source, stem, rows)
    spec = SPECS[source]
    dates = _date_positions(spec)
    # The customer master comes from a spreadsheet: UTF-8 BOM and CRLF line ends.
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if excel else "\n")
    writer.writerow(spec.columns)
    iso = draft.iso
    for row in rows:
        writer.writerow(
            [
                iso(v) if type(v) is int and k in dates else ("" if v is None else v)
                for k, v in enumerate(row)
            ]
        )
    data = ("\ufeff" if excel else "") + buf.getvalue()
    return LandingFile(source, f"{stem}.csv", data.encode("utf-8"), len(rows), False)


def _sales_csv(draft: Draft, stem: str, rows: list[list], alt: bool) -> LandingFile:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SALES_ALT_COLUMNS if alt else SPECS["sales"].columns)
    iso, rng = draft.iso, draft.rng
    for r in rows:
        txn, kind, order, rep, cust, d, a, cur = (r[k] for k in SALE_COLUMNS)
        if type(d) is int:
            d = iso(d)
        if type(a) is int:  # the other exporter writes whole amounts without decimals
            a = str(a // 100) if alt and not a % 100 else f"{a // 100}.{a % 100:02d}"
        if alt:
            channel = CHANNELS[int(rng.random() * 3)]
            writer.writerow((d, txn, rep, cust, order, kind, cur, a, channel))
        else:
            writer.writerow((txn, kind, order, rep, cust, d, a, cur))
    return LandingFile("sales", f"{stem}.csv", buf.getvalue().encode("utf-8"), len(rows), False)


def _parquet(draft: Draft, source: str, stem: str, rows: list[list]) -> LandingFile:
    """Typed Parquet with fixed writer settings (no pandas metadata, no timestamps)."""
    schema = _arrow_schema(source)
    columns = []
    for k, field in enumerate(schema):
        values = [r[k] for r in rows]
        if pa.types.is_date32(field.type):
            values = [None if v is None else draft.as_date(_ordinal(v)) for v in values]
        elif pa.types.is_decimal(field.type):
            values = [Decimal(_ordinal(v)).scaleb(-2) for v in values]
        elif field.name in SPECS[source].optional:
            values = [v or None for v in values]  # an empty optional text is missing
        columns.append(pa.array(values, type=field.type))
    table = pa.Table.from_arrays(columns, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
    )
    return LandingFile(source, f"{stem}.parquet", sink.getvalue().to_pybytes(), len(rows), False)


def _ordinal(v: int) -> int:
    """A day ordinal or an amount in cents: a planted text cannot go into a typed column."""
    if type(v) is not int:
        raise TypeError(f"planted text {v!r} cannot go into a typed Parquet file")
    return v
