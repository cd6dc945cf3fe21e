"""Copy a whole library between engines (SQLite ⇄ PostgreSQL, or file to file), then prove the copy.

Every table of the source is copied with every column and every id (papers, records, the row tables,
provenance, history, autosave, screening decisions, reasons and stops, the import log, and any table
a later migration adds, when the target has it too) in ONE transaction on the target: a failed copy
leaves the target as it was. The target must be an empty library (no papers) at a schema that has
every table and column of the source.

The check reads both libraries the same way and compares, per table, the row count and a SHA-256 of
every row's values in id order. Values are compared as the curator sees them: a draft's non-number in
a number field (kept in the column on SQLite, in `raw_values` on PostgreSQL) is the same value on both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from curator.domain.outcomes import TABLE_TYPES
from curator.store.dialect import dialect_of
from curator.store.library import Library, LibraryError

# tables in an order that meets every foreign key; tables a later migration adds follow, by name
ORDER = ("papers", "records", *TABLE_TYPES, "provenance", "history", "autosave", "screening_reasons",
         "screening_decisions", "screening_stops", "import_log", "extractions", "library_settings", "fulltexts",
         "fulltext_pages")
# the engines' own bookkeeping: never copied (each library has its own)
SKIP = ("schema_migrations",)
CHUNK = 5000

ProgressFn = Callable[[str, int], None]


def tables(lib: Library) -> list[str]:
    """The library's tables (not the search index's own, not the schema's bookkeeping), in copy order."""
    if dialect_of(lib).name == "sqlite":
        rows = lib.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite^_%' ESCAPE '^' AND name NOT LIKE 'papers^_fts%' ESCAPE '^'")
    else:
        rows = lib.conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                                "AND table_type = 'BASE TABLE'")
    names = {r[0] for r in rows} - set(SKIP)
    return [t for t in ORDER if t in names] + sorted(names - set(ORDER))


def _numeric(decl: str) -> type | tuple[type, ...] | None:
    d = decl.upper()
    if "INT" in d:
        return int
    if any(k in d for k in ("REAL", "FLOA", "DOUB", "NUM")):
        return (int, float)
    return None


def read_rows(lib: Library, table: str, cols: list[str]) -> Iterator[tuple]:
    """The table's rows in id order, as values (PostgreSQL's raw_values folded back into their columns)."""
    raw = dialect_of(lib).name == "postgresql" and table in TABLE_TYPES
    sel = ", ".join(f'"{c}"' for c in cols) + (", raw_values" if raw else "")
    cur = lib.conn.cursor()
    cur.row_factory = None
    cur.execute(f"SELECT {sel} FROM {table} ORDER BY 1")
    index = {c: i for i, c in enumerate(cols)}
    while True:
        chunk = cur.fetchmany(CHUNK)
        if not chunk:
            return
        for row in chunk:
            if raw:
                values, extra = list(row[:-1]), row[-1]
                if extra:
                    for name, v in json.loads(extra).items():
                        values[index[name]] = v
                yield tuple(values)
            else:
                yield tuple(row)


@dataclass
class TableCheck:
    table: str
    rows: int
    source_hash: str
    target_hash: str

    @property
    def ok(self) -> bool:
        return self.source_hash == self.target_hash


@dataclass
class CopyReport:
    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "ok": self.ok,
                "tables": [{"table": t.table, "rows": t.rows, "sha256": t.source_hash, "same": t.ok}
                           for t in self.tables]}


def table_hash(lib: Library, table: str, cols: list[str]) -> tuple[int, str]:
    """(rows, SHA-256 of every row's values in id order): equal on two libraries holding the same data."""
    h = hashlib.sha256()
    n = 0
    for row in read_rows(lib, table, cols):
        h.update(json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str).encode())
        h.update(b"\n")
        n += 1
    return n, h.hexdigest()


def _columns(lib: Library, table: str) -> list[tuple[str, str]]:
    return dialect_of(lib).table_columns(lib.conn, table)


def copy_library(src: Library, dst: Library, progress: ProgressFn | None = None) -> CopyReport:
    """Copy everything in `src` into the empty library `dst` (one transaction), then check the copy.
    Raises LibraryError (naming the table or column) when `dst` is not empty or lacks what `src` has;
    the report's `ok` is False when a table's rows differ after the copy."""
    if dst.read_only:
        raise LibraryError(f"{dst.location} is open read-only: nothing was copied")
    if dst.paper_count():
        raise LibraryError(f"{dst.location} already holds {dst.paper_count()} paper(s): copy into an empty library")
    have = set(tables(dst))
    plan: list[tuple[str, list[str]]] = []
    for table in tables(src):
        if table not in have:
            raise LibraryError(f"{dst.location} has no table {table} (schema version {dst.schema_version}; "
                               f"{src.location} is at {src.schema_version}): nothing was copied")
        cols = [c for c, _ in _columns(src, table)]
        target_cols = {c for c, _ in _columns(dst, table)}
        missing = [c for c in cols if c not in target_cols]
        if missing:
            raise LibraryError(f"{dst.location}: table {table} lacks column(s) {', '.join(missing)}: nothing was copied")
        plan.append((table, cols))
    with dst.transaction():
        for table, _cols in reversed(plan):  # what a new library holds already (the default reasons)
            dst.conn.execute(f"DELETE FROM {table}")
        for table, cols in plan:
            kinds = None
            if dialect_of(dst).name == "postgresql" and table in TABLE_TYPES:
                decl = dict(_columns(dst, table))
                kinds = [_numeric(decl[c]) for c in cols]
            out_cols = cols + ["raw_values"] if kinds is not None else cols
            n = dst.bulk_insert(table, out_cols, _fitted(read_rows(src, table, cols), cols, kinds))
            if progress:
                progress(table, n)
        dst.after_bulk_copy()
    report = CopyReport(src.location, dst.location)
    for table, cols in plan:
        n, a = table_hash(src, table, cols)
        m, b = table_hash(dst, table, cols)
        report.tables.append(TableCheck(table, n, a, b if m == n else f"{m} rows"))
    return report


def _fitted(rows: Iterator[tuple], cols: list[str], kinds: list[Any] | None) -> Iterator[tuple]:
    """Rows as the target stores them: for PostgreSQL's row tables, a value its number column cannot
    hold (a draft's '12 mg') goes to raw_values (JSON) and the column is NULL, as the store saves it."""
    if kinds is None:
        yield from rows
        return
    for row in rows:
        out, raw = list(row), {}
        for i, kind in enumerate(kinds):
            v = out[i]
            if kind is not None and v is not None and (isinstance(v, bool) or not isinstance(v, kind)):
                raw[cols[i]] = v
                out[i] = None
        yield (*out, json.dumps(raw, ensure_ascii=False) if raw else None)
