"""The SQL of PDF full texts (migration 009): the PDF's bytes inside the library, its text, one row a
page with the characters' boxes, its sections and tables. Portable SQL (parameterised, no SQLite-only
functions). `save_fulltext` writes inside the caller's transaction when one is open (the import service
adds the paper and its full text in one), else in one of its own."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from curator.domain.fulltext import FullText, PageText, Table, TextRange
from curator.store.library import utcnow


def _conn(lib: Any) -> sqlite3.Connection:
    return getattr(lib, "conn", lib)


def _write(c: sqlite3.Connection, paper_id: int, ft: FullText) -> None:
    c.execute("DELETE FROM fulltext_pages WHERE paper_id = ?", (paper_id,))
    c.execute("DELETE FROM fulltexts WHERE paper_id = ?", (paper_id,))
    c.execute("INSERT INTO fulltexts (paper_id, filename, sha256, pdf, text, page_count, has_text, title, doi, "
              "sections, tables, added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
              (paper_id, ft.filename, hashlib.sha256(ft.pdf).hexdigest(), ft.pdf, ft.text, ft.page_count,
               int(ft.has_text), ft.title or None, ft.doi,
               json.dumps([s.__dict__ for s in ft.sections], ensure_ascii=False),
               json.dumps([t.to_dict() for t in ft.tables], ensure_ascii=False), utcnow()))
    c.executemany("INSERT INTO fulltext_pages (paper_id, page, width, height, start_offset, length, boxes) "
                  "VALUES (?,?,?,?,?,?,?)",
                  [(paper_id, p.number, p.width, p.height, p.start, p.length, p.boxes) for p in ft.pages])


def save_fulltext(lib: Any, paper_id: int, ft: FullText) -> None:
    """Keep `ft` as the full text of paper `paper_id` (replacing one it had)."""
    c = _conn(lib)
    if c.in_transaction:
        _write(c, paper_id, ft)
    else:
        with lib.transaction() as tc:
            _write(tc, paper_id, ft)


def has_fulltext(lib: Any, paper_id: int) -> bool:
    return _conn(lib).execute("SELECT 1 FROM fulltexts WHERE paper_id = ?", (paper_id,)).fetchone() is not None


def fulltext_ids(lib: Any) -> set[int]:
    return {r[0] for r in _conn(lib).execute("SELECT paper_id FROM fulltexts")}


def load_fulltext(lib: Any, paper_id: int, with_pdf: bool = True) -> FullText | None:
    """The paper's full text (its PDF's bytes left out unless `with_pdf`), or None."""
    c = _conn(lib)
    cols = "filename, text, title, doi, sections, tables" + (", pdf" if with_pdf else "")
    r = c.execute(f"SELECT {cols} FROM fulltexts WHERE paper_id = ?", (paper_id,)).fetchone()
    if r is None:
        return None
    pages = [PageText(number=p[0], width=p[1], height=p[2], start=p[3], length=p[4], boxes=bytes(p[5]))
             for p in c.execute("SELECT page, width, height, start_offset, length, boxes FROM fulltext_pages "
                                "WHERE paper_id = ? ORDER BY page", (paper_id,))]
    return FullText(filename=r[0], pdf=bytes(r[6]) if with_pdf else b"", text=r[1], pages=pages,
                    sections=[TextRange(**s) for s in json.loads(r[4])],
                    tables=[Table.from_dict(t) for t in json.loads(r[5])], title=r[2] or "", doi=r[3])


def load_pdf(lib: Any, paper_id: int) -> bytes | None:
    r = _conn(lib).execute("SELECT pdf FROM fulltexts WHERE paper_id = ?", (paper_id,)).fetchone()
    return bytes(r[0]) if r else None


def load_tables(lib: Any, paper_id: int) -> list[Table]:
    r = _conn(lib).execute("SELECT tables FROM fulltexts WHERE paper_id = ?", (paper_id,)).fetchone()
    return [Table.from_dict(t) for t in json.loads(r[0])] if r else []


def save_tables(lib: Any, paper_id: int, tables: list[Table]) -> None:
    """The paper's tables as the curator edited them."""
    with lib.transaction() as c:
        c.execute("UPDATE fulltexts SET tables = ? WHERE paper_id = ?",
                  (json.dumps([t.to_dict() for t in tables], ensure_ascii=False), paper_id))
