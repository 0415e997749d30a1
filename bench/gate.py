"""The close's quality gate timed alone, on the candidate tables a close left in a workspace's
warehouse (read-only; DuckDB or Spark, the workspace's engine). The benchmark runs it as a
process of its own after each close:

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
    """Seconds the gate takes, and what it checked, on the workspace's engine.

    great-expectations is imported and the warehouse opened before the clock starts: the close
    imports it in the background while dbt runs, and its gate step finds the warehouse open
    (on Spark, the session and its JVM started long before)."""
    import great_expectations  # noqa: F401

    from orchestration.lib.workspace import Workspace
    from orchestration.warehouse.open import connect

    run_gate = _gate_engine()
    with connect(Workspace.at(home), read_only=True) as warehouse:
        start = time.monotonic()
        result = run_gate(warehouse)
        seconds = time.monotonic() - start
    return {
        "seconds": seconds,
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
