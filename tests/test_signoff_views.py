"""What people see of sign-off, disputes and acknowledgements (issue 13): the close report, the
statements (one page in a real browser), `jifen status` and the audit pack.

One small workspace, built once through the real commands: July and August closed by u-maker
with disputes, a decision, an adjustment and acknowledgements landed; July approved by
u-checker and paid; August left pending. Every figure a page shows is compared with the
published tables or with the scenario's own dates.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from browser import Chromium
from conftest import write_csv
from test_reports import Page
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.lib.workspace import Workspace
from orchestration.reports import render_reports

runner = CliRunner()
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
MAKER, CHECKER = "u-maker", "u-checker"
# (dispute, rep, opened) and what the August version knows of it at 2026-08-31.
DISPUTES = [
    ["D1", "R1", "2026-07", "", "2026-07-20", "a deal of July is missing"],
    ["D2", "R2", "2026-07", "", "2026-08-25", "wrong <tier>"],  # escaped on every page
    ["D3", "R2", "2026-07", "", "2026-08-02", "counted twice"],
    ["D4", "R1", "2026-07", "", "2026-08-01", "bonus not paid"],
    ["D5", "R3", "2026-07", "", "2026-08-10", "rate too low"],
]
DECISIONS = [
    ["D3", "2026-08-10", "rejected", "both deals are real", "", ""],
    ["D4", "2026-08-15", "accepted", "paid by hand", "ADJ1", ""],
]
# Open at the end of August, days to 2026-08-31: D1 42, D2 6, D5 21.
OPEN_IN_AUGUST = {"D1": 42, "D2": 6, "D5": 21}
BUCKETS_IN_AUGUST = {"0-7 days": 1, "8-30 days": 1, "31+ days": 1}


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def published(ws: Workspace, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(ws.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def land(ws: Workspace) -> None:
    write_csv(
        ws,
        "reps",
        "reps_2026-07-01.csv",
        [
            ["R1", "Ann", "T1", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T1", "account_exec", "2026-01-01", ""],
            ["R3", "陈静", "T2", "account_exec", "2026-01-01", ""],
        ],
    )
    write_csv(
        ws,
        "customers",
        "customers_2026-07-01.csv",
        [["C1", "Acme", "enterprise", "east", "2025-01-01"]],
    )
    sales = [
        ["S1", "sale", "O1", "R1", "C1", "2026-07-05", "90000.00", "CNY"],
        ["S2", "sale", "O2", "R2", "C1", "2026-07-06", "40000.00", "CNY"],
        ["S3", "sale", "O3", "R3", "C1", "2026-07-07", "3000.00", "CNY"],
        ["S4", "sale", "O4", "R1", "C1", "2026-08-03", "80000.00", "CNY"],
        ["S5", "sale", "O5", "R2", "C1", "2026-08-04", "150000.00", "CNY"],
        ["S6", "sale", "O6", "R3", "C1", "2026-08-05", "500.00", "CNY"],
    ]
    write_csv(ws, "sales", "sales_2026-08-01.csv", sales)
    write_csv(
        ws,
        "adjustments",
        "adjustments_2026-08-15.csv",
        [["ADJ1", "R1", "2026-08", "10", "dispute D4", "Head of Sales"]],
    )
    write_csv(ws, "disputes", "disputes_2026-08-25.csv", DISPUTES)
    write_csv(ws, "dispute_decisions", "decisions_2026-08-15.csv", DECISIONS)
    write_csv(
        ws,
        "acknowledgements",
        "acknowledgements_2026-08-05.csv",
        [["R1", "2026.1", "2026-07-01"], ["R3", "2026.1", "2026-08-05"]],
    )


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path, Path]:
    """(workspace, payout folder, reports rendered after the payout)."""
    ws = Workspace.at(tmp_path_factory.mktemp("signoff-views") / "home").prepare()
    ws.create_landing()
    land(ws)
    home = ["--home", str(ws.home)]
    for period in ("2026-07", "2026-08"):
        invoke("close", period, "--by", MAKER, *home)
    invoke("approve", "2026-07", "--by", CHECKER, "--note", "checked against CRM", *home)
    payouts = tmp_path_factory.mktemp("payouts")
    invoke("payout", "2026-07", "--out", str(payouts), "--by", CHECKER, *home)
    out = tmp_path_factory.mktemp("reports")
    render_reports(ws.published_db, out)
    return ws, payouts, out


def text_of(path: Path) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split())


# --- the close report ---------------------------------------------------------------------


def test_close_report_shows_the_standing_decision_and_the_log(signed) -> None:
    ws, _, out = signed
    august = Page(out / "close-2026-08.html")
    assert august.text("signoff-status").startswith("Pending approval — not final")
    assert MAKER in august.text("signoff-status")
    july = Page(out / "close-2026-07.html")
    assert july.text("signoff-status").startswith(f"Approved · by {CHECKER}")
    assert "checked against CRM" in july.text("signoff-status")
    log = published(
        ws,
        "select version, status, coalesce(closed_by, '–'), coalesce(decided_by, '–') "
        "from approvals "
        "where period = '2026-07' order by seq desc",
    )
    shown = [row[:4] for row in july.rows("signoff-log")]
    assert shown == [[str(v), s, c, d] for v, s, c, d in log]
    assert [row[1] for row in shown] == ["approved", "pending"]
    batch = published(
        ws, "select payout_batch_id, total_amount from payout_batches where period = '2026-07'"
    )
    (batch_id, total), *rest = batch
    assert rest == []
    [row] = july.rows("payout-batches")
    assert row[0] == batch_id and Decimal(row[5].split()[0].replace(",", "")) == total
    # the approval re-rendered the workspace's own reports of the period
    assert (
        Page(ws.reports_dir / "close-2026-07.html")
        .text("signoff-status")
        .startswith(f"Approved · by {CHECKER}")
    )
    index = Page(out / "index.html")
    assert {row[0][-7:]: row[-1] for row in index.rows("periods")} == {
        "2026-07": "approved",
        "2026-08": "pending",
    }


def test_close_report_lists_open_disputes_by_age(signed) -> None:
    _, _, out = signed
    page = Page(out / "close-2026-08.html")
    listed = {row[0]: int(row[6]) for row in page.rows("open-disputes")}
    assert listed == OPEN_IN_AUGUST
    ages = page.source[page.source.index('id="dispute-ages"') :]
    for bucket, count in BUCKETS_IN_AUGUST.items():
        assert re.search(rf'data-bucket="{re.escape(bucket)}"><span>[^<]+</span><b>{count}<', ages)
    assert "wrong &lt;tier&gt;" in page.source and "<tier>" not in page.source
    july = Page(out / "close-2026-07.html")  # what July knew at 2026-07-31: D1, 11 days old
    assert {row[0]: int(row[6]) for row in july.rows("open-disputes")} == {"D1": 11}


def test_close_report_lists_the_reps_who_have_not_acknowledged(signed) -> None:
    ws, _, out = signed
    expected = published(
        ws,
        "select rep_id from latest_rule_acknowledgements where period = '2026-08' "
        "and not acknowledged order by rep_id",
    )
    page = Page(out / "close-2026-08.html")
    assert [row[0] for row in page.rows("not-acknowledged")] == [r[0] for r in expected]
    assert [r[0] for r in expected] == ["R2"]
    assert page.text("not-acknowledged-count").startswith("1 of 3 reps")


# --- statements ---------------------------------------------------------------------------


def test_a_pending_statement_says_so_and_lists_the_reps_disputes(signed) -> None:
    _, _, out = signed
    page = Page(out / "statements" / "2026-08" / "R2.html")
    assert page.text("signoff-status").startswith("Pending approval — not final")
    rows = {row[0]: row for row in page.rows("rep-disputes")}
    assert set(rows) == {"D2", "D3"}
    assert rows["D3"][5] == "rejected" and rows["D3"][6] == "2026-08-10"
    assert rows["D2"][5] == "open" and rows["D2"][7] == "6"
    assert page.text("acknowledged").startswith("Bo has not acknowledged rule book 2026.1")
    r1 = Page(out / "statements" / "2026-08" / "R1.html")
    accepted = {row[0]: row for row in r1.rows("rep-disputes")}["D4"]
    assert accepted[5] == "accepted" and accepted[8] == "adjustment ADJ1"
    assert r1.text("acknowledged") == "Ann acknowledged rule book 2026.1 on 2026-07-01."


def test_an_approved_statement_is_final(signed) -> None:
    _, _, out = signed
    page = Page(out / "statements" / "2026-07" / "R1.html")
    assert page.text("signoff-status").startswith(f"Approved · by {CHECKER}")
    assert "not final" not in page.source


def test_a_pending_statement_in_a_real_browser(chromium: Path, browser: Chromium, signed) -> None:
    _, _, out = signed
    for path in (out / "statements" / "2026-08" / "R2.html", out / "close-2026-08.html"):
        browser.load(path.as_uri())
        assert browser.problems() == [], path
        text = str(browser.evaluate("document.body.innerText"))
        assert "Pending approval — not final" in text and "D2" in text
        # on its face: the banner is visible above the first figures of the page
        banner, figures = browser.evaluate(
            "[document.getElementById('signoff-status'), document.querySelector('.kpis')]"
            ".map(e => e.getBoundingClientRect().top)"
        )
        assert 0 < banner < figures < 900
        colour = browser.evaluate(
            "getComputedStyle(document.getElementById('signoff-status')).backgroundColor"
        )
        assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), colour
        ARTIFACTS.mkdir(exist_ok=True)
        name = path.relative_to(out).with_suffix(".png").as_posix().replace("/", "-")
        browser.screenshot(ARTIFACTS / f"signoff-{name}")


# --- jifen status -------------------------------------------------------------------------


def test_status_shows_sign_off_payouts_and_open_disputes(signed, monkeypatch) -> None:
    from orchestration.cli.output import console

    ws, _, _ = signed
    monkeypatch.setattr(console, "width", 250)  # one line per row
    output = invoke("status", "--home", str(ws.home))
    table = output[output.index("sign-off of the latest versions") :].splitlines()
    lines = {line.split("│")[1].strip(): line for line in table if "│ 2026-0" in line}
    [(batch_id,)] = published(ws, "select payout_batch_id from payout_batches")
    july, august = lines["2026-07"], lines["2026-08"]
    assert "approved" in july and CHECKER in july and batch_id[:10] in output
    assert july.rstrip("│ ").endswith("1")  # D1 open at the end of July
    assert "pending" in august and MAKER in august and "none" in august
    assert august.rstrip("│ ").endswith(str(len(OPEN_IN_AUGUST)))


# --- the audit pack -----------------------------------------------------------------------


def test_audit_pack_holds_the_logs_payouts_and_disputes(signed, tmp_path: Path) -> None:
    ws, payouts, _ = signed
    invoke("audit-pack", "2026-07", "--out", str(tmp_path), "--home", str(ws.home))
    pack = tmp_path / "jifen-audit-2026-07-v1"
    with (pack / "approvals.csv").open(encoding="utf-8") as handle:
        approvals = list(csv.DictReader(handle))
    records = published(
        ws, "select seq, status, record_hash from approvals where period = '2026-07' order by seq"
    )
    assert [(int(a["seq"]), a["status"], a["record_hash"]) for a in approvals] == records
    with (pack / "payout_batches.csv").open(encoding="utf-8") as handle:
        [batch] = list(csv.DictReader(handle))
    paid = pack / "payouts" / Path(batch["csv_file"]).name
    assert paid.read_bytes() == (payouts / paid.name).read_bytes()
    assert hashlib.sha256(paid.read_bytes()).hexdigest() == batch["csv_sha256"]
    with (pack / "disputes.csv").open(encoding="utf-8") as handle:
        assert [row["dispute_id"] for row in csv.DictReader(handle)] == ["D1"]
    assert (pack / "rule_acknowledgements.csv").is_file()
    readme = (pack / "README.md").read_text(encoding="utf-8")
    assert "hashes to its `record_hash`: yes" in readme
    reward_total = published(
        ws, "select sum(cash_value) from reward_list where period = '2026-07' and version = 1"
    )[0][0]
    assert Decimal(batch["total_amount"]) == reward_total
    assert f"version 1 (paid last), {reward_total}: yes" in readme
    assert "Check the sign-off, the payouts and the disputes by hand" in readme
    assert "**NO**" not in readme.split("## 1.")[0]


def test_audit_pack_names_an_altered_approval(signed, tmp_path: Path) -> None:
    ws, _, _ = signed
    copy = Workspace.at(tmp_path / "home")
    shutil.copytree(ws.home, copy.home, symlinks=True)
    with duckdb.connect(str(copy.warehouse)) as con:
        [(seq,)] = con.execute(
            "update published.approvals set note = 'approved by the CFO' "
            "where period = '2026-07' and status = 'approved' returning seq"
        ).fetchall()
    invoke("audit-pack", "2026-07", "--out", str(tmp_path / "out"), "--home", str(copy.home))
    readme = (tmp_path / "out" / "jifen-audit-2026-07-v1" / "README.md").read_text("utf-8")
    assert f"hashes to its `record_hash`: **NO**\n  - approvals seq {seq}\n" in readme


# --- a readers' copy from before sign-off -------------------------------------------------


def test_pages_of_a_copy_without_the_new_tables(signed, tmp_path: Path) -> None:
    """A readers' copy published before sign-off: every version pending, nothing recorded."""
    ws, _, _ = signed
    old = tmp_path / "published.duckdb"
    shutil.copyfile(ws.published_db, old)
    with duckdb.connect(str(old)) as con:
        for name in ("latest_approvals", "latest_disputes", "latest_rule_acknowledgements"):
            con.execute(f"drop view if exists {name}")
        for name in ("approvals", "payout_batches", "disputes", "rule_acknowledgements"):
            con.execute(f"drop table {name}")
    out = tmp_path / "out"
    render_reports(old, out, seeds=ws)
    page = Page(out / "close-2026-07.html")
    assert page.text("signoff-status").startswith("Pending approval — not final")
    assert "signoff-log" not in page.tables
    assert page.text("disputes-none") == "Disputes are not recorded in this version."
    statement = text_of(out / "statements" / "2026-07" / "R1.html")
    assert "Acknowledgements are not recorded in this version." in statement
