"""Manual adjustments (landing/adjustments/): an optional fifth source, validated like the others.

The base landing (conftest) has R1 and R2 hired 2026-01-01, R3 hired 2026-07-10 and R4 who left
2026-06-30.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_csv
from test_validation import run_validation

from orchestration.ingest.landing import ingest_source
from orchestration.lib.workspace import OPTIONAL_SOURCES, SOURCES
from orchestration.validate.budget import adjustment_stops, period_counts
from orchestration.validate.engine import validate_all
from orchestration.warehouse.duckdb import connect
from schemas.contract import SPECS
from schemas.reasons import REASONS


def adj(key: str, rep: str = "R1", period: str = "2026-07", points: str = "25.50", **kw) -> list:
    return [
        key,
        rep,
        period,
        points,
        kw.get("reason", "Q2 spiff paid late"),
        kw.get("approved_by", "M. Lee"),
    ]


CASES = [
    # (row, status, reason, words the detail must contain)
    (adj("A01"), "loaded", None, ()),
    (adj("A02", "R2", points="-10"), "loaded", None, ()),
    (adj("A03", points="10.500"), "loaded", None, ()),  # judged on its value: 2 places
    (adj("A04", reason=""), "quarantined", "missing_field", ("reason", "empty")),
    (adj("A05", approved_by="  "), "quarantined", "missing_field", ("approved_by", "empty")),
    (adj("A06", points="0"), "quarantined", "bad_amount", ("points", "non-zero", "(0)")),
    (adj("A07", points="-0.00"), "quarantined", "bad_amount", ("points", "non-zero")),
    (adj("A08", points="10.005"), "quarantined", "bad_amount", ("points", "2 places", "10.005")),
    (adj("A09", points="12,5"), "quarantined", "bad_type", ("points", "decimal", "12,5")),
    (adj("A10", period="2026-13"), "quarantined", "bad_type", ("period", "YYYY-MM", "2026-13")),
    (adj("A11", period="2026/07"), "quarantined", "bad_type", ("period", "2026/07")),
    (adj("A12", period="2026-07-01"), "quarantined", "bad_type", ("period", "2026-07-01")),
    (adj("A13", period="July"), "quarantined", "bad_type", ("period", "July")),
    (adj("A14", "R404"), "quarantined", "unknown_rep", ("R404", "not in the loaded reps")),
    (adj("A15", "R4"), "quarantined", "rep_inactive", ("R4", "2026-06-30", "2026-07")),
    (adj("A16", "R4", period="2026-06"), "loaded", None, ()),  # active until 2026-06-30
    (adj("A17", "R3"), "loaded", None, ()),  # hired 2026-07-10: active on some day of July
    (adj("A18", "R3", period="2026-06"), "quarantined", "rep_inactive", ("R3", "2026-06")),
    # several problems: the first in the contract's order wins
    (adj("A19", "R404", points="0"), "quarantined", "bad_amount", ("points",)),
    (adj(" A20 ", " R1", " 2026-07 ", " +7.5 "), "loaded", None, ()),
]


def details(workspace) -> dict[int, tuple[str, str, str | None, str | None]]:
    with connect(workspace) as wh:
        rows = wh.rows(
            "select row_number, status, reason, detail, period from row_outcomes "
            "where source = 'adjustments' and source_file = 'adjustments_a.csv'"
        )
    return {
        number: (status, reason, detail, period) for number, status, reason, detail, period in rows
    }


def test_every_adjustment_case_gets_its_reason_and_a_detail_naming_the_problem(base_landing):
    write_csv(base_landing, "adjustments", "adjustments_a.csv", [row for row, *_ in CASES])
    _, outcomes = run_validation(base_landing)
    found = details(base_landing)
    assert len(found) == len(CASES)
    for number, (row, status, reason, words) in enumerate(CASES, start=1):
        assert outcomes[("adjustments", "adjustments_a.csv", number)] == (status, reason), row
        assert reason is None or reason in REASONS
        detail = found[number][2] or ""
        for word in words:
            assert word in detail, (row, detail)


def test_a_good_adjustment_loads_typed_with_its_lineage(base_landing):
    path = write_csv(
        base_landing,
        "adjustments",
        "adjustments_a.csv",
        [adj("A1", points="25.5"), adj("A2", "R2", "2026-08", "-3")],
    )
    reports, _ = run_validation(base_landing)
    assert reports["adjustments"].loaded_files == [("adjustments_a.csv", 2)]
    with connect(base_landing) as wh:
        rows = wh.rows(
            "select adjustment_id, rep_id, period, points, reason, approved_by, source_file, "
            "row_number, file_hash from validated_adjustments order by adjustment_id"
        )
        types = dict(
            wh.rows(
                "select column_name, data_type from information_schema.columns "
                "where table_name = 'validated_adjustments'"
            )
        )
        raw = wh.rows(
            "select source_file, row_number, file_hash, run_id from raw_adjustments order by 2"
        )
    from orchestration.ingest.reader import sha256_of

    digest = sha256_of(path)
    assert rows == [
        ("A1", "R1", "2026-07", Decimal("25.50"), "Q2 spiff paid late", "M. Lee")
        + ("adjustments_a.csv", 1, digest),
        ("A2", "R2", "2026-08", Decimal("-3.00"), "Q2 spiff paid late", "M. Lee")
        + ("adjustments_a.csv", 2, digest),
    ]
    assert types["points"] == "DECIMAL(18,2)" and types["period"] == "VARCHAR"
    assert raw == [("adjustments_a.csv", n, digest, "test-run") for n in (1, 2)]


def test_duplicates_identical_are_deduplicated_conflicting_are_quarantined(base_landing):
    write_csv(
        base_landing,
        "adjustments",
        "adjustments_a.csv",
        [adj("D1", points="10.5"), adj("D2", points="10"), adj("D3")],
    )
    write_csv(
        base_landing,
        "adjustments",
        "adjustments_b.csv",
        [
            adj("D1", points="10.50"),  # the same after parsing: a re-delivery
            adj("D2", points="12"),  # the same id, other points: a conflict
            adj("D3", approved_by="Someone else"),
        ],
    )
    _, outcomes = run_validation(base_landing)
    assert outcomes[("adjustments", "adjustments_a.csv", 1)] == ("loaded", None)
    assert outcomes[("adjustments", "adjustments_b.csv", 1)] == ("deduplicated", None)
    for file in ("adjustments_a.csv", "adjustments_b.csv"):
        for number in (2, 3):
            assert outcomes[("adjustments", file, number)] == ("quarantined", "duplicate_conflict")
    with connect(base_landing) as wh:
        detail = wh.value(
            "select detail from quarantine where source = 'adjustments' and raw like '%D2%' "
            "order by source_file limit 1"
        )
        loaded = wh.rows("select adjustment_id from validated_adjustments")
    assert detail == "adjustment_id D2 has 2 rows with different values"
    assert loaded == [("D1",)]


def test_the_same_file_bytes_under_another_name_load_once(base_landing):
    rows = [adj("S1")]
    write_csv(base_landing, "adjustments", "adjustments_a.csv", rows)
    write_csv(base_landing, "adjustments", "adjustments_copy.csv", rows)
    reports, outcomes = run_validation(base_landing)
    assert reports["adjustments"].skipped_files == [("adjustments_copy.csv", "adjustments_a.csv")]
    assert [k for k in outcomes if k[0] == "adjustments"] == [
        ("adjustments", "adjustments_a.csv", 1)
    ]


def test_a_typed_parquet_delivery_is_judged_like_csv(base_landing):
    table = pa.table(
        {
            "adjustment_id": ["P1", "P2"],
            "rep_id": ["R1", "R2"],
            "period": ["2026-07", "2026-07"],
            "points": pa.array([Decimal("-12.50"), Decimal("0.00")], pa.decimal128(18, 2)),
            "reason": ["clawback", "nothing"],
            "approved_by": ["M. Lee", "M. Lee"],
        }
    )
    pq.write_table(table, base_landing.landing_dir("adjustments") / "adjustments_p.parquet")
    _, outcomes = run_validation(base_landing)
    assert outcomes[("adjustments", "adjustments_p.parquet", 1)] == ("loaded", None)
    assert outcomes[("adjustments", "adjustments_p.parquet", 2)] == ("quarantined", "bad_amount")


def test_a_file_without_a_required_column_is_rejected_whole(base_landing):
    write_csv(
        base_landing,
        "adjustments",
        "adjustments_bad.csv",
        [["A1", "R1", "2026-07", "5", "late"]],
        header=["adjustment_id", "rep_id", "period", "points", "reason"],
    )
    reports, outcomes = run_validation(base_landing)
    assert "missing required column(s) approved_by" in str(reports["adjustments"].rejected[0])
    assert not [key for key in outcomes if key[0] == "adjustments"]


def test_the_period_of_an_adjustment_is_its_month_in_counts_and_quarantine(base_landing):
    write_csv(
        base_landing,
        "adjustments",
        "adjustments_a.csv",
        [adj("A1"), adj("A2", points="0"), adj("A3", period="2026-08"), adj("A4", period="26-7")],
    )
    run_validation(base_landing)
    with connect(base_landing) as wh:
        counts = wh.rows(
            "select period, rows_read, rows_loaded, rows_quarantined from validation_counts "
            "where source = 'adjustments' order by period"
        )
        quarantine = wh.rows(
            "select period, reason from quarantine where source = 'adjustments' order by period"
        )
        july = {c.source: c for c in period_counts(wh, "2026-07")}
    assert counts == [("2026-07", 2, 1, 1), ("2026-08", 1, 1, 0), ("26-7", 1, 0, 1)]
    assert quarantine == [("2026-07", "bad_amount"), ("26-7", "bad_type")]
    assert tuple(july) == SOURCES
    assert (july["adjustments"].read, july["adjustments"].quarantined) == (2, 1)


def stops(workspace, period: str, budget: float = 0.05) -> list[str]:
    with connect(workspace) as wh:
        ingest_source(workspace, wh, "adjustments", "test-run")
        validate_all(wh)
        return adjustment_stops(wh, period, budget)


def test_a_quarantined_adjustment_stops_its_period_until_replaced(base_landing):
    write_csv(base_landing, "adjustments", "adjustments_a.csv", [adj("A1", points="0")])
    with connect(base_landing) as wh:
        for source in ("reps", "customers"):
            ingest_source(base_landing, wh, source, "test-run")
    july = stops(base_landing, "2026-07")
    assert len(july) == 1
    assert "adjustments_a.csv row 1: A1 bad_amount" in july[0]
    assert "--error-budget 1" in july[0]
    assert stops(base_landing, "2026-08") == []  # another period's close is not concerned
    assert stops(base_landing, "2026-07", budget=1.0) == []  # provisional standings never stop
    # a corrected row with the same id loads and replaces the quarantined one
    write_csv(base_landing, "adjustments", "adjustments_b.csv", [adj("A1", points="5")])
    assert stops(base_landing, "2026-07") == []


def test_an_adjustment_without_a_real_month_stops_every_close(base_landing):
    write_csv(base_landing, "adjustments", "adjustments_a.csv", [adj("A1", period="2026/07")])
    with connect(base_landing) as wh:
        for source in ("reps", "customers"):
            ingest_source(base_landing, wh, source, "test-run")
    for period in ("2026-07", "2026-09"):
        found = stops(base_landing, period)
        assert len(found) == 1 and "A1 bad_type" in found[0], found


def test_a_workspace_without_the_adjustments_folder_validates_as_before(base_landing):
    base_landing.landing_dir("adjustments").rmdir()
    write_csv(
        base_landing,
        "sales",
        "sales_a.csv",
        [["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100.00", "CNY"]],
    )
    reports, outcomes = run_validation(base_landing)
    assert reports["adjustments"].loaded_files == [] and not reports["adjustments"].rejected
    assert outcomes[("sales", "sales_a.csv", 1)] == ("loaded", None)
    assert not base_landing.landing_dir("adjustments").exists()  # never created behind one's back
    with connect(base_landing) as wh:
        assert wh.row("select count(*) from validated_adjustments") == (0,)
        assert stops(base_landing, "2026-07") == []
        counts = {c.source: c for c in period_counts(wh, "2026-07")}
    assert counts["adjustments"].read == 0


def test_the_ingest_asset_accepts_a_missing_optional_folder_only(base_landing):
    from dagster import materialize

    from orchestration.defs.ingest.assets import ingest_assets
    from orchestration.defs.resources import WorkspaceResource

    assets = {a.key.path[-1]: a for a in ingest_assets}
    assert set(OPTIONAL_SOURCES) == {
        "adjustments",
        "members",
        "redemptions",
        "disputes",
        "dispute_decisions",
        "acknowledgements",
    }
    base_landing.landing_dir("adjustments").rmdir()
    resources = {"workspace": WorkspaceResource(home=str(base_landing.home))}
    result = materialize(
        [assets["raw_adjustments"]], resources=resources, partition_key="2026-07-01"
    )
    assert result.success
    base_landing.landing_dir("surveys").rmdir()
    result = materialize(
        [assets["raw_surveys"]],
        resources=resources,
        partition_key="2026-07-01",
        raise_on_error=False,
    )
    assert not result.success


@pytest.mark.parametrize("source", ["sales", "surveys"])
def test_the_fact_sources_keep_their_period_from_their_date(source):
    spec = SPECS[source]
    assert spec.period_column == spec.period_date and spec.period_month is None


def test_the_adjustments_spec():
    spec = SPECS["adjustments"]
    assert spec.columns == ("adjustment_id", "rep_id", "period", "points", "reason", "approved_by")
    assert spec.key == "adjustment_id" and spec.period_column == "period"
    assert spec.period_date is None and not spec.snapshot and not spec.optional


def test_the_staging_model_reads_validated_adjustments(base_landing):
    from orchestration.lib.period import window
    from orchestration.points.dbt import run_dbt

    write_csv(base_landing, "adjustments", "adjustments_a.csv", [adj("A1", points="-12.5")])
    run_validation(base_landing)
    env = {**window("2026-07").env(), "JIFEN_WAREHOUSE": str(base_landing.warehouse)}
    select = ("--select", "stg_validated__reps", "stg_validated__adjustments")
    result = run_dbt(
        "build",
        *select,
        "--indirect-selection",
        "cautious",
        env=env,
        target=base_landing.state / "dbt-target",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    with connect(base_landing) as wh:
        rows = wh.rows(
            "select adjustment_id, rep_id, period, points, reason, approved_by, source_file, "
            "source_row_number from stg_validated__adjustments"
        )
        points_type = wh.row(
            "select data_type from information_schema.columns "
            "where table_name = 'stg_validated__adjustments' and column_name = 'points'"
        )
    assert rows == [
        ("A1", "R1", "2026-07", Decimal("-12.50"), "Q2 spiff paid late", "M. Lee")
        + ("adjustments_a.csv", 1)
    ]
    assert points_type == ("DECIMAL(18,2)",)


def test_the_validation_asset_stops_the_close_on_a_quarantined_adjustment(base_landing, capfd):
    from dagster import materialize

    from orchestration.defs.resources import WorkspaceResource
    from orchestration.defs.validate.assets import validated_inputs

    write_csv(base_landing, "adjustments", "adjustments_a.csv", [adj("A1", "R404")])
    with connect(base_landing) as wh:
        for source in SOURCES:
            ingest_source(base_landing, wh, source, "test-run")
    resources = {"workspace": WorkspaceResource(home=str(base_landing.home))}

    def run(budget: float):
        config = {"ops": {"validated_inputs": {"config": {"error_budget": budget}}}}
        return materialize(
            [validated_inputs],
            resources=resources,
            partition_key="2026-07-01",
            run_config=config,
            raise_on_error=False,
        )

    stopped = run(0.05)
    assert not stopped.success
    failure = next(e for e in stopped.all_events if e.is_step_failure)
    text = failure.step_failure_data.user_failure_data.description
    assert "adjustments 2026-07: 1 approved adjustment(s) quarantined" in text
    assert "A1 unknown_rep (rep R404 is not in the loaded reps)" in text
    waived = run(1.0)
    assert waived.success
    assert "adjustment A1 is quarantined (unknown_rep" in capfd.readouterr().err
