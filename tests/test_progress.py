"""The progress of ``jifen close`` without a terminal: one plain line per stage, with its counts,
in the order the stages ran, then the time table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import write_csv

from schemas.published import VERSIONED

JIFEN = str(Path(sys.executable).with_name("jifen"))
STAGE_LINE = re.compile(r"^(\w+): (.*) in (\d+\.\d) s$")


def test_close_progress_names_each_stage_once_with_its_counts_in_order(base_landing):
    sales = [
        ["X1", "sale", "O1", "R1", "C1", "2026-07-02", "100", "CNY"],
        ["X2", "sale", "O2", "R2", "C2", "2026-07-03", "250", "CNY"],
        ["X2", "sale", "O2", "R2", "C2", "2026-07-03", "250", "CNY"],  # an exact duplicate
    ]
    write_csv(base_landing, "sales", "sales_2026-07.csv", sales)
    files = [path for path in base_landing.landing.rglob("*.csv")]
    rows = sum(len(path.read_text().splitlines()) - 1 for path in files)

    done = subprocess.run(
        [JIFEN, "close", "2026-07", "--home", str(base_landing.home)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "closing 2026-07…"
    stages = [STAGE_LINE.match(line) for line in lines if STAGE_LINE.match(line)]
    assert [m[1] for m in stages] == ["ingest", "validate", "dbt", "gate", "publish", "reports"]
    said = {m[1]: m[2] for m in stages}
    assert said["ingest"] == f"{len(files)} files, {rows} rows ingested"
    assert said["validate"] == f"{rows} of {rows} rows validated ({rows - 1} loaded, " + (
        "1 deduplicated, 0 quarantined)"
    )
    built, total = map(int, re.fullmatch(r"(\d+) of (\d+) models built", said["dbt"]).groups())
    assert built == total > 10
    assert re.fullmatch(r"[1-9]\d* expectations passed", said["gate"])
    assert said["publish"] == f"{len(VERSIONED)} tables published (version 1)"
    assert said["reports"] == "HTML reports written"
    table = done.stderr[done.stderr.index("time per stage") :]
    for stage in ("ingest", "validate", "dbt", "gate", "publish", "reports", "total"):
        assert re.search(rf"\b{stage}\b\s+│\s+\d+\.\d", table), table
    assert "2026-07: version 1 published" in done.stdout
