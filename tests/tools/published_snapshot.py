"""Dump every published table of one fixed scenario, to compare two versions of jifen.

    python tests/tools/published_snapshot.py REPO OUT_DIR

Runs, with the code of the checkout REPO (run it with a Python that has jifen's dependencies),
one scenario on generated data: four monthly closes, late rows for two closed months, manual
adjustments (one for a closed month), a restatement and a rule-book promotion. Then it writes
every table and view of ``published.duckdb`` to ``OUT_DIR/<table>.csv``, rows sorted, run ids and
timestamps left out. Two checkouts are identical when ``diff -r`` of their OUT_DIRs says nothing
(the redesign of issue 10 was checked this way against the code before it).
"""

from __future__ import annotations

import csv
import importlib
import os
import shutil
import sys
from pathlib import Path

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]
VOLATILE = {"run_id", "published_at", "as_of", "refreshed_at", "publication_hash", "previous_hash"}
ADJUSTMENTS = (
    "adjustment_id,rep_id,period,points,reason,approved_by\n"
    "ADJ-1,R002,2026-09,40,Trade show,Head of Sales\n"
    "ADJ-2,R003,2026-07,-12.5,Booked twice,Finance\n"
)


def first_of(*names: str):
    """The first importable of several dotted names (the layout differs between versions)."""
    for name in names:
        module, _, attr = name.rpartition(".")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
    raise ImportError(names)


def late_sale(landing: Path, day: str, suffix: str) -> None:
    """A copy of the first landed sale with new ids, dated ``day``, as a new delivery."""
    lines = sorted((landing / "sales").glob("*.csv"))[0].read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = next(line for line in lines[1:] if ",sale," in line).split(",")
    for column, value in (("txn_id", f"LATE-T{suffix}"), ("order_id", f"LATE-O{suffix}")):
        row[header.index(column)] = value
    row[header.index("txn_date")] = day
    path = landing / "sales" / f"late_{day[:7]}.csv"
    path.write_text(f"{lines[0]}\n{','.join(row)}\n", encoding="utf-8")


def run_scenario(home: Path) -> Path:
    generate = first_of("orchestration.generate.generate", "orchestration.synthetic.generate")
    run_close = first_of(
        "orchestration.defs.launch.run_close", "orchestration.lib.runner.run_close"
    )
    from typer.testing import CliRunner

    from orchestration.cli import app
    from orchestration.lib.workspace import Workspace

    ws = Workspace.at(home).prepare()
    generate(ws.home, seed=23, months=MONTHS)

    def close(period: str, **options) -> None:
        run = run_close(ws, period, **options)
        assert run.success, (period, run.errors)
        print(period, options or "", "closed", flush=True)

    close("2026-07")
    close("2026-08")
    late_sale(ws.landing, "2026-07-15", "1")
    (ws.landing / "adjustments").mkdir(exist_ok=True)
    (ws.landing / "adjustments" / "adjustments_2026-09-05.csv").write_text(ADJUSTMENTS)
    close("2026-09")
    late_sale(ws.landing, "2026-08-20", "2")
    close("2026-08", restate=True, reason="late August sale")
    book = "rulebooks/examples/2026.2-candidate.yaml"
    promoted = CliRunner().invoke(
        app, ["rules", "promote", book, "--effective-from", "2026-10-01", "--home", str(home)]
    )
    assert promoted.exit_code == 0, promoted.output
    close("2026-10")
    return ws.published_db


def dump(published_db: Path, out: Path) -> None:
    import duckdb

    out.mkdir(parents=True)
    with duckdb.connect(str(published_db), read_only=True) as con:
        names = con.execute(
            "select table_name from information_schema.tables order by 1"
        ).fetchall()
        for (name,) in names:
            described = con.execute(f"describe {name}").fetchall()
            columns = [row[0] for row in described if row[0] not in VOLATILE]
            rows = con.execute(f"select {', '.join(columns)} from {name} order by all").fetchall()
            with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                writer.writerows(rows)
            print(name, len(rows))


def main() -> None:
    repo, out = (Path(arg).resolve() for arg in sys.argv[1:3])
    sys.path.insert(0, str(repo))
    os.chdir(repo)
    home = out.parent / f"{out.name}-home"
    for folder in (home, out):
        shutil.rmtree(folder, ignore_errors=True)
    dump(run_scenario(home), out)


if __name__ == "__main__":
    main()
