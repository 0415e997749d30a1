"""Trial runs: a candidate rule book scored on the loaded data, compared, nothing published.

One small workspace (July closed, August loaded by the standings) serves every test:

| row | what | 2026.1 points |
|---|---|---|
| X1 R1 C1 07-02 100.50 | first sale of C1 | SALES 1.01, NEW_CUSTOMER 50 |
| X2 R2 C2 07-03 20000 | first sale of C2 | SALES 200, NEW_CUSTOMER 50 |
| X4 R1 C2 07-05 26000 | C2 again: no new customer | SALES 260 |
| V1 R2 07-03 score 5 | survey | SATISFACTION 20 |
| X5 R3 C3 08-05 27000 | first sale of C3 (R3 is an SDR) | SALES 270, NEW_CUSTOMER 50 |
| X6 R1 C1 08-06 80000 | C1 again | SALES 800 |

Totals: July R1 311.01 bronze, R2 270.00 no tier, R3 0; August R1 800 silver, R2 0,
R3 320 bronze. Team T1's July net sales 46,100.50 stay below the 300,000 target.
"""

from __future__ import annotations

import csv
import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import write_csv
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.defs.launch import run_close, run_standings, run_trial
from orchestration.lib.workspace import Workspace
from orchestration.rulebooks.layout import REPO_RULEBOOKS
from orchestration.trial.run import run_trial_in

REPO = REPO_RULEBOOKS.parent
DEFAULT = REPO_RULEBOOKS / "2026.1.yaml"
EXAMPLE = REPO_RULEBOOKS / "examples" / "2026.2-candidate.yaml"
PERIODS = "2026-07..2026-08"
runner = CliRunner()
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Workspace:
    ws = Workspace.at(tmp_path_factory.mktemp("trial") / "home").prepare().create_landing()
    write_csv(
        ws,
        "reps",
        "reps_2026-07-01.csv",
        [
            ["R1", "Ann", "T1", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T1", "account_exec", "2026-01-01", ""],
            ["R3", "陈静", "T2", "sdr", "2026-07-10", ""],
            ["R4", "Dee", "T2", "account_exec", "2025-01-01", "2026-06-30"],
        ],
    )
    write_csv(
        ws,
        "customers",
        "customers_2026-07-01.csv",
        [
            ["C1", "Acme", "enterprise", "east", "2025-01-01"],
            ["C2", "Bolt", "smb", "west", "2025-01-01"],
            ["C3", "Cove", "smb", "west", "2025-01-01"],
        ],
    )
    write_csv(
        ws,
        "sales",
        "sales_a.csv",
        [
            ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100.50", "CNY"],
            ["X2", "sale", "O2", "R2", "C2", "2026-07-03", "20000", "CNY"],
            ["X4", "sale", "O4", "R1", "C2", "2026-07-05", "26000", "CNY"],
            ["X5", "sale", "O5", "R3", "C3", "2026-08-05", "27000", "CNY"],
            ["X6", "sale", "O6", "R1", "C1", "2026-08-06", "80000", "CNY"],
        ],
    )
    write_csv(ws, "surveys", "surveys_a.csv", [["V1", "R2", "C1", "", "5", "2026-07-03"]])
    closed = run_close(ws, "2026-07")
    assert closed.success, closed.errors
    standings = run_standings(ws, "2026-08")
    assert standings.success, standings.errors
    return ws


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fingerprint(ws: Workspace) -> dict[str, object]:
    """What a trial must never change: publications, the readers' copy, warehouse, seeds."""
    digest = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (ws.published_db, ws.warehouse, *sorted(ws.seeds.glob("*")))
    }
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        publications = con.execute("select count(*) from published.publications").fetchone()[0]
    finally:
        con.close()
    return {"files": digest, "publications": publications}


