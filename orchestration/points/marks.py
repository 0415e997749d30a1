"""Which closed periods a close must recompute: those whose inputs changed since last computed.

A close recomputes closed periods to book prior-period adjustments (contract section 5). A closed
period whose inputs are exactly those it was last computed from would give back what is already
booked, so it is left out: the cost of a close then follows the size of the period, not of the
history. A period's *mark* digests every validated row that can reach its ledger lines, with the
reference values the rules read through it (charged rep's team and role, customer segment, the
original sale of a return, first sales per customer), the compiled rule book and the dbt code.
Any change, however small, means "recompute"; an unknown period is always recomputed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from orchestration.points.dbt import DBT_PROJECT_DIR

ROW_DIGESTS = """
with reps as (
    select rep_id, team_id, role, hire_date, leave_date from validated_reps
),
sales as (
    select s.*, o.rep_id as sale_rep_id, o.txn_date as sale_date, o.customer_id as sale_customer
    from validated_sales s
    left join (
        select order_id, rep_id, txn_date, customer_id from validated_sales where txn_type = 'sale'
    ) o on s.txn_type = 'return' and s.order_id = o.order_id
),
first_dates as (
    select customer_id, min(txn_date) as first_date
    from validated_sales where txn_type = 'sale' group by customer_id
),
first_sales as (
    select s.customer_id, min(s.txn_id) as txn_id, min(s.txn_date) as txn_date
    from validated_sales s
    join first_dates f on s.customer_id = f.customer_id and s.txn_date = f.first_date
    where s.txn_type = 'sale'
    group by s.customer_id
),
rows as (
    select strftime(s.txn_date, '%Y-%m') as period,
           hash(s.txn_id, s.txn_type, s.order_id, s.rep_id, s.customer_id, s.txn_date, s.amount,
                s.currency, s.sale_rep_id, s.sale_date, r.team_id, r.role, c.segment) as digest
    from sales s
    left join reps r on r.rep_id = coalesce(s.sale_rep_id, s.rep_id)
    left join validated_customers c on c.customer_id = coalesce(s.sale_customer, s.customer_id)
    union all
    select strftime(f.txn_date, '%Y-%m'), hash('first', f.customer_id, f.txn_id)
    from first_sales f
    union all
    select strftime(v.survey_date, '%Y-%m'),
           hash(v.survey_id, v.rep_id, v.score, v.survey_date, r.team_id, r.role)
    from validated_surveys v left join reps r using (rep_id)
    union all
    select a.period, hash(a.adjustment_id, a.rep_id, a.points, a.reason, a.approved_by,
                          r.team_id, r.role)
    from validated_adjustments a left join reps r using (rep_id)
)
select period, cast(count(*) as varchar) || ':' || cast(sum(cast(digest as hugeint)) as varchar)
from rows group by period
"""


def _static_digest(seeds: Path) -> str:
    """The compiled rule book and the dbt code: a change to either recomputes every period."""
    digest = hashlib.sha256()
    folders = (seeds, DBT_PROJECT_DIR / "models", DBT_PROJECT_DIR / "macros")
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def plan_recomputation(
    con: duckdb.DuckDBPyConnection, plan_id: str, closing: str, seeds: Path
) -> tuple[list[str], list[str]]:
    """Write the close's plan (table ``close_plan``): (closed periods recomputed, left out)."""
    static = _static_digest(seeds)
    marks = {period: f"{static}:{rows}" for period, rows in con.execute(ROW_DIGESTS).fetchall()}
    closed = [
        row[0]
        for row in con.execute(
            "select distinct period from published.publications where period <> ? order by 1",
            [closing],
        ).fetchall()
    ]
    recorded = dict(con.execute("select period, mark from period_marks").fetchall())
    plan = [(closing, marks.get(closing, static), True)]
    for period in closed:
        mark = marks.get(period, static)
        plan.append((period, mark, recorded.get(period) != mark))
    con.execute("delete from close_plan")
    con.executemany(
        "insert into close_plan values (?, ?, ?, ?)",
        [(plan_id, period, mark, recompute) for period, mark, recompute in plan],
    )
    recomputed = [period for period, _, recompute in plan[1:] if recompute]
    return recomputed, [period for period, _, recompute in plan[1:] if not recompute]


def book_marks(con: duckdb.DuckDBPyConnection, plan_id: str, outcome) -> None:
    """After the publication step: which periods are now booked as computed.

    Only the first publication of a period books prior-period adjustments, so only then do the
    recomputed closed periods (and the period itself) count as booked at their marks. A
    restatement changes what is booked for its period, so that period must be recomputed by the
    next open close (its mark is dropped); an unchanged re-close books nothing.
    """
    if outcome.published and outcome.version == 1:
        record_marks(con, plan_id)
    elif outcome.published:
        con.execute("delete from period_marks where period = ?", [outcome.period])


def record_marks(con: duckdb.DuckDBPyConnection, plan_id: str) -> None:
    """The periods computed by the plan are booked at the marks they were computed from."""
    con.execute(
        """delete from period_marks
           where period in (select period from close_plan where plan_id = ? and recompute)""",
        [plan_id],
    )
    con.execute(
        """insert into period_marks
           select period, mark, current_timestamp, plan_id from close_plan
           where plan_id = ? and recompute""",
        [plan_id],
    )
