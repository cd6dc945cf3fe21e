"""The SQLite export format: a new, self-contained database file of the exported tables.

This is an export writer, not the library: it creates a fresh file (never the curator's library) with
sqlite-utils and fills it chunk by chunk. It is the one place outside curator/store that opens an
SQLite connection (listed as the single exception in the import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from curator.export import writers
from curator.export.dataset import Dataset
from curator.export.safety import Ticker


def write_sqlite(ds: Dataset, path: Path, ticker: Ticker) -> None:
    """The dataset as a new SQLite file at `path` (which must not exist yet)."""
    write_database(path, [(name, cols, writers.sql_rows(df)) for name, cols, df in writers.sqlite_tables(ds)],
                   on_chunk=lambda table, n: ticker.advance(n, f"{table} (SQLite)"))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_PY_TYPES = {"INTEGER": int, "REAL": float, "TEXT": str}


def write_database(path: Path, tables: Sequence[tuple[str, Sequence[tuple[str, str]], Iterable[Sequence[tuple]]]],
                   on_chunk: Callable[[str, int], None] | None = None) -> None:
    """Write a new SQLite file at `path` (which must not exist yet): for each (table, [(column, SQL
    type)], chunks of row tuples) a table, then an index on paper_id wherever there is one.
    `on_chunk(table, rows)` is called after each chunk and may raise to abandon the file (the
    caller deletes it: nothing is journalled, the file is a temporary until it is renamed).

    sqlite-utils creates the typed tables and indexes (and keeps column order); rows go in with
    executemany, chunk by chunk, so memory stays flat."""
    import sqlite_utils  # imports pandas: kept off the app's start-up path

    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for name, columns, chunks in tables:
            table = db.table(name)
            table.create({c: _PY_TYPES.get(t, str) for c, t in columns}, column_order=[c for c, _ in columns])
            insert = f"INSERT INTO {_ident(name)} VALUES ({', '.join('?' * len(columns))})"
            for rows in chunks:
                conn.executemany(insert, rows)
                if on_chunk is not None:
                    on_chunk(name, len(rows))
            if any(c == "paper_id" for c, _ in columns):
                table.create_index(["paper_id"], index_name=f"{name}_paper_id")
        conn.execute("COMMIT")
    finally:
        conn.close()
