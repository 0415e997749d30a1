"""The benchmark (bench/) keeps working: its floor agrees with the contract, and a tiny end-to-end
run produces the table. Nothing here asserts a duration."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.generate.synthetic import generate
from tests.oracle.contract import compute

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "bench" / "run.py"
RUNS = ["floor", "close", "re-close", "next floor", "next close"]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_floor_agrees_with_the_contract_oracle(tmp_path: Path) -> None:
    """bench/floor.sql against the independent oracle, on dirty data with every reason code."""
    bench = _bench()
    home = tmp_path / "home"
    months = ["2026-06", "2026-07", "2026-08"]
    generate(home, seed=11, months=months, reps=30, sales_per_rep_month=20, dirty_rate=0.01)
    oracle = compute(home / "landing", months)
    expected_quarantine: dict[tuple[str, str], int] = {}
    for row in oracle.quarantine:
        key = (row.source, row.reason)
        expected_quarantine[key] = expected_quarantine.get(key, 0) + 1
    assert {reason for _, reason in expected_quarantine} >= {"over_return", "duplicate_conflict"}
    for period in months:
        out = tmp_path / f"floor-{period}"
        bench.floor_main(home / "landing", period, out)
        con = duckdb.connect()
        reps = con.execute(
            "select rep_id, team_id, total_points, tier, company_rank, team_rank "
            f"from read_parquet('{out / 'floor_rep_points.parquet'}')"
        ).fetchall()
        rule_file = out / "floor_rule_points.parquet"
        rules = con.execute(
            f"select rep_id, rule_id, points from read_parquet('{rule_file}')"
        ).fetchall()
        got = {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in reps}
        want = {
            rep: (r.team_id, r.total_points, r.tier, r.company_rank, r.team_rank)
            for rep, r in oracle.results[period].items()
        }
        assert got == want, period
        got_rules = {(rep, rule): points for rep, rule, points in rules if points != 0}
        want_rules = {k: v for k, v in oracle.rule_points[period].items() if v != Decimal(0)}
        assert got_rules == want_rules, period
        outcomes = json.loads((out / "floor.json").read_text())["outcomes"]
        quarantine = {(s, r): n for s, status, r, n in outcomes if status == "quarantined"}
        assert quarantine == expected_quarantine
        for status, expected in (("loaded", oracle.loaded), ("deduplicated", oracle.deduplicated)):
            counts = {s: n for s, st, _, n in outcomes if st == status}
            assert {s: counts.get(s, 0) for s in expected} == expected, status


def test_benchmark_smoke_run(tmp_path: Path) -> None:
    """The whole benchmark at ~10k sales rows (5 replicas of a 2k base month), end to end."""
    out = tmp_path / "benchmarks.md"
    work = tmp_path / "work"
    command = [sys.executable, str(RUN), "--scales", "10k", "--history-scale", "2k"]
    command += ["--history-months", "0", "--out", str(out), "--keep", str(work)]
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=1200, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    results = json.loads((work / "results.json").read_text())
    fixed, scale = results["scales"]
    # the fixed cost: a ~1,000-row month closed without history
    assert fixed["label"] == "1k" and 500 < fixed["sales_rows"] < 2000
    assert [run["run"] for run in fixed["runs"]] == ["floor", "close", "re-close"]
    assert all(run["ok"] for run in fixed["runs"]) and fixed["check"]["match"]
    assert scale["label"] == "10k" and scale["replicas"] > 1
    assert [run["run"] for run in scale["runs"]] == RUNS
    assert all(run["ok"] for run in scale["runs"]), scale["runs"]
    close = scale["runs"][1]
    assert set(close["stages"]) >= {"ingest", "validate", "dbt build", "gate+publish"}
    for key in ("check", "next_check"):
        check = scale[key]
        assert check["match"], check
        assert check["reps"] > 0 and check["mismatched"] == 0 and check["only_floor"] == 0
        assert check["quarantined_rows"] > 0 and not check["quarantine_differences"]
    # the table is printed and written with the machine's description
    text = out.read_text()
    assert "## Machine" in text and "duckdb" in text and "**match**" in text
    for run in RUNS:
        assert f"| 10k | {run} |" in text
        assert f" 10k   │ {run} " in result.stdout
    assert "MISMATCH" not in text
