"""The README's first command installs jifen without its Spark extra (`make demo`: no pyspark,
no py4j): a DuckDB close must then neither import nor need them. The suite's venv has Spark, so
the close runs in a process where importing them fails, as it would on such an install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.lib.paths import REPO_ROOT

WITHOUT_SPARK = """
import sys
from importlib.abc import MetaPathFinder

MISSING = ("pyspark", "py4j", "dbt.adapters.spark")

class NoSpark(MetaPathFinder):  # what `pip install jifen` (no [spark] extra) leaves out
    def find_spec(self, name, path=None, target=None):
        if any(name == top or name.startswith(top + ".") for top in MISSING):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoSpark())
from orchestration.cli import app

home = sys.argv[1]
app(["generate", "--home", home, "--months", "2026-07..2026-07", "--reps", "6",
     "--sales-per-rep-month", "10"], standalone_mode=False)
app(["close", "2026-07", "--home", home, "--error-budget", "1"], standalone_mode=False)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pyspark", "py4j"))
print("spark modules loaded:", loaded)
"""


def test_a_duckdb_close_runs_where_pyspark_cannot_be_imported(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_SPARK, str(home)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    assert "spark modules loaded: []" in result.stdout, output
    assert (home / "published.duckdb").exists(), output
