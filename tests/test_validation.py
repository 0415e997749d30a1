"""Every reason code of the contract and the file-level faults, on hand-made rows."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_csv
from oracle.contract import MAX_AMOUNT, _decimal_places, _parse_amount

from orchestration.ingest.landing import ingest_source
from orchestration.lib.workspace import SOURCES
from orchestration.validate.engine import validate_all
from orchestration.validate.row_checks import pandera_rejects
from orchestration.warehouse.duckdb import connect
from schemas.contract import SPECS


def run_validation(workspace):
    with connect(workspace) as wh:
        reports = {s: ingest_source(workspace, wh, s, "test-run") for s in SOURCES}
        validate_all(wh)
        outcomes = {
            (source, file, row): (status, reason)
            for source, file, row, status, reason in wh.rows(
                "select source, source_file, row_number, status, reason from row_outcomes"
            )
        }
        counts = wh.rows(
            "select source, sum(rows_read), sum(rows_loaded), sum(rows_deduplicated), "
            "sum(rows_quarantined) from validation_counts group by source"
        )
        raw_total = sum(wh.value(f"select count(*) from raw_{s}") for s in SOURCES)
    assert sum(row[1] for row in counts) == raw_total
    for _, read, loaded, deduplicated, quarantined in counts:
        assert read == loaded + deduplicated + quarantined
    return reports, outcomes


SALES_CASES = [
    # (row, expected status, expected reason)
    (["X01", "sale", "O01", "R1", "C1", "2026-07-02", "100.00", "CNY"], "loaded", None),
    (["X02", "sale", "O02", "R1", "C1", "2026-07-02", "", "CNY"], "quarantined", "missing_field"),
    (["X03", "sale", "O03", "R1", "C1", "2026-02-30", "10", "CNY"], "quarantined", "bad_type"),
    (["X04", "sale", "O04", "R1", "C1", "2026-07-02", "12,5", "CNY"], "quarantined", "bad_type"),
    (
        ["X05", "sale", "O05", "R1", "C1", "2026-07-02", "1,234.00", "CNY"],
        "quarantined",
        "bad_type",
    ),
    # full-width digits: not a plain decimal (the casts refuse them), never a stopped close
    (["X05b", "sale", "O05b", "R1", "C1", "2026-07-02", "１２", "CNY"], "quarantined", "bad_type"),
    (["X06", "refund", "O06", "R1", "C1", "2026-07-02", "10", "CNY"], "quarantined", "bad_enum"),
    (["X07", "sale", "O07", "R1", "C1", "2026-07-02", "0", "CNY"], "quarantined", "bad_amount"),
    (["X08", "sale", "O08", "R1", "C1", "2026-07-02", "-0", "CNY"], "quarantined", "bad_amount"),
    (
        ["X09", "sale", "O09", "R1", "C1", "2026-07-02", "10.001", "CNY"],
        "quarantined",
        "bad_amount",
    ),
    (["X10", "sale", "O10", "R1", "C1", "2026-07-02", "10.500", "CNY"], "loaded", None),
    (["X11", "sale", "O11", "R1", "C1", "2026-07-02", "10", "USD"], "quarantined", "bad_currency"),
    (
        ["X12", "sale", "O12", "R404", "C404", "2026-07-02", "10", "CNY"],
        "quarantined",
        "unknown_rep",
    ),
    (
        ["X13", "sale", "O13", "R1", "C404", "2026-07-02", "10", "CNY"],
        "quarantined",
        "unknown_customer",
    ),
    (["X14", "sale", "O14", "R4", "C1", "2026-07-02", "10", "CNY"], "quarantined", "rep_inactive"),
    (
        ["X15", "return", "O999", "R1", "C1", "2026-07-03", "10", "CNY"],
        "quarantined",
        "unknown_order",
    ),
    # order O01 sold 100.00: returns 60 (fits), 50 (crosses), 40 (fits again)
    (["X16", "return", "O01", "R2", "C1", "2026-07-03", "60", "CNY"], "loaded", None),
    (["X17", "return", "O01", "R2", "C1", "2026-07-04", "50", "CNY"], "quarantined", "over_return"),
    (["X18", "return", "O01", "R2", "C1", "2026-07-05", "40", "CNY"], "loaded", None),
    # a second sale of O01, dated later: duplicate_order
    (
        ["X19", "sale", "O01", "R2", "C2", "2026-07-06", "5", "CNY"],
        "quarantined",
        "duplicate_order",
    ),
    # several problems: the first in the contract's order wins
    (["X20", "bogus", "O20", "R404", "C1", "2026-07-02", "-1", "EUR"], "quarantined", "bad_enum"),
    (["  X21 ", " sale", "O21 ", "R1", "C1", " 2026-07-02", " 7.5 ", "CNY "], "loaded", None),
]


def test_every_row_level_and_cross_row_reason_code(base_landing):
    write_csv(base_landing, "sales", "sales_a.csv", [row for row, _, _ in SALES_CASES])
    _, outcomes = run_validation(base_landing)
    for number, (row, status, reason) in enumerate(SALES_CASES, start=1):
        assert outcomes[("sales", "sales_a.csv", number)] == (status, reason), row


def generated_amounts(count: int) -> list[str]:
    """Amount texts near every edge of the amount checks: signs, leading and trailing zeros,
    15 to 18 digits before the point, 0 to 6 after it, stray points and signs, other digits."""
    rng = random.Random(14)
    texts = {"0", "-0", "0.00", ".5", "5.", "+.10", "10.500", "10.001", "١٢.٥", "１２", "0.0٣"}
    while len(texts) < count:
        if rng.random() < 0.2:  # anything from the characters of a number
            texts.add("".join(rng.choice("0123456789.+-") for _ in range(rng.randint(1, 20))))
            continue
        whole = "".join(rng.choice("0123456789") for _ in range(rng.choice([0, 1, 3, 15, 16, 17])))
        fraction = "".join(rng.choice("000129") for _ in range(rng.randint(0, 6)))
        sign = rng.choice(["", "", "+", "-"])
        texts.add(sign + "0" * rng.choice([0, 0, 2]) + whole + ("." + fraction if fraction else ""))
    return sorted(texts)


def oracle_amount_reason(text: str) -> str | None:
    if text == "":
        return "missing_field"
    amount = _parse_amount(text)
    if amount is None:
        return "bad_type"
    if amount <= 0 or amount >= MAX_AMOUNT or _decimal_places(amount) > 2:
        return "bad_amount"
    return None


def test_the_amount_checks_judge_generated_amounts_as_the_contract_oracle():
    """The sales schema's verdict on an amount's text (vectorized regexes, schemas/checks.py) is
    the oracle's (parsed as a Decimal) on thousands of texts; every other value is valid."""
    amounts = generated_amounts(5_000)
    row = {"txn_id": "", "txn_type": "sale", "order_id": "O1", "rep_id": "R1"}
    row |= {"customer_id": "C1", "txn_date": "2026-07-02", "currency": "CNY"}
    frame = pa.table(
        {"raw_id": list(range(len(amounts)))}
        | {column: [row.get(column, "")] * len(amounts) for column in SPECS["sales"].columns}
        | {"txn_id": [f"X{n}" for n in range(len(amounts))], "amount": amounts}
    ).to_pandas()
    rejects = pandera_rejects(frame, SPECS["sales"])
    judged = dict(zip(rejects["raw_id"], rejects["reason"], strict=True))
    expected = {n: oracle_amount_reason(text) for n, text in enumerate(amounts)}
    differ = [
        (amounts[n], judged.get(n), want) for n, want in expected.items() if judged.get(n) != want
    ]
    assert not differ, differ[:20]
    assert {None, "bad_type", "bad_amount"} <= set(expected.values())


