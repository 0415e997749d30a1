"""Validation: every landed row ends loaded, deduplicated or quarantined under its first reason.

The checks run in the order of docs/sales-program.md ("Order of the checks"), each on the rows
that passed the checks before it:

- ``row_checks.py``: checks 1 to 6, each row alone (pandera, ``schemas/``); verdicts are kept
  while the code that gave them is the same (``verdict_cache.py``);
- ``cross_row_checks.py``: checks 7 to 13, rows compared with rows, over the whole landing
  history at every close;
- ``signoff_checks.py``: those of the disputes, their decisions and the rule book
  acknowledgements, after every other source (a decision names a loaded adjustment);
- ``outcomes.py``: every row's outcome, the quarantine and the counts per file.

Manual adjustments and the loyalty sources (``members``, ``redemptions``; optional sources) are
judged like the other reference data and facts; their ``validated_<source>`` tables always
exist, empty when nothing was landed.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.validate.cross_row_checks import check_across_rows
from orchestration.validate.outcomes import record_outcomes
from orchestration.validate.row_checks import check_rows, judge_new_rows_in_batches
from orchestration.validate.signoff_checks import check_signoff_sources
from orchestration.validate.spark_rows import judge_new_rows_on_executors
from orchestration.validate.verdict_cache import keep_verdicts_of_this_code
from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS

Progress = Callable[[str], None]

STATUS_DDL = """create table validation_status (
    source VARCHAR, raw_id BIGINT, status VARCHAR, reason VARCHAR, detail VARCHAR)"""
FACTS = tuple(name for name, spec in SPECS.items() if not spec.snapshot)


def validate_all(warehouse: Warehouse, progress: Progress = lambda _: None) -> None:
    warehouse.run("drop table if exists validation_status")
    warehouse.run(STATUS_DDL)
    keep_verdicts_of_this_code(warehouse)
    # the same schemas and verdicts: pandas batches here (DuckDB) or on Spark's executors
    spark = warehouse.engine == "spark"
    judge = judge_new_rows_on_executors if spark else judge_new_rows_in_batches
    for source, spec in SPECS.items():
        progress(f"validating {source}: row checks")
        check_rows(warehouse, spec, progress, judge)
    check_across_rows(warehouse, progress)
    check_signoff_sources(warehouse, progress)  # they refer to loaded adjustments
    for source in FACTS:  # reference data got its current rows from check_across_rows
        warehouse.replace_table(
            f"validated_{source}", f"select * from alive_{source} order by {SPECS[source].key}"
        )
    record_outcomes(warehouse)
