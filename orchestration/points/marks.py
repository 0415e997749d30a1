"""Which closed periods a close must recompute: those whose inputs changed since last computed.

A close recomputes closed periods to book prior-period adjustments (docs/sales-program.md, "Late
rows: prior-period adjustments"). A closed period whose inputs are exactly those it was last
computed from would give back what is already booked, so it is left out: the cost of a close then
follows the size of the period, not of the history. A period's *mark* digests every validated row
that can reach its ledger lines with the columns read from it, as the dbt models declare them
(``inputs.py``: the rows dated in the period, and the rows reached from them, such as the original
sale of a return, the charged rep's team and role, the customer's segment, first sales), plus the
compiled rule book and the dbt code. Any change, however small, means "recompute"; an unknown
period is always recomputed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.points.dbt import DBT_PROJECT_DIR, ensure_manifest
from orchestration.points.inputs import DeclarationError, Project, Read
from orchestration.warehouse.connection import Warehouse


@dataclass
class _Rows:
    """Rows that one or more declarations read, every column any of them reads, and the rows
    declared as joined on them."""

    read: Read
    columns: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    joined: list[_Rows] = field(default_factory=list)


def period_digests_sql(project: Project) -> str:
    """SQL giving, per period, ``count:sum`` of the digests of every row the models read.

    One digest per dated row, with the rows joined on it (left joins, so a row that appears or
    goes away later changes the digest too): one pass over the history, as a close needs.
    """
    ctes, selects = [], []
    for i, dated in enumerate(_dated_rows(project.reads)):
        rows, first_rows = _dated_table(project, i, dated.read)
        ctes += first_rows
        columns, joins = _joins(project, dated)
        period = f"substr(cast(r0.{dated.read.period} as varchar), 1, 7)"
        selects.append(
            f"select {period} as marked_period, hash({i}, {', '.join(columns)}) as digest\n"
            f"    from {rows} as r0" + "".join(f"\n    {join}" for join in joins)
        )
    union = "\n    union all\n    ".join(selects)
    return (
        "with\n" + "".join(f"{cte},\n" for cte in ctes) + f"digests as (\n    {union}\n)\n"
        "select marked_period, cast(count(*) as varchar) || ':' || "
        "cast(sum(cast(digest as hugeint)) as varchar)\nfrom digests group by marked_period"
    )


def _dated_rows(reads: list[Read]) -> list[_Rows]:
    """The rows read by period, each with the rows joined on it."""
    groups: dict[tuple, _Rows] = {}
    for read in reads:
        group = groups.setdefault(read.rows, _Rows(read))
        group.columns += [c for c in read.read_columns if c not in group.columns]
        group.names |= {read.name} if read.name else set()
    named = {name: group for group in groups.values() for name in group.names}
    for group in groups.values():
        if group.read.joined_on:
            _, target, column = group.read.joined_on
            if target not in named:
                raise DeclarationError(f"{group.read.declared_by}: no rows named {target}")
            named[target].joined.append(group)
            named[target].columns += [column] if column not in named[target].columns else []
    dated = [group for group in groups.values() if not group.read.joined_on]
    reached = [group for tree in dated for group in _walk(tree)]
    if len(reached) != len(groups):
        raise DeclarationError("joined_on declarations that lead to no dated rows (a cycle)")
    return dated


def _walk(group: _Rows) -> list[_Rows]:
    return [group, *(below for joined in group.joined for below in _walk(joined))]


def _joins(project: Project, dated: _Rows) -> tuple[list[str], list[str]]:
    columns, joins = [f"r0.{column}" for column in dated.columns], []
    pending = [(dated, "r0")]
    while pending:
        group, alias = pending.pop(0)
        for joined in group.joined:
            joined_alias = f"r{len(joins) + 1}"
            column, _, target_column = joined.read.joined_on
            joins.append(
                f"left join {_table(project, joined.read)} as {joined_alias} "
                f"on {joined_alias}.{column} = {alias}.{target_column}"
            )
            columns += [f"{joined_alias}.{c}" for c in joined.columns]
            pending.append((joined, joined_alias))
    return columns, joins


def _table(project: Project, read: Read) -> str:
    table = project.source_table(read.model)
    return f"(select * from {table} where {read.where})" if read.where else table


def _dated_table(project: Project, i: int, read: Read) -> tuple[str, list[str]]:
    """The rows a dated declaration reads, and the CTEs that find each key's first row."""
    if not read.first_per:
        return _table(project, read), []
    # aggregates rather than a window over the whole history (as in int_rule_first_sale)
    candidates, ctes = _table(project, read), []
    for level, column in enumerate(read.order_by):
        name = f"first_{i}_by_{level}"
        ctes.append(
            f"{name} as (\n    select candidates.* from {candidates} as candidates\n"
            f"    inner join (select {read.first_per}, min({column}) as first_value"
            f" from {candidates} as candidates group by {read.first_per}) as firsts\n"
            f"        on candidates.{read.first_per} = firsts.{read.first_per}"
            f" and candidates.{column} = firsts.first_value\n)"
        )
        candidates = name
    return candidates, ctes


def _static_digest(seeds: Path) -> str:
    """The compiled rule book and the dbt code: a change to either recomputes every period."""
    digest = hashlib.sha256()
    folders = (seeds, DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros")
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def plan_recomputation(
    warehouse: Warehouse, plan_id: str, closing: str, seeds: Path
) -> tuple[list[str], list[str]]:
    """Write the close's plan (table ``close_plan``): (closed periods recomputed, left out)."""
    static = _static_digest(seeds)
    digests = period_digests_sql(Project.load(ensure_manifest()))
    marks = {period: f"{static}:{rows}" for period, rows in warehouse.rows(digests)}
    closed = [
        row[0]
        for row in warehouse.rows(
            "select distinct period from published.publications where period <> ? order by 1",
            [closing],
        )
    ]
    recorded = dict(warehouse.rows("select period, mark from period_marks"))
    plan = [(closing, marks.get(closing, static), True)]
    for period in closed:
        mark = marks.get(period, static)
        plan.append((period, mark, recorded.get(period) != mark))
    warehouse.run("delete from close_plan")
    warehouse.run_many(
        "insert into close_plan values (?, ?, ?, ?)",
        [(plan_id, period, mark, recompute) for period, mark, recompute in plan],
    )
    recomputed = [period for period, _, recompute in plan[1:] if recompute]
    return recomputed, [period for period, _, recompute in plan[1:] if not recompute]


def book_marks(warehouse: Warehouse, plan_id: str, outcome) -> None:
    """After the publication step: which periods are now booked as computed.

    Only the first publication of a period books prior-period adjustments, so only then do the
    recomputed closed periods (and the period itself) count as booked at their marks. A
    restatement changes what is booked for its period, so that period must be recomputed by the
    next open close (its mark is dropped); an unchanged re-close books nothing.
    """
    if outcome.published and outcome.version == 1:
        record_marks(warehouse, plan_id)
    elif outcome.published:
        warehouse.run("delete from period_marks where period = ?", [outcome.period])


def record_marks(warehouse: Warehouse, plan_id: str) -> None:
    """The periods computed by the plan are booked at the marks they were computed from."""
    warehouse.run(
        """delete from period_marks
           where period in (select period from close_plan where plan_id = ? and recompute)""",
        [plan_id],
    )
    warehouse.run(
        """insert into period_marks
           select period, mark, current_timestamp, plan_id from close_plan
           where plan_id = ? and recompute""",
        [plan_id],
    )
