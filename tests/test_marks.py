"""Period marks are built from what the dbt models declare they read (orchestration/points/).

The declarations are checked on dbt's manifest: a model the ledger lines are computed from that
reads validated rows without declaring them, or declares a column that does not exist, fails
here. The marks' SQL is checked on a real validated warehouse: a change to a row a period's
lines are computed from changes that period's mark, and only that period's.
"""

from __future__ import annotations

import copy

import pytest
from conftest import write_csv

from orchestration.ingest.landing import ingest_source
from orchestration.lib.workspace import SOURCES
from orchestration.points.dbt import ensure_manifest
from orchestration.points.inputs import META_KEY, Project, problems
from orchestration.points.marks import period_digests_sql
from orchestration.validate.engine import validate_all
from orchestration.warehouse.duckdb import connect
from schemas.contract import LOYALTY_SOURCES, SIGNOFF_SOURCES, SPECS


@pytest.fixture(scope="module")
def manifest() -> dict:
    return Project.load(ensure_manifest()).manifest


def edited(manifest: dict, edit) -> Project:
    """The project after ``edit(models by name, manifest)`` on a copy of its manifest."""
    changed = copy.deepcopy(manifest)
    models = {n["name"]: n for n in changed["nodes"].values() if n["resource_type"] == "model"}
    edit(models, changed)
    return Project(changed)


def declarations(model: dict) -> list:
    return model["config"]["meta"][META_KEY]


def test_every_model_the_ledger_is_computed_from_declares_what_it_reads(manifest):
    project = Project(manifest)
    assert problems(project) == []
    # the declarations cover every validated model the sales ledger can read (the loyalty
    # program's sources are read by its walk, which resumes by event digests, not period marks;
    # the sign-off sources book no ledger lines)
    read = {read.model for read in project.reads}
    not_ledger = (*LOYALTY_SOURCES, *SIGNOFF_SOURCES)
    sales_sources = {f"stg_validated__{name}" for name in SPECS if name not in not_ledger}
    assert read == {name for name in project.models if name in sales_sources}


def _drop_declaration(models, _):
    del models["int_rule_spiff"]["config"]["meta"][META_KEY]


def _drop_declaration_of_a_derived_kind(models, _):
    del models["int_rule_cap"]["config"]["meta"][META_KEY]


def _misspell_a_column(models, _):
    declarations(models["int_rule_spiff"])[1]["columns"] = ["segmnt"]


def _declare_a_lineage_column(models, _):
    declarations(models["int_sales_charged"])[0]["columns"].append("source_file")


def _read_an_undeclared_column(models, _):
    models["int_rule_spiff"]["raw_code"] += "\n-- not a comment: customers.region\nand region"


def _join_on_unknown_rows(models, _):
    declarations(models["int_rule_amount_rate"])[0]["joined_on"] = {"rep_id": "seller.rep_id"}


def _declare_a_model_not_referenced(models, _):
    declarations(models["int_rule_cap"]).append(
        {"model": "stg_validated__customers", "period": "created_date", "columns": ["segment"]}
    )


def _add_a_kind_without_declaration(models, manifest):
    """A new rule kind reading customers' region, listed with the ledger's models."""
    kind = copy.deepcopy(models["int_rule_spiff"])
    kind.update(name="int_rule_regional", unique_id="model.jifen.int_rule_regional")
    kind["raw_code"] = "select customers.region from {{ ref('stg_validated__customers') }}"
    kind["depends_on"]["nodes"] = ["model.jifen.stg_validated__customers"]
    del kind["config"]["meta"][META_KEY]
    manifest["nodes"][kind["unique_id"]] = kind
    models["int_ledger_lines"]["depends_on"]["nodes"].append(kind["unique_id"])


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (_drop_declaration, "int_rule_spiff reads validated rows but declares no"),
        (_drop_declaration_of_a_derived_kind, "int_rule_cap reads validated rows but declares"),
        (_misspell_a_column, "stg_validated__customers.segmnt, which is not a column"),
        (_declare_a_lineage_column, "stg_validated__sales.source_file, which is not a column"),
        (_read_an_undeclared_column, "uses stg_validated__customers.region without declaring"),
        (_join_on_unknown_rows, "joined on seller, not declared by it or a parent"),
        (_declare_a_model_not_referenced, "declares stg_validated__customers, which it does not"),
        (_add_a_kind_without_declaration, "int_rule_regional reads validated rows but declares"),
    ],
)
def test_a_missing_or_wrong_declaration_is_found(manifest, edit, problem):
    found = problems(edited(manifest, edit))
    assert any(problem in text for text in found), found


def sale(txn: str, rep: str, day: str, customer: str = "C1", kind: str = "sale", order=None):
    return [txn, kind, order or f"O{txn}", rep, customer, day, "1000.00", "CNY"]


@pytest.fixture
def warehouse(base_landing):
    """July and August sales, a return in August of a July sale, surveys in both months."""
    write_csv(
        base_landing,
        "sales",
        "sales.csv",
        [
            sale("X1", "R1", "2026-07-02", "C1"),
            sale("X2", "R2", "2026-08-03", "C2"),
            sale("X3", "R2", "2026-08-04", "C1", kind="return", order="OX1"),
        ],
    )
    write_csv(
        base_landing,
        "surveys",
        "surveys.csv",
        [["V1", "R3", "C1", "", "4", "2026-07-20"], ["V2", "R2", "C2", "", "2", "2026-08-05"]],
    )
    with connect(base_landing) as con:
        for source in SOURCES:
            ingest_source(base_landing, con, source, "test")
        validate_all(con)
        assert con.row("select count(*) from validated_sales") == (3,)
        yield con


def marks(con) -> dict[str, str]:
    return dict(con.rows(period_digests_sql(Project.load(ensure_manifest()))))


@pytest.mark.parametrize(
    ("change", "periods"),
    [
        # a late sale counts in its own period
        (
            "insert into validated_sales select * replace ('L1' as txn_id, 'OL1' as order_id) "
            "from validated_sales where txn_id = 'X2'",
            {"2026-08"},
        ),
        # an earlier first sale of C2 moves its NEW_CUSTOMER line from August to July
        (
            "insert into validated_sales select * replace ('L2' as txn_id, 'OL2' as order_id, "
            "date '2026-07-30' as txn_date) from validated_sales where txn_id = 'X2'",
            {"2026-07", "2026-08"},
        ),
        # R1 is charged with X1 and with its return X3 in August (the return's own rep is R2)
        ("update validated_reps set role = 'sdr' where rep_id = 'R1'", {"2026-07", "2026-08"}),
        # R3 only answered a July survey
        ("update validated_reps set team_id = 'T9' where rep_id = 'R3'", {"2026-07"}),
        # spiffs read the segment of the customer charged: C1 in July and August (the return)
        (
            "update validated_customers set segment = 'smb' where customer_id = 'C1'",
            {"2026-07", "2026-08"},
        ),
        ("update validated_surveys set score = 5 where survey_id = 'V2'", {"2026-08"}),
        # nothing reads a rep's name, a customer's region or a row's landing file
        ("update validated_reps set rep_name = 'Ann Li' where rep_id = 'R1'", set()),
        ("update validated_customers set region = 'north' where customer_id = 'C1'", set()),
        ("update validated_sales set source_file = 'moved.csv'", set()),
    ],
)
def test_a_mark_changes_with_what_its_period_is_computed_from(warehouse, change, periods):
    before = marks(warehouse)
    assert set(before) == {"2026-07", "2026-08"}
    warehouse.run(change)
    after = marks(warehouse)
    assert {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)} == periods
