"""The loyalty program's sources, ``members/`` and ``redemptions/`` (docs/loyalty-program.md,
section 1): row checks, checks across rows, personal data, the error budget, and the worked
example's quarantine (shared/design/loyalty-example)."""

from __future__ import annotations

import pytest
from conftest import write_csv
from test_validation import run_validation

from orchestration.ingest.landing import ingest_source
from orchestration.reports.quarantine import period_of
from orchestration.validate.budget import (
    BUDGETED_SOURCES,
    budget_breaches,
    listed_counts,
    period_counts,
)
from orchestration.validate.engine import validate_all
from orchestration.warehouse.duckdb import connect
from schemas.contract import SPECS
from schemas.reasons import REASONS, ROW_LEVEL, WALK_LEVEL

# The worked example's landing before its first close (loyalty-example/landing): members and
# redemptions as landed; its six customers; three of its sales (one in USD, as there).
EXAMPLE_CUSTOMERS = [[f"C{n}", f"Name {n}", "consumer", "N", "2020-01-01"] for n in range(1, 7)]
EXAMPLE_SALES = [
    ["S01", "sale", "O1", "R1", "C1", "2025-07-15", "1234.00", "CNY"],
    ["S10", "sale", "O10", "R1", "C2", "2026-07-01", "20000.00", "CNY"],
    ["S16", "sale", "O16", "R1", "C2", "2026-07-08", "1000.00", "USD"],
]
EXAMPLE_MEMBERS = [
    ["C1", "K1", "2025-07-10", ""],
    ["C2", "K2", "2026-06-01", ""],
    ["C3", "K3", "2026-07-01", ""],
    ["C4", "K4", "2026-03-01", ""],
    ["C5", "K5", "2025-08-01", ""],
    ["C9", "K9", "2026-07-01", ""],
    ["C6", "K6", "2026-07-10", "2026-07-01"],
    ["C7", "", "2026-07-01", ""],
    ["C8", "K8", "2026-13-01", ""],
]
EXAMPLE_REDEMPTIONS = [
    ["X01", "C1", "2025-09-01", "100", "coupon"],
    ["X02", "C1", "2026-07-20", "100", "coupon"],
    ["X10", "C2", "2026-07-10", "3000", "coupon"],
    ["X11", "C2", "2026-07-15", "2500", "coupon"],
    ["X12", "C2", "2026-07-20", "2000", "coupon"],
    ["X13", "C2", "2026-07-25", "100", "coupon"],
    ["X30", "C3", "2026-07-03", "100", "coupon"],
    ["X90", "C1", "2026-07-21", "150", "coupon"],
    ["X91", "C1", "2026-07-21", "1e2", "coupon"],
    ["X92", "C6", "2026-07-21", "100", "coupon"],
    ["X93", "C1", "2026-06-30", "100", "coupon"],
    ["X93", "C1", "2026-06-30", "200", "coupon"],
    ["X94", "C4", "2026-06-30", "100", "coupon"],
    ["X94", "C4", "2026-06-30", "100", "coupon"],
]
# loyalty-example/late/2026-08, landed before the close of 2026-08
LATE_MEMBERS = [["C3", "K3", "2026-07-01", "2026-08-20"]]
LATE_REDEMPTIONS = [
    ["X31", "C4", "2026-07-30", "100", "coupon"],
    ["X20", "C2", "2026-08-10", "100", "coupon"],
    ["X32", "C3", "2026-08-25", "100", "coupon"],
]
# loyalty-example/expected.json, "quarantine" of each close, without the walk's verdicts
# (over_redemption_limit, insufficient_points), which the ledger walk adds after validation
EXPECTED_QUARANTINE = {
    "2026-07": {
        "members": {"bad_date_range": 1, "bad_type": 1, "missing_field": 1, "unknown_customer": 1},
        "redemptions": {"bad_points": 1, "bad_type": 1, "duplicate_conflict": 2, "not_member": 1},
    },
    "2026-08": {
        "members": {"bad_date_range": 1, "bad_type": 1, "missing_field": 1, "unknown_customer": 1},
        "redemptions": {"bad_points": 1, "bad_type": 1, "duplicate_conflict": 2, "not_member": 2},
    },
}


