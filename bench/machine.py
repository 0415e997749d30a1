"""The machine a benchmark ran on: CPU, memory, OS, versions of the moving parts, jifen's commit."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from orchestration.lib.paths import REPO_ROOT

PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "great-expectations")


def _first(path: str, key: str) -> str:
    """The value of the first 'key: value' line of a /proc file."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def _package(name: str) -> str:
    try:
        return package_version(name)
    except PackageNotFoundError:
        return "-"


def _commit() -> str:
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "?"
    return described.stdout.strip() or "?"


def machine() -> dict:
    memory = _first("/proc/meminfo", "MemTotal")  # "16318816 kB"
    with contextlib.suppress(ValueError, IndexError):
        memory = f"{int(memory.split()[0]) / 2**20:.1f} GiB"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _first("/proc/cpuinfo", "model name"),
        "cpus": cpus,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        **{name: _package(name) for name in PACKAGES},
        "jifen": _commit(),
    }


def engine_settings(args) -> dict:
    """The engine of the closes and, on Spark, the session's settings as jifen builds them
    (its defaults, the master, the --spark-conf file; the paths under HOME left out)."""
    if args.engine != "spark":
        return {"engine": args.engine}
    from orchestration.warehouse.spark_session import DEFAULTS, read_conf_file

    settings = {**DEFAULTS, "spark.master": args.spark_master}
    if args.spark_conf:
        settings.update(read_conf_file(args.spark_conf))
    versions = {name: _package(name) for name in ("pyspark", "dbt-spark", "deltalake")}
    return {"engine": "spark", "settings": settings, **versions}
