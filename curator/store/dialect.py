"""What differs between the two engines in the text of a query, and nothing else.

Every query of the store is written once, with `?` placeholders and SQL both engines read. Where the
engines truly differ the query asks its dialect for the fragment: a set of ids or strings passed as
ONE parameter (SQLite: a JSON array read by `json_each`; PostgreSQL: an array, `= ANY`), a
case-blind sort key, a number read from text, the full-text match, the schema version and a
table's columns. The PostgreSQL connection turns `?` into psycopg's `%s` (`curator.store.postgres`).

`dialect_of(x)` finds the dialect of a Library, of the connection a query module was handed, or of
a bare sqlite3 connection (SQLite).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from typing import Any

from curator.domain.search import WORD, search_words


def _plain(text: str) -> str:
    """Lower case without diacritics ('Ünal' → 'unal'), as FTS5's unicode61 remove_diacritics reads."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_lexemes(texts: Iterable[str]) -> str:
    """The PostgreSQL search column of a paper: every distinct word of `texts` (lower case, no
    diacritics) as a tsvector literal. Words hold only letters, digits and '_' (no quote to escape);
    one longer than PostgreSQL's limit of 2,047 bytes is left out. (Bulk imports call this in their
    worker processes for every paper: it is kept lean.)"""
    words = set(WORD.findall(_plain(" ".join(t for t in texts if t))))
    if not words:
        return ""
    if max(map(len, words)) >= 512:
        words = {w for w in words if len(w.encode()) < 2048}
    return "'" + "' '".join(words) + "'"


class SqliteDialect:
    name = "sqlite"
    in_ids = "IN (SELECT value FROM json_each(?))"
    in_texts = "IN (SELECT value FROM json_each(?))"

    @staticmethod
    def list_param(values: Iterable[Any]) -> Any:
        return json.dumps(list(values), ensure_ascii=False)

    @staticmethod
    def nocase(col: str) -> str:
        return f"{col} COLLATE NOCASE"

    @staticmethod
    def int_of(col: str) -> str:
        return f"CAST({col} AS INTEGER)"

    # full-text search: FTS5 (migrations 003/004)
    search_clause = "p.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)"

    @staticmethod
    def search_query(text: str) -> str:
        """A safe FTS5 query: every word must appear, the last as a prefix."""
        words = search_words(text)
        if not words:
            return ""
        parts = ['"' + w + '"' for w in words]
        parts[-1] += "*"
        return " ".join(parts)

    @staticmethod
    def schema_version(conn: Any) -> int:
        return conn.execute("PRAGMA user_version").fetchone()[0]

    @staticmethod
    def table_columns(conn: Any, table: str) -> list[tuple[str, str]]:
        """(name, declared type) of a table's columns in schema order (the caller checks `table`)."""
        return [(r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({table})")]


# PostgreSQL column types as the SQLite schema declares them (what the export's dictionary reads)
_PG_TYPES = {"bigint": "INTEGER", "integer": "INTEGER", "smallint": "INTEGER", "double precision": "REAL",
             "real": "REAL", "numeric": "REAL", "text": "TEXT"}
# columns only the PostgreSQL schema has (store bookkeeping, never a value of a row)
PG_ONLY_COLUMNS = frozenset({"raw_values", "search"})


class PostgresDialect:
    name = "postgresql"
    in_ids = "= ANY(CAST(? AS bigint[]))"
    in_texts = "= ANY(CAST(? AS text[]))"

    @staticmethod
    def list_param(values: Iterable[Any]) -> Any:
        return list(values)

    @staticmethod
    def nocase(col: str) -> str:
        return f"lower({col})"

    @staticmethod
    def int_of(col: str) -> str:
        return f"(CASE WHEN {col} ~ '^[0-9]{{1,18}}$' THEN CAST({col} AS bigint) END)"

    # full-text search: the tsvector column the store writes, and its GIN index (migration postgresql/003)
    search_clause = "p.search @@ CAST(? AS tsquery)"

    @staticmethod
    def search_query(text: str) -> str:
        """A safe tsquery: every word must appear, the last as a prefix (words hold no quotes), cut and
        folded as `search_lexemes` stores them."""
        words = search_words(_plain(text or ""))
        if not words:
            return ""
        parts = [f"'{w}'" for w in words]
        parts[-1] += ":*"
        return " & ".join(parts)

    @staticmethod
    def schema_version(conn: Any) -> int:
        return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]

    @staticmethod
    def table_columns(conn: Any, table: str) -> list[tuple[str, str]]:
        rows = conn.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                            (table,)).fetchall()
        return [(r[0], _PG_TYPES.get(r[1], r[1].upper())) for r in rows if r[0] not in PG_ONLY_COLUMNS]


SQLITE = SqliteDialect()
POSTGRES = PostgresDialect()
Dialect = SqliteDialect | PostgresDialect


def dialect_of(x: Any) -> Dialect:
    """The dialect of a Library, a store connection, or a bare sqlite3 connection (SQLite)."""
    d = getattr(x, "dialect", None)
    if d is None:
        d = getattr(getattr(x, "conn", None), "dialect", None)
    return d or SQLITE