@pytest.fixture
def example(workspace):
    write_csv(
        workspace, "reps", "reps_2026-07.csv", [["R1", "Alice", "T1", "rep", "2020-01-01", ""]]
    )
    write_csv(workspace, "customers", "customers_2026-07.csv", EXAMPLE_CUSTOMERS)
    write_csv(workspace, "sales", "sales_2026-07.csv", EXAMPLE_SALES)
    write_csv(workspace, "members", "members_2026-07.csv", EXAMPLE_MEMBERS)
    write_csv(workspace, "redemptions", "redemptions_2026-07.csv", EXAMPLE_REDEMPTIONS)
    return workspace


def quarantine_counts(workspace) -> dict:
    with connect(workspace) as wh:
        rows = wh.rows(
            "select source, reason, count(*) from quarantine "
            "where source in ('members', 'redemptions') group by all"
        )
    counts: dict = {"members": {}, "redemptions": {}}
    for source, reason, count in rows:
        counts[source][reason] = count
    return counts


def outcome(outcomes: dict, source: str, file: str, row: int) -> tuple:
    return outcomes[(source, file, row)]


def test_the_worked_examples_quarantine_after_each_validation(example):
    run_validation(example)
    assert quarantine_counts(example) == EXPECTED_QUARANTINE["2026-07"]
    write_csv(example, "members", "members_2026-08.csv", LATE_MEMBERS)
    write_csv(example, "redemptions", "redemptions_2026-08.csv", LATE_REDEMPTIONS)
    _, outcomes = run_validation(example)
    assert quarantine_counts(example) == EXPECTED_QUARANTINE["2026-08"]
    # C3 left on 08-20 (the later snapshot): X32 on 08-25 is not_member, X30 on 07-03 still loads
    assert outcome(outcomes, "redemptions", "redemptions_2026-08.csv", 3) == (
        "quarantined",
        "not_member",
    )
    assert outcome(outcomes, "redemptions", "redemptions_2026-07.csv", 7) == ("loaded", None)
    # X94 twice, identical: one loads, the other is deduplicated
    assert outcome(outcomes, "redemptions", "redemptions_2026-07.csv", 13) == ("loaded", None)
    assert outcome(outcomes, "redemptions", "redemptions_2026-07.csv", 14) == (
        "deduplicated",
        None,
    )
    with connect(example) as wh:
        c3 = wh.rows(
            "select enrolled_date, left_date from validated_members where customer_id = 'C3'"
        )
    assert [tuple(str(value) for value in row) for row in c3] == [("2026-07-01", "2026-08-20")]


def test_the_example_stops_only_on_redemptions_and_passes_with_a_budget_of_one(example):
    run_validation(example)
    with connect(example) as wh:
        strict = budget_breaches(wh, "2026-07", 0.05)
        lenient = budget_breaches(wh, "2026-07", 1.0)
        counts = {c.source: c for c in period_counts(wh, "2026-07")}
        listed = [c.source for c in listed_counts(list(counts.values()))]
    assert listed[-2:] == ["members", "redemptions"]
    # members are reference data: 4 of 9 quarantined never stop a close
    assert (counts["members"].read, counts["members"].quarantined) == (9, 4)
    assert "members" not in BUDGETED_SOURCES and "redemptions" in BUDGETED_SOURCES
    # redemptions dated in July: X02, X10..X13, X30, X90, X91, X92; three quarantined
    assert (counts["redemptions"].read, counts["redemptions"].quarantined) == (9, 3)
    assert sorted(message.split(" ")[0] for message in strict) == ["redemptions", "sales"]
    assert "3 of 9 rows quarantined (33.3%)" in next(m for m in strict if "redemptions" in m)
    assert lenient == []