def test_survey_scores_and_duplicates(base_landing):
    write_csv(
        base_landing,
        "surveys",
        "surveys_a.csv",
        [
            ["V1", "R1", "C1", "", "5", "2026-07-02"],
            ["V2", "R1", "C1", "", "6", "2026-07-02"],
            ["V3", "R1", "C1", "", "4.0", "2026-07-02"],
            ["V4", "R1", "C1", "", "0", "2026-07-02"],
            ["V5", "R1", "C1", "O1", "3", "2026-07-02"],
            ["V5", "R1", "C1", "O1", "3", "2026-07-02"],
            ["V6", "R1", "C1", "", "3", "2026-07-02"],
            ["V6", "R1", "C1", "", "2", "2026-07-02"],
            ["V7", "R3", "C1", "", "2", "2026-07-02"],
        ],
    )
    _, outcomes = run_validation(base_landing)
    got = [outcomes[("surveys", "surveys_a.csv", n)] for n in range(1, 10)]
    assert got == [
        ("loaded", None),
        ("quarantined", "score_out_of_range"),
        ("quarantined", "bad_type"),
        ("quarantined", "score_out_of_range"),
        ("loaded", None),
        ("deduplicated", None),
        ("quarantined", "duplicate_conflict"),
        ("quarantined", "duplicate_conflict"),
        ("quarantined", "rep_inactive"),  # R3 hired 2026-07-10
    ]


