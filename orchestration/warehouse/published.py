"""Read-only access to the readers' copy, the way a BI tool reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from orchestration.lib.workspace import Workspace


class NothingPublished(Exception):
    pass


@contextmanager
def open_published(workspace: Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    if not workspace.published_db.exists():
        raise NothingPublished(
            f"nothing is published in {workspace.home} yet: run `jifen close PERIOD` first"
        )
    con = duckdb.connect(str(workspace.published_db), read_only=True)
    try:
        yield con
    finally:
        con.close()


def resolve_version(con: duckdb.DuckDBPyConnection, period: str, version: int | None) -> int:
    found = con.execute(
        "select max(version) from publications where period = ?"
        + ("" if version is None else " and version = ?"),
        [period] if version is None else [period, version],
    ).fetchone()[0]
    if found is None:
        what = f"version {version} of {period}" if version else f"period {period}"
        raise NothingPublished(f"{what} is not published (see `jifen status`)")
    return int(found)
