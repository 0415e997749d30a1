"""Audit trail and tamper evidence on data published by real closes.

The checks here are independent of the code under test: points are recomputed from the landing
files (read with csv/pyarrow, not jifen's reader) under the contract's rule book 2026.1, or,
for the audit pack, under the rule book rows the pack itself ships; the trace must show, for
every line, the derivation dbt recorded, reading exactly those landed values.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.audit import (
    AuditError,
    LineNotFound,
    WarehouseLocked,
    all_problems,
    trace_line,
    verify_chain,
    write_audit_pack,
)
from orchestration.defs.launch import run_close
from orchestration.generate import generate
from orchestration.lib.workspace import Workspace
from orchestration.publish import store
from orchestration.warehouse.published import NothingPublished

PERIODS = ["2026-07", "2026-08"]
CENT = Decimal("0.01")
# The contract's rule book 2026.1 (docs/sales-program.md#rules).
RATE = Decimal("0.01")
NEW_CUSTOMER = Decimal("50.00")
CAP = Decimal("3000.00")
GATE_FACTOR = Decimal("0.20")
SATISFACTION = {5: Decimal(20), 4: Decimal(10), 3: Decimal(0), 2: Decimal(-10), 1: Decimal(-20)}
TEAM_BONUS = Decimal("100.00")
TEAM_TARGET = Decimal("300000")
POINTS_TEXT = re.compile(r"^-?\d+\.\d{2}$")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)  # half away from zero


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.at(tmp_path_factory.mktemp("audit") / "home").prepare()
    generate(ws.home, seed=3, months=PERIODS, loyalty=False)  # loyalty: test_loyalty_audit.py
    for period in PERIODS:
        assert run_close(ws, period).success
    return ws


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


@cache
def landing_rows(path: Path) -> list[dict[str, str]]:
    """A landing file's data rows as text, read without jifen's reader."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [
                {key.strip(): value for key, value in row.items()} for row in csv.DictReader(handle)
            ]
    return [
        {key: "" if value is None else str(value) for key, value in row.items()}
        for row in pq.read_table(path).to_pylist()
    ]


