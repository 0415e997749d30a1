"""`jifen trial` with a loyalty candidate: the contract's worked example
(tests/fixtures/loyalty-example, landing folder as before the close of 2026-07) closed once, then
a candidate loyalty book compared with the live `loyalty-2026.1` over 2026-07.

The expected figures are worked out below from the example's rows (its README says what each
member shows); the live side must equal what the July close published (also the first close),
the candidate earns a point per 5 CNY instead of 10 (`earn_amount: 5`), all else the same.

- C1: welcome 100 (2025-07-10), S01 1,234.00 (2025-07-15), S02 3,000.00 (2026-06-10); X01 100
  (2025-09) uses the welcome lot, X02 100 (07-20) takes 100 of S01's lot, whose rest expires on
  07-31. Live S01 123, S02 300; candidate 246, 600.
- C2: welcome 100 (2026-06-01); July: 3 x 20,000, 5.00, 100.00, and 50.00 returned the next
  day; 5 qualifying orders (bonus 50); X10 3,000 and X12 2,000 accepted, X11 and X13 over the
  5,000 limit. Live 3 x 2,000 + 0 + 10 + 5 - 5 + 50; candidate 3 x 4,000 + 1 + 20 + 10 - 10 + 50.
- C3: enrolled 07-01 (welcome 100), S30 799.99 (live 79, candidate 159), X30 100.
- C4: welcome 100 (2026-03-01), S40 2,500.00 (live 250, candidate 500), X94 100 (06-30).
- C5: welcome 100 (2025-08-01), S50 2,000.00 (2025-08-15: live 200, candidate 400), both
  expiring at the end of 2026-08-31; S51 99.00 (07-01: live 9, candidate 19).
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.layout import REPO_RULEBOOKS
from orchestration.trial.run import run_trial_in

EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "loyalty-example"
LIVE = REPO_RULEBOOKS / "loyalty-2026.1.yaml"
PERIOD = "2026-07"
runner = CliRunner()


def points(amount: str, earn_amount: int) -> int:
    """A purchase's points: floor(amount / earn_amount), exactly."""
    return int(Decimal(amount) // earn_amount)


def member_figures(earn: int) -> dict[str, dict[str, int]]:
    """July of each member with ``earn_amount`` = ``earn``: opening, earned, reversed, redeemed,
    expired, closing (the list above)."""
    s01, s02 = points("1234.00", earn), points("3000.00", earn)
    c1_opening = 100 + s01 + s02 - 100  # X01 (2025-09) used the welcome lot
    c1_expired = -(s01 - 100)  # X02 took 100 of S01's lot; the rest expires on 07-31
    c2_earned = (
        3 * points("20000", earn)
        + points("5.00", earn)
        + points("100.00", earn)
        + points("50.00", earn)  # O15, returned the next day
        + 50  # frequency bonus: O10-O14 qualify, O15 (net 0) does not
    )
    c3_earned = 100 + points("799.99", earn)
    c4_opening = 100 + points("2500.00", earn) - 100
    c5_opening = 100 + points("2000.00", earn)
    c5_earned = points("99.00", earn)
    rows = {
        "C1": (c1_opening, 0, 0, -100, c1_expired),
        "C2": (100, c2_earned, -points("50.00", earn), -5000, 0),
        "C3": (0, c3_earned, 0, -100, 0),
        "C4": (c4_opening, 0, 0, 0, 0),
        "C5": (c5_opening, c5_earned, 0, 0, 0),
    }
    figures = {}
    for member, (opening, earned, reversed_, redeemed, expired) in rows.items():
        closing = opening + earned + reversed_ + redeemed + expired
        figures[member] = {
            "opening": opening,
            "earned": earned,
            "reversed": reversed_,
            "redeemed": redeemed,
            "expired": expired,
            "closing": closing,
        }
    return figures


LIVE_FIGURES, DOUBLE_FIGURES = member_figures(10), member_figures(5)


def total(figures: dict[str, dict[str, int]], name: str) -> int:
    return sum(member[name] for member in figures.values())


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def candidate_book(folder: Path, version: str, earn_amount: str | None = None) -> Path:
    """The live loyalty book under another label, with another ``earn_amount`` when given."""
    text = LIVE.read_text(encoding="utf-8").replace('"loyalty-2026.1"', f'"{version}"')
    if earn_amount is not None:
        assert "earn_amount: 10 " in text
        text = text.replace("earn_amount: 10 ", f"earn_amount: {earn_amount} ")
    path = folder / f"{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def closed(tmp_path_factory) -> Workspace:
    """The example's landing folder (no surveys) with July closed."""
    home = tmp_path_factory.mktemp("loyalty-trial") / "home"
    shutil.copytree(EXAMPLE / "landing", home / "landing")
    (home / "landing" / "surveys").mkdir()
    workspace = Workspace.at(home).prepare()
    result = run_close(workspace, PERIOD, error_budget=1.0)
    assert result.success, result.errors
    return workspace


@pytest.fixture(scope="module")
def doubled(closed, tmp_path_factory):
    """The double-points candidate from the command line (the Dagster job ``trial``): the same
    ``--rules`` option as a sales trial, the program read from the book."""
    folder = tmp_path_factory.mktemp("double")
    candidate = candidate_book(folder, "loyalty-double", earn_amount="5")
    result = runner.invoke(
        app,
        ["trial", "--rules", str(candidate), "--periods", PERIOD, "--home", str(closed.home)],
    )
    assert result.exit_code == 0, result.output
    return result.output, closed.home / "trials" / f"loyalty-double-{PERIOD}"


def test_the_figures_worked_out_by_hand_agree_with_the_published_close():
    """The list above, checked against expected.json's July (the live side's figures)."""
    assert total(LIVE_FIGURES, "opening") == 1073 and total(LIVE_FIGURES, "earned") == 6253
    assert total(LIVE_FIGURES, "closing") == 2098 and total(LIVE_FIGURES, "expired") == -23


def test_double_points_per_period_live_and_candidate(doubled):
    _, out = doubled
    summary = {row["measure"]: row for row in read(out / "loyalty_summary.csv")}
    assert {row["period"] for row in summary.values()} == {PERIOD}
    for measure, name in (
        ("opening_points", "opening"),
        ("points_earned", "earned"),
        ("points_reversed", "reversed"),
        ("points_redeemed", "redeemed"),
        ("points_expired", "expired"),
        ("closing_points", "closing"),
    ):
        live, candidate = total(LIVE_FIGURES, name), total(DOUBLE_FIGURES, name)
        row = summary[measure]
        assert (row["current"], row["candidate"], row["delta"]) == (
            str(live),
            str(candidate),
            str(candidate - live),
        ), measure
    assert summary["points_forfeited"]["delta"] == "0"
    # C2 alone: 3 x 2,000 more for the big orders, 1 for the 5.00 order, 10 for 100.00, 5 for
    # the returned 50.00 (taken back again), the bonus unchanged
    c2 = DOUBLE_FIGURES["C2"]["earned"] - LIVE_FIGURES["C2"]["earned"]
    assert c2 == 6000 + 1 + 10 + 5
    # every redemption accepted either way: the same 5,200 points worth 520.00 CNY
    assert (summary["redemptions"]["current"], summary["redemptions"]["delta"]) == ("4", "0")
    assert summary["redemption_value_cny"]["candidate"] == "520.00"
    # liability: 10 CNY per 100 points of every positive closing balance
    live_cny = Decimal(total(LIVE_FIGURES, "closing")) / 10
    double_cny = Decimal(total(DOUBLE_FIGURES, "closing")) / 10
    assert summary["liability_cny"]["current"] == f"{live_cny:.2f}" == "209.80"
    assert summary["liability_cny"]["candidate"] == f"{double_cny:.2f}"
    assert summary["members_affected"] == {
        "period": PERIOD,
        "measure": "members_affected",
        "current": "",
        "candidate": "",
        "delta": "5",  # every member earned something before or in July
    }


def test_double_points_member_by_member(doubled):
    _, out = doubled
    members = {row["customer_id"]: row for row in read(out / "loyalty_members.csv")}
    assert set(members) == set(LIVE_FIGURES)
    for member, row in members.items():
        live, double = LIVE_FIGURES[member], DOUBLE_FIGURES[member]
        assert (row["current_closing"], row["candidate_closing"], row["delta"]) == (
            str(live["closing"]),
            str(double["closing"]),
            str(double["closing"] - live["closing"]),
        ), member
        assert (row["current_earned"], row["candidate_earned"]) == (
            str(live["earned"]),
            str(double["earned"]),
        ), member
    # C1: X02 takes 100 of S01's 246-point lot, so 146 expire instead of 23
    assert (members["C1"]["current_lost"], members["C1"]["candidate_lost"]) == ("-23", "-146")


def test_double_points_move_the_offers(doubled):
    """C3's 79 points were 21 short of a coupon (NEAR_REWARD); 159 are not. C4's win-back and
    C5's expiring points (the 2025-08 lots) double."""
    _, out = doubled
    offers = {row["offer"]: row for row in read(out / "loyalty_offers.csv")}
    c5_expiring = {earn: 100 + points("2000.00", earn) for earn in (10, 5)}
    assert (
        offers["EXPIRING_SOON"]["current_points"],
        offers["EXPIRING_SOON"]["candidate_points"],
    ) == (
        str(c5_expiring[10]),
        str(c5_expiring[5]),
    )
    near = offers["NEAR_REWARD"]
    assert (near["current_members"], near["candidate_members"], near["members_delta"]) == (
        "1",
        "0",
        "-1",
    )
    assert (near["current_points"], near["candidate_points"]) == (
        str(100 - LIVE_FIGURES["C3"]["closing"]),
        "0",
    )
    win_back = offers["WIN_BACK"]
    assert (win_back["current_points"], win_back["candidate_points"]) == (
        str(LIVE_FIGURES["C4"]["closing"]),
        str(DOUBLE_FIGURES["C4"]["closing"]),
    )
    assert win_back["members_delta"] == "0"
    members = {row["customer_id"]: row for row in read(out / "loyalty_members.csv")}
    assert (members["C3"]["current_offer"], members["C3"]["candidate_offer"]) == (
        "NEAR_REWARD",
        "",
    )


def test_the_loyalty_report_page(doubled):
    _, out = doubled
    assert sorted(path.name for path in out.iterdir()) == [
        "loyalty_members.csv",
        "loyalty_offers.csv",
        "loyalty_summary.csv",
        "report.html",
    ]
    html = (out / "report.html").read_text(encoding="utf-8")
    earned = total(DOUBLE_FIGURES, "earned") - total(LIVE_FIGURES, "earned")
    assert f'<b id="points-earned-delta" class="up">+{earned:,}</b>' in html
    assert '<b id="members-affected-delta" class="up">+5</b>' in html
    assert "Trial of loyalty rule book loyalty-double · 2026-07" in html
    assert "first close" in html and "<svg" in html
    assert "<script" not in html and "http" not in html  # offline, self-contained


def test_the_loyalty_report_reads_well_in_a_real_browser(chromium, browser, doubled):
    """Offline, no console error, the figures on screen, no table wider than its column."""
    _, out = doubled
    browser.load((out / "report.html").as_uri())
    assert browser.problems() == []
    assert all(url.startswith("file://") for url in browser.requests()), browser.requests()
    text = str(browser.evaluate("document.body.innerText"))
    liability = Decimal(total(DOUBLE_FIGURES, "closing")) / 10  # 10 CNY per 100 points
    for wanted in ("The program per period", "Offers by kind", "NEAR_REWARD", f"{liability:.2f}"):
        assert wanted in text
    overflowing = browser.evaluate(
        "[...document.querySelectorAll('table, svg')].filter(e => "
        "e.getBoundingClientRect().right > e.parentElement.getBoundingClientRect().right + 1)"
        ".map(e => e.id || e.tagName)"
    )
    assert overflowing == []


def test_a_candidate_identical_to_the_live_book_changes_nothing(closed, tmp_path):
    candidate = candidate_book(tmp_path, "loyalty-same")
    result = run_trial_in(closed, candidate, PERIOD, tmp_path / "out")
    out = tmp_path / "out"
    assert (result.program, result.current_versions) == ("loyalty", ["loyalty-2026.1"])
    assert result.members_affected == 0
    summary = read(out / "loyalty_summary.csv")
    assert all(row["delta"] in ("0", "0.00") for row in summary)
    assert {row["measure"]: row["current"] for row in summary}["closing_points"] == "2098"
    assert all(
        row["members_delta"] == "0" and row["points_delta"] == "0"
        for row in read(out / "loyalty_offers.csv")
    )
    members = read(out / "loyalty_members.csv")
    assert len(members) == 5 and all(row["delta"] == "0" for row in members)
    assert all(row["current_offer"] == row["candidate_offer"] for row in members)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "No member's balance or offer changes." in html


def test_the_cli_prints_the_loyalty_comparison(doubled):
    output, _ = doubled
    text = " ".join(output.split())
    earned = (total(LIVE_FIGURES, "earned"), total(DOUBLE_FIGURES, "earned"))
    assert f"points issued │ {earned[0]:,} │ {earned[1]:,} │ +{earned[1] - earned[0]:,}" in text
    assert "loyalty trial of loyalty-double vs loyalty-2026.1" in text
