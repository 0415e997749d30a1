"""The loyalty rule book (``program: loyalty``): every bad field with its line, effective-dated
versions, the compiled seed ``loyalty_rulebooks`` (exact values), promotion and the CLI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from orchestration.cli.rules import rules_app
from orchestration.lib.workspace import Workspace
from orchestration.publish.store import RULEBOOK_SEEDS
from orchestration.rulebooks import (
    PromotionRefused,
    RulebookError,
    Severity,
    check_files,
    compile_files,
    compile_workspace,
    effective_spans,
    promote,
    read_loyalty_books,
    read_loyalty_folder,
    render_loyalty_seeds,
)
from orchestration.rulebooks.layout import REPO_RULEBOOKS, REPO_SEEDS
from orchestration.rulebooks.seeds import in_effect
from orchestration.trial.score import check_candidate

DEFAULT = REPO_RULEBOOKS / "2026.1.yaml"
LOYALTY = REPO_RULEBOOKS / "loyalty-2026.1.yaml"
runner = CliRunner()

BOOK = """\
# a loyalty book for the tests
program: loyalty
version: "loyalty-9.1"
effective_from: 2030-01-01
description: Test loyalty book
earn_amount: 10
welcome_points: 100
frequency_orders: 5
frequency_bonus: 50
redemption_unit: 100
unit_value: 10
monthly_limit: 5000
expiry_months: 12
"""


def write(folder: Path, text: str, name: str = "loyalty.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def book_with(old: str, new: str) -> str:
    assert BOOK.count(old) == 1, old
    return BOOK.replace(old, new)


def line_of(text: str, marker: str) -> int:
    (line,) = [n for n, row in enumerate(text.splitlines(), start=1) if row.startswith(marker)]
    return line


# The default book ------------------------------------------------------------------------------


def test_the_default_loyalty_book_is_the_contracts_program():
    report = check_files([DEFAULT, LOYALTY], against_reps=False)
    assert report.problems == []
    assert [book.version for book in report.books] == ["2026.1"]  # the sales program's
    (book,) = report.loyalty_books
    assert (book.version, book.effective_from) == ("loyalty-2026.1", date(2000, 1, 1))
    assert book.earn_amount == Decimal(10) and type(book.earn_amount) is Decimal
    assert book.unit_value == Decimal(10) and type(book.unit_value) is Decimal
    whole = {
        "welcome_points": 100,
        "frequency_orders": 5,
        "frequency_bonus": 50,
        "redemption_unit": 100,
        "monthly_limit": 5000,
        "expiry_months": 12,
    }
    assert {name: getattr(book, name) for name in whole} == whole
    assert all(type(getattr(book, name)) is int for name in whole)


def test_the_test_book_is_valid(tmp_path: Path):
    report = check_files([write(tmp_path, BOOK)], against_reps=False)
    assert report.problems == [] and len(report.loyalty_books) == 1 and report.books == []


# Every field: its problem, on its line -----------------------------------------------------------

BAD_FIELDS = [
    # (field line marker, replacement line, message)
    (
        "earn_amount:",
        "earn_amount: 0",
        "loyalty rule book loyalty-9.1 has an earn_amount 0; it must be more than 0: give the "
        "CNY of a purchase per point, e.g. 10",
    ),
    (
        "earn_amount:",
        "earn_amount: ten",
        "loyalty rule book loyalty-9.1 has an earn_amount 'ten' that is not a number; give the "
        "CNY of a purchase per point, e.g. 10",
    ),
    (
        "earn_amount:",
        "earn_amount: 10.005",
        "loyalty rule book loyalty-9.1 has an earn_amount 10.005 with more than 2 decimal "
        "places; use at most 2",
    ),
    (
        "earn_amount:",
        "earn_amount: [10]",
        "loyalty rule book loyalty-9.1 has a earn_amount that is a list; it must be a single value",
    ),
    (
        "welcome_points:",
        "welcome_points: -1",
        "loyalty rule book loyalty-9.1 has a negative welcome_points -1; it must be zero or "
        "more: give the points a new member gets, e.g. 100",
    ),
    (
        "welcome_points:",
        "welcome_points: 100.5",
        "loyalty rule book loyalty-9.1 has a welcome_points 100.5 that is not a whole number; "
        "give the points a new member gets, e.g. 100",
    ),
    (
        "frequency_orders:",
        "frequency_orders: 0",
        "loyalty rule book loyalty-9.1 has a frequency_orders 0; it must be more than 0: give "
        "the qualifying orders in a month that earn the bonus, e.g. 5",
    ),
    (
        "frequency_bonus:",
        "frequency_bonus: {points: 50}",
        "loyalty rule book loyalty-9.1 has a frequency_bonus that is a mapping (key: value "
        "pairs); it must be a single value",
    ),
    (
        "redemption_unit:",
        "redemption_unit: -100",
        "loyalty rule book loyalty-9.1 has a redemption_unit -100; it must be more than 0: give "
        "the points of one redemption unit, e.g. 100",
    ),
    (
        "unit_value:",
        "unit_value: 0.00",
        "loyalty rule book loyalty-9.1 has a unit_value 0.00; it must be more than 0: give the "
        "CNY one redemption unit is worth, e.g. 10",
    ),
    (
        "monthly_limit:",
        "monthly_limit: 3000000000",
        "loyalty rule book loyalty-9.1 has a monthly_limit 3000000000 that is too large (at "
        "most 2147483647)",
    ),
    (
        "monthly_limit:",
        "monthly_limit: 50",
        "the monthly_limit 50 is less than one redemption_unit (100 points): no redemption could "
        "ever be accepted",
    ),
    (
        "expiry_months:",
        "expiry_months: 1.5",
        "loyalty rule book loyalty-9.1 has an expiry_months 1.5 that is not a whole number; give "
        "the months after the month earned that points expire, e.g. 12",
    ),
    (
        "expiry_months:",
        "expiry_months:",
        "the loyalty rule book has no expiry_months; give the months after the month "
        "earned that points expire, e.g. 12",
    ),
    (
        "effective_from:",
        "effective_from: 2030-02-30",
        "loyalty rule book loyalty-9.1 has a effective_from '2030-02-30' that is not a date; "
        "write it as YYYY-MM-DD",
    ),
    (
        "version:",
        'version: "loyalty 9.1"',
        "the version label 'loyalty 9.1' is not valid; use letters, digits, '.', '-' or '_' "
        "(e.g. loyalty-2026.2): it also names the promoted file",
    ),
    (
        "program:",
        "program: loyality",
        "the program 'loyality' is not known: a loyalty rule book says `program: loyalty`; a "
        "sales rule book has no program field",
    ),
    (
        "unit_value:",
        "unit_value: 10\nearn_rate: 10",
        "the loyalty rule book has an unknown field 'earn_rate'; a loyalty rule book has the "
        "fields program, version, effective_from, description, earn_amount, welcome_points, "
        "frequency_orders, frequency_bonus, redemption_unit, unit_value, monthly_limit, "
        "expiry_months, language",
    ),
]


@pytest.mark.parametrize(("marker", "replacement", "message"), BAD_FIELDS)
def test_a_bad_field_is_reported_on_its_line(
    tmp_path: Path, marker: str, replacement: str, message: str
):
    old = next(row for row in BOOK.splitlines() if row.startswith(marker))
    text = book_with(old, replacement)
    report = check_files([write(tmp_path, text)], against_reps=False)
    (problem,) = report.errors
    name = replacement.splitlines()[-1].split(":")[0]
    assert (problem.line, problem.path, problem.message) == (line_of(text, name), name, message)
    assert str(problem).startswith(f"{tmp_path / 'loyalty.yaml'} line {problem.line} ({name}): ")


@pytest.mark.parametrize("name", ["earn_amount", "monthly_limit", "description", "program"])
def test_a_missing_field_is_reported_at_the_start_of_the_book(tmp_path: Path, name: str):
    old = next(row for row in BOOK.splitlines() if row.startswith(f"{name}:"))
    text = book_with(old + "\n", "")
    if name == "program":  # without it the book is a sales book: the sales checks judge it
        report = check_files([write(tmp_path, text)], against_reps=False)
        assert report.loyalty_books == [] and not report.ok
        assert any("unknown field 'earn_amount'" in p.message for p in report.errors)
        return
    (problem,) = check_files([write(tmp_path, text)], against_reps=False).errors
    assert (problem.line, problem.path) == (2, name)  # the book's first field
    assert problem.message.startswith(f"the loyalty rule book has no {name}; give ")


def test_zero_welcome_points_and_bonus_are_allowed(tmp_path: Path):
    text = book_with("welcome_points: 100", "welcome_points: 0")
    text = text.replace("frequency_bonus: 50", "frequency_bonus: 0")
    report = check_files([write(tmp_path, text)], against_reps=False)
    assert report.problems == []
    (book,) = report.loyalty_books
    assert (book.welcome_points, book.frequency_bonus) == (0, 0)


def test_warnings_a_mid_month_start_and_a_limit_off_the_unit(tmp_path: Path):
    text = book_with("effective_from: 2030-01-01", "effective_from: 2030-01-15")
    text = text.replace("monthly_limit: 5000", "monthly_limit: 5050")
    report = check_files([write(tmp_path, text)], against_reps=False)
    assert report.ok
    assert [(p.severity, p.line, p.path) for p in report.problems] == [
        (Severity.WARNING, line_of(text, "effective_from"), "effective_from"),
        (Severity.WARNING, line_of(text, "monthly_limit"), "monthly_limit"),
    ]
    assert "at most 5000 points can be redeemed in a month" in report.problems[1].message


def test_several_problems_are_all_reported(tmp_path: Path):
    text = book_with("earn_amount: 10", "earn_amount: -1").replace(
        "expiry_months: 12", "expiry_months: twelve"
    )
    report = check_files([write(tmp_path, text)], against_reps=False)
    assert [(p.line, p.path) for p in report.errors] == [
        (line_of(text, "earn_amount"), "earn_amount"),
        (line_of(text, "expiry_months"), "expiry_months"),
    ]


# Versions: labels and effective dates ------------------------------------------------------------


def test_two_loyalty_versions_on_the_same_day_clash(tmp_path: Path):
    second = write(tmp_path, BOOK.replace("loyalty-9.1", "loyalty-9.2"), "second.yaml")
    report = check_files([write(tmp_path, BOOK), second], against_reps=False)
    (problem,) = report.errors
    assert (problem.file, problem.path) == (str(second), "effective_from")
    assert problem.message.startswith(
        "loyalty version loyalty-9.2 takes effect on 2030-01-01, the same day as loyalty "
        "version loyalty-9.1"
    )


def test_a_label_is_unique_across_both_programs(tmp_path: Path):
    clash = write(tmp_path, BOOK.replace('"loyalty-9.1"', '"2026.1"'))
    (problem,) = check_files([DEFAULT, clash], against_reps=False).errors
    assert (problem.file, problem.line, problem.path) == (str(clash), 3, "version")
    assert "version 2026.1 is also defined in rulebooks/2026.1.yaml (line 3)" in problem.message


def test_a_loyalty_and_a_sales_version_may_start_on_the_same_day(tmp_path: Path):
    same_day = write(tmp_path, BOOK.replace("2030-01-01", "2000-01-01"))
    assert check_files([DEFAULT, same_day], against_reps=False).problems == []


def test_two_effective_dated_versions_compile_and_apply_by_date(tmp_path: Path):
    later = write(
        tmp_path,
        book_with("earn_amount: 10", "earn_amount: 12.5").replace(
            "monthly_limit: 5000", "monthly_limit: 3000"
        ),
    )
    out = compile_files([DEFAULT, later, LOYALTY], tmp_path / "seeds")
    assert out.loyalty_versions == ["loyalty-2026.1", "loyalty-9.1"]
    assert out.versions == ["2026.1"]
    books = read_loyalty_folder(out.folder)
    assert in_effect(books, date(2029, 12, 31)).version == "loyalty-2026.1"
    assert in_effect(books, date(2030, 1, 1)).monthly_limit == 3000
    assert in_effect(books, date(2030, 1, 1)).earn_amount == Decimal("12.5")
    assert in_effect(books, date(1999, 12, 31)) is None
    spans = [(book.version, until) for book, until in effective_spans(books)]
    assert spans == [("loyalty-2026.1", date(2029, 12, 31)), ("loyalty-9.1", None)]


# The compiled seed -------------------------------------------------------------------------------


def test_the_seed_holds_exact_values_never_floats(tmp_path: Path):
    text = book_with("unit_value: 10", "unit_value: 0.1").replace(
        "earn_amount: 10", "earn_amount: 9.99"
    )
    out = compile_files([write(tmp_path, text)], tmp_path / "seeds")
    csv_text = (out.folder / "loyalty_rulebooks.csv").read_text()
    assert csv_text.splitlines()[1] == (
        "loyalty-9.1,2030-01-01,9.99,100,5,50,100,0.10,5000,12,Test loyalty book"
    )
    (book,) = read_loyalty_folder(out.folder)
    assert type(book.earn_amount) is Decimal and book.earn_amount == Decimal("9.99")
    assert type(book.unit_value) is Decimal and book.unit_value == Decimal("0.10")
    assert type(book.monthly_limit) is int
    # loaded with the column types dbt declares (seeds/_rulebook.yml): DECIMAL, INTEGER, DATE
    schema = yaml.safe_load((REPO_SEEDS / "_rulebook.yml").read_text())
    (seed,) = [seed for seed in schema["seeds"] if seed["name"] == "loyalty_rulebooks"]
    types = seed["config"]["column_types"]
    row = duckdb.execute(
        "select * from read_csv(?, header = true, columns = ?)",
        [str(out.folder / "loyalty_rulebooks.csv"), types],
    ).fetchone()
    values = dict(zip(types, row, strict=True))
    assert values["earn_amount"] == Decimal("9.99") and type(values["earn_amount"]) is Decimal
    assert values["unit_value"] == Decimal("0.10") and type(values["unit_value"]) is Decimal
    assert values["effective_from"] == date(2030, 1, 1)
    whole = ("welcome_points", "frequency_orders", "frequency_bonus", "redemption_unit")
    assert all(type(values[name]) is int for name in (*whole, "monthly_limit", "expiry_months"))


def test_the_repository_seed_is_the_compile_of_the_loyalty_book():
    report = check_files(sorted(REPO_RULEBOOKS.glob("*.yaml")), against_reps=False)
    assert report.ok and [book.version for book in report.loyalty_books] == ["loyalty-2026.1"]
    for name, content in render_loyalty_seeds(report.loyalty_books).items():
        assert (REPO_SEEDS / name).read_bytes() == content, (
            f"seeds/{name} is out of date: run `jifen rules compile --repository`"
        )
    (book,) = read_loyalty_books()  # the repository's seeds
    assert (book.version, book.earn_amount, book.redemption_unit) == (
        "loyalty-2026.1",
        Decimal("10.00"),
        100,
    )


def test_without_a_loyalty_book_the_seed_has_its_header_only(tmp_path: Path):
    out = compile_files([DEFAULT], tmp_path / "seeds")
    assert out.loyalty_versions == []
    assert (out.folder / "loyalty_rulebooks.csv").read_text().splitlines() == [
        "rulebook_version,effective_from,earn_amount,welcome_points,frequency_orders,"
        "frequency_bonus,redemption_unit,unit_value,monthly_limit,expiry_months,description"
    ]


def test_the_sales_input_fingerprint_leaves_the_loyalty_seed_out():
    assert "loyalty_rulebooks" not in RULEBOOK_SEEDS


def test_a_bad_loyalty_book_stops_the_compile_of_both_programs(tmp_path: Path):
    bad = write(tmp_path, book_with("expiry_months: 12", "expiry_months: 0"))
    with pytest.raises(RulebookError) as refused:
        compile_files([DEFAULT, bad], tmp_path / "seeds")
    assert [(p.line, p.path) for p in refused.value.problems] == [(13, "expiry_months")]
    assert not (tmp_path / "seeds").exists()


def test_the_workspace_compile_writes_its_loyalty_books(workspace: Workspace):
    workspace.rulebooks.mkdir(parents=True)
    write(workspace.rulebooks, BOOK, "loyalty-9.1.yaml")
    seeds = compile_workspace(workspace)
    assert [book.version for book in read_loyalty_books(workspace)] == [
        "loyalty-2026.1",
        "loyalty-9.1",
    ]
    assert (seeds / "rulebooks.csv").read_text().splitlines()[1].startswith("2026.1,")


# Promotion, the CLI and the trial --------------------------------------------------------------


def _publish(workspace: Workspace, *periods: str) -> None:
    con = duckdb.connect(str(workspace.published_db))
    con.execute("create table publications (period varchar, version integer)")
    con.executemany("insert into publications values (?, 1)", [[p] for p in periods])
    con.close()


def test_promote_a_loyalty_candidate(workspace: Workspace, tmp_path: Path):
    candidate = write(tmp_path, book_with("monthly_limit: 5000", "monthly_limit: 4000"))
    _publish(workspace, "2026-09")
    with pytest.raises(PromotionRefused, match="period 2026-09 is closed"):
        promote(workspace, candidate, date(2026, 9, 1), version="loyalty-2026.2")
    with pytest.raises(PromotionRefused, match="version loyalty-2026.1 already exists"):
        promote(workspace, candidate, date(2026, 11, 1), version="loyalty-2026.1")
    with pytest.raises(PromotionRefused, match="version 2026.1 already exists"):
        promote(workspace, candidate, date(2026, 11, 1), version="2026.1")
    done = promote(workspace, candidate, date(2026, 10, 1), version="loyalty-2026.2")
    assert done.path == workspace.rulebooks / "loyalty-2026.2.yaml"
    assert done.report.problems == []  # no note about teams and roles: a loyalty book has none
    assert done.compiled.loyalty_versions == ["loyalty-2026.1", "loyalty-2026.2"]
    books = read_loyalty_books(workspace)
    assert in_effect(books, date(2026, 10, 1)).monthly_limit == 4000
    assert in_effect(books, date(2026, 9, 30)).monthly_limit == 5000


def test_cli_check_and_list_loyalty_books(workspace: Workspace, tmp_path: Path):
    home = ["--home", str(workspace.home)]
    ok = runner.invoke(rules_app, ["check", str(LOYALTY), *home])
    assert ok.exit_code == 0, ok.output
    assert "loyalty rule book loyalty-2026.1" in ok.output and "monthly_limit" in ok.output
    bad = write(tmp_path, book_with("frequency_orders: 5", "frequency_orders: five"))
    failed = runner.invoke(rules_app, ["check", str(bad), *home])
    assert failed.exit_code == 1
    assert f"error {bad} line 8 (frequency_orders): " in " ".join(failed.output.split())
    clash = write(tmp_path, BOOK.replace("2030-01-01", "2000-01-01"), "clash.yaml")
    clashed = runner.invoke(rules_app, ["check", str(clash), *home])
    assert clashed.exit_code == 1 and "the same day as loyalty version loyalty-2026.1" in (
        " ".join(clashed.output.split())
    )
    listed = runner.invoke(rules_app, ["list", *home])
    assert listed.exit_code == 0 and "loyalty-2026.1" in listed.output


def test_the_trial_takes_a_loyalty_candidate(workspace: Workspace):
    """Compared with the live loyalty books (tests/test_loyalty_trial.py)."""
    candidate = check_candidate(LOYALTY, workspace)
    assert (candidate.program, candidate.book.version) == ("loyalty", "loyalty-2026.1")