def test_the_walks_verdicts_never_count_against_the_budget(example):
    run_validation(example)
    with connect(example) as wh:
        # as the walk records them: two more quarantined July redemptions
        wh.run(
            "insert into quarantine (source, source_file, row_number, reason, period) values "
            "('redemptions', 'redemptions_2026-07.csv', 4, 'over_redemption_limit', '2026-07'),"
            "('redemptions', 'redemptions_2026-07.csv', 6, 'insufficient_points', '2026-07')"
        )
        wh.run(
            "update validation_counts set rows_quarantined = rows_quarantined + 2, "
            "rows_loaded = rows_loaded - 2 where source = 'redemptions' and period = '2026-07'"
        )
        # 5 of 9 quarantined, 3 of them by validation: 33.3 % is within a budget of 40 %
        lenient = budget_breaches(wh, "2026-07", 0.40)
        strict = budget_breaches(wh, "2026-07", 0.30)
    assert [m for m in lenient if m.startswith("redemptions")] == []
    assert [m for m in strict if m.startswith("redemptions")] == [
        "redemptions 2026-07: 3 of 9 rows quarantined (33.3%), over the error budget of 30.0% "
        "(bad_points 1, bad_type 1, not_member 1)"
    ]


REDEMPTION_CASES = [
    # (row, expected outcome); customers C1, C2 of base_landing; C1 a member from 2026-07-05 to
    # 2026-07-20, C2 a member from 2026-01-01, never left
    (["Y01", "C1", "2026-07-05", "100", "coupon"], ("loaded", None)),
    (["Y02", "C1", "2026-07-20", "+0200", "coupon"], ("loaded", None)),
    (["Y03", "C1", "2026-07-04", "100", "coupon"], ("quarantined", "not_member")),
    (["Y04", "C1", "2026-07-21", "100", "coupon"], ("quarantined", "not_member")),
    (["Y05", "C2", "2026-07-10", "0", "coupon"], ("quarantined", "bad_points")),
    (["Y06", "C2", "2026-07-10", "-100", "coupon"], ("quarantined", "bad_points")),
    (["Y07", "C2", "2026-07-10", "250", "coupon"], ("quarantined", "bad_points")),
    (["Y08", "C2", "2026-07-10", "1000000000", "coupon"], ("quarantined", "bad_points")),
    (["Y09", "C2", "2026-07-10", "999999900", "coupon"], ("loaded", None)),
    (["Y10", "C2", "2026-07-10", "100.0", "coupon"], ("quarantined", "bad_type")),
    (["Y11", "C2", "2026-07-10", "100", ""], ("quarantined", "missing_field")),
    (["Y12", "C2", "2026-07-32", "100", "coupon"], ("quarantined", "bad_type")),
    (["Y13", "C2", "2026-07-10", "", "coupon"], ("quarantined", "missing_field")),
    # an unknown customer is no member either: unknown_customer comes first
    (["Y14", "C404", "2026-07-10", "100", "coupon"], ("quarantined", "unknown_customer")),
    # bad_type comes before bad_points
    (["Y15", "C2", "2026-07-10", "1e3", "coupon"], ("quarantined", "bad_type")),
    # a known customer who is no member
    (["Y16", "C3", "2026-07-10", "100", "coupon"], ("quarantined", "not_member")),
]


def test_every_redemption_check_in_the_contracts_order(base_landing):
    write_csv(
        base_landing,
        "customers",
        "customers_2026-07-02.csv",
        [["C3", "Cato", "consumer", "north", "2025-01-01"]],
    )
    write_csv(
        base_landing,
        "members",
        "members_2026-07.csv",
        [["C1", "K1", "2026-07-05", "2026-07-20"], ["C2", "K2", "2026-01-01", ""]],
    )
    write_csv(base_landing, "redemptions", "r.csv", [row for row, _ in REDEMPTION_CASES])
    _, outcomes = run_validation(base_landing)
    got = [
        outcome(outcomes, "redemptions", "r.csv", n) for n in range(1, len(REDEMPTION_CASES) + 1)
    ]
    assert got == [expected for _, expected in REDEMPTION_CASES]
    with connect(base_landing) as wh:
        points = dict(wh.rows("select redemption_id, points from validated_redemptions"))
        types = dict(
            wh.rows("select column_name, column_type from (describe validated_redemptions)")
        )
    assert points == {"Y01": 100, "Y02": 200, "Y09": 999999900}
    assert (types["redeemed_date"], types["points"]) == ("DATE", "INTEGER")


