"""Canonical SHA-256 of rows: the same rows always give the same hash, whatever the engine."""

from __future__ import annotations

import hashlib

import duckdb


def rows_sha256(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> str:
    """Hash ``sql``'s rows in the order it returns them; values as text, NULL distinct from ''."""
    digest = hashlib.sha256()
    reader = con.execute(sql, params or [])
    while batch := reader.fetchmany(10_000):
        for row in batch:
            digest.update(
                "\x1f".join("\x00" if value is None else str(value) for value in row).encode()
            )
            digest.update(b"\n")
    return digest.hexdigest()
