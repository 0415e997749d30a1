"""The benchmark (bench/) keeps working: its floor agrees with the contract oracle, computes
whatever the compiled rule book says (and refuses what it cannot compute), and a tiny end-to-end
run produces the table. Nothing here asserts a duration."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
import yaml

from bench.compare_loyalty import compare_loyalty
from bench.floor import rulebook_script, run_floor
from orchestration.generate import generate
from orchestration.lib.paths import REPO_ROOT, REPO_SEEDS
from tests.oracle import contract
from tests.oracle.contract import compute

RUN = REPO_ROOT / "bench" / "run.py"
RUNS = [
    "floor",
    "loyalty floor",
    "close",
    "re-close",
    "next floor",
    "next loyalty floor",
    "next close",
]
MONTHS = ["2026-06", "2026-07", "2026-08"]
PERIOD = "2026-07"

# A rule book that changes every parameter of the default one (2026.1), by rule id and column.
CHANGED_RULES = {
    "SALES": {"rate": "0.0125"},
    "NEW_CUSTOMER": {"points": "70.00"},
    "SALES_CAP": {"limit_points": "2500.00"},
    "QUALITY_GATE": {"min_surveys": "2", "mean_score_below": "3.7000", "factor": "0.2500"},
    "TEAM_BONUS": {"points": "120.00", "default_target": "500000.00"},
}
CHANGED_SCORES = {"5": "25.00", "4": "15.00", "3": "5.00", "2": "-5.00", "1": "-30.00"}
# on the generated data T01 reaches the default target, T02 misses its own, T03 reaches its own
CHANGED_TARGETS = {"T02": "600000.00", "T03": "350000.00"}
CHANGED_TIERS = {"bronze": "250.00", "silver": "700.00", "gold": "1400.00", "platinum": "2200.00"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three months of dirty data (every reason code planted), shared by the floor tests."""
    home = tmp_path_factory.mktemp("bench") / "home"
    generate(home, seed=11, months=MONTHS, reps=30, sales_per_rep_month=20, dirty_rate=0.01)
    return home / "landing"


# --- seeds: read, changed, written -------------------------------------------------------------


