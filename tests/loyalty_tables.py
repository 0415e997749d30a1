"""The loyalty tables of one close, read from the oracle (tests/oracle/loyalty.py) or from a
workspace's published.duckdb, in two comparable shapes: the worked example's expected.json shape
(`summary`) and row by row (`rows`). `differences` lists every differing value by its path, so a
failing test says which member, column or line differs and both values."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from oracle.loyalty import KINDS, LoyaltyClose, LoyaltyOracle

EXAMPLE = Path(__file__).parent / "fixtures" / "loyalty-example"
LOYALTY_SOURCES = ("members", "redemptions")

BALANCE_COLUMNS = (
    "opening_points",
    "prior_period_adjustment",
    "earned",
    "reversed",
    "redeemed",
    "expired",
    "forfeited",
    "closing_points",
    "debt_points",
    "expiring_next_month",
    "liability_cny",
)
REGISTER_COLUMNS = ("customer_id", "redeemed_date", "points", "value_cny", "reward", "late")
KPI_COLUMNS = (
    "opening_points",
    "prior_period_adjustment",
    "closing_points",
    "debt_points",
    "members",
    "new_members",
    "purchasing_members",
    "points_earned",
    "points_reversed",
    "points_redeemed",
    "points_expired",
    "points_forfeited",
    "outstanding_points",
    "liability_cny",
    "redemption_value_cny",
    "breakage_rate_12m",
    "member_sales_share",
)
# How ledger lines are compared (line_id and explanation are the pipeline's own wording). The
# source row is compared for the lines dated in P that come from one input row: the contract
# gives EXPIRY, FORFEIT and FREQUENCY_BONUS lines none of their own, nor says which row a late
# line that withdraws an earlier one names.
LINE_COLUMNS = (
    "customer_id",
    "kind",
    "event_date",
    "points",
    "lot_id",
    "source",
    "source_id",
    "rulebook_version",
    "late",
    "source_file",
    "source_row_number",
)
KINDS_FROM_ONE_ROW = ("WELCOME", "PURCHASE", "REDEMPTION")


# --------------------------------------------------------------------------------------
# The worked example's landing, closes and expected values
# --------------------------------------------------------------------------------------


def example_scenario() -> dict[str, Any]:
    return json.loads((EXAMPLE / "scenario.json").read_text())


def example_expected() -> dict[str, dict[str, Any]]:
    """expected.json per period."""
    closes = json.loads((EXAMPLE / "expected.json").read_text())["closes"]
    return {close["period"]: close for close in closes}


def copy_example_landing(landing: Path) -> None:
    shutil.copytree(EXAMPLE / "landing", landing, dirs_exist_ok=True)


def land_example_files(landing: Path, files: list[str]) -> None:
    """Land `late/<period>/<source>/<file>` into `landing/<source>/<file>`."""
    for name in files:
        source_file = EXAMPLE / name
        target = landing / source_file.parent.name / source_file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_file, target)


# --------------------------------------------------------------------------------------
# Row-by-row shape: table -> {key: {column: value}}, ledger as a multiset of lines
# --------------------------------------------------------------------------------------


def _line_key(line: dict[str, Any]) -> tuple:
    key = {c: None if line[c] == "" else line[c] for c in LINE_COLUMNS}
    if key["late"] or key["kind"] not in KINDS_FROM_ONE_ROW:
        key["source_file"] = key["source_row_number"] = None
    return tuple(key.values())


def oracle_rows(close: LoyaltyClose) -> dict[str, Any]:
    return {
        "member_balances": {
            cid: {c: getattr(b, c) for c in BALANCE_COLUMNS} for cid, b in close.balances.items()
        },
        "redemption_register": {
            rid: {c: getattr(r, c) for c in REGISTER_COLUMNS} for rid, r in close.register.items()
        },
        "loyalty_adjustments": {
            cid: {"prior_period_adjustment": a.prior_period_adjustment, "late_rows": a.late_rows}
            for cid, a in close.adjustments.items()
        },
        "member_offers": {
            cid: {"offer": o.offer, "points": o.points} for cid, o in close.offers.items()
        },
        "loyalty_kpis": dict(close.kpis),
        "loyalty_ledger": Counter(
            _line_key({c: getattr(line, c) for c in LINE_COLUMNS}) for line in close.ledger
        ),
        "quarantine": {(q.source, q.source_file, q.row_number): q.reason for q in close.quarantine},
    }


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def published_rows(published_db: Path, period: str) -> dict[str, Any]:
    """The latest version of `period` of every loyalty table, and the loyalty quarantine."""
    with duckdb.connect(str(published_db), read_only=True) as con:

        def latest(table: str) -> list[dict[str, Any]]:
            return _dicts(con, f"select * from latest_{table} where period = ?", [period])

        kpis = latest("loyalty_kpis")
        quarantine = _dicts(
            con,
            "select source, source_file, row_number, reason from quarantine "
            "where source in ('members', 'redemptions')",
            [],
        )
        return {
            "member_balances": {
                r["customer_id"]: {c: r[c] for c in BALANCE_COLUMNS}
                for r in latest("member_balances")
            },
            "redemption_register": {
                r["redemption_id"]: {c: r[c] for c in REGISTER_COLUMNS}
                for r in latest("redemption_register")
            },
            "loyalty_adjustments": {
                r["customer_id"]: {
                    "prior_period_adjustment": r["prior_period_adjustment"],
                    "late_rows": json.loads(r["late_rows"]) if r["late_rows"] else [],
                }
                for r in latest("loyalty_adjustments")
            },
            "member_offers": {
                r["customer_id"]: {"offer": r["offer"], "points": r["points"]}
                for r in latest("member_offers")
            },
            "loyalty_kpis": (
                {c: kpis[0][c] for c in KPI_COLUMNS}
                if len(kpis) == 1
                else {"rows of latest_loyalty_kpis": len(kpis)}
            ),
            "loyalty_ledger": Counter(_line_key(r) for r in latest("loyalty_ledger")),
            "quarantine": {
                (r["source"], r["source_file"], r["row_number"]): r["reason"] for r in quarantine
            },
        }


# --------------------------------------------------------------------------------------
# expected.json shape, computed from the row-by-row shape
# --------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def summary(rows: dict[str, Any]) -> dict[str, Any]:
    """The values expected.json holds for one close."""
    by_kind = dict.fromkeys(KINDS, 0)
    for line, count in rows["loyalty_ledger"].items():
        fields = dict(zip(LINE_COLUMNS, line, strict=True))
        if not fields["late"]:
            by_kind[fields["kind"]] = by_kind.get(fields["kind"], 0) + fields["points"] * count
    quarantine: dict[str, Counter] = {}
    for (source, _file, _row), reason in rows["quarantine"].items():
        quarantine.setdefault(source, Counter())[reason] += 1
    return {
        "kpis": {c: _json_value(v) for c, v in rows["loyalty_kpis"].items()},
        "ledger_by_kind": by_kind,
        "member_balances": {
            cid: {c: _json_value(v) for c, v in b.items()}
            for cid, b in rows["member_balances"].items()
        },
        "offers": {cid: [o["offer"], o["points"]] for cid, o in rows["member_offers"].items()},
        "quarantine": {source: dict(c) for source, c in quarantine.items()},
        "redemption_register": {
            rid: {"late": r["late"], "points": r["points"]}
            for rid, r in rows["redemption_register"].items()
        },
    }


# --------------------------------------------------------------------------------------
# The pipeline and the oracle, close by close
# --------------------------------------------------------------------------------------

JIFEN = [sys.executable, "-m", "orchestration.cli"]
TABLES = (
    "member_balances",
    "redemption_register",
    "loyalty_adjustments",
    "member_offers",
    "loyalty_kpis",
    "loyalty_ledger",
    "quarantine",
)


@dataclass
class ClosedPeriod:
    command: subprocess.CompletedProcess
    published: dict[str, Any] | None  # published_rows() right after the close
    read_error: str | None
    oracle_close: LoyaltyClose

    @property
    def oracle(self) -> dict[str, Any]:
        return oracle_rows(self.oracle_close)

    def failure(self) -> str | None:
        if self.command.returncode != 0:
            return (
                f"`jifen {' '.join(self.command.args[3:])}` exited {self.command.returncode}\n"
                f"stdout:\n{self.command.stdout[-4000:]}\nstderr:\n{self.command.stderr[-4000:]}"
            )
        if self.read_error is not None:
            return f"reading the published loyalty tables failed: {self.read_error}"
        return None


def close_in_lockstep(
    home: Path,
    periods: list[str],
    land_before: Callable[[str], None],
    error_budget: float,
) -> dict[str, ClosedPeriod]:
    """For each period: land its files, `jifen close` it as a user would, read what was
    published, and close the oracle on the same landing folder."""
    oracle = LoyaltyOracle()
    results = {}
    for period in periods:
        land_before(period)
        command = subprocess.run(
            [*JIFEN, "close", period, "--home", str(home), "--error-budget", str(error_budget)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        published, read_error = None, None
        if command.returncode == 0:
            try:
                published = published_rows(home / "published.duckdb", period)
            except Exception as error:  # a missing table or view: say which
                read_error = f"{type(error).__name__}: {error}"
        results[period] = ClosedPeriod(
            command, published, read_error, oracle.close(home / "landing", period)
        )
    return results


def published_of(closes: dict[str, ClosedPeriod], period: str) -> dict[str, Any]:
    """What the close of `period` published, or the test fails with the close's own error."""
    problem = closes[period].failure()
    if problem is not None:
        pytest.fail(f"close of {period}: {problem}")
    published = closes[period].published
    assert published is not None
    return published