def test_not_member_reads_the_current_snapshot_and_spares_accepted_redemptions(base_landing):
    write_csv(base_landing, "members", "m_2026-07.csv", [["C1", "K1", "2026-07-01", ""]])
    write_csv(base_landing, "members", "m_2026-08.csv", [["C1", "K1", "2026-07-01", "2026-07-10"]])
    write_csv(
        base_landing,
        "redemptions",
        "r.csv",
        [["Z1", "C1", "2026-07-15", "100", "coupon"], ["Z2", "C1", "2026-07-16", "100", "coupon"]],
    )
    _, outcomes = run_validation(base_landing)
    assert outcome(outcomes, "redemptions", "r.csv", 1) == ("quarantined", "not_member")
    with connect(base_landing) as wh:
        detail = wh.value("select detail from quarantine where source = 'redemptions' limit 1")
        # the lead's publish step keeps the redemptions accepted in a published version
        wh.run(
            "create table if not exists published.loyalty_accepted_redemptions "
            "(period VARCHAR, version INTEGER, redemption_id VARCHAR)"
        )
        wh.run("insert into published.loyalty_accepted_redemptions values ('2026-07', 1, 'Z1')")
    assert detail == "customer C1 is a member 2026-07-01..2026-07-10, not on 2026-07-15"
    _, outcomes = run_validation(base_landing)
    assert outcome(outcomes, "redemptions", "r.csv", 1) == ("loaded", None)
    assert outcome(outcomes, "redemptions", "r.csv", 2) == ("quarantined", "not_member")


MEMBER_CASES = [
    (["C1", "K1", "2026-07-01", "2026-07-01"], ("loaded", None)),  # a one-day membership
    (["C2", "K2", "2026-07-02", "2026-07-01"], ("quarantined", "bad_date_range")),
    (["C3", "K3", "2026-07-01", ""], ("quarantined", "unknown_customer")),
    (["C1", "K1", "2026-07-01", "2026-02-30"], ("quarantined", "bad_type")),  # before the range
    (["C2", "", "2026-07-01", ""], ("quarantined", "missing_field")),
    (["C2", "K2", "", ""], ("quarantined", "missing_field")),
]


def test_every_member_check_in_the_contracts_order(base_landing):
    write_csv(base_landing, "members", "m.csv", [row for row, _ in MEMBER_CASES])
    _, outcomes = run_validation(base_landing)
    got = [outcome(outcomes, "members", "m.csv", n) for n in range(1, len(MEMBER_CASES) + 1)]
    assert got == [expected for _, expected in MEMBER_CASES]
    with connect(base_landing) as wh:
        detail = wh.value("select detail from quarantine where reason = 'bad_date_range'")
        types = dict(
            wh.rows(
                "select column_name, data_type from information_schema.columns "
                "where table_name = 'validated_members'"
            )
        )
    assert detail == "left_date: left_date is earlier than enrolled_date (2026-07-01)"
    assert (types["enrolled_date"], types["left_date"]) == ("DATE", "DATE")


def test_members_are_snapshots_with_conflicts_judged_inside_one_delivery(base_landing):
    write_csv(base_landing, "members", "m_2026-07.csv", [["C1", "K1", "2026-07-01", ""]])
    write_csv(
        base_landing,
        "members",
        "m_2026-08.csv",
        [["C1", "K1", "2026-07-01", "2026-08-31"], ["C1", "K1", "2026-07-01", "2026-09-30"]],
    )
    write_csv(base_landing, "members", "m_2026-09.csv", [["C2", "K2", "2026-09-01", ""]])
    _, outcomes = run_validation(base_landing)
    assert outcome(outcomes, "members", "m_2026-08.csv", 1) == (
        "quarantined",
        "duplicate_conflict",
    )
    with connect(base_landing) as wh:
        current = wh.rows(
            "select customer_id, source_file, left_date from validated_members order by all"
        )
    # C1 keeps its row from the earlier delivery; C2 comes from the later one
    assert current == [("C1", "m_2026-07.csv", None), ("C2", "m_2026-09.csv", None)]


