"""The read-side tools on the loyalty program: `jifen verify`, `jifen trace`, `jifen audit-pack`
and `jifen verify-chain` on the contract's worked example (tests/fixtures/loyalty-example),
closed for 2026-07 and, after its late files landed, 2026-08.

Expected values are read independently of the code under test: landed rows with csv, published
rows with duckdb, and the example's README (C5's 2025-08 lot expires in August, C3 leaves on
2026-08-20, R12 is a late return of July's order O12).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from loyalty_tables import copy_example_landing, example_scenario, land_example_files
from typer.testing import CliRunner

from orchestration.audit import verify_chain, write_audit_pack
from orchestration.audit.loyalty_trace import trace_loyalty_line
from orchestration.audit.readonly import AuditError, LineNotFound
from orchestration.cli import app
from orchestration.defs.launch import run_close
from orchestration.lib.workspace import Workspace
from orchestration.verify.recompute import verify_version
from schemas.published import LOYALTY

SCENARIO = example_scenario()
LOYALTY_NAMES = [table.name for table in LOYALTY]
runner = CliRunner()


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    workspace = Workspace.at(tmp_path_factory.mktemp("loyalty-audit") / "home").prepare()
    workspace.create_landing()
    copy_example_landing(workspace.landing)
    for close in SCENARIO["closes"]:
        land_example_files(workspace.landing, close["land_before"])
        run = run_close(workspace, close["period"], error_budget=SCENARIO["error_budget"])
        assert run.success, close["period"]
    return workspace


@pytest.fixture
def copy(ws: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of the workspace to tamper with; the module's stays intact."""
    home = tmp_path / "copy"
    shutil.copytree(ws.home, home, symlinks=True)
    return Workspace.at(home)


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def execute(path: Path, sql: str, params: list | None = None) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql, params or [])
    finally:
        con.close()