def compare_with_oracle(closes: dict[str, ClosedPeriod], period: str, table: str) -> None:
    found = differences(closes[period].oracle[table], published_of(closes, period)[table], table)
    assert not found, report(f"oracle vs published {table}, {period}", found)


# --------------------------------------------------------------------------------------
# Differences
# --------------------------------------------------------------------------------------


def differences(expected: Any, got: Any, path: str = "") -> list[str]:
    """Every differing value as 'path: expected X, got Y' (dicts compared key by key, ledger
    multisets line by line)."""
    if isinstance(expected, Counter) and isinstance(got, Counter):
        missing, extra = expected - got, got - expected
        return [
            *(
                f"{path}: line missing ({n}x): {_line(k)}"
                for k, n in sorted(missing.items(), key=str)
            ),
            *(
                f"{path}: line not expected ({n}x): {_line(k)}"
                for k, n in sorted(extra.items(), key=str)
            ),
        ]
    if isinstance(expected, dict) and isinstance(got, dict):
        found = []
        for key in sorted(set(expected) | set(got), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in got:
                found.append(f"{where}: missing (expected {expected[key]!r})")
            elif key not in expected:
                found.append(f"{where}: not expected (got {got[key]!r})")
            else:
                found += differences(expected[key], got[key], where)
        return found
    if expected != got or type(expected) is not type(got) and not _same_number(expected, got):
        return [f"{path}: expected {expected!r}, got {got!r}"]
    return []


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, Decimal)
    return (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and (not isinstance(b, bool))
    )


def _line(key: tuple) -> str:
    return ", ".join(f"{c}={v}" for c, v in zip(LINE_COLUMNS, key, strict=True))


def report(title: str, found: list[str]) -> str:
    return f"{title}: {len(found)} difference(s)\n" + "\n".join(found)
