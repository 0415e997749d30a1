"""Rule books as YAML: every problem with its line and message, the compiler, promotion, CLI."""

from __future__ import annotations

import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from orchestration.audit.readme import KIND_ORDER as audit_kind_order
from orchestration.audit.readme import STEPS as audit_steps
from orchestration.cli.rules import rules_app
from orchestration.lib.workspace import Workspace
from orchestration.reports.rulebook import KIND_ORDER as reports_kind_order
from orchestration.rulebooks import (
    PromotionRefused,
    RulebookError,
    Severity,
    check_files,
    check_in_workspace,
    compile_files,
    compile_workspace,
    list_versions,
    promote,
    render_seeds,
    rulebook_files,
)
from orchestration.rulebooks.layout import REPO_RULEBOOKS, REPO_SEEDS, SEED_COLUMNS
from orchestration.rulebooks.model import KIND_FIELDS, RULE_KINDS
from orchestration.rulebooks.parse.kinds import PARAMETER_READERS
from orchestration.rulebooks.seeds import in_effect, read_folder

FIXTURES = Path(__file__).parent / "fixtures" / "rulebooks"
DEFAULT = REPO_RULEBOOKS / "2026.1.yaml"
CANDIDATE = REPO_RULEBOOKS / "examples" / "2026.2-candidate.yaml"
LOYALTY = REPO_RULEBOOKS / "loyalty-2026.1.yaml"
runner = CliRunner()

SKELETON = """\
version: "9.1"
effective_from: 2030-01-01
currency: CNY
description: Test book
rules:
  - id: SALES
    kind: amount_rate
    rate: 0.01
    description: Sales
  - id: SALES_CAP
    kind: cap
    family: [SALES]
    limit: 3000
    description: Cap
{rules}
tiers:
{tiers}
rewards:
  bronze: {{reward: gift card, cash_value: 300}}
  gold: {{reward: cash bonus, cash_value: 3000}}
{extra}"""
TIERS = """\
  - {tier: bronze, from: 300, below: 1500}
  - {tier: gold, from: 1500}"""


