"""Self-test of the contract oracle (tests/oracle/contract.py) on tiny hand-built landings.

Every expected value below is computed by hand in the comments, from the contract
(docs/sales-program.md: inputs, reason codes, rules) and docs/decisions.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.oracle.contract import (
    QuarantineRow,
    RejectedFile,
    RepResult,
    compute,
    tier_of,
)

D = Decimal

REPS_HEADER = "rep_id,rep_name,team_id,role,hire_date,leave_date"
CUSTOMERS_HEADER = "customer_id,customer_name,segment,region,created_date"
SALES_HEADER = "txn_id,txn_type,order_id,rep_id,customer_id,txn_date,amount,currency"
SURVEYS_HEADER = "survey_id,rep_id,customer_id,order_id,score,survey_date"


def write(landing: Path, source: str, name: str, lines: list[str]) -> Path:
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def write_parquet(landing: Path, source: str, name: str, table: pa.Table) -> None:
    folder = landing / source
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name)


# --------------------------------------------------------------------------------------
# Fixture A: validation, snapshots, duplicates, Parquet, byte-identical files
# --------------------------------------------------------------------------------------


@pytest.fixture
def landing_a(tmp_path: Path) -> Path:
    first_reps = write(
        tmp_path,
        "reps",
        "reps_2026-07-01.csv",
        [
            REPS_HEADER,
            "R1,Ann,T1,AE,2025-01-01,",  # 1 loaded
            "R2,Bob,T1,AE,2025-01-01,2026-07-15",  # 2 loaded
            "R3,Cid,T2,AE,2026-08-01,",  # 3 loaded (hired in August)
            "R4,Dee,T2,AE,2025-01-01,",  # 4 loaded
            " R4 , Dee ,T2,AE,2025-01-01, ",  # 5 identical after trimming: deduplicated
            "R5,Eve,T2,AE,2025-01-01,",  # 6 duplicate_conflict (team differs from row 7)
            "R5,Eve,T3,AE,2025-01-01,",  # 7 duplicate_conflict
            "R6,,T1,AE,2025-01-01,",  # 8 missing_field
            "R7,Gus,T1,AE,2025-13-01,",  # 9 bad_type (month 13)
        ],
    )
    write(
        tmp_path,
        "reps",
        "reps_2026-07-20.csv",
        [
            REPS_HEADER,
            "R1,Ann,T2,AE,2025-01-01,",  # 1 loaded; R1 moves to team T2
            "R4,Dee,T3,AE,2025-01-01,",  # 2 duplicate_conflict inside this delivery:
            "R4,Dee,T1,AE,2025-01-01,",  # 3 ... so R4 keeps T2 from the first delivery
            "R2,,T1,AE,2025-01-01,",  # 4 missing_field: R2 keeps leave_date 2026-07-15
        ],
    )
    # Same bytes under another name: skipped, not read, not counted.
    (tmp_path / "reps" / "zz_copy.csv").write_bytes(first_reps.read_bytes())

    write(
        tmp_path,
        "customers",
        "customers_2026-07-01.csv",
        [
            CUSTOMERS_HEADER,
            "C1,Acme,enterprise,north,2024-01-01",  # 1 loaded
            "C2,Beta,smb,south,2024-01-01",  # 2 loaded
            "C3,Gamma,Retail,east,2024-01-01",  # 3 bad_enum (case-sensitive)
        ],
    )

    write(
        tmp_path,
        "sales",
        "sales_2026-07_a.csv",
        [
            SALES_HEADER + ",note",  # an extra column is ignored
            "S01,sale,O1,R1,C1,2026-07-02,1000.00,CNY,x",  # 1 loaded
            "S02,sale,O2,R1,,2026-07-02,10,CNY,",  # 2 missing_field
            'S03,sale,O3,R1,C1,2026-07-02,"12,5",CNY,',  # 3 bad_type
            "S04,refund,O4,R1,C1,2026-07-02,10,CNY,",  # 4 bad_enum
            "S05,sale,O5,R1,C1,2026-07-02,10.001,CNY,",  # 5 bad_amount (3 places)
            "S06,sale,O6,R1,C1,2026-07-02,10,USD,",  # 6 bad_currency
            "S07,sale,O7,R1,C1,2026-07-02,10,CNY,",  # 7 duplicate_conflict (file b: 11)
            "S08,sale,O8,R1,C1,2026-07-03,20.5,CNY,",  # 8 loaded (file b row 2 is a dup)
            "S09,sale,O1,R1,C1,2026-07-05,10,CNY,",  # 9 duplicate_order (O1 is S01's)
            "S10,sale,O10,R9,C9,2026-07-02,10,CNY,",  # 10 unknown_rep (wins over customer)
            "S11,sale,O11,R1,C9,2026-07-02,10,CNY,",  # 11 unknown_customer
            "S12,sale,O12,R2,C1,2026-07-16,10,CNY,",  # 12 rep_inactive (R2 left 07-15)
            "S13,return,O99,R1,C1,2026-07-06,10,CNY,",  # 13 unknown_order
            "S14,return,O1,R1,C1,2026-07-07,600,CNY,",  # 14 loaded (600 of 1000 returned)
            "S15,return,O1,R1,C1,2026-07-08,500,CNY,",  # 15 over_return (1100 > 1000)
            "S16,return,O1,R1,C1,2026-07-09,400.00,CNY,",  # 16 loaded (1000, not over)
            "S17,sale,O17,R1,C1,2026-07-02,0,CNY,",  # 17 bad_amount (<= 0)
            "S18,sale,O18,R1,C1,2026-02-30,10,CNY,",  # 18 bad_type (no such date)
            "S19,sale,O19,R5,C1,2026-07-02,10,CNY,",  # 19 unknown_rep (R5 never loaded)
            "S20,sale,O20,R4,C1,2026-07-02,10.500,CNY,",  # 20 loaded (10.5: 1 place)
            "S21,sale,O21,R4,C2,2026-07-04,100,,",  # 21 missing_field (fixed in file b)
        ],
    )
    write_parquet(
        tmp_path,
        "sales",
        "sales_2026-07_b.parquet",
        pa.table(
            {
                "txn_id": ["S07", "S08", "S21", "S22"],
                "txn_type": ["sale"] * 4,
                "order_id": ["O7", "O8", "O21", "O22"],
                "rep_id": ["R1", "R1", "R4", "R3"],
                "customer_id": ["C1", "C1", "C2", "C1"],
                "txn_date": pa.array(
                    [dt.date(2026, 7, 2), dt.date(2026, 7, 3), dt.date(2026, 7, 4)]
                    + [dt.date(2026, 7, 4)],
                    pa.date32(),
                ),
                "amount": pa.array(
                    [D("11.00"), D("20.50"), D("100.00"), D("5.00")], pa.decimal128(12, 2)
                ),
                "currency": ["CNY"] * 4,
            }
        ),
        # 1 S07 duplicate_conflict (10 in file a)
        # 2 S08 deduplicated (Parquet 20.50 == CSV 20.5; file a's row is kept)
        # 3 S21 loaded (the file-a row was quarantined before the duplicate check)
        # 4 S22 rep_inactive (R3 is hired 2026-08-01)
    )

    write(
        tmp_path,
        "surveys",
        "surveys_2026-07.csv",
        [
            SURVEYS_HEADER,
            "V1,R1,C1,O1,5,2026-07-10",  # 1 loaded
            "V2,R1,C1,,4.0,2026-07-10",  # 2 bad_type (not a whole number)
            "V3,R1,C1,,6,2026-07-10",  # 3 score_out_of_range
            "V4,R1,C1,, +3 ,2026-07-10",  # 4 loaded (score 3)
            "V5,R2,C1,,5,2026-07-20",  # 5 rep_inactive
        ],
    )
    write_parquet(
        tmp_path,
        "surveys",
        "surveys_2026-07_ts.parquet",
        pa.table(
            {
                "survey_id": ["V6"],
                "rep_id": ["R1"],
                "customer_id": ["C1"],
                "order_id": pa.array([None], pa.string()),
                "score": pa.array([2], pa.int64()),
                "survey_date": pa.array([dt.datetime(2026, 7, 11)], pa.timestamp("s")),
            }
        ),
        # 1 V6 bad_type (a TIMESTAMP is not a date)
    )
    return tmp_path


def test_quarantine_reasons_and_order(landing_a: Path) -> None:
    result = compute(landing_a, ["2026-07", "2026-08"])
    q = [(r.source, r.source_file, r.row_number, r.reason) for r in result.quarantine]
    assert q == [
        ("reps", "reps_2026-07-01.csv", 6, "duplicate_conflict"),
        ("reps", "reps_2026-07-01.csv", 7, "duplicate_conflict"),
        ("reps", "reps_2026-07-01.csv", 8, "missing_field"),
        ("reps", "reps_2026-07-01.csv", 9, "bad_type"),
        ("reps", "reps_2026-07-20.csv", 2, "duplicate_conflict"),
        ("reps", "reps_2026-07-20.csv", 3, "duplicate_conflict"),
        ("reps", "reps_2026-07-20.csv", 4, "missing_field"),
        ("customers", "customers_2026-07-01.csv", 3, "bad_enum"),
        ("sales", "sales_2026-07_a.csv", 2, "missing_field"),
        ("sales", "sales_2026-07_a.csv", 3, "bad_type"),
        ("sales", "sales_2026-07_a.csv", 4, "bad_enum"),
        ("sales", "sales_2026-07_a.csv", 5, "bad_amount"),
        ("sales", "sales_2026-07_a.csv", 6, "bad_currency"),
        ("sales", "sales_2026-07_a.csv", 7, "duplicate_conflict"),
        ("sales", "sales_2026-07_a.csv", 9, "duplicate_order"),
        ("sales", "sales_2026-07_a.csv", 10, "unknown_rep"),
        ("sales", "sales_2026-07_a.csv", 11, "unknown_customer"),
        ("sales", "sales_2026-07_a.csv", 12, "rep_inactive"),
        ("sales", "sales_2026-07_a.csv", 13, "unknown_order"),
        ("sales", "sales_2026-07_a.csv", 15, "over_return"),
        ("sales", "sales_2026-07_a.csv", 17, "bad_amount"),
        ("sales", "sales_2026-07_a.csv", 18, "bad_type"),
        ("sales", "sales_2026-07_a.csv", 19, "unknown_rep"),
        ("sales", "sales_2026-07_a.csv", 21, "missing_field"),
        ("sales", "sales_2026-07_b.parquet", 1, "duplicate_conflict"),
        ("sales", "sales_2026-07_b.parquet", 4, "rep_inactive"),
        ("surveys", "surveys_2026-07.csv", 2, "bad_type"),
        ("surveys", "surveys_2026-07.csv", 3, "score_out_of_range"),
        ("surveys", "surveys_2026-07.csv", 5, "rep_inactive"),
        ("surveys", "surveys_2026-07_ts.parquet", 1, "bad_type"),
    ]
    assert isinstance(result.quarantine[0], QuarantineRow)


def test_counts(landing_a: Path) -> None:
    result = compute(landing_a, [])
    # reps: 9 + 4 rows read (zz_copy.csv is skipped); 7 quarantined; 1 deduplicated;
    # loaded R1, R2, R3, R4 from the first delivery + R1 from the second = 5.
    # customers: 3 read, 1 quarantined, 2 loaded.
    # sales: 21 + 4 read; 18 quarantined (16 in a, 2 in b); 1 deduplicated (b row 2);
    # loaded S01, S08, S14, S16, S20, S21 = 6.
    # surveys: 5 + 1 read; 4 quarantined; loaded V1, V4.
    assert result.read == {"reps": 13, "customers": 3, "sales": 25, "surveys": 6}
    assert result.loaded == {"reps": 5, "customers": 2, "sales": 6, "surveys": 2}
    assert result.deduplicated == {"reps": 1, "customers": 0, "sales": 1, "surveys": 0}
    for source in result.read:
        quarantined = sum(r.source == source for r in result.quarantine)
        assert (
            result.read[source] == result.loaded[source] + result.deduplicated[source] + quarantined
        )


def test_points_of_fixture_a(landing_a: Path) -> None:
    result = compute(landing_a, ["2026-07", "2026-08"])
    # Current reps: R1 T2 (second delivery), R2 T1 left 2026-07-15, R3 T2 hired 08-01,
    # R4 T2 (the conflicting second delivery does not replace it).
    # July, loaded rows:
    #   S01 sale 1000.00 R1 -> +10.00        S08 sale 20.5 R1 -> 0.205 -> +0.21
    #   S14 return 600 (O1, R1) -> -6.00     S16 return 400.00 -> -4.00
    #   S20 sale 10.5 R4 -> 0.105 -> +0.11   S21 sale 100 R4 -> +1.00
    #   NEW_CUSTOMER: C1's first sale is S01 (07-02; S20 same day, larger id) -> R1 +50;
    #                 C2's is S21 -> R4 +50.
    #   SATISFACTION: V1 score 5 -> R1 +20; V4 score 3 -> R1 0 (a line of 0).
    #   R1 = 10.00 + 0.21 - 6.00 - 4.00 + 50 + 20 = 70.21; R4 = 0.11 + 1.00 + 50 = 51.11
    #   R2 is active in July (left 07-15) with 0; R3 is not active yet and has no lines.
    #   Team T2 net = 1000 + 20.5 - 600 - 400 + 10.5 + 100 = 131 < 300000: no bonus.
    july = result.results["2026-07"]
    assert july == {
        "R1": RepResult("R1", "T2", D("70.21"), None, 1, 1),
        "R2": RepResult("R2", "T1", D("0.00"), None, 3, 1),
        "R4": RepResult("R4", "T2", D("51.11"), None, 2, 2),
    }
    assert result.rule_points["2026-07"] == {
        ("R1", "SALES"): D("0.21"),
        ("R1", "NEW_CUSTOMER"): D("50"),
        ("R1", "SATISFACTION"): D("20"),
        ("R4", "SALES"): D("1.11"),
        ("R4", "NEW_CUSTOMER"): D("50"),
    }
    assert result.rewards["2026-07"] == {}
    # August: R1, R3, R4 active (all T2) with 0, all ranked 1; R2 has left.
    august = result.results["2026-08"]
    assert august == {
        "R1": RepResult("R1", "T2", D("0"), None, 1, 1),
        "R3": RepResult("R3", "T2", D("0"), None, 1, 1),
        "R4": RepResult("R4", "T2", D("0"), None, 1, 1),
    }
    assert result.rule_points["2026-08"] == {}


# --------------------------------------------------------------------------------------
# Fixture B: every rule, rounding, tiers, ranks
# --------------------------------------------------------------------------------------


@pytest.fixture
def landing_b(tmp_path: Path) -> Path:
    write(
        tmp_path,
        "reps",
        "reps.csv",
        [
            REPS_HEADER,
            "A1,Al,T1,AE,2025-01-01,",
            "A2,Bo,T1,AE,2025-01-01,",
            "A3,Cy,T1,AE,2025-01-01,",
            "B1,Di,T2,AE,2025-01-01,",
            "B2,Ed,T2,AE,2025-01-01,2026-06-30",
            "B3,Fa,T2,AE,2025-01-01,",
        ],
    )
    write(
        tmp_path,
        "customers",
        "customers.csv",
        [
            CUSTOMERS_HEADER,
            "K1,k1,enterprise,n,2024-01-01",
            "K3,k3,smb,n,2024-01-01",
            "K4,k4,consumer,n,2024-01-01",
        ],
    )
    write(
        tmp_path,
        "sales",
        "sales.csv",
        [
            SALES_HEADER,
            "X01,sale,P1,A1,K1,2026-07-01,400000.00,CNY",
            "X02,sale,P2,A2,K1,2026-07-01,50.50,CNY",
            "X03,return,P1,A1,K1,2026-07-20,0.50,CNY",
            "X04,sale,P4,B1,K3,2026-07-10,80000,CNY",
            "X05,sale,P5,B1,K3,2026-07-11,0.25,CNY",
            "X06,sale,P6,B2,K4,2026-06-20,1000,CNY",
            "X07,return,P6,B1,K4,2026-07-05,1000,CNY",  # B1 active; charged to B2
        ],
    )
    write(
        tmp_path,
        "surveys",
        "surveys.csv",
        [
            SURVEYS_HEADER,
            "Y01,A1,K1,,1,2026-07-03",
            "Y02,A1,K1,,2,2026-07-03",
            "Y03,A1,K1,,5,2026-07-03",
            "Y04,A2,K1,,3,2026-07-04",
            "Y05,A2,K1,,3,2026-07-04",
            "Y06,A2,K1,,4,2026-07-04",
            "Y07,A3,K1,,5,2026-07-04",
            "Y08,B3,K3,,5,2026-07-04",
        ],
    )
    return tmp_path


def test_rules_of_fixture_b(landing_b: Path) -> None:
    result = compute(landing_b, ["2026-06", "2026-07"])
    assert result.quarantine == []
    assert result.loaded == {"reps": 6, "customers": 3, "sales": 7, "surveys": 8}

    # July ledger by hand:
    # A1: SALES X01 +4000.00, X03 return 0.50 -> 0.005 -> -0.01 (half away from zero);
    #     S = 3999.99 > 3000 -> SALES_CAP 3000 - 3999.99 = -999.99.
    #     NEW_CUSTOMER K1: X01 and X02 both 07-01, X01 is the smaller id -> A1 +50.
    #     SATISFACTION 1, 2, 5 -> -20 - 10 + 20 = -10; mean 8/3 < 3.5 with 3 surveys and
    #     S > 0 -> QUALITY_GATE -round(0.20 * min(3999.99, 3000)) = -600.00.
    #     T1 net = 400000 - 0.50 + 50.50 = 400050.00 >= 300000 -> TEAM_BONUS +100.
    #     total = 3999.99 - 999.99 + 50 - 10 - 600 + 100 = 2540.00 -> platinum.
    # A2: SALES 50.50 -> 0.505 -> +0.51; SATISFACTION 0 + 0 + 10 = 10; mean 10/3 < 3.5
    #     -> QUALITY_GATE -round(0.20 * 0.51) = -round(0.102) = -0.10; TEAM_BONUS +100.
    #     total = 0.51 + 10 - 0.10 + 100 = 110.41.
    # A3: no sale row (no bonus); SATISFACTION +20 -> 20.00.
    # B1: SALES X04 +800.00, X05 0.25 -> 0.0025 -> 0.00; NEW_CUSTOMER K3 +50 -> 850.00
    #     -> silver. T2 net = 80000 + 0.25 - 1000 = 79000.25 < 300000: no bonus.
    # B2: left 06-30, but the July return X07 of its June sale P6 is charged to it:
    #     SALES -10.00 -> appears in July with -10.00.
    # B3: SATISFACTION +20 -> 20.00.
    # Company ranks: A1 1, B1 2, A2 3, A3 4, B3 4, B2 6.
    # Team ranks: T1 A1 1, A2 2, A3 3; T2 B1 1, B3 2, B2 3.
    july = result.results["2026-07"]
    assert july == {
        "A1": RepResult("A1", "T1", D("2540.00"), "platinum", 1, 1),
        "A2": RepResult("A2", "T1", D("110.41"), None, 3, 2),
        "A3": RepResult("A3", "T1", D("20.00"), None, 4, 3),
        "B1": RepResult("B1", "T2", D("850.00"), "silver", 2, 1),
        "B2": RepResult("B2", "T2", D("-10.00"), None, 6, 3),
        "B3": RepResult("B3", "T2", D("20.00"), None, 4, 2),
    }
    assert result.rule_points["2026-07"] == {
        ("A1", "SALES"): D("3999.99"),
        ("A1", "NEW_CUSTOMER"): D("50"),
        ("A1", "SATISFACTION"): D("-10"),
        ("A1", "SALES_CAP"): D("-999.99"),
        ("A1", "QUALITY_GATE"): D("-600.00"),
        ("A1", "TEAM_BONUS"): D("100"),
        ("A2", "SALES"): D("0.51"),
        ("A2", "SATISFACTION"): D("10"),
        ("A2", "QUALITY_GATE"): D("-0.10"),
        ("A2", "TEAM_BONUS"): D("100"),
        ("A3", "SATISFACTION"): D("20"),
        ("B1", "SALES"): D("800.00"),
        ("B1", "NEW_CUSTOMER"): D("50"),
        ("B2", "SALES"): D("-10.00"),
        ("B3", "SATISFACTION"): D("20"),
    }
    assert result.rewards["2026-07"] == {
        "A1": ("platinum", "cash bonus and incentive trip", D("6000")),
        "B1": ("silver", "cash bonus", D("1000")),
    }

    # June: everyone is active (B2 leaves 06-30). B2: X06 +10.00 and NEW_CUSTOMER K4 +50
    # = 60.00, rank 1; the five others have 0 and rank 2. Team T1 all 1; T2 B2 1, others 2.
    june = result.results["2026-06"]
    assert {k: (v.total_points, v.company_rank, v.team_rank) for k, v in june.items()} == {
        "A1": (D("0"), 2, 1),
        "A2": (D("0"), 2, 1),
        "A3": (D("0"), 2, 1),
        "B1": (D("0"), 2, 2),
        "B2": (D("60.00"), 1, 1),
        "B3": (D("0"), 2, 2),
    }
    assert result.rule_points["2026-06"] == {
        ("B2", "SALES"): D("10.00"),
        ("B2", "NEW_CUSTOMER"): D("50"),
    }
    assert result.rewards["2026-06"] == {}


def test_team_target_reached_exactly(landing_b: Path) -> None:
    # T2 net in July is exactly 79000.25: "reaches" means >=, so B1 (the only T2 rep
    # with a sale row in July) gets +100 -> 950.00. B2 (return only) and B3 get nothing.
    result = compute(landing_b, ["2026-07"], team_targets={"T2": D("79000.25")})
    july = result.results["2026-07"]
    assert july["B1"].total_points == D("950.00")
    assert july["B3"].total_points == D("20.00")
    assert july["B2"].total_points == D("-10.00")
    # T1 falls back to the default 300000 and keeps its bonus.
    assert july["A1"].total_points == D("2540.00")


@pytest.mark.parametrize(
    ("total", "tier"),
    [
        ("-5", None),
        ("299.99", None),
        ("300", "bronze"),
        ("799.99", "bronze"),
        ("800", "silver"),
        ("1499.99", "silver"),
        ("1500", "gold"),
        ("2499.99", "gold"),
        ("2500", "platinum"),
    ],
)
def test_tier_bounds(total: str, tier: str | None) -> None:
    got = tier_of(D(total))
    assert (got[0] if got else None) == tier


# --------------------------------------------------------------------------------------
# Text rules and rejected files
# --------------------------------------------------------------------------------------


def _minimal_reference(landing: Path) -> None:
    write(landing, "reps", "reps.csv", [REPS_HEADER, "R1,Ann,T1,AE,2025-01-01,"])
    write(landing, "customers", "c.csv", [CUSTOMERS_HEADER, "C1,Acme,smb,n,2024-01-01"])


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("12", None),
        ("12.5", None),
        ("+12.50", None),
        (".5", None),
        ("10.500", None),
        ("12,5", "bad_type"),
        ("1,234.00", "bad_type"),
        ("1e3", "bad_type"),
        ("12.5 CNY", "bad_type"),
        ("12.", "bad_type"),
        ("-0", "bad_amount"),
        ("-3", "bad_amount"),
        ("0.001", "bad_amount"),
        ("10000000000000000", "bad_amount"),
        ("9999999999999999.99", None),
    ],
)
def test_amount_text(tmp_path: Path, amount: str, reason: str | None) -> None:
    _minimal_reference(tmp_path)
    write(
        tmp_path,
        "sales",
        "s.csv",
        [SALES_HEADER, f'T1,sale,O1,R1,C1,2026-07-01,"{amount}",CNY'],
    )
    result = compute(tmp_path, [])
    assert [q.reason for q in result.quarantine] == ([reason] if reason else [])


def test_bom_trimmed_header_and_utf8_ids(tmp_path: Path) -> None:
    # A BOM and spaces around header names are ignored; column order is free.
    folder = tmp_path / "reps"
    folder.mkdir()
    (folder / "r.csv").write_bytes(
        (
            "\ufeff team_id ,rep_id,rep_name,role,hire_date,leave_date\n"
            "T1,张三,Zhang,AE,2025-01-01,\n"
        ).encode()
    )
    write(tmp_path, "customers", "c.csv", [CUSTOMERS_HEADER])
    result = compute(tmp_path, ["2026-07"])
    assert result.loaded["reps"] == 1
    assert result.results["2026-07"]["张三"].team_id == "T1"


def test_rejected_files(tmp_path: Path) -> None:
    _minimal_reference(tmp_path)
    write(tmp_path, "sales", "a_missing_col.csv", ["txn_id,txn_type", "T1,sale"])
    with pytest.raises(RejectedFile, match="a_missing_col.csv"):
        compute(tmp_path, [])
    write(
        tmp_path,
        "sales",
        "b_wrong_fields.csv",
        [SALES_HEADER, "T2,sale,O2,R1,C1,2026-07-01,10,CNY,extra"],
    )
    result = compute(tmp_path, [], skip_rejected=True)
    assert [(s, f) for s, f, _ in result.rejected] == [
        ("sales", "a_missing_col.csv"),
        ("sales", "b_wrong_fields.csv"),
    ]
    assert result.read["sales"] == 0
