"""Every SQL statement the export needs: which records match the filters, and the rows of each table.

Reads go through a *snapshot*: a separate read-only connection inside one read transaction, so an
export running in a worker thread sees one consistent state of the library even while the curator
keeps saving (WAL readers never block the writer), and never touches the GUI's connection.

Sets of ids and analytes are passed as one JSON array parameter (`json_each(?)`), so there is no
limit on how many papers are selected.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from curator.domain.outcomes import ROW_TYPES, TABLE_TYPES, Study

# the tables an export is made of, in the order they are written
ROW_TABLES: tuple[str, ...] = tuple(t.TABLE for t in (Study, *ROW_TYPES))
ANALYTE_TABLES: tuple[str, ...] = ("measurements", "comparisons")
EXPORT_TABLES: tuple[str, ...] = ("papers", *ROW_TABLES, "provenance")

# columns of a row table that the export writes under its own names (see curator/export/dataset.py)
ROW_KEY_COLUMNS = ("id", "uid", "paper_id", "position", "row_status")

_META = "p.pmid AS pmid, p.doi AS doi, r.status AS status, r.curator AS curator, r.verified_at AS verified_at"
_IN_IDS = "IN (SELECT value FROM json_each(?))"


def _ids_json(ids: Sequence[int]) -> str:
    return json.dumps([int(i) for i in ids])


def _check_table(table: str) -> str:
    if table not in TABLE_TYPES:
        raise KeyError(f"not a record table: {table!r}")
    return table


@contextmanager
def snapshot(lib) -> Iterator[sqlite3.Connection]:
    """A connection reading one consistent state of the library.

    A file library gets its own read-only connection inside a read transaction; anything else
    (e.g. an in-memory library) is read through `lib.conn` as it is.
    """
    path = Path(str(getattr(lib, "path", "")))
    if not path.is_file():
        yield lib.conn
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False,
                           isolation_level=None, timeout=10)
    try:
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM records").fetchone()  # takes the read snapshot now
        yield conn
    finally:
        try:
            if conn.in_transaction:
                conn.execute("COMMIT")
        finally:
            conn.close()


# --- schema --------------------------------------------------------------------------------------

def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def table_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(name, declared SQL type) of a store table's columns, in schema order."""
    if table not in TABLE_TYPES and table not in ("papers", "records", "provenance"):
        raise KeyError(table)
    return [(r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({table})")]


def value_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """The value columns of a record table (everything but its keys), in schema order."""
    return [(n, t) for n, t in table_columns(conn, _check_table(table)) if n not in ROW_KEY_COLUMNS]


# --- which records ---------------------------------------------------------------------------------

def select_paper_ids(conn: sqlite3.Connection, statuses: Sequence[str], paper_ids: Sequence[int] | None = None,
                     verified_from: str | None = None, verified_to: str | None = None,
                     analytes: Sequence[str] | None = None) -> list[int]:
    """Ids of the papers whose record matches every filter, ascending.

    `verified_from`/`verified_to` are inclusive 'YYYY-MM-DD' dates compared with the UTC date of
    verification (a record never verified has none and is left out by a date filter). `analytes`
    keeps the papers with at least one measurement or comparison of one of those exact analytes.
    """
    sql = [f"SELECT r.paper_id FROM records r WHERE r.status {_IN_IDS}"]
    args: list[object] = [json.dumps(list(statuses))]
    if paper_ids is not None:
        sql.append(f"AND r.paper_id {_IN_IDS}")
        args.append(_ids_json(paper_ids))
    if verified_from:
        sql.append("AND r.verified_at IS NOT NULL AND substr(r.verified_at, 1, 10) >= ?")
        args.append(verified_from)
    if verified_to:
        sql.append("AND r.verified_at IS NOT NULL AND substr(r.verified_at, 1, 10) <= ?")
        args.append(verified_to)
    if analytes is not None:
        a = json.dumps(list(analytes), ensure_ascii=False)
        sql.append(f"AND r.paper_id IN (SELECT m.paper_id FROM measurements m WHERE m.analyte {_IN_IDS} "
                   f"UNION SELECT c.paper_id FROM comparisons c WHERE c.analyte {_IN_IDS})")
        args += [a, a]
    sql.append("ORDER BY r.paper_id")
    return [r[0] for r in conn.execute(" ".join(sql), args)]


def distinct_analytes(conn: sqlite3.Connection) -> list[str]:
    """Every analyte written in a measurement or comparison, as stored."""
    return [r[0] for r in conn.execute(
        "SELECT analyte FROM measurements WHERE analyte IS NOT NULL "
        "UNION SELECT analyte FROM comparisons WHERE analyte IS NOT NULL ORDER BY 1")]


# --- counts (the dialog's preview) ------------------------------------------------------------------

def _analyte_clause(table: str, analytes: Sequence[str] | None, alias: str = "t") -> tuple[str, list[object]]:
    if analytes is None or table not in ANALYTE_TABLES:
        return "", []
    return f" AND {alias}.analyte {_IN_IDS}", [json.dumps(list(analytes), ensure_ascii=False)]


def count_rows(conn: sqlite3.Connection, paper_ids: Sequence[int],
               analytes: Sequence[str] | None = None) -> dict[str, int]:
    """Rows each export table will hold for these papers (analytes restrict measurements/comparisons
    and the provenance of their rows)."""
    ids = _ids_json(paper_ids)
    out: dict[str, int] = {"papers": len(paper_ids)}
    for table in ROW_TABLES:
        extra, args = _analyte_clause(table, analytes)
        out[table] = conn.execute(f"SELECT count(*) FROM {table} t WHERE t.paper_id {_IN_IDS}{extra}",
                                  [ids, *args]).fetchone()[0]
    if analytes is None:
        sql, args = f"pv.paper_id {_IN_IDS}", [ids]
    else:
        parts, args = [], [ids]
        for table in ANALYTE_TABLES:
            extra, a = _analyte_clause(table, analytes, "x")
            parts.append(f"SELECT x.uid FROM {table} x WHERE x.paper_id {_IN_IDS}{extra}")
            args += [ids, *a]
        sql = (f"pv.paper_id {_IN_IDS} AND (pv.row_table NOT IN ({', '.join(repr(t) for t in ANALYTE_TABLES)}) "
               f"OR pv.row_uid IN ({' UNION ALL '.join(parts)}))")
    out["provenance"] = conn.execute(f"SELECT count(*) FROM provenance pv WHERE {sql}", args).fetchone()[0]
    return out


# --- table reads ------------------------------------------------------------------------------------

CHUNK = 20_000


def _frame(conn: sqlite3.Connection, sql: str, params: Sequence[object]) -> pd.DataFrame:
    """A query's result, fetched and converted a chunk at a time (Python objects for one chunk only)."""
    cur = conn.cursor()
    try:
        cur.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        parts = []
        while True:
            rows = cur.fetchmany(CHUNK)
            if not rows:
                break
            if not isinstance(rows[0], tuple):  # e.g. sqlite3.Row from a borrowed connection
                rows = [tuple(r) for r in rows]
            parts.append(pd.DataFrame.from_records(rows, columns=names, coerce_float=True))
    finally:
        cur.close()
    if not parts:
        return pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def read_papers(conn: sqlite3.Connection, paper_ids: Sequence[int]) -> pd.DataFrame:
    """One row per selected paper: ids, its record's status and verification, bibliographic fields."""
    sql = (f"SELECT p.id AS paper_id, {_META}, r.revision AS revision, r.updated_at AS updated_at, "
           "p.pmcid AS pmcid, p.title AS title, p.first_author AS first_author, p.authors AS authors, "
           "p.journal AS journal, p.year AS year, p.pub_date AS pub_date, p.volume AS volume, p.issue AS issue, "
           "p.pages AS pages, p.abstract AS abstract, r.notes AS notes, r.contradicts AS contradicts, "
           "r.contradiction_comment AS contradiction_comment, r.exclusion_reason AS exclusion_reason "
           f"FROM records r JOIN papers p ON p.id = r.paper_id WHERE r.paper_id {_IN_IDS} ORDER BY r.paper_id")
    return _frame(conn, sql, [_ids_json(paper_ids)])


def read_rows(conn: sqlite3.Connection, table: str, paper_ids: Sequence[int],
              analytes: Sequence[str] | None = None) -> pd.DataFrame:
    """A record table's rows for these papers in paper then form order: paper_id, row_uid, position,
    row_status, then the table's value columns in schema order."""
    cols = ", ".join(f"t.{n} AS {n}" for n, _ in value_columns(conn, table))
    extra, args = _analyte_clause(table, analytes)
    sql = (f"SELECT t.paper_id AS paper_id, t.uid AS row_uid, t.position AS position, "
           f"t.row_status AS row_status, {cols} FROM {table} t "
           f"WHERE t.paper_id {_IN_IDS}{extra}")
    df = _frame(conn, sql, [_ids_json(paper_ids), *args])
    # sorting here is cheaper than SQLite's ORDER BY on an unindexed pair; (paper_id, position) is unique
    return df.sort_values(["paper_id", "position"], kind="stable", ignore_index=True) if len(df) else df


def read_provenance(conn: sqlite3.Connection, paper_ids: Sequence[int]) -> pd.DataFrame:
    """Every source of these papers, one row per (row, field) (in no particular order)."""
    sql = ("SELECT pv.paper_id AS paper_id, pv.row_table AS row_table, pv.row_uid AS row_uid, "
           "pv.field AS field, pv.text_field AS text_field, pv.page AS page, pv.start AS start, pv.end AS \"end\", "
           "pv.quote AS quote, pv.made_by AS made_by, pv.accepted_by AS accepted_by, pv.entered_by AS entered_by, "
           "pv.created_at AS created_at, pv.extracted_by AS extracted_by, pv.settled AS settled "
           f"FROM provenance pv WHERE pv.paper_id {_IN_IDS}")
    return _frame(conn, sql, [_ids_json(paper_ids)])
