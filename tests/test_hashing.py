"""The canonical row hash is exactly its definition: per row, the values' text joined by U+001F
and a newline, NULL as NUL (published content hashes and the audit chain depend on it)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from orchestration.publish import hashing
from orchestration.publish.hashing import rows_sha256
from orchestration.warehouse.connection import Warehouse, open_database


def by_definition(warehouse: Warehouse, sql: str) -> str:
    digest = hashlib.sha256()
    for row in warehouse.rows(sql):
        digest.update(("\x1f".join("\x00" if v is None else str(v) for v in row) + "\n").encode())
    return digest.hexdigest()


def test_the_hash_is_its_definition_across_types_nulls_and_batches(monkeypatch):
    monkeypatch.setattr(hashing, "BATCH_ROWS", 7)  # many batches, some short
    warehouse = open_database()
    warehouse.run("create table t (a varchar, b decimal(18,2), c bigint, d date, e varchar)")
    values = [None, "", "x", "陈静", "a\x1fb"]
    amounts = [None, Decimal("1.50"), Decimal("-0.01"), Decimal("0.00"), Decimal("123456.78")]
    warehouse.run_many(
        "insert into t values (?, ?, ?, ?, ?)",
        [
            (
                values[i % 5],
                amounts[(i // 5) % 5],
                None if i % 3 == 0 else i - 20,
                None if i % 4 == 0 else f"{1999 + i}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "y" * (i % 4),
            )
            for i in range(60)
        ],
    )
    for sql in (
        "select * from t order by all",
        "select a from t order by all",
        "select b, c, d from t order by all",
        "select * from t where false",
    ):
        assert rows_sha256(warehouse, sql) == by_definition(warehouse, sql), sql