def read_seeds(folder: Path = REPO_SEEDS) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Every seed CSV: its header and its rows."""
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            tables[path.stem] = (list(reader.fieldnames or []), list(reader))
    return tables


def write_seeds(folder: Path, tables: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in tables.items():
        with (folder / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def changed_book(version: str = "2026.1", effective_from: str | None = None) -> dict:
    """The default book with CHANGED_* applied, as version ``version``."""
    tables = read_seeds()
    for _, rows in tables.values():
        for row in rows:
            row["rulebook_version"] = version
    book = tables["rulebooks"][1][0]
    book["effective_from"] = effective_from or book["effective_from"]
    for row in tables["rules"][1]:
        row.update(CHANGED_RULES.get(row["rule_id"], {}))
    for row in tables["score_points"][1]:
        row["points"] = CHANGED_SCORES[row["score"]]
    for row in tables["tiers"][1]:
        row["min_points"] = CHANGED_TIERS[row["tier"]]
    tables["team_targets"][1].extend(
        {"rulebook_version": version, "rule_id": "TEAM_BONUS", "team_id": team, "monthly_target": t}
        for team, t in CHANGED_TARGETS.items()
    )
    return tables


def with_rows(*books: dict) -> dict:
    """Several books in one set of seeds."""
    return {
        name: (header, [row for b in books for row in b[name][1]])
        for name, (header, _) in books[0].items()
    }


def patch_oracle_to_changed_book(monkeypatch: pytest.MonkeyPatch) -> dict:
    """The oracle's constants (the default book, written out by hand) set to CHANGED_*; the
    team targets to pass to ``compute``."""
    rules = {rule: {k: Decimal(v) for k, v in cols.items()} for rule, cols in CHANGED_RULES.items()}
    gate = rules["QUALITY_GATE"]
    # the oracle's SALES rate is its CENT (1 point per 100 CNY); round2 still rounds to cents
    monkeypatch.setattr(contract, "CENT", rules["SALES"]["rate"])
    monkeypatch.setattr(
        contract, "round2", lambda v: v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    )
    monkeypatch.setattr(contract, "NEW_CUSTOMER_POINTS", rules["NEW_CUSTOMER"]["points"])
    monkeypatch.setattr(
        contract, "SATISFACTION_POINTS", {int(s): Decimal(p) for s, p in CHANGED_SCORES.items()}
    )
    monkeypatch.setattr(contract, "SALES_CAP", rules["SALES_CAP"]["limit_points"])
    monkeypatch.setattr(contract, "QUALITY_GATE_MIN_SURVEYS", int(gate["min_surveys"]))
    monkeypatch.setattr(contract, "QUALITY_GATE_MEAN", Fraction(gate["mean_score_below"]))
    monkeypatch.setattr(contract, "QUALITY_GATE_SHARE", gate["factor"])
    monkeypatch.setattr(contract, "TEAM_BONUS_POINTS", rules["TEAM_BONUS"]["points"])
    tiers = {tier: (reward, cash) for tier, _, reward, cash in contract.TIERS}
    changed_tiers = [(t, Decimal(m), *tiers[t]) for t, m in CHANGED_TIERS.items()]
    monkeypatch.setattr(contract, "TIERS", tuple(sorted(changed_tiers, key=lambda t: -t[1])))
    targets = {team: Decimal(t) for team, t in CHANGED_TARGETS.items()}
    return {**targets, "*": rules["TEAM_BONUS"]["default_target"]}


# --- the floor's results against the oracle's --------------------------------------------------


def floor_results(out: Path) -> tuple[dict, dict, list]:
    """Per rep (team, total, tier, ranks); per (rep, rule) the non-zero subtotals; outcomes."""
    con = duckdb.connect()
    reps = con.execute(
        "select rep_id, team_id, total_points, tier, company_rank, team_rank "
        f"from read_parquet('{out / 'floor_rep_points.parquet'}')"
    ).fetchall()
    rules = con.execute(
        f"select rep_id, rule_id, points from read_parquet('{out / 'floor_rule_points.parquet'}')"
    ).fetchall()
    outcomes = json.loads((out / "floor.json").read_text())["outcomes"]
    by_rep = {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in reps}
    return by_rep, {(rep, rule): p for rep, rule, p in rules if p != 0}, outcomes


def oracle_results(oracle, period: str) -> tuple[dict, dict]:
    reps = {
        rep: (r.team_id, r.total_points, r.tier, r.company_rank, r.team_rank)
        for rep, r in oracle.results[period].items()
    }
    rules = {k: v for k, v in oracle.rule_points[period].items() if v != Decimal(0)}
    return reps, rules


def test_floor_agrees_with_the_contract_oracle(landing: Path, tmp_path: Path) -> None:
    """The floor on the repository's seeds against the independent oracle, on dirty data with
    every reason code."""
    oracle = compute(landing, MONTHS)
    expected_quarantine: dict[tuple[str, str], int] = {}
    for row in oracle.quarantine:
        key = (row.source, row.reason)
        expected_quarantine[key] = expected_quarantine.get(key, 0) + 1
    assert {reason for _, reason in expected_quarantine} >= {"over_return", "duplicate_conflict"}
    for period in MONTHS:
        run_floor(landing, period, tmp_path / period)
        reps, rules, outcomes = floor_results(tmp_path / period)
        assert (reps, rules) == oracle_results(oracle, period), period
        quarantine = {(s, r): n for s, status, r, n in outcomes if status == "quarantined"}
        assert quarantine == expected_quarantine
        for status, expected in (("loaded", oracle.loaded), ("deduplicated", oracle.deduplicated)):
            counts = {s: n for s, st, _, n in outcomes if st == status}
            assert {s: counts.get(s, 0) for s in expected} == expected, status


@pytest.mark.parametrize(
    ("effective_from", "expected"),
    [
        (None, "changed"),  # the default book's parameters changed in place
        ("2001-01-01", "changed"),  # a later version, in effect on every date of the data
        ("2027-01-01", "default"),  # a later version, not yet in effect
    ],
)
def test_floor_reads_every_rule_parameter_from_the_seeds(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, effective_from, expected
) -> None:
    """A changed rate, points, limit, threshold, target or tier in the seeds changes the floor
    exactly as it changes the oracle."""
    default = compute(landing, [PERIOD])
    if effective_from is None:
        tables = changed_book()
    else:
        tables = with_rows(read_seeds(), changed_book("2026.9", effective_from))
    seeds = write_seeds(tmp_path / "seeds", tables)
    out = tmp_path / "floor"
    run_floor(landing, PERIOD, out, seeds)
    reps, rules, _ = floor_results(out)
    if expected == "default":
        assert (reps, rules) == oracle_results(default, PERIOD)
        return
    changed = compute(landing, [PERIOD], team_targets=patch_oracle_to_changed_book(monkeypatch))
    assert (reps, rules) == oracle_results(changed, PERIOD)
    # the changed book changes every rule's subtotals and the tiers on this data
    default_reps, default_rules = oracle_results(default, PERIOD)
    for rule in contract.RULES:
        mine = {k: v for k, v in rules.items() if k[1] == rule}
        assert mine and mine != {k: v for k, v in default_rules.items() if k[1] == rule}, rule
    assert any(reps[rep][2] != default_reps[rep][2] for rep in reps)  # tiers
    assert {reps[rep][0] for rep, rule in rules if rule == "TEAM_BONUS"} == {"T01", "T03"}


def test_floor_applies_eligibility_by_team(landing: Path, tmp_path: Path) -> None:
    """SALES limited to teams T01 and T03: other teams' reps get no SALES lines, so neither a
    cap nor a gate; every other rule is as before."""
    tables = read_seeds()
    for row in tables["rules"][1]:
        if row["rule_id"] == "SALES":
            row["teams"] = "T01|T03"
    out = tmp_path / "floor"
    run_floor(landing, PERIOD, out, write_seeds(tmp_path / "seeds", tables))
    _, rules, _ = floor_results(out)
    oracle_reps, oracle_rules = oracle_results(compute(landing, [PERIOD]), PERIOD)
    sales_family = ("SALES", "SALES_CAP", "QUALITY_GATE")
    expected = {
        (rep, rule): points
        for (rep, rule), points in oracle_rules.items()
        if rule not in sales_family or oracle_reps[rep][0] in ("T01", "T03")
    }
    assert rules == expected
    assert len(expected) < len(oracle_rules)


def _floor_error(landing: Path, tmp_path: Path, tables: dict) -> str:
    with pytest.raises(duckdb.Error) as raised:
        run_floor(landing, PERIOD, tmp_path / "floor", write_seeds(tmp_path / "seeds", tables))
    return str(raised.value)


def test_floor_refuses_a_rule_kind_it_does_not_implement(landing: Path, tmp_path: Path) -> None:
    tables = read_seeds()
    header, rules = tables["rules"]
    spiff = dict.fromkeys(header, "")
    spiff.update(rulebook_version="2026.1", rule_id="SPIFF", kind="spiff", base_rule_id="SALES")
    spiff.update(window_start="2026-07-01", window_end="2026-07-15", multiplier="1.5000")
    rules.append(spiff)
    assert "does not implement rule kind spiff (rule SPIFF)" in _floor_error(
        landing, tmp_path, tables
    )


def test_floor_refuses_values_and_seeds_it_does_not_know(landing: Path, tmp_path: Path) -> None:
    """A new rule book column or seed stops the floor once a book uses it; while empty, the
    floor runs as before."""
    tables = read_seeds()
    header, rules = tables["rules"]
    header.append("min_amount")
    tables["customer_rules"] = (["rulebook_version", "rule_id"], [])
    run_floor(landing, PERIOD, tmp_path / "empty", write_seeds(tmp_path / "empty-seeds", tables))
    assert floor_results(tmp_path / "empty")[:2] == oracle_results(
        compute(landing, [PERIOD]), PERIOD
    )

    rules[0]["min_amount"] = "100.00"
    assert "does not implement rules column min_amount" in _floor_error(landing, tmp_path, tables)
    rules[0]["min_amount"] = ""
    tables["customer_rules"][1].append({"rulebook_version": "2026.1", "rule_id": "X"})
    assert "does not implement customer_rules column" in _floor_error(landing, tmp_path, tables)


def test_floor_refuses_a_period_without_a_rule_book(landing: Path, tmp_path: Path) -> None:
    tables = read_seeds()
    tables["rulebooks"][1][0]["effective_from"] = "2026-08-01"
    assert "no rule book is in effect on the first day of 2026-07" in _floor_error(
        landing, tmp_path, tables
    )


def test_floor_reads_the_seeds_with_the_declared_types() -> None:
    """The floor's column types are those seeds/_rulebook.yml declares (what dbt loads)."""
    declared = yaml.safe_load((REPO_SEEDS / "_rulebook.yml").read_text())["seeds"]
    con = duckdb.connect()
    con.execute(rulebook_script(REPO_SEEDS))
    for seed in declared:
        types = {
            name: kind.replace(" ", "").lower()
            for name, kind in seed["config"]["column_types"].items()
        }
        described = con.execute(f"describe {seed['name']}").fetchall()
        assert {row[0]: row[1].lower() for row in described} == types, seed["name"]


