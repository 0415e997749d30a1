"""The close's quality gate timed alone, on the candidate tables a close left in a workspace's
warehouse (read-only). The benchmark runs it as a process of its own after each close:

    python -m bench.gate --home HOME --out gate.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _gate_engine():
    """The close's quality gate: the bench's one import of the gate engine (keep it alone)."""
    from orchestration.gate.invariants import run_gate

    return run_gate


def time_gate(home: Path) -> dict:
    """Seconds the gate takes, and what it checked.

    great-expectations is imported before the clock starts: the close imports it in the
    background while dbt runs, so its import is not part of the gate's time there."""
    import great_expectations  # noqa: F401

    from orchestration.lib.workspace import Workspace
    from orchestration.warehouse.duckdb import connect

    run_gate = _gate_engine()
    start = time.monotonic()
    with connect(Workspace.at(home), read_only=True) as con:
        result = run_gate(con)
    return {
        "seconds": time.monotonic() - start,
        "checked": result.checked,
        "passed": result.passed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(time_gate(args.home)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
