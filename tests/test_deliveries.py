"""Every delivery is read or refused out loud: compressed CSV, Excel workbooks, typed numbers by
their exact value, and every file under landing/ that no source reads (docs/workspace.md)."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import HEADERS, write_csv
from markupsafe import escape
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.ingest.landing import ingest_source
from orchestration.ingest.numbers import float_text, plain_notation
from orchestration.ingest.reader import sha256_of
from orchestration.ingest.unread import unread_files
from orchestration.lib.workspace import SOURCES, Workspace
from orchestration.validate.engine import validate_all
from orchestration.warehouse.duckdb import connect

runner = CliRunner()

SALES = [
    ["S1", "sale", "O1", "R1", "C1", "2026-07-02", "12.50", "CNY"],
    ["S2", "sale", "O2", "R2", "C2", "2026-07-03", "99", "CNY"],
    ["S3", "sale", "O3", "R1", "C1", "2026-07-04", "12,5", "CNY"],  # bad_type
    ["S4", "sale", "O4", "R2", "C2", "2026-07-05", "0.001", "CNY"],  # bad_amount
    ["S5", "sale", "O5", "R1", "C2", "2026-07-06", "40.1", "CNY"],
]


def loaded(workspace):
    """Ingest and validate everything landed: the ingest reports, every sales row's outcome by
    (file, row number), the loaded amounts' total and the recorded file formats."""
    with connect(workspace) as wh:
        reports = {source: ingest_source(workspace, wh, source, "test") for source in SOURCES}
        validate_all(wh)
        outcomes = {
            (file, row): (status, reason, detail)
            for file, row, status, reason, detail in wh.rows(
                "select source_file, row_number, status, reason, detail from row_outcomes "
                "where source = 'sales'"
            )
        }
        total = wh.value("select sum(amount) from validated_sales")
        formats = dict(
            wh.rows("select source_file, file_format from ingested_files where source = 'sales'")
        )
        hashes = dict(
            wh.rows("select source_file, file_hash from ingested_files where source = 'sales'")
        )
    return reports, outcomes, total, formats, hashes


def by_row(outcomes: dict, name: str) -> dict:
    return {row: outcome for (file, row), outcome in outcomes.items() if file == name}


def csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    lines = [",".join(header or HEADERS["sales"]), *(",".join(f'"{v}"' for v in r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def twin(workspace: Workspace, home: Path) -> Workspace:
    """Another workspace with the same reps and customers, for a delivery sent another way."""
    other = Workspace.at(home).prepare().create_landing()
    for source in ("reps", "customers"):
        for path in workspace.landing_dir(source).iterdir():
            (other.landing_dir(source) / path.name).write_bytes(path.read_bytes())
    return other


def write_zstd(path: Path, data: bytes) -> None:
    with pa.output_stream(str(path), compression="zstd") as out:
        out.write(data)


# compressed CSV ---------------------------------------------------------------------------------

COMPRESSORS = {
    ".csv.gz": lambda path, data: path.write_bytes(gzip.compress(data)),
    ".csv.zst": write_zstd,
    ".csv.bz2": lambda path, data: path.write_bytes(bz2.compress(data)),
}


@pytest.mark.parametrize("ending", list(COMPRESSORS))
def test_a_compressed_csv_loads_the_same_rows_as_the_plain_csv(base_landing, tmp_path, ending):
    data = csv_bytes(SALES)
    (base_landing.landing_dir("sales") / "sales.csv").write_bytes(data)
    _, plain, plain_total, _, _ = loaded(base_landing)

    other = twin(base_landing, tmp_path / "other")
    compressed = other.landing_dir("sales") / f"sales{ending}"
    COMPRESSORS[ending](compressed, data)
    reports, outcomes, total, formats, hashes = loaded(other)

    assert reports["sales"].loaded_files == [(compressed.name, len(SALES))]
    assert by_row(outcomes, compressed.name) == by_row(plain, "sales.csv")  # same row numbers
    assert by_row(outcomes, compressed.name)[3][1] == "bad_type"
    assert total == plain_total == Decimal("151.60")
    assert formats[compressed.name] == ending[1:]
    assert hashes[compressed.name] == sha256_of(compressed)  # the bytes as landed
    assert sha256_of(compressed) != sha256_of(base_landing.landing_dir("sales") / "sales.csv")


def test_row_numbers_count_lines_of_the_decompressed_text(base_landing):
    # a quoted value spanning two lines is one row: row numbers are rows, as in a plain CSV
    rows = [SALES[0], ["S9", "sale", "O9", "R1", "C1", "2026-07-02", "5", "CNY"], SALES[1]]
    data = csv_bytes(rows).replace(b'"O9"', b'"O9\nsecond line"')
    (base_landing.landing_dir("sales") / "sales.csv.gz").write_bytes(gzip.compress(data))
    _, outcomes, _, _, _ = loaded(base_landing)
    assert sorted(by_row(outcomes, "sales.csv.gz")) == [1, 2, 3]


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("truncated.csv.gz", gzip.compress(csv_bytes(SALES * 40))[:200], "Truncated"),
        ("plain_text.csv.gz", csv_bytes(SALES), "incorrect header check"),
        ("garbage.csv.zst", b"not zstd at all", "ZSTD decompress failed"),
    ],
)
def test_a_corrupt_archive_is_rejected_whole_by_name(base_landing, name, content, problem):
    (base_landing.landing_dir("sales") / name).write_bytes(content)
    reports, outcomes, _, _, _ = loaded(base_landing)
    [rejected] = reports["sales"].rejected
    message = str(rejected)
    assert name in message and "cannot be decompressed" in message and problem in message
    assert not by_row(outcomes, name)


def test_a_compressed_csv_is_judged_like_a_plain_one(base_landing):
    # not UTF-8 inside the archive: the same rejection as a plain file, naming the archive
    data = csv_bytes(SALES[:1]) + b"S2,sale,O2,R1,\xe9,2026-07-01,10,CNY\n"
    (base_landing.landing_dir("sales") / "latin1.csv.gz").write_bytes(gzip.compress(data))
    reports, _, _, _, _ = loaded(base_landing)
    [rejected] = reports["sales"].rejected
    assert "latin1.csv.gz" in str(rejected)
    assert "not UTF-8 text: invalid bytes on line 3" in str(rejected)


# Excel workbooks --------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def store_exactly(path: Path, written: str, exact: str) -> None:
    """openpyxl writes 16 significant digits; Excel stores (and writes) the double exactly."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            if name.startswith("xl/worksheets/"):
                data = data.replace(f"<v>{written}</v>".encode(), f"<v>{exact}</v>".encode())
            target.writestr(name, data)


def typed(row: list[str]) -> list:
    """A sales row as a person keys it into Excel: a date cell, a number cell, text."""
    txn_id, kind, order, rep, customer, day, amount, currency = row
    try:
        number = float(amount)
    except ValueError:
        number = amount  # text that is not a number stays text ("12,5")
    return [txn_id, kind, order, rep, customer, dt.date.fromisoformat(day), number, currency]


def test_an_xlsx_with_date_number_and_text_cells_loads_like_the_csv(base_landing, tmp_path):
    write_csv(base_landing, "sales", "sales.csv", SALES)
    _, plain, plain_total, _, _ = loaded(base_landing)

    other = twin(base_landing, tmp_path / "other")
    write_xlsx(
        other.landing_dir("sales") / "sales.xlsx",
        {"notes": [["not the data"]], "Sales": [HEADERS["sales"], *map(typed, SALES)]},
    )
    reports, outcomes, total, formats, _ = loaded(other)

    assert reports["sales"].loaded_files == [("sales.xlsx", len(SALES))]
    assert {row: o[:2] for row, o in by_row(outcomes, "sales.xlsx").items()} == {
        row: o[:2] for row, o in by_row(plain, "sales.csv").items()
    }
    assert total == plain_total == Decimal("151.60")
    assert formats["sales.xlsx"] == "xlsx (sheet Sales)"  # the sheet named after the source


def test_xlsx_cells_are_judged_by_their_exact_value(base_landing):
    rows = [
        ["X1", "sale", "O1", "R1", "C1", dt.date(2026, 7, 2), 0.3, "CNY"],  # stored 0.1 + 0.2
        ["X2", "sale", "O2", "R1", "C1", dt.datetime(2026, 7, 2, 9, 30), 10, "CNY"],
        ["X3", "sale", "O3", "R1", "C1", "2026-07-02", "12.50", "CNY"],  # text cells
        [None] * 8,  # an empty row between data rows is a row (of missing values)
        ["X5", "sale", "O5", "R2", "C2", dt.date(2026, 7, 3), 4.0, "CNY"],
        [""] * 8,  # empty rows after the last filled one are not rows
    ]
    book = {"Sheet1": [HEADERS["sales"], *rows]}
    path = write_xlsx(base_landing.landing_dir("sales") / "book.xlsx", book)
    store_exactly(path, "0.3", "0.30000000000000004")
    _, outcomes, total, formats, _ = loaded(base_landing)
    got = by_row(outcomes, "book.xlsx")
    assert sorted(got) == [1, 2, 3, 4, 5]  # row_number + 1 is the sheet's row
    assert got[1][:2] == ("quarantined", "bad_amount")
    assert "amount must be > 0 with at most 2 places" in got[1][2]
    assert got[2][:2] == ("quarantined", "bad_type")  # a timestamp is not a date
    assert got[3][:2] == ("loaded", None) and got[5][:2] == ("loaded", None)
    assert got[4][:2] == ("quarantined", "missing_field")
    assert total == Decimal("16.50")  # 12.50 + 4
    assert formats["book.xlsx"] == "xlsx (sheet Sheet1)"  # no sheet named sales: the first


@pytest.mark.parametrize(
    "sheets, problem",
    [
        ({"sales": [["txn_id", "amount"], ["X1", 1]]}, "missing required column(s) txn_type"),
        ({"sales": []}, "empty file (sheet sales): no header row"),
    ],
)
def test_an_xlsx_without_the_header_is_rejected_naming_the_sheet(base_landing, sheets, problem):
    write_xlsx(base_landing.landing_dir("sales") / "bad.xlsx", sheets)
    reports, _, _, _, _ = loaded(base_landing)
    [rejected] = reports["sales"].rejected
    assert "bad.xlsx" in str(rejected) and problem in str(rejected)
    assert "(sheet sales)" in str(rejected)


def test_a_file_named_xlsx_that_is_no_workbook_is_rejected(base_landing):
    (base_landing.landing_dir("sales") / "fake.xlsx").write_text("txn_id,amount\n")
    reports, _, _, _, _ = loaded(base_landing)
    [rejected] = reports["sales"].rejected
    assert "fake.xlsx" in str(rejected)
    assert "cannot be read as an Excel workbook" in str(rejected)


# typed numbers ----------------------------------------------------------------------------------


def test_parquet_doubles_are_judged_by_their_shortest_round_trip_text(base_landing):
    columns = {name: [row[i] for row in SALES[:4]] for i, name in enumerate(HEADERS["sales"])}
    columns["amount"] = [4.0, 0.1 + 0.2, 123456789012.5, 1e16]
    table = pa.table(columns).rename_columns([f" {name} " for name in HEADERS["sales"]])
    pq.write_table(table, base_landing.landing_dir("sales") / "typed.parquet")
    reports, outcomes, total, _, _ = loaded(base_landing)
    assert reports["sales"].rejected == []  # header names are trimmed, as in a CSV
    got = by_row(outcomes, "typed.parquet")
    assert got[1][:2] == ("loaded", None)  # 4.0 is 4
    assert got[2][:2] == ("quarantined", "bad_amount")  # 0.30000000000000004
    assert "amount must be > 0 with at most 2 places" in got[2][2]
    assert got[3][:2] == ("loaded", None)  # written out in full, not 1.234567890125e+11
    assert got[4][:2] == ("quarantined", "bad_amount")  # 10^16 does not fit DECIMAL(18,2)
    assert total == Decimal("123456789016.50")


def test_parquet_decimals_are_judged_by_value(base_landing):
    columns = {name: [row[i] for row in SALES[:3]] for i, name in enumerate(HEADERS["sales"])}
    columns["amount"] = pa.array(
        [Decimal("12.5000"), Decimal("0.0010"), Decimal("7.10")], pa.decimal128(12, 4)
    )
    pq.write_table(pa.table(columns), base_landing.landing_dir("sales") / "decimal.parquet")
    _, outcomes, total, _, _ = loaded(base_landing)
    got = by_row(outcomes, "decimal.parquet")
    assert [got[row][:2] for row in (1, 2, 3)] == [
        ("loaded", None),
        ("quarantined", "bad_amount"),
        ("loaded", None),
    ]
    assert total == Decimal("19.60")


@pytest.mark.parametrize(
    "value, text",
    [
        (4.0, "4"),
        (19.99, "19.99"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e16, "10000000000000000"),
        (1e-05, "0.00001"),
        (123456789012.5, "123456789012.5"),
        (-0.0, "-0"),
    ],
)
def test_parquet_and_excel_numbers_get_the_same_text(value, text):
    assert float_text(value) == text
    arrow = plain_notation(pa.chunked_array([pa.array([value]).cast(pa.string())]))
    assert arrow.to_pylist() == [text]


# files no source reads --------------------------------------------------------------------------


def land_strays(workspace) -> None:
    (workspace.landing / "stray.csv").write_text("txn_id\n")
    (workspace.landing / "sale").mkdir()
    (workspace.landing / "sale" / "sales_2026-07.csv").write_text("txn_id\n")
    (workspace.landing_dir("sales") / "notes.txt").write_text("call Bo")
    (workspace.landing_dir("sales") / "archive").mkdir()
    (workspace.landing_dir("sales") / "archive" / "old.csv").write_text("txn_id\n")
    (workspace.landing / "empty_folder").mkdir()  # no file: nothing to list


def test_every_file_no_source_reads_is_listed_with_the_reason(base_landing):
    land_strays(base_landing)
    write_csv(base_landing, "sales", "sales.csv", SALES)
    found = {unread.path: unread.reason for unread in unread_files(base_landing)}
    assert found == {
        "sale/sales_2026-07.csv": "no source reads the folder sale/ (did you mean sales/?); "
        "sources: " + ", ".join(SOURCES),
        "sales/archive/old.csv": "in a sub-folder of sales/: only files directly in "
        "landing/sales/ are read",
        "sales/notes.txt": "not a format jifen reads (.csv, .csv.gz, .csv.zst, .csv.bz2, "
        ".parquet, .pq, .xlsx): land it comma-separated, as .csv",
        "stray.csv": "in landing/ itself: a delivery goes in its source's folder, "
        "landing/<source>/",
    }
    reports, _, _, _, _ = loaded(base_landing)  # the ingest reads around them
    assert reports["sales"].loaded_files == [("sales.csv", len(SALES))]
    assert reports["sales"].ignored == ["notes.txt"]


@pytest.mark.parametrize("how", ["--strict", "settings.toml"])
def test_unread_files_stop_a_strict_close_with_the_list(base_landing, how):
    land_strays(base_landing)
    args = ["close", "2026-07", "--home", str(base_landing.home)]
    if how == "--strict":
        args.append("--strict")
    else:
        base_landing.settings_file.write_text("strict_landing = true\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "close of 2026-07 stopped; nothing was published." in output
    assert "4 file(s) under landing/ are not read by any source" in output
    for path in ("stray.csv", "sale/sales_2026-07.csv", "sales/notes.txt", "sales/archive/old.csv"):
        assert f"landing/{path}:" in output
    assert not base_landing.warehouse.exists()  # stopped before anything ran


def test_a_bad_settings_file_is_named(base_landing):
    base_landing.settings_file.write_text("strict_landing = 'yes'\n")
    result = runner.invoke(app, ["close", "2026-07", "--home", str(base_landing.home)])
    assert result.exit_code == 1
    # the console wraps long paths anywhere: compare the text without its line breaks
    assert "settings.toml: strict_landing must be true or false, not 'yes'" in "".join(
        result.output.splitlines()
    )


def test_files_not_read_are_listed_by_the_close_recorded_reported_and_verified(base_landing):
    """Through the real close: its summary, the version's recorded inputs (with each file's
    SHA-256), the close report and `jifen status` list every unread file; `jifen verify` still
    reproduces the version."""
    write_csv(base_landing, "sales", "sales.csv", [SALES[0], SALES[1]])
    land_strays(base_landing)
    home = ["--home", str(base_landing.home)]
    unread = {u.path: u for u in unread_files(base_landing)}

    closed = runner.invoke(app, ["close", "2026-07", *home])
    assert closed.exit_code == 0, closed.output
    summary = " ".join(closed.output.split())
    assert "not read: 4 file(s) under landing/ that no source reads" in summary
    assert "version 1 published" in summary

    with connect(base_landing, read_only=True) as wh:
        recorded = dict(
            wh.rows(
                "select source_file, file_hash from published.publication_inputs "
                "where source = '(not read)'"
            )
        )
        read = wh.rows("select source, source_file from published.publication_inputs")
    assert recorded == {path: sha256_of(base_landing.landing / path) for path in unread}
    assert ("sales", "sales.csv") in read

    report = (base_landing.reports_dir / "close-2026-07.html").read_text(encoding="utf-8")
    section = report[report.index('id="not-read"') : report.index('id="publication-record"')]
    for path, file in unread.items():
        assert f"landing/{path}" in section and recorded[path] in section
        assert escape(file.reason) in section  # as the page's templates escape it

    status = runner.invoke(app, ["status", *home])
    assert status.exit_code == 0, status.output
    listed = " ".join(status.output.split())
    assert "not read: 4 file(s)" in listed
    assert all(f"landing/{path}" in listed.replace(" ", "") for path in unread)

    verified = runner.invoke(app, ["verify", "2026-07", *home])
    assert verified.exit_code == 0, verified.output
    assert "identical" in verified.output