def landing_row(ws: Workspace, source: str, name: str, number: int) -> dict[str, str]:
    return landing_rows(ws.landing_dir(source) / name)[number - 1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sales_points(row: dict[str, str], rate: Decimal = RATE) -> Decimal:
    points = round2(Decimal(row["amount"].strip()) * rate)
    return -points if row["txn_type"].strip() == "return" else points


# trace_line -------------------------------------------------------------------------------------


def check_landed(ws: Workspace, trace: dict) -> dict[str, str]:
    """The landed row of a traced line is the row of the landing file, unchanged."""
    line, landed = trace["line"], trace["landed"]
    assert trace["kind"] == "landed"
    file = ws.landing_dir(line["source"]) / line["source_file"]
    assert landed["file"]["exists"] and landed["file"]["matches"]
    assert sha256(file) == line["source_file_hash"]
    row = landing_row(ws, line["source"], line["source_file"], line["source_row_number"])
    raw = landed["raw"]
    assert {key: raw[key] for key in row if key in raw} == {
        key: row[key] for key in row if key in raw
    }
    key = "txn_id" if line["source"] == "sales" else "survey_id"
    assert raw[key] == line["source_id"]
    return raw


def expected_landed(rule: str, raw: dict[str, str]) -> Decimal:
    if rule == "SALES":
        return sales_points(raw)
    if rule == "NEW_CUSTOMER":
        return NEW_CUSTOMER
    assert rule == "SATISFACTION"
    return SATISFACTION[int(raw["score"])]


def check_derivation(trace: dict) -> dict:
    """The line's derivation was recorded: of its points, with the arithmetic ending in them."""
    line, derivation = trace["line"], trace["derivation"]
    assert derivation is not None and trace["derivation_note"] is None
    assert derivation["points"] == line["points"]
    assert trace["rule_kind"] == derivation["rule_kind"]
    assert derivation["formula"].rsplit(" ", 1)[-1] == str(line["points"]), derivation["formula"]
    return derivation


def check_landed_line(ws: Workspace, trace: dict) -> dict[str, str]:
    """A landed line: its row as landed, its points by the tests' own rule book 2026.1, and a
    recorded derivation that read the row's values."""
    raw = check_landed(ws, trace)
    line = trace["line"]
    assert expected_landed(line["rule_id"], raw) == line["points"]
    derivation = check_derivation(trace)
    if line["rule_id"] == "SALES":
        assert Decimal(derivation["inputs"]["amount"]) == Decimal(raw["amount"])
        assert derivation["inputs"]["txn_type"] == raw["txn_type"]
        assert derivation["parameters"] == {"rate": "0.01"}
    elif line["rule_id"] == "SATISFACTION":
        assert derivation["inputs"]["score"] == raw["score"]
    return raw


def check_trace(ws: Workspace, trace: dict) -> None:
    """Every line reaches raw values, the raw values give the line's points, and a derived
    line's recorded inputs are those of the lines it lists."""
    line = trace["line"]
    assert trace["problems"] == [], trace["problems"]
    if line["source_file"] is not None:
        check_landed_line(ws, trace)
        return
    derivation = check_derivation(trace)
    inputs = trace["inputs"]
    assert inputs, f"{line['line_id']} reaches no input"
    landed = [i for i in inputs if i["line"]["source_file"] is not None]
    raws = {i["line"]["line_id"]: check_landed_line(ws, i) for i in landed}
    sales = [raws[i["line"]["line_id"]] for i in landed if i["line"]["rule_id"] == "SALES"]
    s = sum((sales_points(raw) for raw in sales), Decimal("0.00"))
    rule, recorded = line["rule_id"], derivation["inputs"]
    if rule == "SALES_CAP":
        assert {i["line"]["rep_id"] for i in inputs} == {line["rep_id"]}
        assert s > CAP and line["points"] == CAP - s
        assert Decimal(recorded["family_subtotal"]) == s
        assert derivation["formula"] == f"limit {CAP} - subtotal {s} = {CAP - s}"
    elif rule == "QUALITY_GATE":
        scores = [
            int(raws[i["line"]["line_id"]]["score"])
            for i in landed
            if i["line"]["rule_id"] == "SATISFACTION"
        ]
        assert len(scores) >= 3 and Decimal(sum(scores)) / len(scores) < Decimal("3.5") and s > 0
        assert line["points"] == -round2(GATE_FACTOR * min(s, CAP))
        assert (int(recorded["survey_count"]), int(recorded["score_sum"])) == (
            len(scores),
            sum(scores),
        )
        assert Decimal(recorded["family_subtotal"]) == s
        assert Decimal(recorded["capped_subtotal"]) == min(s, CAP)
        cap_lines = [i for i in inputs if i["line"]["rule_id"] == "SALES_CAP"]
        assert [i["line"]["points"] for i in cap_lines] == ([CAP - s] if s > CAP else [])
    elif rule == "TEAM_BONUS":
        members = {
            row[0]
            for row in query(
                ws.published_db,
                "select rep_id from rep_period_points where period = ? and version = ? "
                "and team_id = ?",
                [line["period"], line["version"], line["source_id"]],
            )
        }
        assert {i["line"]["rep_id"] for i in inputs} <= members
        net = sum(
            ((-1 if raw["txn_type"] == "return" else 1) * Decimal(raw["amount"]) for raw in sales),
            Decimal("0"),
        )
        assert net >= TEAM_TARGET and line["points"] == TEAM_BONUS
        assert Decimal(recorded["team_net_amount"]) == net
        assert any(
            i["line"]["rep_id"] == line["rep_id"]
            and raws[i["line"]["line_id"]]["txn_type"] == "sale"
            for i in landed
        )
    else:
        raise AssertionError(f"unexpected derived rule {rule}")


def test_trace_reaches_the_landed_values_of_every_line_of_a_rep(ws: Workspace) -> None:
    period = "2026-07"
    rep, _ = query(
        ws.published_db,
        "select rep_id, count(distinct rule_id) as rules from points_ledger "
        "where period = ? group by rep_id "
        "order by count(*) filter (where source_file is null) > 0 desc, rules desc, rep_id "
        "limit 1",
        [period],
    )[0]
    lines = query(
        ws.published_db,
        "select line_id, points from points_ledger where period = ? and version = 1 "
        "and rep_id = ? order by line_id",
        [period, rep],
    )
    rules = set()
    for line_id, _points in lines:
        trace = trace_line(ws, line_id, period)
        assert trace["version"] == 1 and trace["ok"], all_problems(trace)
        check_trace(ws, trace)
        rules.add(trace["line"]["rule_id"])
    assert {"SALES", "SATISFACTION"} <= rules and rules - {"SALES", "SATISFACTION", "NEW_CUSTOMER"}
    total = query(
        ws.published_db,
        "select total_points from rep_period_points where period = ? and version = 1 "
        "and rep_id = ?",
        [period, rep],
    )[0][0]
    assert sum(points for _, points in lines) == total


@pytest.mark.parametrize("rule", ["SALES_CAP", "QUALITY_GATE", "TEAM_BONUS"])
def test_trace_walks_a_derived_line_to_the_rows_it_is_computed_from(
    ws: Workspace, rule: str
) -> None:
    found = query(
        ws.published_db,
        "select period, line_id from points_ledger where rule_id = ? order by period, line_id "
        "limit 1",
        [rule],
    )
    if not found:
        pytest.skip(f"the synthetic data has no {rule} line")
    period, line_id = found[0]
    trace = trace_line(ws, line_id, period, version=1)
    assert trace["kind"] == "derived" and trace["landed"] is None and trace["ok"]
    check_trace(ws, trace)
    expected = {
        "SALES_CAP": ("SALES",),
        "QUALITY_GATE": ("SALES", "SALES_CAP", "SATISFACTION"),
        "TEAM_BONUS": ("SALES",),
    }[rule]
    assert trace["derivation"]["input_rules"] == expected
    assert {i["line"]["rule_id"] for i in trace["inputs"]} <= set(expected)


def test_trace_refuses_unknown_lines_and_periods(ws: Workspace) -> None:
    with pytest.raises(LineNotFound, match="SALES:NOPE"):
        trace_line(ws, "SALES:NOPE", "2026-07")
    with pytest.raises(NothingPublished):
        trace_line(ws, "SALES:X0000005", "2031-01")
    with pytest.raises(NothingPublished):
        trace_line(ws, "SALES:X0000005", "2026-07", version=9)


def test_trace_shows_a_landing_file_changed_after_ingestion(copy: Workspace) -> None:
    line_id, name = query(
        copy.published_db,
        "select line_id, source_file from points_ledger where period = '2026-07' "
        "and rule_id = 'SALES' and source_file like '%.csv' order by line_id limit 1",
    )[0]
    with (copy.landing_dir("sales") / name).open("a") as handle:
        handle.write("\n")
    trace = trace_line(copy, line_id, "2026-07")
    assert not trace["ok"] and trace["landed"]["file"]["matches"] is False
    assert any("changed after it was ingested" in p for p in trace["problems"])
    (copy.landing_dir("sales") / name).unlink()
    trace = trace_line(copy, line_id, "2026-07")
    assert trace["landed"]["file"]["exists"] is False
    assert trace["landed"]["raw"]["txn_id"] == trace["line"]["source_id"]  # still in raw_sales
    assert any("no longer exists" in p for p in trace["problems"])


def test_every_published_line_has_its_derivation_kept_out_of_the_readers_copy(
    ws: Workspace,
) -> None:
    for period in PERIODS:
        published = set(
            query(
                ws.published_db,
                "select line_id, points from points_ledger where period = ? and version = 1",
                [period],
            )
        )
        recorded = set(
            query(
                ws.warehouse,
                "select line_id, points from published.ledger_derivations "
                "where period = ? and version = 1 and line_period = ?",
                [period, period],
            )
        )
        assert published and recorded == published
    readers_tables = {row[0] for row in query(ws.published_db, "show tables")}
    assert "points_ledger" in readers_tables
    assert not {name for name in readers_tables if "derivation" in name}


def test_a_version_published_before_derivations_says_so(copy: Workspace) -> None:
    from typer.testing import CliRunner

    from orchestration.cli import app

    execute(copy.warehouse, "delete from published.ledger_derivations where period = '2026-07'")
    landed_id, derived_id = (
        query(
            copy.published_db,
            "select line_id from points_ledger where period = '2026-07' and rule_id = ? "
            "order by line_id limit 1",
            [rule],
        )[0][0]
        for rule in ("SALES", "SALES_CAP")
    )
    landed = trace_line(copy, landed_id, "2026-07")
    assert landed["ok"] and landed["derivation"] is None
    assert landed["derivation_note"].startswith("2026-07 v1 was published before jifen recorded")
    check_landed(copy, landed)  # the lineage is traced all the same
    derived = trace_line(copy, derived_id, "2026-07")
    assert derived["ok"] and derived["derivation"] is None and derived["inputs"] == []
    shown = CliRunner().invoke(
        app, ["trace", "--home", str(copy.home), "--line", derived_id, "--period", "2026-07"]
    )
    assert shown.exit_code == 0, shown.output
    assert "derivation: not recorded (2026-07 v1 was published before" in shown.output
    # its audit pack says there is no derivation to ship
    write_audit_pack(copy, "2026-07", None, copy.home / "packs")
    pack = copy.home / "packs" / "jifen-audit-2026-07-v1"
    assert not (pack / "ledger_derivations.csv").exists()
    assert (
        "no `ledger_derivations.csv`: this version was published before"
        in (pack / "README.md").read_text()
    )
    # a warehouse from before the table existed
    execute(copy.warehouse, "drop table published.ledger_derivations")
    again = trace_line(copy, derived_id, "2026-07")
    assert again["ok"] and again["derivation_note"] == derived["derivation_note"]


def test_trace_names_a_derivation_its_landed_row_does_not_support(copy: Workspace) -> None:
    line_id, amount = query(
        copy.warehouse,
        "select line_id, json_extract_string(inputs, '$.amount') from published.ledger_derivations "
        "where period = '2026-07' and rule_id = 'SALES' order by line_id limit 1",
    )[0]
    execute(
        copy.warehouse,
        "update published.ledger_derivations set inputs = replace(inputs, ?, ?), points = 99.99 "
        "where period = '2026-07' and line_id = ?",
        [f'"amount":"{amount}"', '"amount":"1.00"', line_id],
    )
    trace = trace_line(copy, line_id, "2026-07")
    landed = trace["landed"]["raw"]["amount"].strip()
    assert not trace["ok"] and Decimal(landed) == Decimal(amount) != Decimal("1.00")
    assert f"the derivation read amount '1.00', the landed row holds '{landed}'" in " ".join(
        trace["problems"]
    )
    assert any(p.startswith("the recorded derivation gives 99.99") for p in trace["problems"])


def test_a_running_close_makes_the_audit_say_so(copy: Workspace) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(120)",
            str(copy.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseLocked, match="locked by a running jifen close"):
            trace_line(copy, "SALES:X0000005", "2026-07")
        with pytest.raises(WarehouseLocked):
            verify_chain(copy)
        with pytest.raises(WarehouseLocked):
            write_audit_pack(copy, "2026-07", None, copy.home / "packs")
    finally:
        holder.kill()
        holder.wait()


# the audit pack ---------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def recompute_from_pack(pack: Path, ws: Workspace) -> dict[str, Decimal]:
    """The README's procedure, reading only the pack's CSVs and the landing files: every line
    recomputed by its rule's kind and parameters in the pack's rule book rows."""
    ledger = read_csv(pack / "points_ledger.csv")
    reps = {row["rep_id"]: row for row in read_csv(pack / "rep_period_points.csv")}
    book = pack / "rulebook"
    rules = {(r["rulebook_version"], r["rule_id"]): r for r in read_csv(book / "rules.csv")}
    scores: dict[tuple[str, str], dict[int, Decimal]] = defaultdict(dict)
    for row in read_csv(book / "score_points.csv"):
        scores[(row["rulebook_version"], row["rule_id"])][int(row["score"])] = Decimal(
            row["points"]
        )
    targets = {
        (row["rulebook_version"], row["rule_id"], row["team_id"]): Decimal(row["monthly_target"])
        for row in read_csv(book / "team_targets.csv")
    }
    manifest = {
        (r["source"], r["file"]): r["sha256"] for r in read_csv(pack / "inputs_manifest.csv")
    }
    keys = {"sales": "txn_id", "surveys": "survey_id", "adjustments": "adjustment_id"}
    sales_by_order = {
        row["order_id"].strip(): row
        for path in sorted(ws.landing_dir("sales").glob("*"))
        for row in landing_rows(path)
        if row["txn_type"].strip() == "sale"
    }
    segments = {
        row["customer_id"].strip(): row["segment"].strip()
        for path in sorted(ws.landing_dir("customers").glob("*"))
        for row in landing_rows(path)
    }

    def landed(line: dict[str, str]) -> dict[str, str]:
        source, name = line["source"], line["source_file"]
        assert manifest[(source, name)] == line["source_file_hash"]
        assert sha256(ws.landing_dir(source) / name) == line["source_file_hash"]
        row = landing_row(ws, source, name, int(line["source_row_number"]))
        assert row[keys[source]].strip() == line["source_id"]
        return row

    def rule_of(line: dict[str, str]) -> dict[str, str]:
        return rules[(line["rulebook_version"], line["rule_id"])]

    def names(text: str) -> list[str]:
        return [name for name in text.split("|") if name]

    computed: dict[str, Decimal] = {}
    rows_of: dict[str, dict[str, str]] = {}
    for line in ledger:
        assert POINTS_TEXT.match(line["points"]), line["points"]
        if line["rule_id"] == "MANUAL_ADJUSTMENT":
            row = landed(line)
            assert row["period"].strip() == line["period"]
            computed[line["line_id"]] = round2(Decimal(row["points"].strip()))
            continue
        if line["rule_id"] == "PRIOR_PERIOD_ADJUSTMENT" or not line["source_file"]:
            continue
        rule = rule_of(line)
        rows_of[line["line_id"]] = row = landed(line)
        if rule["kind"] == "score_points":
            score = int(row["score"].strip())
            computed[line["line_id"]] = scores[(line["rulebook_version"], rule["rule_id"])][score]
            continue
        sign = -1 if row["txn_type"].strip() == "return" else 1
        sale = sales_by_order[row["order_id"].strip()] if sign < 0 else row
        amount = Decimal(row["amount"].strip())
        if rule["kind"] == "amount_rate":
            computed[line["line_id"]] = sign * round2(amount * Decimal(rule["rate"]))
        elif rule["kind"] == "first_sale":
            computed[line["line_id"]] = Decimal(rule["points"])
        else:
            assert rule["kind"] == "spiff", rule
            day = sale["txn_date"].strip()
            assert rule["window_start"] <= day <= rule["window_end"]
            assert not rule["segment"] or segments[sale["customer_id"].strip()] == rule["segment"]
            base = rules[(line["rulebook_version"], rule["base_rule_id"])]
            if rule["multiplier"]:
                base_points = round2(amount * Decimal(base["rate"]))
                bonus = round2(base_points * (Decimal(rule["multiplier"]) - 1))
            else:
                bonus = round2(amount * Decimal(rule["rate"]))
            computed[line["line_id"]] = sign * bonus
    by_rep: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in ledger:
        by_rep[line["rep_id"]].append(line)

    def kind_of(line: dict[str, str]) -> str:
        found = rules.get((line["rulebook_version"], line["rule_id"]))
        return found["kind"] if found else line["rule_id"]

    def subtotal(rep: str, family: list[str]) -> Decimal:
        return sum(
            (computed[x["line_id"]] for x in by_rep[rep] if x["rule_id"] in family),
            Decimal("0.00"),
        )

    team_net: dict[str, Decimal] = defaultdict(Decimal)
    counted = set()
    for line in ledger:
        if line["source_file"] and kind_of(line) == "amount_rate":
            if line["source_id"] in counted:
                continue
            counted.add(line["source_id"])
            row = rows_of[line["line_id"]]
            sign = -1 if row["txn_type"].strip() == "return" else 1
            team_net[reps[line["rep_id"]]["team_id"]] += sign * Decimal(row["amount"].strip())
    order = {"cap": 0, "gate": 1, "team_bonus": 2}
    for line in sorted(ledger, key=lambda x: order.get(kind_of(x), 3)):
        rep, kind = line["rep_id"], kind_of(line)
        if kind == "cap":
            rule = rule_of(line)
            s = subtotal(rep, names(rule["family"]))
            assert s > Decimal(rule["limit_points"])
            computed[line["line_id"]] = Decimal(rule["limit_points"]) - s
        elif kind == "gate":
            rule = rule_of(line)
            s = subtotal(rep, names(rule["family"]))
            survey_scores = {
                x["source_id"]: int(rows_of[x["line_id"]]["score"].strip())
                for x in by_rep[rep]
                if kind_of(x) == "score_points"
            }
            assert len(survey_scores) >= int(rule["min_surveys"]) and s > 0
            assert Decimal(sum(survey_scores.values())) < Decimal(rule["mean_score_below"]) * len(
                survey_scores
            )
            capped = s + computed.get(f"{rule['cap_rule_id']}:{rep}", Decimal("0.00"))
            computed[line["line_id"]] = -round2(Decimal(rule["factor"]) * capped)
        elif kind == "team_bonus":
            rule = rule_of(line)
            team = reps[rep]["team_id"]
            assert line["source_id"] == team
            target = targets.get(
                (line["rulebook_version"], rule["rule_id"], team), Decimal(rule["default_target"])
            )
            assert team_net[team] >= target
            assert any(
                rows_of[x["line_id"]]["txn_type"].strip() == "sale"
                for x in by_rep[rep]
                if x["line_id"] in rows_of and "txn_type" in rows_of[x["line_id"]]
            )
            computed[line["line_id"]] = Decimal(rule["points"])
        elif line["rule_id"] == "PRIOR_PERIOD_ADJUSTMENT":  # checked against its period
            computed[line["line_id"]] = Decimal(line["points"])
    assert set(computed) == {line["line_id"] for line in ledger}, "a rule the README misses"
    for line in ledger:
        assert computed[line["line_id"]] == Decimal(line["points"]), line
    totals = {
        rep: sum((computed[x["line_id"]] for x in lines), Decimal("0.00"))
        for rep, lines in by_rep.items()
    }
    return {rep: totals.get(rep, Decimal("0.00")) for rep in reps}


def tier_of(total: Decimal, tiers: list[dict[str, str]]) -> str:
    reached = [row for row in tiers if Decimal(row["min_points"]) <= total]
    return max(reached, key=lambda row: Decimal(row["min_points"]))["tier"] if reached else ""


@pytest.mark.parametrize("period", PERIODS)
def test_audit_pack_procedure_gives_every_published_total(
    ws: Workspace, tmp_path: Path, period: str
) -> None:
    zipped = write_audit_pack(ws, period, None, tmp_path)
    pack = tmp_path / f"jifen-audit-{period}-v1"
    assert zipped == tmp_path / f"jifen-audit-{period}-v1.zip" and pack.is_dir()
    totals = recompute_from_pack(pack, ws)
    published = read_csv(pack / "rep_period_points.csv")
    tiers = read_csv(pack / "rulebook" / "tiers.csv")
    rewards = {row["rep_id"]: row for row in read_csv(pack / "reward_list.csv")}
    assert published and {row["rep_id"] for row in published} == set(totals)
    for row in published:
        assert totals[row["rep_id"]] == Decimal(row["total_points"]), row
        assert tier_of(Decimal(row["total_points"]), tiers) == row["tier"]
        assert (row["rep_id"] in rewards) == bool(row["tier"])
    subtotals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in read_csv(pack / "points_ledger.csv"):
        subtotals[(line["rep_id"], line["rule_id"])] += Decimal(line["points"])
    assert {
        (row["rep_id"], row["rule_id"]): Decimal(row["points"])
        for row in read_csv(pack / "rep_period_rule_points.csv")
    } == dict(subtotals)
    # the same rows the readers' copy publishes, and the hashes of the record
    publication = json.loads((pack / "publication.json").read_text())
    assert (
        publication["content_hash"]
        == query(
            ws.published_db,
            "select content_hash from publications where period = ? and version = 1",
            [period],
        )[0][0]
    )
    assert store.publication_hash(publication) == publication["publication_hash"]
    # the rule book of the publication, and nothing else
    for seed in (pack / "rulebook").glob("*.csv"):  # team_targets of 2026.1 has no row
        assert {row["rulebook_version"] for row in read_csv(seed)} <= {"2026.1"}
    assert {row["rulebook_version"] for row in read_csv(pack / "rulebook" / "rules.csv")} == {
        "2026.1"
    }
    # inputs: every landing file ingested, with its hash
    manifest = read_csv(pack / "inputs_manifest.csv")
    for row in manifest:
        assert sha256(ws.landing_dir(row["source"]) / row["file"]) == row["sha256"]
    ingested = {(row["source"], row["file"]) for row in manifest if row["status"] == "ingested"}
    assert ingested == set(query(ws.warehouse, "select source, source_file from ingested_files"))
    # quarantine and counts of the period reconcile with the publication
    quarantine = read_csv(pack / "quarantine.csv")
    for row in quarantine:
        raw = json.loads(row["raw"])
        if row["scope"] == "period":
            assert (raw.get("txn_date") or raw.get("survey_date")).strip().startswith(period)
        else:
            assert row["scope"] == "reference" and row["source"] in ("reps", "customers")
            assert "customer_name" not in raw or raw["customer_name"] in (
                "",
                "(withheld: personal data)",
            )
    counts = read_csv(pack / "validation_counts.csv")
    for field in ("rows_read", "rows_loaded", "rows_deduplicated", "rows_quarantined"):
        assert (
            sum(int(row[field]) for row in counts if row["scope"] != "undated")
            == (publication[field])
        )
    assert (
        sum(1 for row in quarantine if row["scope"] != "undated")
        == (publication["rows_quarantined"])
    )
    # how each line was derived, as recorded when the version was published
    derivations = {row["line_id"]: row for row in read_csv(pack / "ledger_derivations.csv")}
    ledger = read_csv(pack / "points_ledger.csv")
    assert {line["line_id"] for line in ledger} == set(derivations)
    for line in ledger:
        derivation = derivations[line["line_id"]]
        assert (derivation["line_period"], derivation["points"]) == (period, line["points"])
        assert derivation["formula"].rsplit(" ", 1)[-1] == line["points"]
    readme = (pack / "README.md").read_text()
    assert "round_half_away_from_zero(amount x rate, 2)" in readme
    assert "- `ledger_derivations.csv`: how dbt derived each line" in readme
    assert "- `SALES` (amount_rate): `rate` 0.0100; eligible: every rep" in readme
    assert "`rulebook/yaml/2026.1.yaml` compiles to the rows of rule book 2026.1" in readme
    assert "**NO**" not in readme
    # the shipped checker agrees, landing files included
    checked = subprocess.run(
        [sys.executable, str(pack / "check_hashes.py"), "--landing", str(ws.landing)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout
    assert "all checks passed" in checked.stdout and "MISMATCH" not in checked.stdout


def test_audit_pack_zip_is_deterministic_and_matches_the_folder(
    ws: Workspace, tmp_path: Path
) -> None:
    first = write_audit_pack(ws, "2026-07", 1, tmp_path / "a")
    second = write_audit_pack(ws, "2026-07", 1, tmp_path / "b")
    again = write_audit_pack(ws, "2026-07", 1, tmp_path / "a")  # replaces the folder and zip
    assert first.read_bytes() == second.read_bytes() == again.read_bytes()
    folder = tmp_path / "a" / "jifen-audit-2026-07-v1"
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        files = {
            path.relative_to(folder.parent).as_posix(): path.read_bytes()
            for path in folder.rglob("*")
            if path.is_file()
        }
        assert {name: archive.read(name) for name in names} == files
    assert not list((tmp_path / "a").glob(".*"))  # no partial leftovers


def test_the_pack_checker_catches_an_edited_csv(ws: Workspace, tmp_path: Path) -> None:
    write_audit_pack(ws, "2026-07", None, tmp_path)
    pack = tmp_path / "jifen-audit-2026-07-v1"
    path = pack / "rep_period_points.csv"
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[1].split(",")
    total = Decimal(fields[5])
    fields[5] = str(total + 1)
    lines[1] = ",".join(fields)
    path.write_text("".join(lines))
    checked = subprocess.run(
        [sys.executable, str(pack / "check_hashes.py")], capture_output=True, text=True
    )
    assert checked.returncode == 1
    assert "MISMATCH file rep_period_points.csv" in checked.stdout
    assert "MISMATCH content hash" in checked.stdout


# verify_chain -----------------------------------------------------------------------------------


def test_verify_chain_is_empty_on_intact_data(ws: Workspace) -> None:
    assert verify_chain(ws) == []


def first_line(path: Path, table: str) -> str:
    return query(
        path,
        f"select line_id from {table} where period = '2026-07' and version = 1 "
        "and rule_id = 'SALES' order by line_id limit 1",
    )[0][0]


def test_verify_chain_names_points_altered_in_the_readers_copy(copy: Workspace) -> None:
    line_id = first_line(copy.published_db, "points_ledger")
    execute(
        copy.published_db,
        "update points_ledger set points = points + 1 where period = '2026-07' and version = 1 "
        "and line_id = ?",
        [line_id],
    )
    problems = verify_chain(copy)
    assert len(problems) == 1, problems
    assert problems[0].startswith("readers' copy (published.duckdb): 2026-07 v1: rows altered")
    trace = trace_line(copy, line_id, "2026-07")
    assert trace["line_matches_history"] is False and not trace["ok"]


def test_verify_chain_names_points_altered_in_the_warehouse_history(copy: Workspace) -> None:
    line_id = first_line(copy.warehouse, "published.points_ledger")
    execute(
        copy.warehouse,
        "update published.points_ledger set points = points - 1 where period = '2026-07' "
        "and version = 1 and line_id = ?",
        [line_id],
    )
    problems = verify_chain(copy)
    assert len(problems) == 1, problems
    assert problems[0].startswith("warehouse history: 2026-07 v1: rows altered")
    with pytest.raises(AuditError, match="altered after publication"):
        write_audit_pack(copy, "2026-07", 1, copy.home / "packs")
    assert not (copy.home / "packs" / "jifen-audit-2026-07-v1").exists()


def test_verify_chain_names_an_altered_record_and_a_rewritten_link(copy: Workspace) -> None:
    execute(
        copy.warehouse,
        "update published.publications set reason = 'nothing to see' where period = '2026-07'",
    )
    problems = verify_chain(copy)
    assert len(problems) == 3, problems
    assert "warehouse history: 2026-07 v1: record altered" in problems[0]
    assert (
        problems[1]
        == "readers' copy (published.duckdb): 2026-07 v1: record differs from the warehouse history"
    )
    assert (
        problems[2]
        == "Delta copy (published/): 2026-07 v1: record differs from the warehouse history"
    )
    # the forger recomputes the record's own hash: the next link shows it
    record = dict(
        zip(
            (
                "seq",
                "period",
                "version",
                "rulebook_version",
                "input_fingerprint",
                "published_at",
                "run_id",
                "reason",
                "content_hash",
                "previous_hash",
            ),
            query(
                copy.warehouse,
                "select seq, period, version, rulebook_version, input_fingerprint, published_at, "
                "run_id, reason, content_hash, previous_hash from published.publications "
                "where period = '2026-07'",
            )[0],
            strict=True,
        )
    )
    execute(
        copy.warehouse,
        "update published.publications set publication_hash = ? where period = '2026-07'",
        [store.publication_hash(record)],
    )
    problems = verify_chain(copy)
    # the next link of the chain is July's pending sign-off record (docs/published-tables.md)
    assert any(
        p.startswith("warehouse history: approvals seq 2 (2026-07 v1): chain broken")
        for p in problems
    )
    assert not any(p.startswith("warehouse history: 2026-07") for p in problems)


def test_verify_chain_names_a_deleted_publication(copy: Workspace) -> None:
    execute(copy.warehouse, "delete from published.publications where period = '2026-07'")
    problems = verify_chain(copy)
    history = [p for p in problems if p.startswith("warehouse history")]
    assert len(history) == 2, problems
    assert history[0].startswith(
        "warehouse history: approvals seq 2 (2026-07 v1): missing record(s) before it (seq 1 gone)"
    )
    assert "chain broken" in history[0]
    assert history[1].startswith("warehouse history: 2026-07 v1: missing publication record")
    assert any(
        p.startswith("readers' copy (published.duckdb): 2026-07 v1: not in the") for p in problems
    )


# prior-period adjustments -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def late_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """August's deliveries land after July is closed: they carry late July rows (and a new
    roster), which the August close books as PRIOR_PERIOD_ADJUSTMENT lines."""
    root = tmp_path_factory.mktemp("late")
    ws = Workspace.at(root / "home").prepare()
    generate(ws.home, seed=3, months=PERIODS, loyalty=False)  # loyalty: test_loyalty_audit.py
    held = sorted(ws.landing.rglob("*2026-08*"))
    assert held
    for path in held:
        (root / "held" / path.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.move(path, root / "held" / path.parent.name / path.name)
    assert run_close(ws, "2026-07").success
    for path in held:
        shutil.move(root / "held" / path.parent.name / path.name, path)
    assert run_close(ws, "2026-08").success
    return ws


def test_trace_walks_prior_period_adjustments_to_the_late_rows(late_ws: Workspace) -> None:
    lines = query(
        late_ws.published_db,
        "select line_id from points_ledger where period = '2026-08' "
        "and rule_id = 'PRIOR_PERIOD_ADJUSTMENT' order by line_id",
    )
    if not lines:
        pytest.skip("the late deliveries booked no adjustment")
    rules = set()
    for (line_id,) in lines:
        trace = trace_line(late_ws, line_id, "2026-08")
        line = trace["line"]
        assert trace["kind"] == "derived" and trace["ok"], all_problems(trace)
        adjusted, rule = line["adjusted_period"], line["adjusted_rule_id"]
        rules.add(rule)
        recorded = check_derivation(trace)["inputs"]
        assert trace["rule_kind"] == "prior_period_adjustment"
        assert (recorded["adjusted_period"], recorded["adjusted_version"]) == (adjusted, "1")
        assert recorded["adjusted_rule_id"] == rule
        recomputed, booked = (
            Decimal(recorded["recomputed_points"]),
            Decimal(recorded["booked_points"]),
        )
        assert line["points"] == recomputed - booked
        for item in trace["inputs"]:  # what July v1 booked for the rep and rule
            assert (item["line"]["period"], item["line"]["version"]) == (adjusted, 1)
            assert (item["line"]["rep_id"], item["line"]["rule_id"]) == (line["rep_id"], rule)
        assert booked == sum((i["line"]["points"] for i in trace["inputs"]), Decimal("0.00"))
        assert trace["late_rows"], "an adjustment names the lines behind it"
        if rule == "SALES":
            late = Decimal("0.00")
            for entry in trace["late_rows"]:
                assert entry["status"] == "new"
                landed = entry["landed"]
                row = landing_row(late_ws, "sales", landed["source_file"], landed["row_number"])
                assert row["txn_id"] == entry["line_id"].split(":", 1)[1]
                assert row["txn_date"].startswith(adjusted)
                assert landed["file"]["matches"] and landed["raw"]["amount"] == row["amount"]
                assert entry["points_now"] == sales_points(row) == entry["delta"]
                assert Decimal(entry["derivation"]["inputs"]["amount"]) == Decimal(row["amount"])
                late += sales_points(row)
            assert line["points"] == late
        elif rule == "SATISFACTION":
            for entry in trace["late_rows"]:
                if entry["status"] == "gone":
                    assert entry["quarantined"], "a gone line's row is quarantined now"
                    assert entry["delta"] == -entry["published_points"]
            deltas = sum((entry["delta"] for entry in trace["late_rows"]), Decimal("0.00"))
            assert line["points"] == deltas
    assert "SALES" in rules


def test_trace_follows_an_adjustment_a_restatement_carried(
    late_ws: Workspace, tmp_path: Path
) -> None:
    """August restated for a new manual adjustment keeps the adjustments v1 booked; their
    trace is the derivation v1 recorded."""
    home = tmp_path / "home"
    shutil.copytree(late_ws.home, home, symlinks=True)
    ws = Workspace.at(home)
    from conftest import write_csv

    write_csv(
        ws, "adjustments", "adjustments_2026-08.csv", [["ADJ9", "R001", "2026-08", "5", "x", "y"]]
    )
    assert run_close(ws, "2026-08", restate=True, reason="a late adjustment").success
    line_id = query(
        ws.published_db,
        "select line_id from points_ledger where period = '2026-08' and version = 2 "
        "and rule_id = 'PRIOR_PERIOD_ADJUSTMENT' and adjusted_rule_id = 'SALES' "
        "order by line_id limit 1",
    )[0][0]
    first, carried = trace_line(ws, line_id, "2026-08", 1), trace_line(ws, line_id, "2026-08", 2)
    assert carried["version"] == 2 and carried["ok"], all_problems(carried)
    assert carried["derived_from"].startswith("booked by 2026-08 v1 and carried into this version")
    assert carried["derivation"] == first["derivation"]
    assert [e["line_id"] for e in carried["late_rows"]] == [
        e["line_id"] for e in first["late_rows"]
    ]
    assert carried["line"]["points"] == first["line"]["points"]


def test_adjusted_period_pack_and_chain_hold(late_ws: Workspace, tmp_path: Path) -> None:
    assert verify_chain(late_ws) == []
    write_audit_pack(late_ws, "2026-08", None, tmp_path)
    pack = tmp_path / "jifen-audit-2026-08-v1"
    totals = recompute_from_pack(pack, late_ws)
    for row in read_csv(pack / "rep_period_points.csv"):
        assert totals[row["rep_id"]] == Decimal(row["total_points"])
    readme = (pack / "README.md").read_text()
    assert "PRIOR_PERIOD_ADJUSTMENT lines" in readme
    checked = subprocess.run(
        [sys.executable, str(pack / "check_hashes.py"), "--landing", str(late_ws.landing)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout
    # July's pack of the same workspace: the survey a late conflicting row quarantined was paid
    write_audit_pack(late_ws, "2026-07", None, tmp_path)
    july = read_csv(tmp_path / "jifen-audit-2026-07-v1" / "quarantine.csv")
    paid = [row for row in july if row["note"]]
    assert paid and all(row["scope"] == "period" for row in paid)


# generic rule books: a second version with a SPIFF, a role-specific rule, manual adjustments -----

RULEBOOK_2026_2 = """\
version: "2026.2"
effective_from: 2026-08-01
currency: CNY
description: "Test book: a richer SALES rate, an SDR rate, an enterprise SPIFF, a tight cap"

rules:
  - id: SALES
    kind: amount_rate
    rate: 0.012
    description: 1.2 points per 100 CNY of a sale
  - id: SDR_SALES
    kind: amount_rate
    rate: 0.005
    roles: [sdr]
    description: SDRs earn half a point more per 100 CNY
  - id: NEW_CUSTOMER
    kind: first_sale
    points: 50
    description: A customer's first-ever loaded sale
  - id: ENT_SPIFF
    kind: spiff
    base: SALES
    window: {from: 2026-09-10, to: 2026-09-20}
    segment: enterprise
    multiplier: 2
    description: Enterprise sales from 10 to 20 September earn their SALES points twice
  - id: SATISFACTION
    kind: score_points
    points_by_score: {5: 25, 4: 10, 3: 0, 2: -10, 1: -25}
    description: Points for every survey by its score
  - id: SALES_CAP
    kind: cap
    family: [SALES, ENT_SPIFF]
    limit: 20
    description: SALES and SPIFF points together are capped at 20
  - id: QUALITY_GATE
    kind: gate
    family: [SALES, ENT_SPIFF]
    min_surveys: 3
    mean_score_below: 3.5
    factor: 0.20
    cap: SALES_CAP
    description: Low satisfaction deducts 20 % of the capped SALES and SPIFF subtotal
  - id: TEAM_BONUS
    kind: team_bonus
    points: 100
    default_target: 300000
    targets: {T1: 1000}
    description: A team that reaches its target pays each member with a sale

tiers:
  - {tier: bronze, from: 10, below: 60}
  - {tier: silver, from: 60}

rewards:
  bronze: {reward: gift card, cash_value: 50}
  silver: {reward: cash bonus, cash_value: 200}
"""
SALE = ["txn_id", "txn_type", "order_id", "rep_id", "customer_id", "txn_date", "amount", "currency"]


def build_rulebook_workspace(home: Path) -> Workspace:
    """September 2026 under the workspace's own rule book 2026.2 (effective 2026-08-01), with a
    return of a July sale (scored under 2026.1) and a manual adjustment. Expected lines:

    S1 R1 (ae) C1 enterprise 09-12 1000.00: SALES 12.00, ENT_SPIFF 12.00, NEW_CUSTOMER 50
    S2 R2 (sdr) C2 smb 09-05 2000.00: SALES 24.00, SDR_SALES 10.00, NEW_CUSTOMER 50
    S3 return of S1 09-25 400.00: SALES -4.80, ENT_SPIFF -4.80 (scored on 09-12, in the window)
    S4 R3 C1 09-15 500.33: SALES 6.00, ENT_SPIFF 6.00; S6 R3 C2 09-16 1000.00: SALES 12.00
    S5 return of S0 (R1, C3, 2026-07-20, under 2026.1) 09-03 200.00: SALES -2.00 (2026.1)
    SALES_CAP:R2 and :R3 20 - 24.00 = -4.00; QUALITY_GATE:R1 -0.2 x 12.40 = -2.48 (scores 2, 3, 3)
    TEAM_BONUS:R1 and :R2 (T1 net 2,400.00 >= its own target 1,000.00); MANUAL_ADJUSTMENT:ADJ1
    """
    from conftest import write_csv

    ws = Workspace.at(home).prepare().create_landing()
    write_csv(
        ws,
        "reps",
        "reps_2026-07-01.csv",
        [
            ["R1", "Ann", "T1", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T1", "sdr", "2026-01-01", ""],
            ["R3", "Cy", "T2", "account_exec", "2026-01-01", ""],
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
        "sales_2026-07.csv",
        [["S0", "sale", "O0", "R1", "C3", "2026-07-20", "500.00", "CNY"]],
    )
    write_csv(
        ws,
        "sales",
        "sales_2026-09.csv",
        [
            ["S1", "sale", "O1", "R1", "C1", "2026-09-12", "1000.00", "CNY"],
            ["S2", "sale", "O2", "R2", "C2", "2026-09-05", "2000.00", "CNY"],
            ["S3", "return", "O1", "R1", "C1", "2026-09-25", "400.00", "CNY"],
            ["S4", "sale", "O4", "R3", "C1", "2026-09-15", "500.33", "CNY"],
            ["S5", "return", "O0", "R1", "C3", "2026-09-03", "200.00", "CNY"],
            ["S6", "sale", "O6", "R3", "C2", "2026-09-16", "1000.00", "CNY"],
        ],
    )
    write_csv(
        ws,
        "surveys",
        "surveys_2026-09.csv",
        [
            ["V1", "R1", "C1", "O1", "2", "2026-09-13"],
            ["V2", "R1", "C1", "", "3", "2026-09-14"],
            ["V3", "R1", "C1", "", "3", "2026-09-15"],
            ["V4", "R2", "C2", "O2", "5", "2026-09-06"],
        ],
    )
    write_csv(
        ws,
        "adjustments",
        "adjustments_2026-09.csv",
        [["ADJ1", "R1", "2026-09", "-12.50", "clawback of a disputed deal", "M. Lee"]],
    )
    ws.rulebooks.mkdir(parents=True, exist_ok=True)
    (ws.rulebooks / "2026.2.yaml").write_text(RULEBOOK_2026_2, encoding="utf-8")
    run = run_close(ws, "2026-09")
    assert run.success, run.errors
    return ws


EXPECTED_2026_09 = {
    "SALES:S1": ("2026.2", Decimal("12.00")),
    "ENT_SPIFF:S1": ("2026.2", Decimal("12.00")),
    "NEW_CUSTOMER:S1": ("2026.2", Decimal("50.00")),
    "SALES:S2": ("2026.2", Decimal("24.00")),
    "SDR_SALES:S2": ("2026.2", Decimal("10.00")),
    "NEW_CUSTOMER:S2": ("2026.2", Decimal("50.00")),
    "SALES:S3": ("2026.2", Decimal("-4.80")),
    "ENT_SPIFF:S3": ("2026.2", Decimal("-4.80")),
    "SALES:S4": ("2026.2", Decimal("6.00")),
    "ENT_SPIFF:S4": ("2026.2", Decimal("6.00")),
    "SALES:S5": ("2026.1", Decimal("-2.00")),
    "SALES:S6": ("2026.2", Decimal("12.00")),
    "SATISFACTION:V1": ("2026.2", Decimal("-10.00")),
    "SATISFACTION:V2": ("2026.2", Decimal("0.00")),
    "SATISFACTION:V3": ("2026.2", Decimal("0.00")),
    "SATISFACTION:V4": ("2026.2", Decimal("25.00")),
    "SALES_CAP:R2": ("2026.2", Decimal("-4.00")),
    "SALES_CAP:R3": ("2026.2", Decimal("-4.00")),
    "QUALITY_GATE:R1": ("2026.2", Decimal("-2.48")),
    "TEAM_BONUS:R1": ("2026.2", Decimal("100.00")),
    "TEAM_BONUS:R2": ("2026.2", Decimal("100.00")),
    "MANUAL_ADJUSTMENT:ADJ1": ("2026.2", Decimal("-12.50")),
}


@pytest.fixture(scope="module")
def book_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return build_rulebook_workspace(tmp_path_factory.mktemp("rulebook") / "home")


def test_a_second_rule_book_publishes_the_expected_lines(book_ws: Workspace) -> None:
    found = {
        line_id: (version, points)
        for line_id, version, points in query(
            book_ws.published_db,
            "select line_id, rulebook_version, points from points_ledger "
            "where period = '2026-09' and version = 1",
        )
    }
    assert found == EXPECTED_2026_09
    assert (book_ws.seeds / "rules.csv").read_text().count("2026.2,") == 8


def test_every_line_under_a_second_rule_book_traces_its_derivation(book_ws: Workspace) -> None:
    for line_id, (version, points) in EXPECTED_2026_09.items():
        trace = trace_line(book_ws, line_id, "2026-09")
        assert trace["ok"], all_problems(trace)
        assert trace["line"]["rulebook_version"] == version
        assert check_derivation(trace)["points"] == points


def test_a_spiff_line_traces_to_its_sale_window_and_segment(book_ws: Workspace) -> None:
    trace = trace_line(book_ws, "ENT_SPIFF:S1", "2026-09")
    assert trace["ok"] and trace["kind"] == "landed" and trace["rule_kind"] == "spiff"
    raw = check_landed(book_ws, trace)
    assert (raw["txn_id"], raw["amount"]) == ("S1", "1000.00")
    derivation = trace["derivation"]
    assert derivation["parameters"] == {
        "base_rule_id": "SALES",
        "base_rate": "0.012",
        "multiplier": "2",
        "window_start": "2026-09-10",
        "window_end": "2026-09-20",
        "segment": "enterprise",
    }
    assert derivation["inputs"]["customer_segment"] == "enterprise"
    # 1000.00 x 0.012 = 12.00, and the x2 bonus is the base once more
    assert derivation["formula"] == (
        "amount 1000.00 x base rate 0.012 = 12.00 -> 12.00; "
        "12.00 x (multiplier 2 - 1) = 12.00 -> 12.00"
    )
    # the return of S1 is scored on S1's date, in the window: the bonus is taken back
    back = trace_line(book_ws, "ENT_SPIFF:S3", "2026-09")
    assert back["ok"] and back["line"]["points"] == Decimal("-4.80")
    recorded = back["derivation"]["inputs"]
    assert (recorded["scored_on"], recorded["original_sale_txn_id"]) == ("2026-09-12", "S1")
    assert (recorded["txn_date"], recorded["charged_rep_id"]) == ("2026-09-25", "R1")
    assert back["derivation"]["formula"] == (
        "-(amount 400.00 x base rate 0.012 = 4.80 -> 4.80; "
        "4.80 x (multiplier 2 - 1) = 4.80 -> 4.80) = -4.80"
    )
    # a smb sale in the window earns no SPIFF line
    assert not query(
        book_ws.published_db, "select 1 from points_ledger where line_id = 'ENT_SPIFF:S6'"
    )


def test_a_role_specific_line_traces_with_the_reps_role(book_ws: Workspace) -> None:
    trace = trace_line(book_ws, "SDR_SALES:S2", "2026-09")
    assert trace["ok"] and trace["rule_kind"] == "amount_rate"
    derivation = trace["derivation"]
    assert derivation["parameters"] == {"rate": "0.005", "roles": "sdr"}
    assert derivation["inputs"]["rep_role"] == "sdr" and "rep_team" not in derivation["inputs"]
    assert derivation["formula"] == "amount 2000.00 x rate 0.005 = 10.00 -> 10.00"
    assert trace["line"]["points"] == Decimal("10.00")
    sdr_lines = query(
        book_ws.published_db, "select rep_id from points_ledger where rule_id = 'SDR_SALES'"
    )
    assert sdr_lines == [("R2",)]  # the account executives' sales earn no SDR line


def test_a_return_uses_the_rule_book_of_its_original_sales_date(book_ws: Workspace) -> None:
    trace = trace_line(book_ws, "SALES:S5", "2026-09")
    assert trace["ok"] and trace["line"]["rulebook_version"] == "2026.1"
    derivation = trace["derivation"]
    assert derivation["inputs"]["scored_on"] == "2026-07-20"
    assert derivation["parameters"] == {"rate": "0.01"}
    assert derivation["formula"] == "-(amount 200.00 x rate 0.01 = 2.00 -> 2.00) = -2.00"
    assert trace["line"]["points"] == -sales_points({"amount": "200.00", "txn_type": "sale"})


def test_a_manual_adjustment_traces_to_its_landed_row(book_ws: Workspace) -> None:
    trace = trace_line(book_ws, "MANUAL_ADJUSTMENT:ADJ1", "2026-09")
    line = trace["line"]
    assert trace["ok"] and trace["kind"] == "landed" and trace["rule_kind"] == "manual_adjustment"
    assert (line["source"], line["source_id"], line["rep_id"]) == ("adjustments", "ADJ1", "R1")
    assert line["explanation"] == (
        "manual adjustment ADJ1: clawback of a disputed deal (approved by M. Lee) = -12.50"
    )
    landed = trace["landed"]
    assert landed["file"]["matches"] and landed["file_row_matches"]
    row = landing_row(book_ws, "adjustments", line["source_file"], line["source_row_number"])
    assert row["adjustment_id"] == "ADJ1" and landed["raw"]["points"] == row["points"]
    assert trace["derivation"]["inputs"] == {
        "rep_id": "R1",
        "period": "2026-09",
        "points": "-12.50",
        "reason": "clawback of a disputed deal",
        "approved_by": "M. Lee",
    }
    assert trace["derivation"]["formula"] == "points as landed -12.50"


def test_derived_lines_of_a_second_rule_book_follow_their_families(book_ws: Workspace) -> None:
    cap = trace_line(book_ws, "SALES_CAP:R3", "2026-09")
    assert cap["ok"] and cap["derivation"]["parameters"]["family"] == "SALES|ENT_SPIFF"
    # SALES:S4 6.00 + ENT_SPIFF:S4 6.00 + SALES:S6 12.00 = 24.00, capped at 20
    assert cap["derivation"]["inputs"] == {"family_subtotal": "24.00"}
    assert cap["derivation"]["formula"] == "limit 20.00 - subtotal 24.00 = -4.00"
    assert {i["line"]["line_id"] for i in cap["inputs"]} == {
        "SALES:S4",
        "ENT_SPIFF:S4",
        "SALES:S6",
    }
    gate = trace_line(book_ws, "QUALITY_GATE:R1", "2026-09")
    # R1: SALES 12.00 - 4.80 - 2.00 (S5 under 2026.1) + ENT_SPIFF 12.00 - 4.80 = 12.40;
    # surveys 2, 3, 3: mean 2.67 < 3.5; -0.2 x 12.40 = -2.48
    assert gate["ok"] and gate["derivation"]["inputs"]["family_subtotal"] == "12.40"
    assert (
        gate["derivation"]["inputs"]["survey_count"],
        gate["derivation"]["inputs"]["score_sum"],
    ) == (
        "3",
        "8",
    )
    assert gate["derivation"]["formula"] == (
        "subtotal 12.40 + cap 0.00 = 12.40; -(capped subtotal 12.40 x factor 0.2 = 2.48 -> 2.48)"
        " = -2.48"
    )
    assert {"SATISFACTION:V1", "SATISFACTION:V2", "SATISFACTION:V3"} <= {
        i["line"]["line_id"] for i in gate["inputs"]
    }
    bonus = trace_line(book_ws, "TEAM_BONUS:R2", "2026-09")
    assert bonus["ok"] and bonus["derivation"]["parameters"]["monthly_target"] == "1000.00"
    assert bonus["derivation"]["parameters"]["target_of"] == "team"
    # T1: S1 1000.00 + S2 2000.00 - S3 400.00 - S5 200.00 = 2400.00 (S2 counted once)
    assert bonus["derivation"]["inputs"]["team_net_amount"] == "2400.00"
    assert {i["line"]["rep_id"] for i in bonus["inputs"]} == {"R1", "R2"}


def test_the_pack_of_a_second_rule_book_ships_its_yaml_and_rules(
    book_ws: Workspace, tmp_path: Path
) -> None:
    write_audit_pack(book_ws, "2026-09", None, tmp_path)
    pack = tmp_path / "jifen-audit-2026-09-v1"
    publication = json.loads((pack / "publication.json").read_text())
    assert publication["rulebook_version"] == "2026.1,2026.2"
    assert (pack / "rulebook" / "yaml" / "2026.2.yaml").read_text() == RULEBOOK_2026_2
    assert (pack / "rulebook" / "yaml" / "2026.1.yaml").is_file()
    rules = {
        (r["rulebook_version"], r["rule_id"]) for r in read_csv(pack / "rulebook" / "rules.csv")
    }
    assert ("2026.2", "ENT_SPIFF") in rules and ("2026.2", "SDR_SALES") in rules
    readme = (pack / "README.md").read_text()
    assert "**NO**" not in readme
    assert "- `ENT_SPIFF` (spiff): " in readme and "eligible: roles sdr" in readme
    assert "`rulebook/yaml/2026.2.yaml` compiles to the rows of rule book 2026.2" in readme
    assert "**MANUAL_ADJUSTMENT lines**" in readme
    totals = recompute_from_pack(pack, book_ws)
    for row in read_csv(pack / "rep_period_points.csv"):
        assert totals[row["rep_id"]] == Decimal(row["total_points"]), row
    checked = subprocess.run(
        [sys.executable, str(pack / "check_hashes.py"), "--landing", str(book_ws.landing)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout
