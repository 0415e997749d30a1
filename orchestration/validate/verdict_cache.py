"""The kept row-level verdicts (``row_judgements``, ``judged_<source>``) and when to drop them.

A verdict holds only while the code that gave it is the same: the pandera schemas in
``schemas/`` and the row-level checks of ``row_checks.py`` (``spark_rows.py`` on Spark). Any
change to either judges every landed row again at the next close.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from orchestration.lib.paths import REPO_ROOT
from orchestration.validate import row_checks, spark_rows
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS

SCHEMA_DIR = REPO_ROOT / "schemas"
JUDGING_CODE = (Path(row_checks.__file__), Path(spark_rows.__file__), Path(__file__))


def keep_verdicts_of_this_code(warehouse: Warehouse) -> None:
    """Drop the kept verdicts when the judging code changed; make the verdict table."""
    key = _code_digest()
    warehouse.run("create table if not exists row_judgement_code (code VARCHAR)")
    stored = warehouse.rows("select code from row_judgement_code")
    if stored != [(key,)]:
        for spec in SPECS.values():
            warehouse.run(f"drop table if exists judged_{spec.name}")
        warehouse.run("drop table if exists row_judgements")
        warehouse.run("truncate table row_judgement_code")  # Spark's tables refuse DELETE
        warehouse.run("insert into row_judgement_code values (?)", [key])
    warehouse.run(
        """create table if not exists row_judgements (
            source VARCHAR, raw_id BIGINT, reason VARCHAR, detail VARCHAR)"""
    )


def _code_digest() -> str:
    code = hashlib.sha256()
    for path in sorted(SCHEMA_DIR.glob("*.py")) + list(JUDGING_CODE):
        code.update(path.name.encode() + path.read_bytes())
    return code.hexdigest()
