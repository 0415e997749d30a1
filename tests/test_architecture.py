"""The house's one-way dependencies: cli -> defs -> engines -> warehouse -> lib.

See docs/architecture.md.
Every import of every module under ``orchestration/`` is read with ``ast`` (imports inside
functions too: the CLI imports lazily) and checked against the layer it may reach.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orchestration.lib.paths import REPO_ROOT

# Highest layer first; a module may import its own layer and any layer below it.
LAYERS = ("cli", "defs", "engines", "warehouse", "lib")
ENGINES = (
    "ingest",
    "validate",
    "points",
    "loyalty",
    "gate",
    "publish",
    "reports",
    "verify",
    "trial",
    "audit",
    "rulebooks",
    "generate",
    "alerts",
    "progress",
    "signoff",
)
# Libraries that belong to the wiring layer only: engines stay plain Python.
WIRING_LIBRARIES = ("dagster", "dagster_dbt")
# The one adapter per engine: only orchestration/warehouse/ talks to DuckDB or Spark itself.
ENGINE_LIBRARIES = ("duckdb", "pyspark")
# The one door to Delta Lake: only this module imports deltalake.
DELTA_LIBRARY, DELTA_DOOR = "deltalake", "orchestration.warehouse.delta"
# Modules that only the CLI may import (tests and bench aside).
CLI_ONLY = ("orchestration.generate",)


def layer_of(module: str) -> str | None:
    """The layer of an ``orchestration`` module, None for anything else."""
    parts = module.split(".")
    if parts[0] != "orchestration" or len(parts) == 1:
        return None
    top = parts[1]
    if top == "definitions":
        return "defs"
    if top in ENGINES:
        return "engines"
    return top if top in LAYERS else None


def imports_of(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, module) for every import in a file, relative imports resolved."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.count(".") >= 1:  # from orchestration.x.y import name: the module is enough
                found.append((node.lineno, base))
            else:  # from orchestration import cli: the names are the modules
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(root: Path) -> list[str]:
    """Every import under ``root/orchestration`` that points up a layer or out of bounds."""
    problems = []
    for path in sorted((root / "orchestration").rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        layer = layer_of(module)
        for line, imported in imports_of(path, package):
            where = f"{relative.with_suffix('.py')}:{line} imports {imported}"
            target = layer_of(imported)
            if layer and target and LAYERS.index(target) < LAYERS.index(layer):
                problems.append(f"{where} ({layer} may not import {target})")
            if layer in ("engines", "warehouse", "lib") and imported.split(".")[0] in (
                WIRING_LIBRARIES
            ):
                problems.append(f"{where} (only defs/ uses Dagster)")
            if layer != "warehouse" and imported.split(".")[0] in ENGINE_LIBRARIES:
                problems.append(f"{where} (only the warehouse adapter talks to the engine)")
            if imported.split(".")[0] == DELTA_LIBRARY and module != DELTA_DOOR:
                problems.append(f"{where} (only warehouse/delta.py talks to Delta Lake)")
            outside = layer != "cli" and not module.startswith(CLI_ONLY)
            if outside and imported.startswith(CLI_ONLY):
                problems.append(f"{where} (the generator is for the CLI only)")
    return sorted(set(problems))


def test_imports_point_one_way():
    assert violations(REPO_ROOT) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("lib/period.py", "from orchestration.defs.launch import run_close\n", "lib may not"),
        ("publish/store.py", "def f():\n    import orchestration.cli\n", "engines may not"),
        ("gate/invariants.py", "from dagster import asset\n", "only defs/ uses Dagster"),
        ("trial/run.py", "from orchestration.generate import generate\n", "for the CLI only"),
        ("warehouse/duckdb.py", "from ..publish import store\n", "warehouse may not"),
        ("publish/serving.py", "import duckdb\n", "only the warehouse adapter"),
        ("ingest/landing.py", "from pyspark.sql import functions\n", "only the warehouse adapter"),
        ("warehouse/connection.py", "from deltalake import DeltaTable\n", "only warehouse/delta"),
    ],
)
def test_an_upward_import_is_reported(tmp_path, module, source, expected):
    path = tmp_path / "orchestration" / module
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    (problem,) = violations(tmp_path)
    assert expected in problem and module in problem


def test_a_downward_import_is_allowed(tmp_path):
    path = tmp_path / "orchestration" / "defs" / "publish" / "assets.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        "from dagster import asset\nfrom orchestration.publish.store import publish_period\n"
        "from orchestration.lib.period import window\nfrom schemas.published import VERSIONED\n",
        encoding="utf-8",
    )
    assert violations(tmp_path) == []
