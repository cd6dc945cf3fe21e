"""The SQL of per-curator extractions (migration 008) and of reading many records at once for a comparison.

An extraction is one curator's whole record of one paper, kept as JSON (`payload`, what
domain.outcomes.record_to_dict writes) with its status ('draft' | 'submitted'), revision, time and the
schema version it was written under. The consensus stays in `records` (Library.load_record/save_record).

The statements are plain, parameterised SQL that PostgreSQL runs as well (ON CONFLICT … DO UPDATE,
no SQLite-only function); only the placeholder style differs by driver. Every write is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from curator.store.library import Library, utcnow

DRAFT = "draft"
SUBMITTED = "submitted"
EXTRACTION_STATUSES = (DRAFT, SUBMITTED)


@dataclass
class StoredExtraction:
    paper_id: int
    curator: str
    payload: dict[str, Any]
    status: str
    revision: int
    updated_at: str
    schema_version: int


@dataclass
class ExtractionInfo:
    """An extraction without its payload: what a list of who extracted what shows."""

    paper_id: int
    curator: str
    status: str
    revision: int
    updated_at: str


_COLUMNS = "paper_id, curator, payload, status, revision, updated_at, schema_version"


def _stored(r: Sequence[Any]) -> StoredExtraction:
    return StoredExtraction(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6])


def put_extraction(lib: Library, paper_id: int, curator: str, payload: dict[str, Any], status: str,
                   revision: int, schema_version: int, updated_at: str | None = None) -> str:
    """Write (insert or replace) one curator's extraction of a paper; returns its time."""
    if status not in EXTRACTION_STATUSES:
        raise ValueError(f"an extraction is {' or '.join(EXTRACTION_STATUSES)}, not {status!r}")
    now = updated_at or utcnow()
    with lib.transaction():
        write_extraction(lib, paper_id, curator, payload, status, revision, schema_version, now)
    return now


def write_extraction(lib: Library, paper_id: int, curator: str, payload: dict[str, Any], status: str,
                     revision: int, schema_version: int, updated_at: str) -> None:
    """`put_extraction` inside the caller's transaction (the record write gate's: Library.record_for_update)."""
    if status not in EXTRACTION_STATUSES:
        raise ValueError(f"an extraction is {' or '.join(EXTRACTION_STATUSES)}, not {status!r}")
    lib.conn.execute(f"INSERT INTO extractions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (paper_id, curator) DO UPDATE SET payload = excluded.payload, "
                     "status = excluded.status, revision = excluded.revision, updated_at = excluded.updated_at, "
                     "schema_version = excluded.schema_version",
                     (paper_id, curator, json.dumps(payload, ensure_ascii=False), status, revision, updated_at,
                      schema_version))


def get_extraction(lib: Library, paper_id: int, curator: str) -> StoredExtraction | None:
    r = lib.conn.execute(f"SELECT {_COLUMNS} FROM extractions WHERE paper_id = ? AND curator = ?",
                         (paper_id, curator)).fetchone()
    return _stored(r) if r else None


def extractions_of(lib: Library, paper_id: int) -> list[StoredExtraction]:
    """Every curator's extraction of a paper, by curator name."""
    return [_stored(r) for r in lib.conn.execute(
        f"SELECT {_COLUMNS} FROM extractions WHERE paper_id = ? ORDER BY curator", (paper_id,))]


def extraction_infos(lib: Library, paper_id: int | None = None) -> list[ExtractionInfo]:
    sql = "SELECT paper_id, curator, status, revision, updated_at FROM extractions"
    args: tuple[Any, ...] = ()
    if paper_id is not None:
        sql += " WHERE paper_id = ?"
        args = (paper_id,)
    return [ExtractionInfo(*r) for r in lib.conn.execute(sql + " ORDER BY paper_id, curator", args)]


def curators(lib: Library) -> list[str]:
    """Every curator with an extraction in the library."""
    return [r[0] for r in lib.conn.execute("SELECT DISTINCT curator FROM extractions ORDER BY curator")]


def iter_extractions(lib: Library, curator: str | None = None) -> Iterator[StoredExtraction]:
    """Every extraction (of one curator), in paper order: what an export of extractions reads."""
    sql = f"SELECT {_COLUMNS} FROM extractions"
    args: tuple[Any, ...] = ()
    if curator is not None:
        sql += " WHERE curator = ?"
        args = (curator,)
    for r in lib.conn.execute(sql + " ORDER BY paper_id, curator", args):
        yield _stored(r)


def get_setting(lib: Library, key: str) -> str | None:
    r = lib.conn.execute("SELECT value FROM library_settings WHERE key = ?", (key,)).fetchone()
    return r[0] if r else None


def set_setting(lib: Library, key: str, value: str | None) -> None:
    with lib.transaction() as c:
        if value is None:
            c.execute("DELETE FROM library_settings WHERE key = ?", (key,))
        else:
            c.execute("INSERT INTO library_settings (key, value) VALUES (?, ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


# --- many records at once (an offline comparison of two libraries) ---------------------------------

def record_times(lib: Library) -> dict[int, str]:
    """paper id -> updated_at of every stored (consensus) record."""
    return {r[0]: r[1] for r in lib.conn.execute("SELECT paper_id, updated_at FROM records")}


def autosave_times(lib: Library) -> dict[int, str]:
    """paper id -> saved_at of every autosaved form."""
    return {r[0]: r[1] for r in lib.conn.execute("SELECT paper_id, saved_at FROM autosave")}


def paper_keys(lib: Library, paper_ids: Sequence[int] | None = None) -> Iterator[tuple[int, str | None, str | None, str, int | None, str]]:
    """(id, PMID, DOI, title key, year, title) of the papers (all, or these): what papers are matched by."""
    if paper_ids is None:
        yield from lib.conn.execute("SELECT id, pmid, doi, title_key, year, title FROM papers ORDER BY id")
        return
    ids = list(paper_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        yield from lib.conn.execute("SELECT id, pmid, doi, title_key, year, title FROM papers WHERE id IN "
                                    f"({', '.join('?' * len(chunk))}) ORDER BY id", chunk)
