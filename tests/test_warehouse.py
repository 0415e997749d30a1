"""The DuckDB adapter: what engines may ask of a warehouse, on a scratch database."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from orchestration.warehouse.connection import WarehouseError, open_database


@pytest.fixture
def warehouse(tmp_path):
    wh = open_database(tmp_path / "w.duckdb")
    wh.run("create table points (rep VARCHAR, points DECIMAL(18,2))")
    wh.run("insert into points values (?, ?), (?, ?)", ["R1", Decimal("1.01"), "R2", None])
    yield wh
    wh.close()


def test_rows_values_and_dicts_keep_decimals(warehouse):
    assert warehouse.rows("select * from points order by rep") == [
        ("R1", Decimal("1.01")),
        ("R2", None),
    ]
    assert warehouse.value("select sum(points) from points") == Decimal("1.01")
    assert warehouse.value("select rep from points where rep = 'none'") is None
    assert warehouse.dicts("select rep from points where points is null") == [{"rep": "R2"}]
    assert warehouse.arrow("select points from points").schema.field(0).type == pa.decimal128(18, 2)


def test_a_row_or_a_statement_leaves_no_result_waiting(warehouse):
    """DuckDB 2 refuses Arrow results while an earlier result is unread: row() and run() end
    theirs, so a first row may be read from many before an arrow() or batches()."""
    assert warehouse.row("select * from points order by rep") == ("R1", Decimal("1.01"))
    assert warehouse.arrow("select count(*) as n from points").column("n").to_pylist() == [2]
    warehouse.run("select * from points")
    assert sum(batch.num_rows for batch in warehouse.batches("select * from points")) == 2


def test_catalogue_and_registered_arrow(warehouse):
    assert warehouse.table_exists("points") and not warehouse.table_exists("nothing")
    assert warehouse.table_columns("points") == ["rep", "points"]
    with warehouse.registered("landed", pa.table({"rep": ["R3"]})):
        warehouse.run("insert into points select rep, 2 from landed")
    with pytest.raises(WarehouseError):
        warehouse.rows("select * from landed")
    assert warehouse.value("select count(*) from points") == 3


def test_a_failed_transaction_leaves_nothing(warehouse):
    with pytest.raises(WarehouseError), warehouse.transaction():
        warehouse.run("delete from points")
        warehouse.run("insert into nothing values (1)")
    assert warehouse.value("select count(*) from points") == 2


def test_attached_file_in_the_readers_storage_format(warehouse, tmp_path):
    warehouse.attach(tmp_path / "readers.duckdb", "readers", storage_version="v1.1.0")
    warehouse.run("create table readers.t as select * from points")
    assert warehouse.storage_version("readers") == "v1.0.0+"
    warehouse.detach("readers")
    warehouse.to_parquet("select * from points order by rep", tmp_path / "p.parquet")
    assert warehouse.value(f"select count(*) from '{tmp_path / 'p.parquet'}'") == 2
