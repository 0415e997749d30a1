"""Read-only access to the readers' copy, the way a BI tool reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.lib.workspace import Workspace
from orchestration.warehouse.connection import Warehouse, open_database


class NothingPublished(Exception):
    pass


@contextmanager
def open_published(workspace: Workspace) -> Iterator[Warehouse]:
    if not workspace.published_db.exists():
        raise NothingPublished(
            f"nothing is published in {workspace.home} yet: run `jifen close PERIOD` first"
        )
    with open_database(workspace.published_db, read_only=True) as published:
        yield published


def resolve_version(published: Warehouse, period: str, version: int | None) -> int:
    found = published.value(
        "select max(version) from publications where period = ?"
        + ("" if version is None else " and version = ?"),
        [period] if version is None else [period, version],
    )
    if found is None:
        what = f"version {version} of {period}" if version else f"period {period}"
        raise NothingPublished(f"{what} is not published (see `jifen status`)")
    return int(found)