def test_benchmark_smoke_run(tmp_path: Path) -> None:
    """The whole benchmark at ~10k sales rows (5 replicas of a 2k base month), end to end."""
    out = tmp_path / "benchmarks.md"
    work = tmp_path / "work"
    command = [sys.executable, str(RUN), "--scales", "10k", "--history-scale", "2k"]
    command += ["--history-months", "0", "--out", str(out), "--keep", str(work)]
    result = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    results = json.loads((work / "results.json").read_text())
    fixed, scale = results["scales"]
    # the fixed cost: a ~1,000-row month closed without history
    assert fixed["label"] == "1k" and 500 < fixed["sales_rows"] < 2000
    assert [run["run"] for run in fixed["runs"]] == ["floor", "loyalty floor", "close", "re-close"]
    assert all(run["ok"] for run in fixed["runs"]) and fixed["check"]["match"]
    assert fixed["loyalty_check"]["match"], fixed["loyalty_check"]
    assert scale["label"] == "10k" and scale["replicas"] > 1
    assert [run["run"] for run in scale["runs"]] == RUNS
    assert all(run["ok"] for run in scale["runs"]), scale["runs"]
    close = scale["runs"][RUNS.index("close")]
    assert set(close["stages"]) >= {"ingest", "validate", "dbt build", "gate+publish"}
    for key in ("check", "next_check"):
        check = scale[key]
        assert check["match"], check
        assert check["reps"] > 0 and check["mismatched"] == 0 and check["only_floor"] == 0
        assert check["quarantined_rows"] > 0 and not check["quarantine_differences"]
        # the loyalty floor (SQL + the pipeline's walk) against the close's member balances
        loyalty = scale[f"loyalty_{key}"]
        assert loyalty["match"], loyalty
        assert loyalty["members"] > 0 and loyalty["events"] > 0 and loyalty["mismatched"] == 0
        assert loyalty["totals"]["earned"]["floor"] > 0 and not loyalty["totals_differing"]
        assert loyalty["quarantined_rows"] > 0 and not loyalty["quarantine_differences"]
    assert_a_loyalty_mismatch_shows(work / "scale-10k", tmp_path)
    assert_the_publication_profile_leaves_the_workspace(work / "scale-10k" / "home")
    # the table is printed and written with the machine's description
    text = out.read_text()
    assert "## Machine" in text and "duckdb" in text and "**match**" in text
    for run in RUNS:
        assert f"| 10k | {run} |" in text
        assert f" 10k   │ {run} " in result.stdout
    assert "MISMATCH" not in text
    assert "| loyalty: the close at 10M within 3 x its own floor |" in text  # the goals
    assert "loyalty floor vs close 2026-08: **match**" in text