def test_fact_keys_are_unique_across_deliveries_and_compared_after_parsing(base_landing):
    write_csv(
        base_landing,
        "sales",
        "sales_a.csv",
        [
            ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "12.50", "CNY"],
            ["X2", "sale", "O2", "R1", "C1", "2026-07-02", "1", "CNY"],
            ["X3", "sale", "O3", "R1", "C1", "2026-07-02", "oops", "CNY"],
        ],
    )
    typed = pa.table(
        {
            "txn_id": ["X1", "X2", "X3"],
            "txn_type": ["sale"] * 3,
            "order_id": ["O1", "O2", "O3"],
            "rep_id": ["R1"] * 3,
            "customer_id": ["C1"] * 3,
            "txn_date": pa.array([__import__("datetime").date(2026, 7, 2)] * 3, pa.date32()),
            "amount": pa.array(
                [
                    __import__("decimal").Decimal("12.5"),
                    __import__("decimal").Decimal("2"),
                    __import__("decimal").Decimal("3"),
                ],
                pa.decimal128(12, 2),
            ),
            "currency": ["CNY"] * 3,
        }
    )
    pq.write_table(typed, base_landing.landing_dir("sales") / "sales_b.parquet")
    _, outcomes = run_validation(base_landing)
    assert outcomes[("sales", "sales_a.csv", 1)] == ("loaded", None)
    assert outcomes[("sales", "sales_b.parquet", 1)] == ("deduplicated", None)
    assert outcomes[("sales", "sales_a.csv", 2)] == ("quarantined", "duplicate_conflict")
    assert outcomes[("sales", "sales_b.parquet", 2)] == ("quarantined", "duplicate_conflict")
    # the earlier X3 was quarantined before the duplicate check: the correction loads
    assert outcomes[("sales", "sales_a.csv", 3)] == ("quarantined", "bad_type")
    assert outcomes[("sales", "sales_b.parquet", 3)] == ("loaded", None)


