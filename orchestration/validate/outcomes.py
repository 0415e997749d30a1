"""Every landed row's outcome (``row_outcomes``), the quarantine and the counts per file.

Nothing is silently dropped: a landed row without an outcome stops the close.
"""

from __future__ import annotations

from orchestration.warehouse.connection import Warehouse
from schemas.contract import SPECS, SourceSpec


def record_outcomes(warehouse: Warehouse) -> None:
    """The rows still alive after every check are loaded; then the tables readers see."""
    for spec in SPECS.values():
        warehouse.run(
            f"insert into validation_status select '{spec.name}', raw_id, 'loaded', null, null "
            f"from alive_{spec.name}"
        )
    write_outcome_tables(warehouse)
    _refuse_rows_without_outcome(warehouse)


def write_outcome_tables(warehouse: Warehouse) -> None:
    """``row_outcomes``, the ``quarantine`` and ``validation_counts`` from the rows' statuses."""
    parts = [_outcomes_of(warehouse, spec) for spec in SPECS.values()]
    warehouse.replace_table("row_outcomes", " union all ".join(parts))
    warehouse.replace_table(
        "quarantine",
        """select source, source_file, row_number, reason, raw, detail, file_hash, period
           from row_outcomes where status = 'quarantined'
           order by source, source_file, row_number""",
    )
    warehouse.replace_table(
        "validation_counts",
        """select source, source_file, period, count(*) as rows_read,
                  count(*) filter (where status = 'loaded') as rows_loaded,
                  count(*) filter (where status = 'deduplicated') as rows_deduplicated,
                  count(*) filter (where status = 'quarantined') as rows_quarantined
           from row_outcomes group by all order by all""",
    )


def _outcomes_of(warehouse: Warehouse, spec: SourceSpec) -> str:
    """A source's rows with lineage, period and status; a quarantined row's raw values as JSON
    (personal columns withheld)."""
    raw_values = warehouse.json_object(
        [
            (f"'{column}'", "'(withheld)'" if column in spec.personal else f"r.{column}")
            for column in spec.columns
        ]
    )
    period = f"left(trim(r.{spec.period_column}), 7)" if spec.period_column else "null"
    return f"""select '{spec.name}' as source, r.raw_id, r.source_file, r.row_number,
                   r.file_hash, {period} as period, s.status, s.reason, s.detail,
                   case when s.status = 'quarantined'
                        then {raw_values} end as raw
            from raw_{spec.name} r join validation_status s
              on s.source = '{spec.name}' and s.raw_id = r.raw_id"""


def _refuse_rows_without_outcome(warehouse: Warehouse) -> None:
    landed = " union all ".join(
        f"select '{spec.name}' as source, raw_id from raw_{spec.name}" for spec in SPECS.values()
    )
    missing = warehouse.rows(
        f"""select source, count(*) from ({landed}) r
            anti join validation_status s using (source, raw_id) group by source"""
    )
    if missing:
        raise RuntimeError(f"rows without a validation outcome: {missing}")