def assert_a_loyalty_mismatch_shows(folder: Path, tmp_path: Path) -> None:
    """One member's closing points changed in a copy of the loyalty floor's results: the
    comparison says so (a disagreement is never hidden)."""
    changed = tmp_path / "changed-loyalty-floor"
    changed.mkdir()
    original = folder / "loyalty-floor"
    (changed / "floor_loyalty.json").write_text((original / "floor_loyalty.json").read_text())
    duckdb.execute(
        "copy (select * replace (closing_points + (row_number() over () = 1)::int "
        f"as closing_points) from read_parquet('{original / 'floor_member_balances.parquet'}')) "
        f"to '{changed / 'floor_member_balances.parquet'}' (format parquet)"
    )
    check = compare_loyalty(folder / "home" / "published.duckdb", PERIOD, changed)
    assert not check["match"] and check["mismatched"] == 1
    assert check["totals_differing"] == ["closing_points"]


def assert_the_publication_profile_leaves_the_workspace(home: Path) -> None:
    """``bench.profile_publish`` publishes the last closed month again on a copy and times its
    statements; the workspace's own files are the same bytes afterwards, and no copy is left."""
    before = {path: path.read_bytes() for path in (home / "state").glob("*.duckdb")}
    command = [sys.executable, "-m", "bench.profile_publish", "--home", str(home)]
    command += ["--period", "2026-08", "--over", "0"]
    result = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "insert into published.points_ledger" in result.stdout
    assert "publish_period:" in result.stdout and "(version 1 published)" in result.stdout
    assert before and before == {path: path.read_bytes() for path in before}
    assert not list(home.parent.glob("jifen-profile-*"))


def test_report_keeps_the_hand_written_sections() -> None:
    """A rewrite of docs/benchmarks.md keeps what was written by hand under the generated part
    (or, on an older page, every section the benchmark does not generate)."""
    from bench.report import HAND_WRITTEN, hand_written

    older = "# Benchmarks\n\n## Results\n\n| a |\n\n## Goals (old)\n\n| g |\n\nDone: x."
    older += "\n\n## Why\n\ny\n"
    assert (
        hand_written(older)
        == "## How the earlier goals were reached (Goals (old))\n\nDone: x.\n\n## Why\n\ny"
    )
    assert (
        hand_written(f"# Benchmarks\n\n## Results\n\n{HAND_WRITTEN}\n\n## Mine\n\nz\n")
        == "## Mine\n\nz"
    )
