"""Checks 1 to 6 on Spark: the same pandera schemas, applied per partition on the executors.

pandera's own pyspark backend reports a summary per check, without the failing rows; applying
the pandas schemas to each partition (``map_in_pandas``) keeps every row's reason and detail,
as ``row_checks.py`` gives them on DuckDB. Every check of those schemas judges a row alone, so
a partition's verdicts are the verdicts of its rows wherever the partition is cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from orchestration.validate.row_checks import pandera_rejects, typed
from schemas.contract import SPECS, SourceSpec

if TYPE_CHECKING:  # pyspark is optional: a DuckDB install has none
    from orchestration.warehouse.spark import SparkWarehouse

LINEAGE = "source_file string, row_number bigint, file_hash string"


def judge_new_rows_on_executors(
    warehouse: SparkWarehouse, spec: SourceSpec, progress: Callable[[str], None]
) -> None:
    """The raw rows not judged yet: trimmed and judged per partition, the accepted ones typed
    into ``judged_<source>``, the others' verdicts into ``row_judgements``."""
    upto = warehouse.value(
        "select coalesce(max(raw_id), 0) from row_judgements where source = ?", [spec.name]
    )
    last = warehouse.value(f"select max(raw_id) from raw_{spec.name} where raw_id > ?", [upto])
    if last is None:
        return
    progress(f"validating {spec.name}: row checks on the executors")
    columns = ", ".join(spec.columns)
    texts = ", ".join(f"{column} string" for column in spec.columns)
    warehouse.map_in_pandas(
        "judging",
        f"select raw_id, {columns}, source_file, row_number, file_hash from raw_{spec.name} "
        f"where raw_id > {int(upto)} and raw_id <= {int(last)}",
        partial(judge_partition, spec.name),
        f"raw_id bigint, {texts}, {LINEAGE}, verdict_reason string, verdict_detail string",
    )
    casts = ", ".join(typed(spec, column) for column in spec.columns)
    alive = (
        f"select raw_id, {casts}, source_file, row_number, file_hash from judging "
        "where verdict_reason is null"
    )
    warehouse.run(f"create table if not exists judged_{spec.name} as {alive} limit 0")
    warehouse.run(f"insert into judged_{spec.name} {alive}")
    # with the high-water mark: an accepted row leaves no verdict of its own
    warehouse.run(
        "insert into row_judgements select ?, raw_id, verdict_reason, verdict_detail "
        "from judging where verdict_reason is not null union all select ?, ?, null, null",
        [spec.name, spec.name, last],
    )


def judge_partition(source: str, frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Each batch of raw rows, trimmed, with its first reason and detail (none: accepted), named
    ``verdict_*``: a source may have a column ``reason`` of its own (adjustments do)."""
    spec = SPECS[source]
    for frame in frames:
        for column in spec.columns:
            frame[column] = frame[column].astype(str).str.strip()
        rejects = pandera_rejects(frame.reset_index(drop=True), spec).set_index("raw_id")
        for column in ("reason", "detail"):
            found = frame["raw_id"].map(rejects[column])
            frame[f"verdict_{column}"] = found.astype(object).where(found.notna(), None)
        yield frame