def test_roster_snapshots_replace_and_conflicts_keep_the_earlier_value(base_landing):
    write_csv(
        base_landing,
        "reps",
        "reps_2026-08-01.csv",
        [
            ["R1", "Ann", "T2", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T9", "account_exec", "2026-01-01", ""],
            ["R2", "Bo", "T8", "account_exec", "2026-01-01", ""],
        ],
    )
    _, outcomes = run_validation(base_landing)
    assert outcomes[("reps", "reps_2026-08-01.csv", 2)] == ("quarantined", "duplicate_conflict")
    with connect(base_landing) as wh:
        teams = dict(wh.rows("select rep_id, team_id from validated_reps"))
    assert teams == {"R1": "T2", "R2": "T1", "R3": "T2", "R4": "T2"}


def test_same_bytes_under_another_name_load_once(base_landing):
    rows = [["X1", "sale", "O1", "R1", "C1", "2026-07-02", "10", "CNY"]]
    write_csv(base_landing, "sales", "sales_a.csv", rows)
    write_csv(base_landing, "sales", "sales_copy.csv", rows)
    reports, outcomes = run_validation(base_landing)
    assert reports["sales"].skipped_files == [("sales_copy.csv", "sales_a.csv")]
    assert [key for key in outcomes if key[0] == "sales"] == [("sales", "sales_a.csv", 1)]


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("empty.csv", b"", "empty file"),
        ("semicolon.csv", b"txn_id;txn_type;order_id\nX1;sale;O1\n", "delimiter must be a comma"),
        (
            "misspelt.csv",
            b"txn_id,txn_typ,order_id,rep_id,customer_id,txn_date,amount,currency\n",
            "missing required column(s) txn_type",
        ),
        (
            "latin1.csv",
            b"txn_id,txn_type,order_id,rep_id,customer_id,txn_date,amount,currency\n"
            b"X1,sale,O1,R1,C1,2026-07-01,10,CNY\nX2,sale,O2,R1,\xe9,2026-07-01,10,CNY\n",
            "not UTF-8 text: invalid bytes on line 3",
        ),
        (
            "ragged.csv",
            b"txn_id,txn_type,order_id,rep_id,customer_id,txn_date,amount,currency\n"
            b"X1,sale,O1,R1,C1,2026-07-01,12,5,CNY\n",
            "Expected 8 columns, got 9",
        ),
        ("truncated.parquet", b"PAR1\x00\x00garbage", "cannot be read as Parquet"),
    ],
)
def test_unreadable_files_are_rejected_whole_with_the_file_named(
    base_landing, name, content, problem
):
    path = base_landing.landing_dir("sales") / name
    path.write_bytes(content)
    reports, outcomes = run_validation(base_landing)
    rejected = reports["sales"].rejected
    assert len(rejected) == 1
    assert name in str(rejected[0]) and problem in str(rejected[0])
    assert not [key for key in outcomes if key[0] == "sales"]


@pytest.mark.parametrize(
    "name, content, problem",
    [
        (
            "no_approver.csv",
            b"adjustment_id,rep_id,period,points,reason\nA1,R1,2026-07,5,late\n",
            "missing required column(s) approved_by",
        ),
        (
            "ragged.csv",
            b"adjustment_id,rep_id,period,points,reason,approved_by\nA1,R1,2026-07,5,5,late,M\n",
            "Expected 6 columns, got 7",
        ),
    ],
)
def test_an_unreadable_adjustments_file_is_rejected_whole(base_landing, name, content, problem):
    (base_landing.landing_dir("adjustments") / name).write_bytes(content)
    reports, outcomes = run_validation(base_landing)
    rejected = reports["adjustments"].rejected
    assert len(rejected) == 1
    assert name in str(rejected[0]) and problem in str(rejected[0])
    assert not [key for key in outcomes if key[0] == "adjustments"]


def test_header_only_file_loads_nothing_and_is_fine(base_landing):
    write_csv(base_landing, "sales", "sales_empty.csv", [])
    reports, _ = run_validation(base_landing)
    assert reports["sales"].loaded_files == [("sales_empty.csv", 0)]
    assert not reports["sales"].rejected


def test_a_landed_file_modified_after_ingestion_is_refused(base_landing):
    path = write_csv(
        base_landing,
        "sales",
        "sales_a.csv",
        [["X1", "sale", "O1", "R1", "C1", "2026-07-02", "10", "CNY"]],
    )
    run_validation(base_landing)
    path.write_text(path.read_text().replace("10,CNY", "99,CNY"))
    reports, outcomes = run_validation(base_landing)
    assert "modified after it was ingested" in str(reports["sales"].rejected[0])
    assert outcomes[("sales", "sales_a.csv", 1)] == ("loaded", None)  # the original stays


def test_a_huge_field_is_read_and_judged_not_crashed(base_landing):
    big = "x" * (10 << 20)
    write_csv(
        base_landing,
        "sales",
        "sales_big.csv",
        [["X1", "sale", "O1", "R1", "C1", "2026-07-02", big, "CNY"]],
    )
    _, outcomes = run_validation(base_landing)
    assert outcomes[("sales", "sales_big.csv", 1)] == ("quarantined", "bad_type")