def doubled_new_customer(folder: Path) -> Path:
    text = DEFAULT.read_text(encoding="utf-8")
    block = "  - id: NEW_CUSTOMER\n    kind: first_sale\n    points: 50\n"
    assert block in text
    text = text.replace(block, block.replace("points: 50", "points: 100"))
    text = text.replace('version: "2026.1"', 'version: "2026.1-nc100"')
    path = folder / "nc100.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_rule_book_against_itself_shows_no_difference(loaded, tmp_path):
    before = fingerprint(loaded)
    result = run_trial_in(loaded, DEFAULT, PERIODS, tmp_path / "self")
    out = tmp_path / "self"
    assert fingerprint(loaded) == before  # nothing published, nothing written in the workspace
    assert list((loaded.state / "trials").iterdir()) == []  # the scratch folder is gone

    assert (result.reps_compared, result.reps_changed, result.tier_changes) == (6, 0, 0)
    assert result.current_cost == result.candidate_cost == Decimal("1600.00")
    reps = read(out / "reps.csv")
    assert len(reps) == 6
    for row in reps:
        assert row["current_total"] == row["candidate_total"]
        assert row["delta"] == "0.00" and row["cash_delta"] == "0.00"
        assert row["current_tier"] == row["candidate_tier"]
        assert row["current_reward"] == row["candidate_reward"]
    # July is closed: the published totals are shown beside (no late rows, so they agree)
    july = [row for row in reps if row["period"] == "2026-07"]
    assert all(row["published_version"] == "1" for row in july)
    assert [row["published_total"] for row in july] == [row["current_total"] for row in july]
    assert all(row["published_total"] == "" for row in reps if row["period"] == "2026-08")

    assert all(
        row["delta"] == "0.00" and row["reps_changed"] == "0" for row in read(out / "rules.csv")
    )
    for row in read(out / "tier_movement.csv"):
        assert row["from_tier"] == row["to_tier"] or row["reps"] == "0"
    assert all(row["delta"] == "0.00" for row in read(out / "cost.csv"))
    assert read(out / "winners_losers.csv") == []
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<b id="reps-changed">0</b>' in html and "No rep's points or reward change." in html
    assert "<script" not in html and "http" not in html  # offline, self-contained


def test_doubled_new_customer_points_move_exactly_the_first_sales(loaded, tmp_path):
    """Through the Dagster job (run config), as ``jifen trial`` launches it."""
    candidate = doubled_new_customer(tmp_path)
    before = fingerprint(loaded)
    result, errors = run_trial(loaded, candidate, PERIODS, tmp_path / "nc")
    assert errors == [] and result is not None
    assert fingerprint(loaded) == before
    out = tmp_path / "nc"

    reps = {(row["period"], row["rep_id"]): row for row in read(out / "reps.csv")}
    expected = {  # (current, candidate, current tier, candidate tier, current cash, candidate cash)
        ("2026-07", "R1"): ("311.01", "361.01", "bronze", "bronze", "300.00", "300.00"),
        ("2026-07", "R2"): ("270.00", "320.00", "(none)", "bronze", "0.00", "300.00"),
        ("2026-07", "R3"): ("0.00", "0.00", "(none)", "(none)", "0.00", "0.00"),
        ("2026-08", "R1"): ("800.00", "800.00", "silver", "silver", "1000.00", "1000.00"),
        ("2026-08", "R2"): ("0.00", "0.00", "(none)", "(none)", "0.00", "0.00"),
        ("2026-08", "R3"): ("320.00", "370.00", "bronze", "bronze", "300.00", "300.00"),
    }
    assert set(reps) == set(expected)
    for key, values in expected.items():
        row = reps[key]
        got = tuple(
            row[name]
            for name in (
                "current_total",
                "candidate_total",
                "current_tier",
                "candidate_tier",
                "current_cash",
                "candidate_cash",
            )
        )
        assert got == values, key
        first_sale = key in {("2026-07", "R1"), ("2026-07", "R2"), ("2026-08", "R3")}
        assert row["delta"] == ("50.00" if first_sale else "0.00"), key
    assert reps[("2026-07", "R2")]["candidate_reward"] == "gift card"
    assert reps[("2026-07", "R2")]["current_reward"] == ""

    rules = {(row["period"], row["rule_id"]): row for row in read(out / "rules.csv")}
    for (period, rule), row in rules.items():
        if rule != "NEW_CUSTOMER":
            assert row["delta"] == "0.00" and row["reps_changed"] == "0", (period, rule)
    assert [
        (rules[(p, "NEW_CUSTOMER")]["current_points"], rules[(p, "NEW_CUSTOMER")]["delta"])
        for p in ("2026-07", "2026-08", "all")
    ] == [("100.00", "100.00"), ("50.00", "50.00"), ("150.00", "150.00")]
    assert rules[("all", "NEW_CUSTOMER")]["reps_changed"] == "3"

    cost = {row["period"]: row for row in read(out / "cost.csv")}
    assert [
        (cost[p]["current_cost"], cost[p]["candidate_cost"], cost[p]["delta"])
        for p in ("2026-07", "2026-08", "total")
    ] == [
        ("300.00", "600.00", "300.00"),
        ("1300.00", "1300.00", "0.00"),
        ("1600.00", "1900.00", "300.00"),
    ]
    assert cost["2026-07"]["published_cost"] == "300.00" and cost["2026-08"]["published_cost"] == ""

    moves = {
        (row["from_tier"], row["to_tier"]): int(row["reps"])
        for row in read(out / "tier_movement.csv")
        if row["period"] == "all"
    }
    assert {key: n for key, n in moves.items() if n} == {
        ("(none)", "(none)"): 2,
        ("(none)", "bronze"): 1,
        ("bronze", "bronze"): 2,
        ("silver", "silver"): 1,
    }

    winners = read(out / "winners_losers.csv")
    assert [(row["direction"], row["rank"], row["rep_id"], row["delta"]) for row in winners] == [
        ("winner", "1", "R2", "50.00"),  # ties on points: the larger cash gain first
        ("winner", "2", "R1", "50.00"),
        ("winner", "3", "R3", "50.00"),
    ]
    assert (result.reps_changed, result.tier_changes) == (3, 1)
    assert [(r.rule_id, r.delta) for r in result.rule_deltas][0] == (
        "NEW_CUSTOMER",
        Decimal("150.00"),
    )
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<b id="cost-delta" class="up">+300.00</b>' in html
    assert "<svg" in html and "NEW_CUSTOMER" in html