def landed(ws: Workspace, source: str, name: str, number: int) -> dict[str, str]:
    with (ws.landing_dir(source) / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))[number - 1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# verify -----------------------------------------------------------------------------------------


def test_verify_recomputes_the_loyalty_tables_from_the_previous_close_s_walk(ws: Workspace):
    # August continues from July's walk, which July's close replaced by August's: verify
    # recomputes it; without it every line dated before August would come out as late
    assert query(ws.warehouse, "select distinct period from published.loyalty_walk_lines") == [
        ("2026-08",)
    ]
    august = query(
        ws.published_db,
        "select count(*), count(*) filter (where late) from loyalty_ledger "
        "where period = '2026-08'",
    )[0]
    assert august[0] > 0 and august[1] > 0  # the example's late lines are among them
    result = verify_version(ws, "2026-08", None)
    assert result.identical, result.differences
    assert result.notes == [
        "loyalty tables recomputed, continuing from the walk of 2026-07 v1 recomputed from its "
        "own recorded inputs"
    ]


def test_verify_reports_a_tampered_loyalty_row(copy: Workspace):
    execute(
        copy.warehouse,
        "update published.member_balances set closing_points = closing_points + 7 "
        "where period = '2026-07' and customer_id = 'C5'",
    )
    shown = runner.invoke(app, ["verify", "2026-07", "--home", str(copy.home)])
    assert shown.exit_code == 1, shown.output
    assert "member_balances: 1 published row(s) not reproduced, 1 recomputed row(s) not" in (
        " ".join(shown.output.split())
    )
    assert "('2026-07', 'C5'" in shown.output  # the recomputed row, as published before
    assert "note: loyalty tables recomputed (no earlier loyalty close to continue from)" in (
        " ".join(shown.output.split())
    )
    assert "points_ledger" not in shown.output


def test_a_restatement_s_loyalty_tables_are_checked_as_carried_over(copy: Workspace):
    # a late July sale to C6, who is no member: a July restatement (version 2)
    sales = copy.landing_dir("sales") / "sales_2026-07-b.csv"
    sales.write_text(
        "txn_id,txn_type,order_id,rep_id,customer_id,txn_date,amount,currency\n"
        "S77,sale,O77,R1,C6,2026-07-12,5000.00,CNY\n",
        encoding="utf-8",
    )
    restated = run_close(
        copy, "2026-07", restate=True, reason="late sale", error_budget=SCENARIO["error_budget"]
    )
    assert restated.success, restated.errors
    for name in LOYALTY_NAMES:  # carried over unchanged
        v1, v2 = (
            query(
                copy.warehouse,
                f"select * exclude (version) from published.{name} where period = '2026-07' "
                "and version = ? order by all",
                [version],
            )
            for version in (1, 2)
        )
        assert v1 == v2, name
    result = verify_version(copy, "2026-07", 2)
    assert result.identical, result.differences
    assert result.notes == [
        "loyalty tables: carried over from v1 (loyalty results are never restated) and checked "
        "to be its rows; `jifen verify 2026-07 --version 1` recomputes them"
    ]
    execute(
        copy.warehouse,
        "update published.loyalty_kpis set members = members + 1 "
        "where period = '2026-07' and version = 2",
    )
    tampered = verify_version(copy, "2026-07", 2)
    assert not tampered.identical
    assert len(tampered.differences) == 1
    assert tampered.differences[0].startswith(
        "loyalty_kpis: not the rows of v1 it carries over (1 row(s) of v1 missing, 1 other"
    )


# trace ------------------------------------------------------------------------------------------


def ledger(ws: Workspace, period: str, where: str = "true") -> list[dict]:
    con = duckdb.connect(str(ws.published_db), read_only=True)
    try:
        cursor = con.execute(
            f"select * from latest_loyalty_ledger where period = ? and {where} order by line_id",
            [period],
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("period", ["2026-07", "2026-08"])
def test_every_loyalty_line_with_lineage_traces_to_its_landed_row(ws: Workspace, period: str):
    lines = ledger(ws, period, "source_file is not null")
    assert {line["kind"] for line in lines} >= {"PURCHASE", "REDEMPTION"}
    for line in lines:
        trace = trace_loyalty_line(ws, line["line_id"], period, customer=line["customer_id"])
        assert trace["ok"], (line["line_id"], trace["problems"])
        source = "members" if line["kind"] == "FORFEIT" else line["source"]
        row = landed(ws, source, line["source_file"], line["source_row_number"])
        assert trace["landed"]["raw"] == row
        assert trace["landed"]["file"]["sha256"] == line["source_file_hash"]
        assert sha256(ws.landing_dir(source) / line["source_file"]) == line["source_file_hash"]
        key = {"sales": "txn_id", "redemptions": "redemption_id", "members": "customer_id"}[source]
        expected = line["customer_id"] if line["kind"] == "FORFEIT" else line["source_id"]
        assert row[key] == expected
        assert row["customer_id"] == line["customer_id"] or source == "sales"


def test_an_expiry_walks_to_the_lot_and_the_row_that_created_it(ws: Workspace):
    # C5's purchase S50 of 2025-08-15 expires at the end of 2026-08-31 (example README)
    (line,) = ledger(ws, "2026-08", "kind = 'EXPIRY' and lot_id = 'PURCHASE:S50'")
    trace = trace_loyalty_line(ws, line["line_id"], "2026-08")
    assert trace["ok"] and trace["kind"] == "lot"
    lot = trace["lot"]
    held = query(
        ws.published_db,
        "select period, earned_on, expires_on, remaining_points from member_lots "
        "where customer_id = 'C5' and lot_id = 'PURCHASE:S50' and period = '2026-07'",
    )[0]
    assert (
        lot["held"]["period"],
        lot["held"]["earned_on"],
        lot["held"]["expires_on"],
        lot["held"]["remaining_points"],
    ) == held
    assert lot["held"]["remaining_points"] == -line["points"]
    assert lot["created_by"] is None  # earned before the first published loyalty ledger
    row = lot["created_landed"]["raw"]
    assert row["txn_id"] == "S50" and row["customer_id"] == "C5"
    assert row["txn_date"] == "2025-08-15"


def test_a_forfeit_walks_to_the_member_row_and_the_lot_s_creating_line(ws: Workspace):
    (line,) = ledger(ws, "2026-08", "kind = 'FORFEIT' and customer_id = 'C3'")
    trace = trace_loyalty_line(ws, line["line_id"], "2026-08")
    assert trace["ok"], trace["problems"]
    assert trace["landed"]["raw"]["left_date"] == "2026-08-20"
    assert trace["landed"]["source"] == "members"
    created = trace["lot"]["created_by"]
    assert created["period"] == "2026-07" and created["lot_id"] == line["lot_id"]
    assert created["points"] > 0 and created["kind"] == line["lot_id"].split(":")[0]
    row = trace["lot"]["created_landed"]["raw"]
    assert row["txn_id"] == line["lot_id"].split(":", 1)[1] and row["customer_id"] == "C3"


def test_the_cli_traces_a_late_reversal_and_names_a_changed_landing_file(copy: Workspace):
    (line,) = ledger(copy, "2026-08", "source_id = 'R12' and lot_id is null")  # the debt part
    home = ["--home", str(copy.home)]
    shown = runner.invoke(app, ["trace", "--line", line["line_id"], "--period", "2026-08", *home])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "lot none: debt" in text and "late" in text
    assert "landed as sales/sales_2026-08.csv row 1" in text and "'txn_id': 'R12'" in text
    path = copy.landing_dir("sales") / "sales_2026-08.csv"
    path.write_text(path.read_text().replace("20000.00", "2000.00", 1))
    changed = runner.invoke(
        app, ["trace", "--line", line["line_id"], "--period", "2026-08", "--customer", "C2", *home]
    )
    assert changed.exit_code == 1
    assert "changed after it was ingested" in " ".join(changed.output.split())
    with pytest.raises(LineNotFound):
        trace_loyalty_line(copy, line["line_id"], "2026-08", customer="C1")


def test_a_loyalty_line_altered_in_the_readers_copy_is_reported(copy: Workspace):
    (line,) = ledger(copy, "2026-08", "kind = 'EXPIRY' and lot_id = 'WELCOME:C5'")
    execute(
        copy.published_db,
        "update loyalty_ledger set points = points - 1 where line_id = ? and period = '2026-08'",
        [line["line_id"]],
    )
    trace = trace_loyalty_line(copy, line["line_id"], "2026-08")
    assert not trace["ok"]
    assert any("differs from the warehouse's history" in p for p in trace["problems"])
    with pytest.raises(AuditError):  # unknown to the loyalty ledger
        trace_loyalty_line(copy, "NOPE", "2026-08")


# audit pack and chain ---------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_pack_ships_the_loyalty_tables_and_checks_them(ws: Workspace, tmp_path: Path):
    write_audit_pack(ws, "2026-08", None, tmp_path)
    pack = tmp_path / "jifen-audit-2026-08-v1"
    for name in LOYALTY_NAMES:
        published = query(ws.published_db, f"select count(*) from {name} where period = '2026-08'")[
            0
        ][0]
        assert len(read_csv(pack / f"{name}.csv")) == published, name
    # a member's lines add up to closing - opening, read from the pack's own CSVs
    moved = defaultdict(int)
    for line in read_csv(pack / "loyalty_ledger.csv"):
        moved[line["customer_id"]] += int(line["points"])
    for balance in read_csv(pack / "member_balances.csv"):
        change = int(balance["closing_points"]) - int(balance["opening_points"])
        assert moved[balance["customer_id"]] == change, balance["customer_id"]
    books = read_csv(pack / "rulebook" / "loyalty_rulebooks.csv")
    assert [book["rulebook_version"] for book in books] == ["loyalty-2026.1"]
    assert (pack / "rulebook" / "yaml" / "loyalty-2026.1.yaml").is_file()
    readme = (pack / "README.md").read_text()
    assert "## 5. Check a member's loyalty balance by hand" in readme
    for name in LOYALTY_NAMES:
        assert f"- `{name}.csv`: " in readme and f"published table {name}\n" not in readme
    checks = readme.split("## Checks made when this pack was written")[1].split("## 1.")[0]
    for identity in (
        "`closing_points` = `opening_points` + `prior_period_adjustment` + `earned`",
        "lines in `loyalty_ledger.csv` add up to `closing_points` - `opening_points`",
        "lots in `member_lots.csv` (points left) minus `debt_points` = `closing_points`",
        "`loyalty_kpis.csv`'s `opening_points`",
    ):
        (found,) = [line for line in checks.splitlines() if identity in line]
        assert found.endswith(": yes"), found
    checked = subprocess.run(
        [sys.executable, "check_hashes.py"], cwd=pack, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout
    # an edited loyalty row (SHA256SUMS rewritten too) fails the content hash
    ledger_csv = pack / "loyalty_ledger.csv"
    text = ledger_csv.read_text()
    ledger_csv.write_text(text.replace(",-200,", ",-199,", 1))
    assert ledger_csv.read_text() != text
    sums = (pack / "SHA256SUMS").read_text()
    old, new = sha256_of_text(text), sha256(ledger_csv)
    (pack / "SHA256SUMS").write_text(sums.replace(old, new))
    edited = subprocess.run(
        [sys.executable, "check_hashes.py"], cwd=pack, capture_output=True, text=True
    )
    assert edited.returncode == 1
    assert "MISMATCH content hash" in edited.stdout
    assert "MISMATCH file loyalty_ledger.csv" not in edited.stdout


def sha256_of_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_verify_chain_holds_and_names_an_altered_loyalty_row(ws: Workspace, tmp_path: Path):
    assert verify_chain(ws) == []
    home = tmp_path / "copy"
    shutil.copytree(ws.home, home, symlinks=True)
    copy = Workspace.at(home)
    execute(
        copy.warehouse,
        "update published.member_lots set remaining_points = remaining_points + 1 "
        "where period = '2026-07' and customer_id = 'C5' and lot_id = 'WELCOME:C5'",
    )
    problems = verify_chain(copy)
    assert len(problems) == 1
    assert problems[0].startswith("warehouse history: 2026-07 v1: rows altered")