def book_text(rules: str = "", tiers: str = TIERS, extra: str = "", **replace: str) -> str:
    text = SKELETON.format(rules=rules.rstrip("\n"), tiers=tiers, extra=extra)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def write(tmp_path: Path, text: str, name: str = "book.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(lines) == 1, f"marker {marker!r} is on lines {lines}"
    return lines[0]


def only_error(path: Path) -> tuple[int | None, str, str]:
    report = check_files([path], against_reps=False)
    assert len(report.errors) == 1, [str(p) for p in report.errors]
    problem = report.errors[0]
    return problem.line, problem.path, problem.message


# Valid books -------------------------------------------------------------------------------------


def test_the_default_and_the_candidate_books_are_valid():
    report = check_files([DEFAULT, CANDIDATE], against_reps=False)
    assert report.problems == []
    default, candidate = report.books
    assert (default.version, default.effective_from) == ("2026.1", date(2000, 1, 1))
    assert [rule.id for rule in default.rules] == [
        "SALES",
        "NEW_CUSTOMER",
        "SATISFACTION",
        "SALES_CAP",
        "QUALITY_GATE",
        "TEAM_BONUS",
    ]
    sales = default.rule("SALES")
    assert sales.rate == Decimal("0.01") and isinstance(sales.rate, Decimal)
    assert default.rule("SATISFACTION").points_by_score == {
        5: Decimal(20),
        4: Decimal(10),
        3: Decimal(0),
        2: Decimal(-10),
        1: Decimal(-20),
    }
    assert default.rule("QUALITY_GATE").factor == Decimal("0.20")
    kinds = {rule.kind for rule in candidate.rules}
    assert {"spiff", "first_sale"} <= kinds
    assert candidate.rule("SALES").rate == Decimal("0.012")
    assert any(rule.roles == ("sdr",) for rule in candidate.rules)
    spiff = candidate.rule("SEPT_ENTERPRISE_SPIFF")
    assert spiff.window_start.month == spiff.window_end.month == 9
    assert spiff.segment == "enterprise"


def test_the_examples_folder_is_not_live(workspace: Workspace):
    assert rulebook_files(workspace) == [DEFAULT, LOYALTY]


def test_the_skeleton_is_valid(tmp_path: Path):
    assert check_files([write(tmp_path, book_text())], against_reps=False).problems == []


def test_problem_text_names_file_line_and_path(tmp_path: Path):
    text = book_text(**{"rate: 0.01": "rate: -0.01"})
    path = write(tmp_path, text)
    (problem,) = check_files([path], against_reps=False).errors
    assert str(problem) == (
        f"{path} line 8 (rules[0].rate): rule SALES has a negative rate -0.01; "
        "a rate must be zero or more"
    )


# One invalid book per problem ---------------------------------------------------------------

SPIFF = """\
  - id: SPIFF
    kind: spiff
    base: SALES
    window: {from: 2030-01-05, to: 2030-01-20}
"""

CUSTOMERS = """\
  - id: CUSTOMERS
    kind: distinct_customers
"""

CASES = [
    # (name, text, marker of the reported line, YAML path, message)
    (
        "missing top-level field",
        book_text().replace("currency: CNY\n", ""),
        "version:",
        "currency",
        "the rule book has no currency; give the program currency, CNY",
    ),
    (
        "unknown top-level field",
        book_text(extra="colour: blue\n"),
        "colour",
        "colour",
        "the rule book has an unknown field 'colour'; a rule book has the fields version, "
        "effective_from, currency, description, rules, tiers, rewards, language",
    ),
    (
        "currency not CNY",
        book_text().replace("currency: CNY", "currency: USD"),
        "currency",
        "currency",
        "the currency is USD; the program currency is CNY (sales in any other currency are "
        "quarantined, never converted)",
    ),
    (
        "bad date",
        book_text().replace("2030-01-01", "2030-02-30"),
        "effective_from",
        "effective_from",
        "rule book 9.1 has a effective_from '2030-02-30' that is not a date; "
        "write it as YYYY-MM-DD",
    ),
    (
        "malformed version label",
        book_text().replace('"9.1"', '"9 1"'),
        "version",
        "version",
        "the version label '9 1' is not valid; use letters, digits, '.', '-' or '_' "
        "(e.g. 2026.2): it also names the promoted file",
    ),
    (
        "unknown rule kind",
        book_text("  - id: BONUS\n    kind: bonus\n    description: x\n"),
        "kind: bonus",
        "rules[2].kind",
        "rule BONUS has an unknown kind 'bonus'; the kinds are amount_rate, first_sale, "
        "score_points, cap, gate, team_bonus, spiff, distinct_customers",
    ),
    (
        "unknown field for the kind",
        book_text(
            "  - id: NEW\n    kind: first_sale\n    points: 5\n    rate: 1\n    description: x\n"
        ),
        "rate: 1",
        "rules[2].rate",
        "rule NEW has an unknown field 'rate'; a first_sale rule takes id, kind, description, "
        "points, roles, teams",
    ),
    (
        "missing required field",
        book_text("  - id: NEW\n    kind: first_sale\n    description: x\n"),
        "id: NEW",
        "rules[2].points",
        "rule NEW has no points; give a number of points, e.g. 50",
    ),
    (
        "missing description",
        book_text("  - id: NEW\n    kind: first_sale\n    points: 5\n"),
        "id: NEW",
        "rules[2].description",
        "rule NEW has no description; give one sentence saying what it is or does",
    ),
    (
        "negative rate",
        book_text(**{"rate: 0.01": "rate: -0.01"}),
        "rate:",
        "rules[0].rate",
        "rule SALES has a negative rate -0.01; a rate must be zero or more",
    ),
    (
        "missing rate",
        book_text(**{"rate: 0.01": "rate:"}),
        "rate:",
        "rules[0].rate",
        "rule SALES has no rate; give points per CNY, e.g. 0.01",
    ),
    (
        "non-numeric rate",
        book_text(**{"rate: 0.01": "rate: 1 %"}),
        "rate:",
        "rules[0].rate",
        "rule SALES has a rate '1 %' that is not a number",
    ),
    (
        "too many decimal places",
        book_text(**{"rate: 0.01": "rate: 0.00125"}),
        "rate:",
        "rules[0].rate",
        "rule SALES has a rate 0.00125 with more than 4 decimal places; use at most 4",
    ),
    (
        "duplicate rule id",
        book_text(
            "  - id: SALES  # again\n    kind: first_sale\n    points: 5\n    description: x\n"
        ),
        "# again",
        "rules[2].id",
        "rule id SALES is used twice (first on line 6); each rule needs its own id",
    ),
    (
        "reserved rule id",
        book_text(
            "  - id: MANUAL_ADJUSTMENT\n    kind: first_sale\n    points: 5\n    description: x\n"
        ),
        "MANUAL_ADJUSTMENT",
        "rules[2].id",
        "rule id MANUAL_ADJUSTMENT is reserved for lines the pipeline writes itself; "
        "choose another id",
    ),
    (
        "malformed rule id",
        book_text(
            "  - id: New-Customer\n    kind: first_sale\n    points: 5\n    description: x\n"
        ),
        "New-Customer",
        "rules[2].id",
        "rule id 'New-Customer' is not valid; a rule id is capital letters, digits and _, "
        "starting with a letter (e.g. SALES_CAP)",
    ),
    (
        "duplicate key",
        book_text(**{"limit: 3000": "limit: 3000\n    limit: 2000"}),
        "limit: 2000",
        "rules[1].limit",
        "limit is given twice (first on line 13); keep only one",
    ),
    (
        "family with an unknown rule",
        book_text(**{"family: [SALES]": "family: [SALES, SALEZ]"}),
        "family:",
        "rules[1].family[1]",
        "rule SALES_CAP counts in its family the rule SALEZ, but this rule book has no rule SALEZ",
    ),
    (
        "family with a rule of the wrong kind",
        book_text(**{"family: [SALES]": "family: [SALES, SALES_CAP]"}),
        "family:",
        "rules[1].family[1]",
        "rule SALES_CAP counts in its family the rule SALES_CAP, but SALES_CAP is a cap rule; "
        "a family may only count amount_rate, first_sale, score_points or spiff rules",
    ),
    (
        "gate with a cap of the wrong kind",
        book_text(
            "  - id: GATE\n    kind: gate\n    family: [SALES]\n    min_surveys: 3\n"
            "    mean_score_below: 3.5\n    factor: 0.2\n    cap: SALES\n"
            "    description: x\n"
        ),
        "cap: SALES",
        "rules[2].cap",
        "rule GATE uses the cap SALES, but SALES is an amount_rate rule; a gate's cap must be a "
        "cap rule",
    ),
    (
        "gate with an unknown cap",
        book_text(
            "  - id: GATE\n    kind: gate\n    family: [SALES]\n    min_surveys: 3\n"
            "    mean_score_below: 3.5\n    factor: 0.2\n    cap: THE_CAP\n"
            "    description: x\n"
        ),
        "cap: THE_CAP",
        "rules[2].cap",
        "rule GATE uses the cap THE_CAP, but this rule book has no rule THE_CAP",
    ),
    (
        "gate factor above 1",
        book_text(
            "  - id: GATE\n    kind: gate\n    family: [SALES]\n    min_surveys: 3\n"
            "    mean_score_below: 3.5\n    factor: 1.5\n    description: x\n"
        ),
        "factor",
        "rules[2].factor",
        "rule GATE has a factor 1.5; a factor must be more than 0 and at most 1 "
        "(0.20 deducts 20 %)",
    ),
    (
        "gate factor zero",
        book_text(
            "  - id: GATE\n    kind: gate\n    family: [SALES]\n    min_surveys: 3\n"
            "    mean_score_below: 3.5\n    factor: 0\n    description: x\n"
        ),
        "factor",
        "rules[2].factor",
        "rule GATE has a factor 0; a factor must be more than 0 and at most 1 (0.20 deducts 20 %)",
    ),
    (
        "score points not covering 1..5",
        book_text(
            "  - id: SAT\n    kind: score_points\n"
            "    points_by_score: {5: 20, 4: 10, 3: 0, 2: -10}\n    description: x\n"
        ),
        "points_by_score",
        "rules[2].points_by_score",
        "rule SAT gives no points for score 1; points_by_score must list every score 1 to 5 "
        "exactly once",
    ),
    (
        "score points for a score outside 1..5",
        book_text(
            "  - id: SAT\n    kind: score_points\n"
            "    points_by_score: {6: 1, 5: 20, 4: 10, 3: 0, 2: -10, 1: -20}\n"
            "    description: x\n"
        ),
        "points_by_score",
        "rules[2].points_by_score.6",
        "rule SAT gives points for score '6'; survey scores are 1 to 5",
    ),
    (
        "spiff base of the wrong kind",
        book_text(
            SPIFF.replace("base: SALES", "base: SALES_CAP") + "    rate: 0.005\n"
            "    description: x\n"
        ),
        "base:",
        "rules[2].base",
        "rule SPIFF rides on the base rule SALES_CAP, but SALES_CAP is a cap rule; a spiff's "
        "base must be an amount_rate rule",
    ),
    (
        "spiff window ending before it starts",
        book_text(
            SPIFF.replace("to: 2030-01-20", "to: 2030-01-02") + "    rate: 0.005\n"
            "    description: x\n"
        ),
        "window:",
        "rules[2].window.to",
        "rule SPIFF has a window that ends on 2030-01-02 before it starts on 2030-01-05; the "
        "window's to date must be on or after its from date",
    ),
    (
        "spiff with both rate and multiplier",
        book_text(SPIFF + "    rate: 0.005\n    multiplier: 2\n    description: x\n"),
        "multiplier",
        "rules[2].multiplier",
        "rule SPIFF has both a rate and a multiplier; a spiff gives either extra points per CNY "
        "(rate) or a multiple of the base rule's points (multiplier), not both",
    ),
    (
        "spiff with neither rate nor multiplier",
        book_text(SPIFF + "    description: x\n"),
        "id: SPIFF",
        "rules[2]",
        "rule SPIFF has neither a rate nor a multiplier; give rate (extra points per CNY, e.g. "
        "0.005) or multiplier (e.g. 2 doubles the base rule's points)",
    ),
    (
        "spiff multiplier not above 1",
        book_text(SPIFF + "    multiplier: 1\n    description: x\n"),
        "multiplier",
        "rules[2].multiplier",
        "rule SPIFF has a multiplier 1; a multiplier must be more than 1 (2 doubles the base "
        "rule's points)",
    ),
    (
        "spiff with an unknown segment",
        book_text(SPIFF + "    segment: government\n    rate: 0.005\n    description: x\n"),
        "segment",
        "rules[2].segment",
        "rule SPIFF has an unknown segment 'government'; the customer segments are enterprise, "
        "smb, consumer",
    ),
    (
        "customer minimum negative",
        book_text(CUSTOMERS + "    points: 20\n    min_amount: -1000\n    description: x\n"),
        "min_amount",
        "rules[2].min_amount",
        "rule CUSTOMERS has a negative min_amount -1000; a min_amount must be zero or more; "
        "leave it out to count every customer with net sales above 0",
    ),
    (
        "customer minimum not a number",
        book_text(CUSTOMERS + "    points: 20\n    min_amount: 1000 CNY\n    description: x\n"),
        "min_amount",
        "rules[2].min_amount",
        "rule CUSTOMERS has a min_amount '1000 CNY' that is not a number",
    ),
    (
        "customer points missing",
        book_text(CUSTOMERS + "    min_amount: 1000\n    description: x\n"),
        "id: CUSTOMERS",
        "rules[2].points",
        "rule CUSTOMERS has no points; give a number of points, e.g. 50",
    ),
    (
        "customer points negative",
        book_text(CUSTOMERS + "    points: -5\n    description: x\n"),
        "points: -5",
        "rules[2].points",
        "rule CUSTOMERS has a negative points -5; points per customer must be zero or more",
    ),
    (
        "customer rule with a field of another kind",
        book_text(CUSTOMERS + "    points: 20\n    limit: 7\n    description: x\n"),
        "limit: 7",
        "rules[2].limit",
        "rule CUSTOMERS has an unknown field 'limit'; a distinct_customers rule takes id, kind, "
        "description, points, min_amount, roles, teams",
    ),
    (
        "team target not positive",
        book_text(
            "  - id: TEAM\n    kind: team_bonus\n    points: 100\n"
            "    default_target: 0\n    description: x\n"
        ),
        "default_target",
        "rules[2].default_target",
        "rule TEAM has a default_target 0; a target must be more than 0",
    ),
    (
        "tier gap",
        book_text(tiers="  - {tier: bronze, from: 300, below: 1400}\n  - {tier: gold, from: 1500}"),
        "tier: gold",
        "tiers[1].from",
        "tiers bronze and gold leave a gap: bronze ends below 1400 but gold starts at 1500; a "
        "total in between would have no tier (start gold at 1400)",
    ),
    (
        "tier overlap",
        book_text(tiers="  - {tier: bronze, from: 300, below: 1600}\n  - {tier: gold, from: 1500}"),
        "tier: gold",
        "tiers[1].from",
        "tiers bronze and gold overlap: bronze runs to below 1600 but gold starts at 1500 "
        "(start gold at 1600)",
    ),
    (
        "tier from not below its end",
        book_text(tiers="  - {tier: bronze, from: 300, below: 300}\n  - {tier: gold, from: 300}"),
        "tier: bronze",
        "tiers[0].below",
        "tier bronze runs from 300 to below 300; from must be less than below",
    ),
    (
        "highest tier with an end",
        book_text(
            tiers="  - {tier: bronze, from: 300, below: 1500}\n"
            "  - {tier: gold, from: 1500, below: 9000}"
        ),
        "tier: gold",
        "tiers[1].below",
        "the highest tier gold ends below 9000; leave out its below: a total above it would "
        "have no tier",
    ),
    (
        "open-ended tier that is not the highest",
        book_text(tiers="  - {tier: bronze, from: 300}\n  - {tier: gold, from: 1500}"),
        "tier: bronze",
        "tiers[0]",
        "tier bronze has no upper end (below), but tier gold starts above it; only the highest "
        "tier may be open-ended",
    ),
    (
        "reward for an unknown tier",
        book_text(extra="  diamond: {reward: a car, cash_value: 90000}\n"),
        "diamond",
        "rewards.diamond",
        "there is a reward for tier diamond, but no tier diamond in tiers",
    ),
    (
        "tier without a reward",
        book_text(
            tiers=TIERS.replace("from: 1500}", "from: 1500, below: 2500}")
            + "\n  - {tier: platinum, from: 2500}"
        ),
        "platinum",
        "tiers[2]",
        "tier platinum has no reward; add it under rewards "
        "(platinum: {reward: ..., cash_value: ...})",
    ),
]


@pytest.mark.parametrize(
    ("text", "marker", "yaml_path", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_problem_is_reported_with_its_line(tmp_path, text, marker, yaml_path, message):
    path = write(tmp_path, text)
    assert only_error(path) == (line_of(text, marker), yaml_path, message)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path):
    text = book_text(**{"rate: 0.01": "rate: -1", "limit: 3000": "limit: lots"}).replace(
        "currency: CNY", "currency: EUR"
    )
    report = check_files([write(tmp_path, text)], against_reps=False)
    assert [(p.line, p.path) for p in report.errors] == [
        (3, "currency"),
        (8, "rules[0].rate"),
        (13, "rules[1].limit"),
    ]


def test_unreadable_yaml_and_a_list_are_reported():
    report = check_files(
        [FIXTURES / "broken.yaml", FIXTURES / "not-a-mapping.yaml"], against_reps=False
    )
    assert [(p.file, p.line, p.message) for p in report.errors] == [
        (
            "tests/fixtures/rulebooks/broken.yaml",
            4,
            "this is not readable YAML (while parsing a block collection expected <block end>, "
            "but found '<block mapping start>'); check the indentation",
        ),
        (
            "tests/fixtures/rulebooks/not-a-mapping.yaml",
            1,
            "a rule book must be a mapping (version: ..., rules: ...), not a list",
        ),
    ]


def test_an_effective_date_not_on_the_first_of_a_month_is_a_warning(tmp_path: Path):
    report = check_files(
        [write(tmp_path, book_text().replace("2030-01-01", "2030-01-15"))], against_reps=False
    )
    assert report.ok
    assert [(p.severity, p.line) for p in report.problems] == [(Severity.WARNING, 2)]


def test_versions_and_effective_dates_clash_across_files(tmp_path: Path):
    first = write(tmp_path, book_text(), "a.yaml")
    second = write(tmp_path, book_text(), "b.yaml")
    report = check_files([first, second], against_reps=False)
    assert [(p.file, p.line, p.message) for p in report.errors] == [
        (
            str(second),
            1,
            f"version 9.1 is also defined in {first} (line 1); each rule book needs its own "
            "version label",
        ),
        (
            str(second),
            2,
            f"version 9.1 takes effect on 2030-01-01, the same day as version 9.1 in {first} "
            "(line 2); versions need distinct effective dates",
        ),
    ]


# Teams and roles of the workspace ----------------------------------------------------------------


def _load_reps(workspace: Workspace, reps: list[tuple[str, str, str]]) -> None:
    workspace.prepare()
    con = duckdb.connect(str(workspace.warehouse))
    con.execute("create table validated_reps (rep_id varchar, team_id varchar, role varchar)")
    con.executemany("insert into validated_reps values (?, ?, ?)", reps)
    con.close()


TEAM_RULE = """\
  - id: TEAM
    kind: team_bonus
    points: 100
    default_target: 300000
    targets: {T01: 350000, T99: 100000}
    roles: [account_exec, seller]
    description: x
"""


def test_targets_for_unknown_teams_are_errors_unknown_roles_warnings(workspace, tmp_path):
    _load_reps(workspace, [("R1", "T01", "account_exec"), ("R2", "T02", "sdr")])
    text = book_text(TEAM_RULE)
    report = check_files([write(tmp_path, text)], workspace=workspace)
    assert [(p.severity, p.line, p.path, p.message) for p in report.problems] == [
        (
            Severity.ERROR,
            line_of(text, "T99"),
            "rules[2].targets.T99",
            "rule TEAM has a target for team T99, but no loaded rep is in team T99 "
            "(teams: T01, T02)",
        ),
        (
            Severity.WARNING,
            line_of(text, "roles"),
            "rules[2].roles",
            "rule TEAM is for role seller, but no loaded rep has the role seller "
            "(roles: account_exec, sdr)",
        ),
    ]


def test_without_loaded_reps_teams_are_not_checked_and_a_note_says_so(workspace, tmp_path):
    report = check_files([write(tmp_path, book_text(TEAM_RULE))], workspace=workspace)
    assert report.ok
    (note,) = report.problems
    assert note.severity is Severity.NOTE
    assert note.message == (
        f"teams and roles were not checked: {workspace.home} has no warehouse yet "
        "(reps are loaded by the first close)"
    )


# Compiling ---------------------------------------------------------------------------------------


def test_the_repository_seeds_are_the_compile_of_the_default_book():
    report = check_files(sorted(REPO_RULEBOOKS.glob("*.yaml")), against_reps=False)
    assert report.ok
    for name, content in render_seeds(report.books).items():
        assert (REPO_SEEDS / name).read_bytes() == content, (
            f"seeds/{name} is out of date: run `jifen rules compile --repository`"
        )


def test_the_seed_layout_is_the_one_dbt_types():
    schema = yaml.safe_load((REPO_SEEDS / "_rulebook.yml").read_text())
    typed = {seed["name"]: tuple(seed["config"]["column_types"]) for seed in schema["seeds"]}
    assert typed == SEED_COLUMNS


def test_decimals_are_written_with_fixed_places(tmp_path: Path):
    seeds = render_seeds(check_files([FIXTURES / "minimal.yaml"], against_reps=False).books)
    assert seeds["rules.csv"].decode().splitlines()[1].startswith("9.0,SALES,amount_rate,0.0100,")
    assert seeds["tiers.csv"] == b"rulebook_version,tier,min_points,reward,cash_value\n" + (
        b"9.0,only,0.00,thanks,0.00\n"
    )
    text = book_text(
        "  - id: SAT\n    kind: score_points\n"
        "    points_by_score: {5: 20.5, 4: 10, 3: -0, 2: -10, 1: -20}\n"
        "    description: x\n"
    )
    seeds = render_seeds(check_files([write(tmp_path, text)], against_reps=False).books)
    assert seeds["score_points.csv"].decode().splitlines()[1:] == [
        "9.1,SAT,1,-20.00",
        "9.1,SAT,2,-10.00",
        "9.1,SAT,3,0.00",
        "9.1,SAT,4,10.00",
        "9.1,SAT,5,20.50",
    ]


def test_compile_is_deterministic_and_writes_only_changed_files(tmp_path: Path):
    out = tmp_path / "seeds"
    first = compile_files([DEFAULT, FIXTURES / "minimal.yaml"], out)
    assert sorted(first.written) == sorted([*(f"{n}.csv" for n in SEED_COLUMNS), "_rulebook.yml"])
    assert first.versions == ["2026.1", "9.0"]
    snapshot = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in out.iterdir()}
    for path in out.iterdir():
        os.utime(path, ns=(1, 1))
    again = compile_files([FIXTURES / "minimal.yaml", DEFAULT], out)  # order of files is moot
    assert again.written == [] and again.removed == []
    for path in out.iterdir():
        assert path.read_bytes() == snapshot[path.name][0]
        assert path.stat().st_mtime_ns == 1
    assert b"\r" not in (out / "rules.csv").read_bytes()
    assert (out / "_rulebook.yml").read_bytes() == (REPO_SEEDS / "_rulebook.yml").read_bytes()


def test_compile_removes_seeds_of_an_older_layout(tmp_path: Path):
    out = tmp_path / "seeds"
    out.mkdir()
    (out / "rule_parameters.csv").write_text("old\n")
    assert compile_files([DEFAULT], out).removed == ["rule_parameters.csv"]
    assert not (out / "rule_parameters.csv").exists()


def test_compile_refuses_books_with_errors_and_writes_nothing(tmp_path: Path):
    bad = write(tmp_path, book_text(**{"rate: 0.01": "rate: -0.01"}))
    out = tmp_path / "seeds"
    with pytest.raises(RulebookError) as refused:
        compile_files([DEFAULT, bad, FIXTURES / "broken.yaml"], out)
    assert [p.path for p in refused.value.problems] == ["rules[0].rate", ""]
    assert "nothing was compiled" in str(refused.value)
    assert not out.exists()


def test_compile_workspace_compiles_repository_and_workspace_books(workspace: Workspace):
    workspace.rulebooks.mkdir(parents=True)
    shutil.copy(FIXTURES / "minimal.yaml", workspace.rulebooks / "9.0.yaml")
    shutil.copy(CANDIDATE, workspace.rulebooks / "notes.yml")  # not *.yaml: not a rule book
    assert rulebook_files(workspace) == [DEFAULT, LOYALTY, workspace.rulebooks / "9.0.yaml"]
    assert compile_workspace(workspace) == workspace.seeds
    rows = (workspace.seeds / "rulebooks.csv").read_text().splitlines()
    assert [row.split(",")[:2] for row in rows[1:]] == [
        ["2026.1", "2000-01-01"],
        ["9.0", "2030-01-01"],
    ]
    versions, report = list_versions(workspace)
    assert report.ok
    assert [(v.version, v.effective_from, v.until) for v in versions] == [
        ("2026.1", date(2000, 1, 1), date(2029, 12, 31)),
        ("9.0", date(2030, 1, 1), None),
    ]


def test_the_seeds_read_back_as_the_books_compiled_into_them(tmp_path: Path):
    team = (
        "  - id: TEAM\n    kind: team_bonus\n    points: 100\n    default_target: 300000\n"
        "    targets: {T01: 350000.5}\n    teams: [T01, T02]\n    description: Team\n"
    )
    out = compile_files([CANDIDATE, write(tmp_path, book_text(team)), DEFAULT], tmp_path / "s")
    books = read_folder(out.folder)
    assert [(book.version, book.effective_from) for book in books] == [
        ("2026.1", date(2000, 1, 1)),
        ("2026.2", date(2026, 9, 1)),
        ("9.1", date(2030, 1, 1)),
    ]
    default, candidate, team_book = books
    spiff = candidate.rule("SEPT_ENTERPRISE_SPIFF")
    assert (spiff.kind, spiff.base, spiff.segment) == ("spiff", "SALES", "enterprise")
    assert (spiff.window_start, spiff.window_end) == (date(2026, 9, 7), date(2026, 9, 27))
    assert type(spiff.multiplier) is Decimal and spiff.multiplier == Decimal("1.5")
    assert candidate.rule("SDR_NEW_CUSTOMER").roles == ("sdr",)
    assert candidate.rule("QUALITY_GATE").family == ("SALES", "SEPT_ENTERPRISE_SPIFF")
    bonus = team_book.rule("TEAM")
    assert (bonus.teams, bonus.targets) == (("T01", "T02"), {"T01": Decimal("350000.5")})
    assert default.rule("SATISFACTION").points_by_score == {
        5: Decimal(20), 4: Decimal(10), 3: Decimal(0), 2: Decimal(-10), 1: Decimal(-20)
    }  # fmt: skip
    # the seeds keep each tier's floor; a tier ends below the next one's
    assert [(tier.name, tier.start, tier.below) for tier in default.tiers] == [
        ("bronze", 300, 800),
        ("silver", 800, 1500),
        ("gold", 1500, 2500),
        ("platinum", 2500, None),
    ]
    assert [(reward.tier, reward.cash_value) for reward in candidate.rewards][:1] == [
        ("bronze", Decimal(400))
    ]
    # reading is the inverse of compiling: the books read give the folder's bytes back
    for name, content in render_seeds(books).items():
        assert (out.folder / name).read_bytes() == content, name


def test_the_book_in_effect_on_a_day(tmp_path: Path):
    books = read_folder(compile_files([DEFAULT, CANDIDATE], tmp_path / "seeds").folder)
    assert in_effect(books, date(2026, 8, 31)).version == "2026.1"
    assert in_effect(books, date(2026, 9, 1)).version == "2026.2"
    assert in_effect(books, date(1999, 12, 31)) is None


def test_every_rule_kind_has_a_reader_of_its_parameters():
    assert set(PARAMETER_READERS) == set(KIND_FIELDS) == set(RULE_KINDS)


def test_every_rule_kind_is_ordered_in_the_reports_and_explained_in_the_audit_pack():
    """The reports list rules by kind, and an audit pack's README says how to check each kind's
    lines by hand: a new kind missing there would be listed last, or left unexplained."""
    assert set(reports_kind_order) == set(audit_kind_order) == set(audit_steps) == set(RULE_KINDS)


# Promotion ---------------------------------------------------------------------------------------


def _publish(workspace: Workspace, *periods: str) -> None:
    """A readers' copy with a publications table, the way the pipeline publishes it."""
    con = duckdb.connect(str(workspace.published_db))
    con.execute("create table publications (period varchar, version integer)")
    con.executemany("insert into publications values (?, 1)", [[p] for p in periods])
    con.close()


def test_promote_refuses_an_effective_date_inside_a_closed_period(workspace: Workspace):
    _publish(workspace, "2026-07", "2026-08", "2026-09")
    with pytest.raises(PromotionRefused) as refused:
        promote(workspace, CANDIDATE, date(2026, 9, 30))
    assert refused.value.summary == (
        "cannot promote 2026.2 effective 2026-09-30: period 2026-09 is closed (published) and "
        "runs to 2026-09-30. Closed versions never change, so a new rule book may only take "
        "effect after the last closed period: use --effective-from 2026-10-01 or later"
    )
    assert not workspace.rulebooks.exists() and not workspace.seeds.exists()


def test_promote_reads_closed_periods_from_the_warehouse_history_too(workspace: Workspace):
    con = duckdb.connect(str(workspace.warehouse))
    con.execute("create schema published")
    con.execute("create table published.publications (period varchar, version integer)")
    con.execute("insert into published.publications values ('2026-10', 1)")
    con.close()
    with pytest.raises(PromotionRefused, match="period 2026-10 is closed"):
        promote(workspace, CANDIDATE, date(2026, 10, 1))


def test_promote_writes_the_candidate_and_compiles(workspace: Workspace):
    _publish(workspace, "2026-07", "2026-08")
    done = promote(workspace, CANDIDATE, date(2026, 9, 1))
    assert done.path == workspace.rulebooks / "2026.2.yaml"
    text = done.path.read_text()
    assert text.startswith("# Promoted from 2026.2-candidate.yaml on ")
    assert "effective_from: 2026-09-01\n" in text
    assert "# Try it:" in text  # the candidate's own comments survive
    assert check_files([DEFAULT, done.path], against_reps=False).ok
    rulebooks = (workspace.seeds / "rulebooks.csv").read_text().splitlines()
    assert [row.split(",")[:2] for row in rulebooks[1:]] == [
        ["2026.1", "2000-01-01"],
        ["2026.2", "2026-09-01"],
    ]
    rules = (workspace.seeds / "rules.csv").read_text()
    assert "2026.2,SALES,amount_rate,0.0120," in rules
    assert ",2026-09-07,2026-09-27,enterprise," in rules
    # a version label exists once: promoting again is refused
    with pytest.raises(PromotionRefused, match="version 2026.2 already exists"):
        promote(workspace, CANDIDATE, date(2026, 11, 1))


def test_promote_under_a_new_label_and_date(workspace: Workspace):
    done = promote(workspace, CANDIDATE, date(2027, 1, 1), version="2027.1")
    assert done.path.name == "2027.1.yaml"
    book = check_files([done.path], against_reps=False).books[0]
    assert (book.version, book.effective_from) == ("2027.1", date(2027, 1, 1))


def test_promote_refuses_an_existing_label_or_a_clashing_date(workspace: Workspace):
    with pytest.raises(PromotionRefused, match="version 2026.1 already exists"):
        promote(workspace, CANDIDATE, date(2027, 1, 1), version="2026.1")
    with pytest.raises(PromotionRefused) as refused:
        promote(workspace, CANDIDATE, date(2000, 1, 1))
    (problem,) = refused.value.problems
    assert problem.message.startswith("version 2026.2 takes effect on 2000-01-01, the same day")
    assert not workspace.rulebooks.exists()


def test_promote_refuses_a_candidate_with_errors(workspace: Workspace, tmp_path: Path):
    bad = write(tmp_path, book_text(**{"rate: 0.01": "rate: -0.01"}))
    with pytest.raises(PromotionRefused) as refused:
        promote(workspace, bad, date(2031, 1, 1))
    assert [(p.line, p.path) for p in refused.value.problems] == [(8, "rules[0].rate")]


# CLI ---------------------------------------------------------------------------------------------


def test_cli_check_exit_codes(workspace: Workspace, tmp_path: Path):
    home = ["--home", str(workspace.home)]
    ok = runner.invoke(rules_app, ["check", str(CANDIDATE), *home])
    assert ok.exit_code == 0, ok.output
    assert "rule book 2026.2" in ok.output and "SEPT_ENTERPRISE_SPIFF" in ok.output
    bad = write(tmp_path, book_text(**{"rate: 0.01": "rate: -0.01"}))
    failed = runner.invoke(rules_app, ["check", str(bad), *home])
    assert failed.exit_code == 1
    assert "rule SALES has a negative rate -0.01" in failed.output
    # the default book alone is fine, even though it is also one of the workspace's books
    assert runner.invoke(rules_app, ["check", str(DEFAULT), *home]).exit_code == 0


def test_cli_check_reports_a_clash_with_the_workspace_books(workspace: Workspace):
    workspace.rulebooks.mkdir(parents=True)
    clash = workspace.rulebooks / "2026.3.yaml"
    clash.write_text(CANDIDATE.read_text().replace('"2026.2"', '"2026.3"'))
    report = check_in_workspace(CANDIDATE, workspace)
    assert [p.path for p in report.errors] == ["effective_from"]
    result = runner.invoke(rules_app, ["check", str(CANDIDATE), "--home", str(workspace.home)])
    assert result.exit_code == 1


def test_cli_promote_list_and_compile(workspace: Workspace):
    home = ["--home", str(workspace.home)]
    _publish(workspace, "2026-09")
    refused = runner.invoke(
        rules_app, ["promote", str(CANDIDATE), "--effective-from", "2026-09-01", *home]
    )
    assert refused.exit_code == 1
    assert "period 2026-09 is closed" in refused.output
    done = runner.invoke(
        rules_app, ["promote", str(CANDIDATE), "--effective-from", "2026-10-01", *home]
    )
    assert done.exit_code == 0, done.output
    assert (workspace.rulebooks / "2026.2.yaml").exists()
    listed = runner.invoke(rules_app, ["list", *home])
    assert listed.exit_code == 0
    assert "2026-09-30" in listed.output and "2026-10-01" in listed.output
    assert runner.invoke(rules_app, ["compile", *home]).exit_code == 0
    bad_date = runner.invoke(
        rules_app, ["promote", str(CANDIDATE), "--effective-from", "next month", *home]
    )
    assert bad_date.exit_code == 2


def test_jifen_has_the_rules_commands(workspace: Workspace):
    from orchestration.cli import app

    result = runner.invoke(app, ["rules", "list", "--home", str(workspace.home)])
    assert result.exit_code == 0, result.output
    assert "2026.1" in result.output
