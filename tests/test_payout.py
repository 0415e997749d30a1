"""Payout files as a user runs them (issue 13): close, approve by someone else, pay, pay again
(refused), late rows and a restatement, approve, pay the differences; kill -9 during a payout;
the hash chain over publications, decisions and batches."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_csv
from typer.testing import CliRunner

from orchestration.audit import verify_chain
from orchestration.cli import app
from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import open_database

JIFEN = [sys.executable, "-m", "orchestration.cli"]
runner = CliRunner()
ADJUSTMENT_HEADER = ["adjustment_id", "rep_id", "period", "points", "reason", "approved_by"]


def jifen(ws: Workspace, *args: str):
    return runner.invoke(app, [*args, "--home", str(ws.home)])


def published(ws: Workspace, sql: str, params=None) -> list[tuple]:
    with open_database(ws.published_db, read_only=True) as readers_copy:
        return readers_copy.rows(sql, params)


def history(ws: Workspace, sql: str, params=None) -> list[tuple]:
    with open_database(ws.warehouse, read_only=True) as warehouse:
        return warehouse.rows(sql, params)


def sale(txn: str, rep: str, day: str, amount: str, customer: str = "C1") -> list[str]:
    return [txn, "sale", f"O{txn}", rep, customer, day, amount, "CNY"]


def landed(root: Path) -> Workspace:
    """Three active reps; July's sales put R1 in silver, R2 in bronze, R3 in no tier."""
    ws = Workspace.at(root / "home").prepare().create_landing()
    write_csv(
        ws,
        "reps",
        "reps_2026-07-01.csv",
        [
            ["R1", "Ann", "T1", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T1", "account_exec", "2026-01-01", ""],
            ["R3", "陈静", "T2", "sdr", "2026-01-01", ""],
        ],
    )
    write_csv(
        ws,
        "customers",
        "customers_2026-07-01.csv",
        [["C1", "Acme", "enterprise", "east", "2025-01-01"]],
    )
    write_csv(
        ws,
        "sales",
        "sales_2026-07.csv",
        [
            sale("X1", "R1", "2026-07-02", "100000"),
            sale("X2", "R2", "2026-07-03", "40000"),
            sale("X3", "R3", "2026-07-15", "10000"),
        ],
    )
    return ws


def rewards(ws: Workspace, version: int) -> dict[str, Decimal]:
    return dict(
        published(
            ws,
            "select rep_id, cash_value from reward_list where period = '2026-07' and version = ?",
            [version],
        )
    )


def read_batch(csv_file: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))


def assert_control_matches(csv_file: Path, control_file: Path) -> dict:
    """The control file's totals are those of the CSV's bytes."""
    control = json.loads(control_file.read_text(encoding="utf-8"))
    rows = read_batch(csv_file)
    assert control["csv_sha256"] == hashlib.sha256(csv_file.read_bytes()).hexdigest()
    assert control["row_count"] == len(rows)
    assert Decimal(control["total_amount"]) == sum(
        (Decimal(row["amount"]) for row in rows), Decimal(0)
    )
    assert control["csv_file"] == csv_file.name
    return control