def test_card_id_never_reaches_the_quarantine(base_landing):
    write_csv(
        base_landing,
        "members",
        "m.csv",
        [
            ["C1", "CARD-SECRET-1", "2026-07-02", "2026-07-01"],
            ["C404", "CARD-SECRET-2", "2026-07-01", ""],
            ["C2", "CARD-SECRET-3", "2026-07-01", "x"],
            ["C2", "CARD-SECRET-4", "2026-07-01", ""],
            ["C2", "CARD-SECRET-5", "2026-07-01", ""],
        ],
    )
    run_validation(base_landing)
    with connect(base_landing) as wh:
        rows = wh.rows("select * from quarantine where source = 'members'")
    assert len(rows) == 5  # bad_date_range, unknown_customer, bad_type, duplicate_conflict x2
    assert not [row for row in rows if "CARD-SECRET" in repr(row)]
    assert all('"card_id":"(withheld)"' in row[4] for row in rows)


def test_the_staging_models_carry_no_card_id_and_type_their_columns():
    from orchestration.lib.paths import REPO_ROOT

    staging = REPO_ROOT / "dbt_project" / "models" / "staging"
    members = (staging / "stg_validated__members.sql").read_text()
    redemptions = (staging / "stg_validated__redemptions.sql").read_text()
    assert "card_id" not in members
    assert "cast(points as integer) as points" in redemptions


def test_a_workspace_without_loyalty_files_validates_as_before(base_landing):
    for source in ("members", "redemptions"):
        base_landing.landing_dir(source).rmdir()
    write_csv(
        base_landing,
        "sales",
        "s.csv",
        [["T1", "sale", "O1", "R1", "C1", "2026-07-02", "10", "CNY"]],
    )
    reports, _ = run_validation(base_landing)
    assert reports["members"].loaded_files == [] and reports["members"].rejected == []
    with connect(base_landing) as wh:
        empty = [
            wh.value(f"select count(*) from validated_{s}") for s in ("members", "redemptions")
        ]
        sources = {row[0] for row in wh.rows("select distinct source from validation_counts")}
        columns = [row[0] for row in wh.rows("describe validated_redemptions")]
        listed = [c.source for c in listed_counts(period_counts(wh, "2026-07"))]
    assert empty == [0, 0]
    assert sources == {"reps", "customers", "sales"}
    # the close's summary lists what it listed before the loyalty program existed
    assert listed == ["reps", "customers", "sales", "surveys", "adjustments"]
    assert columns[:6] == [
        "raw_id",
        "redemption_id",
        "customer_id",
        "redeemed_date",
        "points",
        "reward",
    ]


def test_a_members_file_without_the_left_date_column_is_rejected(base_landing):
    write_csv(
        base_landing,
        "members",
        "m.csv",
        [["C1", "K1", "2026-07-01"]],
        header=["customer_id", "card_id", "enrolled_date"],
    )
    with connect(base_landing) as wh:
        report = ingest_source(base_landing, wh, "members", "test-run")
        validate_all(wh)
        assert wh.value("select count(*) from validated_members") == 0
    assert [r.path.name for r in report.rejected] == ["m.csv"]
    assert "left_date" in report.rejected[0].problem


def test_the_loyalty_reason_codes_keep_the_contracts_order():
    loyalty = [
        "missing_field",
        "bad_type",
        "bad_date_range",
        "bad_points",
        "duplicate_conflict",
        "unknown_customer",
        "not_member",
        "over_redemption_limit",
        "insufficient_points",
    ]
    assert [reason for reason in REASONS if reason in loyalty] == loyalty
    assert {"bad_date_range", "bad_points"} <= set(ROW_LEVEL)
    assert not set(WALK_LEVEL) & set(ROW_LEVEL) and REASONS[-2:] == WALK_LEVEL
    assert SPECS["members"].personal == ("card_id",) and SPECS["members"].snapshot
    assert SPECS["redemptions"].period_column == "redeemed_date"


def test_a_quarantined_redemption_is_dated_by_redeemed_date_and_a_member_by_none():
    assert period_of('{"redemption_id": "X1", "redeemed_date": "2026-07-20"}') == "2026-07"
    assert period_of('{"customer_id": "C1", "enrolled_date": "2026-07-01"}') is None
