"""Dagster's SQLite event log, with connections kept open for the life of the process.

Dagster's own ``SqliteEventLogStorage`` opens, commits and closes a connection for every event
it stores (about 600 a close: one per dbt model and test, planned and done). Closing the last
connection of a WAL database checkpoints it, and each commit syncs the file: on this project's
2-core machines that was a third of a small close. This class keeps one engine (a small pool of
open connections) per database file and lets SQLite sync at checkpoints only
(``synchronous = NORMAL``, the setting SQLite recommends with WAL): a power cut may lose the
last events of a run, never corrupt the file. The files, tables and readers are Dagster's own,
so ``dagster dev`` and the UI read them as before; only the writing process differs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

OPEN_FILES = 8  # a served workspace reads many runs' files: the least recent ones are closed


def _relaxed_sync(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("pragma synchronous = normal")
    cursor.close()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` (one database per run plus an index) on pooled connections."""

    def __init__(self, base_dir: str, inst_data: Any = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
        else:
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            sa.event.listen(engine, "connect", _relaxed_sync)
            self._engines[shard] = engine
            if len(self._engines) > OPEN_FILES:
                self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