def payout_subprocess(ws: Workspace, out: Path, crash_at: str | None = None):
    env = {**os.environ, "JIFEN_HOME": str(ws.home), "JIFEN_USER": "fin.ops"}
    env.pop("JIFEN_CRASH_AT", None)
    if crash_at:
        env["JIFEN_CRASH_AT"] = crash_at
    return subprocess.run(
        [*JIFEN, "payout", "2026-07", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(autouse=True)
def _no_crash_env(monkeypatch):
    monkeypatch.delenv("JIFEN_CRASH_AT", raising=False)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    root = tmp_path_factory.mktemp("payout")
    ws = landed(root)
    closed = jifen(ws, "close", "2026-07", "--by", "ann")
    assert closed.exit_code == 0, closed.output
    return ws, root / "payroll"


def test_a_version_is_paid_once_after_approval_by_someone_other_than_its_closer(scenario):
    ws, out = scenario
    unapproved = jifen(ws, "payout", "2026-07", "--out", str(out))
    assert unapproved.exit_code == 1
    assert "2026-07 v1 cannot be paid: it is pending sign-off, closed by ann" in unapproved.output
    assert not out.exists() or not list(out.iterdir())

    by_closer = jifen(ws, "approve", "2026-07", "--by", "ann")
    assert by_closer.exit_code == 1
    assert "2026-07 v1 was closed by ann, who may not approve it too" in by_closer.output

    approved = jifen(ws, "approve", "2026-07", "--by", "li.wei", "--note", "checked vs CRM")
    assert approved.exit_code == 0, approved.output
    assert published(ws, "select status, closed_by, decided_by, note from latest_approvals") == [
        ("approved", "ann", "li.wei", "checked vs CRM")
    ]

    paid = jifen(ws, "payout", "2026-07", "--out", str(out), "--by", "fin.ops")
    assert paid.exit_code == 0, paid.output
    csv_file, control_file = out / "payout_2026-07_v1.csv", out / "payout_2026-07_v1.control.json"
    control = assert_control_matches(csv_file, control_file)
    assert (control["period"], control["version"], control["approver"]) == ("2026-07", 1, "li.wei")
    rows = read_batch(csv_file)
    owed = rewards(ws, 1)
    assert len(owed) >= 2  # R1 silver and R2 bronze at least
    assert {row["rep_id"]: Decimal(row["amount"]) for row in rows} == owed
    assert {row["payout_batch_id"] for row in rows} == {"PAY-2026-07-v1"}
    assert [row["rep_name"] for row in rows if row["rep_id"] == "R1"] == ["Ann"]
    assert published(
        ws,
        "select payout_batch_id, version, previous_version, row_count, total_amount, "
        "csv_sha256 from payout_batches",
    ) == [("PAY-2026-07-v1", 1, None, len(rows), sum(owed.values()), control["csv_sha256"])]

    again = jifen(ws, "payout", "2026-07", "--out", str(tmp_path_of(out)))
    assert again.exit_code == 1
    assert "2026-07 v1 is already paid: batch PAY-2026-07-v1" in again.output
    assert published(ws, "select count(*) from payout_batches") == [(1,)]


def tmp_path_of(out: Path) -> Path:
    return out.parent / "elsewhere"


def test_a_restatement_pays_only_the_differences_even_through_kill_minus_9(scenario):
    ws, out = scenario
    # late July rows: a sale lifts R2 a tier; an adjustment takes R1 down one
    write_csv(ws, "sales", "sales_2026-07_late.csv", [sale("L1", "R2", "2026-07-20", "60000")])
    write_csv(
        ws,
        "adjustments",
        "adjustments_2026-08-02.csv",
        [["ADJ1", "R1", "2026-07", "-600", "July deal booked twice", "li.wei"]],
        header=ADJUSTMENT_HEADER,
    )
    restated = jifen(
        ws, "close", "2026-07", "--restate", "--reason", "late July rows", "--by", "ann"
    )
    assert restated.exit_code == 0, restated.output
    before, after = rewards(ws, 1), rewards(ws, 2)
    assert after["R2"] > before["R2"] and after.get("R1", Decimal(0)) < before["R1"]

    pending = jifen(ws, "payout", "2026-07", "--out", str(out))
    assert pending.exit_code == 1 and "2026-07 v2 cannot be paid" in pending.output
    assert jifen(ws, "approve", "2026-07", "--version", "2", "--by", "li.wei").exit_code == 0

    # killed with its files written aside, before its record: no batch, no file
    crashed = payout_subprocess(ws, out, crash_at="payout_files_written")
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    assert history(ws, "select count(*) from published.payout_batches") == [(1,)]
    assert sorted(path.name for path in out.glob("payout_*")) == [
        "payout_2026-07_v1.control.json",
        "payout_2026-07_v1.csv",
    ]
    # killed after its record, before its files are in place: the next payout finishes them
    crashed = payout_subprocess(ws, out, crash_at="payout_committed")
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    assert history(ws, "select count(*) from published.payout_batches") == [(2,)]
    assert not (out / "payout_2026-07_v2.csv").exists()
    finished = payout_subprocess(ws, out)
    assert finished.returncode == 1
    assert "2026-07 v2 is already paid: batch PAY-2026-07-v2" in finished.stderr
    assert sorted(path.name for path in out.iterdir()) == [
        "payout_2026-07_v1.control.json",
        "payout_2026-07_v1.csv",
        "payout_2026-07_v2.control.json",
        "payout_2026-07_v2.csv",
    ]  # and no temporary file left

    differences = out / "payout_2026-07_v2.csv"
    control = assert_control_matches(differences, out / "payout_2026-07_v2.control.json")
    assert (control["version"], control["previous_version"]) == (2, 1)
    rows = read_batch(differences)
    assert {(row["version"], row["previous_version"]) for row in rows} == {("2", "1")}
    changed = {
        rep: after.get(rep, Decimal(0)) - before.get(rep, Decimal(0))
        for rep in {*before, *after}
        if after.get(rep) != before.get(rep)
    }
    assert {row["rep_id"]: Decimal(row["amount"]) for row in rows} == changed
    assert changed["R2"] > 0 > changed["R1"]  # a top-up and a claw-back
    stored = history(
        ws,
        "select csv_sha256, created_by from published.payout_batches where version = 2",
    )
    assert stored == [(control["csv_sha256"], "fin.ops")]

    # every batch of the period together pays exactly the latest approved reward list
    paid: dict[str, Decimal] = {}
    for batch in sorted(out.glob("payout_2026-07_v*.csv")):
        for row in read_batch(batch):
            paid[row["rep_id"]] = paid.get(row["rep_id"], Decimal(0)) + Decimal(row["amount"])
    assert {rep: amount for rep, amount in paid.items() if amount} == after
    assert published(ws, "select sum(total_amount) from payout_batches") == [(sum(after.values()),)]


def test_the_chain_holds_decisions_and_batches_and_names_a_tampered_approval(scenario, tmp_path):
    ws, _ = scenario
    assert verify_chain(ws) == []
    kinds = published(
        ws,
        "select kind from (select seq, 'publication' as kind from publications union all "
        "select seq, 'approval ' || status from approvals union all "
        "select seq, 'payout' from payout_batches) order by seq",
    )
    assert [kind for (kind,) in kinds] == [
        "publication",
        "approval pending",
        "approval approved",
        "payout",
        "publication",
        "approval pending",
        "approval approved",
        "payout",
    ]
    copy = Workspace.at(tmp_path / "home")
    shutil.copytree(ws.home, copy.home, symlinks=True)
    with open_database(copy.warehouse) as warehouse:
        warehouse.run(
            "update published.approvals set decided_by = 'ann' where status = 'approved' "
            "and version = 1"
        )
    problems = verify_chain(copy)
    assert problems[0].startswith("warehouse history: approvals seq 3 (2026-07 v1): record altered")
    assert any("approvals seq 3: record differs from the warehouse history" in p for p in problems)
    chain = jifen(copy, "verify-chain")
    assert chain.exit_code == 1 and "approvals seq 3" in chain.output
