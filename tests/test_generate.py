"""The synthetic data generator: the same arguments give the same bytes, and the files follow
the contract's declaration of each source.

``fixtures/generate_digests.json`` holds the SHA-256 of every file the generator wrote before it
was split into modules (computed from the single-module generator, not from this code), so a
change in the order of random draws or in serialisation fails here. The loyalty program's inputs
(``members/``, ``redemptions/``) came later, from a random stream of their own: the sales
program's files stay those bytes with or without them.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow
import pyarrow.parquet as pq
import pytest

from orchestration.generate import generate
from schemas.contract import SPECS

EXPECTED = json.loads((Path(__file__).parent / "fixtures" / "generate_digests.json").read_text())


def digests(landing: Path) -> dict[str, str]:
    return {
        str(path.relative_to(landing)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(landing.rglob("*"))
        if path.is_file()
    }


LOYALTY = ("members", "redemptions")


def assert_same_bytes(got: dict[str, str], expected: dict[str, str]) -> None:
    """CSV files always; Parquet files with the pyarrow the digests were taken with."""
    assert set(got) == set(expected)
    csv_files = [name for name in got if name.endswith(".csv")]
    assert {name: got[name] for name in csv_files} == {name: expected[name] for name in csv_files}
    if pyarrow.__version__ != EXPECTED["pyarrow"]:
        pytest.skip(f"Parquet digests were taken with pyarrow {EXPECTED['pyarrow']}")
    assert got == expected


@pytest.mark.parametrize("run", sorted(EXPECTED["runs"]))
def test_the_same_arguments_give_the_same_files_as_before(tmp_path, run):
    expected = EXPECTED["runs"][run]
    counts = generate(tmp_path, **expected["arguments"])
    assert counts == {**expected["counts"], **expected["loyalty"]["counts"]}
    got = digests(tmp_path / "landing")
    assert_same_bytes(got, {**expected["sha256"], **expected["loyalty"]["sha256"]})


def test_without_loyalty_the_files_and_counts_are_those_of_before(tmp_path):
    expected = EXPECTED["runs"]["small4"]
    counts = generate(tmp_path, **expected["arguments"], loyalty=False)
    assert counts == expected["counts"]
    assert_same_bytes(digests(tmp_path / "landing"), expected["sha256"])


def test_every_file_carries_the_columns_its_source_declares(tmp_path):
    generate(tmp_path, seed=5, months=["2026-01", "2026-02"], reps=6, sales_per_rep_month=5)
    landing = tmp_path / "landing"
    for path in sorted(landing.rglob("*.*")):
        spec = SPECS[path.parent.name]
        if path.suffix == ".parquet":
            columns = pq.read_schema(path).names
        else:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                columns = next(csv.reader(handle))
        if path.parent.name == "sales" and path.suffix == ".csv" and "channel" in columns:
            columns.remove("channel")  # the second exporter adds a column and reorders
            assert sorted(columns) == sorted(spec.columns), path.name
        else:
            assert tuple(columns) == spec.columns, path.name
    landed = {path.name for path in landing.iterdir()}
    assert landed == {name for name, spec in SPECS.items() if not spec.landing_optional} | set(
        LOYALTY
    )


def test_generating_again_keeps_identical_files_and_refuses_to_change_one(tmp_path):
    arguments = {"seed": 3, "months": ["2026-07"], "reps": 6, "sales_per_rep_month": 5}
    first = generate(tmp_path, **arguments)
    before = digests(tmp_path / "landing")
    assert generate(tmp_path, **arguments) == first
    assert digests(tmp_path / "landing") == before
    with pytest.raises(FileExistsError, match="landed files never change"):
        generate(tmp_path, **{**arguments, "seed": 4})
    assert digests(tmp_path / "landing") == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"months": ["2026-07", "2026-07"]}, "distinct"),
        ({"months": ["2026-13"]}, "bad month"),
        ({"reps": 4}, "at least 5"),
        ({"sales_per_rep_month": 4}, "at least 5"),
        ({"dirty_rate": 0.3}, "between 0 and 0.2"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, **arguments)
    assert not (tmp_path / "landing").exists()


# -- the loyalty program's inputs, read back as landed ------------------------------------------

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]


def landed_rows(folder: Path) -> list[tuple[str, dict[str, str]]]:
    """(file name, row as text) of every file of a source, in file and row order."""
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            rows = pq.read_table(path).to_pylist()
            rows = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
        else:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        out += [(path.name, row) for row in rows]
    return out


def as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def is_amount(text: str) -> bool:
    try:
        return Decimal(text) > 0
    except InvalidOperation:
        return False


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("loyalty")
    generate(home, seed=7, months=MONTHS)
    return home / "landing"


def member_verdicts(landing: Path, customers: set[str]) -> list[tuple[str, dict, str | None]]:
    """(file, row, the reason its first failing check gives, or None)."""
    rows = landed_rows(landing / "members")
    keys = Counter((name, row["customer_id"]) for name, row in rows)
    out = []
    for name, row in rows:
        enrolled, left = as_date(row["enrolled_date"]), as_date(row["left_date"])
        if not (row["customer_id"] and row["card_id"] and row["enrolled_date"]):
            reason = "missing_field"
        elif enrolled is None or (row["left_date"] and left is None):
            reason = "bad_type"
        elif left is not None and left < enrolled:
            reason = "bad_date_range"
        elif keys[(name, row["customer_id"])] > 1:
            reason = "duplicate_conflict"
        elif row["customer_id"] not in customers:
            reason = "unknown_customer"
        else:
            reason = None
        out.append((name, row, reason))
    return out


def membership(verdicts) -> dict[str, tuple[date, date | None]]:
    """customer -> (enrolled, left) from the latest loaded row (snapshot replacement)."""
    return {
        row["customer_id"]: (as_date(row["enrolled_date"]), as_date(row["left_date"]))
        for _, row, reason in verdicts
        if reason is None
    }


def customer_ids(landing: Path) -> set[str]:
    return {row["customer_id"] for _, row in landed_rows(landing / "customers")}


def test_members_are_two_thirds_of_the_customers_enrolled_over_years_with_leavers(landing):
    customers = customer_ids(landing)
    verdicts = member_verdicts(landing, customers)
    members = membership(verdicts)
    assert 0.55 <= len(members) / len(customers) <= 0.75
    enrolled = sorted(e for e, _ in members.values())
    assert enrolled[0] < date(2025, 7, 1)  # welcome points of the history expire in the months
    for month in MONTHS:  # new members every month, leavers during the months and before
        assert any(e.isoformat()[:7] == month for e in enrolled), month
    leaves = [left for _, left in members.values() if left is not None]
    assert any(left < date(2026, 7, 1) for left in leaves)
    assert any(left >= date(2026, 7, 1) for left in leaves)
    per_file = Counter(name for name, _, _ in verdicts)
    first = per_file.pop("members_2026-07.csv")
    assert all(rows < first / 2 for rows in per_file.values())  # later exports: the changes


def test_redemptions_are_coupons_some_past_the_limit_or_the_points_earned(landing):
    customers = customer_ids(landing)
    members = membership(member_verdicts(landing, customers))
    rows = [row for _, row in landed_rows(landing / "redemptions")]
    good = [
        row
        for row in rows
        if row["points"].isdigit() and int(row["points"]) % 100 == 0 and int(row["points"]) > 0
    ]
    assert len(good) > 0.9 * len(rows)
    assert all(row["reward"] in ("", f"coupon {int(row['points']) // 10} CNY") for row in good)
    assert sum(100 <= int(row["points"]) <= 1000 for row in good) > 0.8 * len(good)
    by_month = Counter()
    for row in good:
        by_month[(row["customer_id"], row["redeemed_date"][:7])] += int(row["points"])
    assert any(total > 5000 for total in by_month.values())
    # more than the member can hold: the welcome points plus a point per 10 CNY bought so far
    bought = [
        (row["customer_id"], as_date(row["txn_date"]), row["amount"])
        for _, row in landed_rows(landing / "sales")
        if row["txn_type"] == "sale"
    ]
    earned = Counter()
    for cid, d, amount in bought:
        if d is not None and cid in members and members[cid][0] <= d and is_amount(amount):
            earned[(cid, d)] += int(Decimal(amount)) // 10
    over = [
        row
        for row in good
        if row["customer_id"] in members
        and int(row["points"])
        > 100
        + sum(
            points
            for (cid, d), points in earned.items()
            if cid == row["customer_id"] and d <= as_date(row["redeemed_date"])
        )
    ]
    assert over


def test_every_row_level_reason_is_planted_and_months_stay_under_the_budget(landing):
    customers = customer_ids(landing)
    verdicts = member_verdicts(landing, customers)
    members = membership(verdicts)
    assert {reason for _, _, reason in verdicts} >= {
        "missing_field",
        "bad_type",
        "bad_date_range",
        "duplicate_conflict",
        "unknown_customer",
    }
    rows = [row for _, row in landed_rows(landing / "redemptions")]
    values = defaultdict(set)
    for row in rows:
        values[row["redemption_id"]].add(tuple(row.values()))
    reasons, periods = Counter(), Counter()
    for row in rows:
        d = as_date(row["redeemed_date"])
        if not all(row.values()):
            reason = "missing_field"
        elif d is None or not row["points"].lstrip("-").isdigit():
            reason = "bad_type"
        elif int(row["points"]) <= 0 or int(row["points"]) % 100:
            reason = "bad_points"
        elif len(values[row["redemption_id"]]) > 1:
            reason = "duplicate_conflict"
        elif row["customer_id"] not in customers:
            reason = "unknown_customer"
        elif not (
            row["customer_id"] in members
            and members[row["customer_id"]][0] <= d
            and (members[row["customer_id"]][1] is None or d <= members[row["customer_id"]][1])
        ):
            reason = "not_member"
        else:
            reason = None
        period = d.isoformat()[:7] if d else "?"
        periods[period] += 1
        if reason:
            reasons[reason] += 1
            periods[(period, "bad")] += 1
    assert set(reasons) == {
        "missing_field",
        "bad_type",
        "bad_points",
        "duplicate_conflict",
        "unknown_customer",
        "not_member",
    }
    for month in MONTHS:
        assert periods[(month, "bad")] < 0.04 * periods[month], month