@pytest.fixture(scope="module")
def example_trial(loaded):
    """The example candidate's trial from the CLI: (CLI result, output folder, fingerprints)."""
    before = fingerprint(loaded)
    result = runner.invoke(
        app,
        ["trial", "--rules", str(EXAMPLE), "--periods", "2026-08", "--home", str(loaded.home)],
    )
    return result, loaded.home / "trials" / "2026.2-2026-08", before, fingerprint(loaded)


def test_the_example_candidate_runs_from_the_cli(example_trial):
    result, out, before, after = example_trial
    assert result.exit_code == 0, result.output
    assert after == before
    assert f"report: {out / 'report.html'}" in result.output.replace("\n", "")
    assert "1,300.00" in result.output and "800.00" in result.output
    reps = {row["rep_id"]: row for row in read(out / "reps.csv")}
    # R1: 80000 x 0.012 = 960, below the candidate's silver (1000); R3: 27000 x 0.012 = 324
    #     + NEW_CUSTOMER 50 + SDR_NEW_CUSTOMER 30 = 404, bronze from 400 at 400 CNY
    assert (reps["R1"]["candidate_total"], reps["R1"]["candidate_tier"]) == ("960.00", "bronze")
    assert (reps["R3"]["candidate_total"], reps["R3"]["candidate_cash"]) == ("404.00", "400.00")
    rules = {
        row["rule_id"]: row["delta"] for row in read(out / "rules.csv") if row["period"] == "all"
    }
    assert rules == {"NEW_CUSTOMER": "0.00", "SALES": "214.00", "SDR_NEW_CUSTOMER": "30.00"}
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in ("Trial of rule book 2026.2", "960.00", "404.00", "1,300.00", "-500.00"):
        assert text in html


def test_the_trial_report_reads_well_in_a_real_browser(chromium, browser, example_trial):
    """Offline, no console error, the numbers on screen, no table wider than its column."""
    result, out, _, _ = example_trial
    assert result.exit_code == 0, result.output
    browser.load((out / "report.html").as_uri())
    assert browser.problems() == []
    assert all(url.startswith("file://") for url in browser.requests()), browser.requests()
    text = str(browser.evaluate("document.body.innerText"))
    for wanted in ("Reward cost", "Tier movement", "Which rules drive the difference", "960.00"):
        assert wanted in text
    overflowing = browser.evaluate(
        "[...document.querySelectorAll('table, svg')].filter(e => "
        "e.getBoundingClientRect().right > e.parentElement.getBoundingClientRect().right + 1)"
        ".map(e => e.id || e.tagName)"
    )
    assert overflowing == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "trial-report.png")


def test_a_candidate_with_problems_is_refused_with_every_problem(loaded, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT.read_text().replace("rate: 0.01", "rate: lots"), encoding="utf-8")
    result = runner.invoke(
        app, ["trial", "--rules", str(bad), "--periods", "2026-07", "--home", str(loaded.home)]
    )
    assert result.exit_code == 1
    assert "the trial did not run" in result.output and "rules[0].rate" in result.output


def test_a_period_without_loaded_data_is_refused(loaded):
    result = runner.invoke(
        app,
        [
            "trial",
            "--rules",
            str(DEFAULT),
            "--periods",
            "2026-06..2026-07",
            "--home",
            str(loaded.home),
        ],
    )
    assert result.exit_code == 1
    assert "no loaded sales or surveys for 2026-06" in result.output
