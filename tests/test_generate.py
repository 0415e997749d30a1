"""The synthetic data generator: the same arguments give the same bytes, and the files follow
the contract's declaration of each source.

``fixtures/generate_digests.json`` holds the SHA-256 of every file the generator wrote before it
was split into modules (computed from the single-module generator, not from this code), so a
change in the order of random draws or in serialisation fails here.
"""

from __future__ import annotations

import csv
import hashlib
import json
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


@pytest.mark.parametrize("run", sorted(EXPECTED["runs"]))
def test_the_same_arguments_give_the_same_files_as_before(tmp_path, run):
    expected = EXPECTED["runs"][run]
    counts = generate(tmp_path, **expected["arguments"])
    assert counts == expected["counts"]
    got = digests(tmp_path / "landing")
    assert set(got) == set(expected["sha256"])
    csv_files = [name for name in got if name.endswith(".csv")]
    assert {name: got[name] for name in csv_files} == {
        name: expected["sha256"][name] for name in csv_files
    }
    if pyarrow.__version__ != EXPECTED["pyarrow"]:
        pytest.skip(f"Parquet digests were taken with pyarrow {EXPECTED['pyarrow']}")
    assert got == expected["sha256"]


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
    assert landed == {name for name, spec in SPECS.items() if not spec.landing_optional}


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
