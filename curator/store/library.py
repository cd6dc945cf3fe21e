"""The SQLite library: connection, papers, records, provenance, history, autosave.

All SQL of the application lives in `curator/store/`. Every write runs in a transaction, so a
failed import or save leaves the library exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from curator.domain.duplicates import record_key
from curator.domain.outcomes import (
    LIST_ATTR,
    PAPER_UNREVIEWED,
    ROW_TYPES,
    Record,
    Row,
    Span,
    Study,
    link_accepted_by,
)
from curator.domain.paper import Entity, MeshTerm, Paper, Section
from curator.domain.pvalues import parse_p
from curator.domain.search import search_words
from curator.store import migrations
from curator.store.team_queries import append_change

JSON_LIST_FIELDS = ("authors", "abstract_sections", "body_sections", "keywords", "mesh_terms",
                    "publication_types", "substances", "grants", "entities", "key_findings")
SCALAR_FIELDS = ("pmid", "pmcid", "doi", "title", "journal", "journal_abbrev", "pub_date", "year", "volume",
                 "issue", "pages", "abstract", "tldr", "contribution", "source_url", "language", "citation")
SORT_COLUMNS = {"id": "p.id", "title": "p.title COLLATE NOCASE", "year": "p.year", "journal": "p.journal",
                "status": "p.status", "first_author": "p.first_author", "pmid": "CAST(p.pmid AS INTEGER)"}
LIST_COLUMNS = "p.id, p.pmid, p.doi, p.title, p.first_author, p.journal, p.year, p.status"


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


HASHED = SCALAR_FIELDS + JSON_LIST_FIELDS + ("extra",)


def _to_json(value: Any) -> str:
    """Compact UTF-8 JSON. orjson is several times faster than json here (it counts on bulk
    imports); dataclasses become their fields, other unknown values their str()."""
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def content_hash(row: dict[str, Any]) -> str:
    """Fingerprint of a paper's bibliographic content (the columns an import writes). SHA-256
    rather than BLAKE2: OpenSSL's SHA-256 runs on the CPU's SHA instructions, ~3x faster here on
    the ~10 kB of a record (it counts on bulk imports). 128 bits are kept."""
    text = "\x1f".join([str(row[f]) for f in HASHED])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def paper_row(paper: Paper, source_file: str | None = None, source_format: str | None = None) -> dict[str, Any]:
    """The `papers` columns for a paper (pure: workers of a bulk import prepare rows with it)."""
    fields = paper.__dict__
    row: dict[str, Any] = {f: fields[f] for f in SCALAR_FIELDS}
    row["title"] = row["title"] or ""
    row["abstract"] = row["abstract"] or ""
    for f in JSON_LIST_FIELDS:
        v = fields[f]
        row[f] = _to_json(v) if v else "[]"
    row["extra"] = _to_json(paper.extra)
    row["title_key"] = record_key(paper.title, paper.abstract)  # the duplicate rule's key
    row["first_author"] = paper.first_author
    row["source_file"] = source_file
    row["source_format"] = source_format
    row["content_hash"] = content_hash(row)
    return row


def fts_values(paper: Paper) -> tuple[str, str, str, str, str]:
    """What the search index holds for a paper: the same strings the view `papers_fts_source`
    (migration 004) makes of the stored row with fts_list/fts_mesh, which FTS5 reads to delete them."""
    mesh = "; ".join(m.descriptor for m in paper.mesh_terms)
    return (paper.title or "", paper.abstract or "", "; ".join(paper.authors), "; ".join(paper.keywords), mesh)


def _fts_list(value: str | None) -> str:
    """SQL fts_list(json): a stored JSON list of strings as the index holds it."""
    return "; ".join(json.loads(value)) if value else ""


def _fts_mesh(value: str | None) -> str:
    """SQL fts_mesh(json): the descriptors of stored MeSH terms as the index holds them."""
    return "; ".join(m["descriptor"] for m in json.loads(value)) if value else ""


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the schema's view papers_fts_source needs (every connection)."""
    conn.create_function("fts_list", 1, _fts_list, deterministic=True)
    conn.create_function("fts_mesh", 1, _fts_mesh, deterministic=True)


PAPER_COLUMNS = (*SCALAR_FIELDS, *JSON_LIST_FIELDS, "extra", "title_key", "first_author", "source_file",
                 "source_format", "content_hash")


_paper_values = operator.itemgetter(*PAPER_COLUMNS)


def prepare_paper(paper: Paper, source_file: str | None = None, source_format: str | None = None) -> tuple:
    """A paper as ready-to-insert values (pure and picklable: bulk-import workers call it):
    (pmid, doi, title_key, year, content_hash, values in PAPER_COLUMNS order, FTS values)."""
    row = paper_row(paper, source_file, source_format)
    return (row["pmid"], row["doi"], row["title_key"], row["year"], row["content_hash"],
            _paper_values(row), fts_values(paper))


def paper_from_prepared(prepared: tuple) -> Paper:
    values = dict(zip(PAPER_COLUMNS, prepared[5]))
    d: dict[str, Any] = {f: values[f] for f in SCALAR_FIELDS}
    for f in JSON_LIST_FIELDS:
        d[f] = json.loads(values[f] or "[]")
    d["extra"] = json.loads(values["extra"] or "{}")
    return Paper.from_dict(d)


@dataclass
class PaperSummary:
    id: int
    pmid: str | None
    doi: str | None
    title: str
    first_author: str | None
    journal: str | None
    year: int | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class LibraryError(RuntimeError):
    pass


def _disk_full(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


def _write_error(path: Path, exc: sqlite3.Error, doing: str = "saving") -> Exception:
    """A failed write as the curator should read it: a full disk or read-only media says so; other
    errors pass on as they are."""
    if _disk_full(exc):
        return LibraryError(f"{path}: the disk is full ({doing}): nothing was saved, your edits are kept. "
                            "Free some space and save again.")
    if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_READONLY:
        return LibraryError(f"{path} cannot be written (read-only media?) ({doing}): nothing was saved, "
                            f"your edits are kept ({exc})")
    return exc


def _unwritable(path: Path) -> str | None:
    """Why the library at `path` cannot be written here (read-only media, folder or file), or None."""
    folder = path.parent if path.parent.exists() else next((p for p in path.parents if p.exists()), path.parent)
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} is on read-only media or not writable: opened read-only, nothing can be saved"
    if not os.access(folder, os.W_OK):
        return (f"the folder {folder} is on read-only media or not writable: {path.name} was opened "
                "read-only, nothing can be saved")
    return None


class Library:
    """One open library file."""

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool = False,
                 read_only_reason: str | None = None):
        self.path = path
        self.conn = conn
        self.read_only = read_only
        # why the store opened it read-only although writing was asked for (newer Curator, read-only media)
        self.read_only_reason = read_only_reason

    # --- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False) -> Library:
        """Open a Curator library, or create one where there is no file (or an empty one).

        The file is recognised first without writing anything (migrations.recognise): anything else
        (another application's database, not SQLite, truncated) raises LibraryError naming it and is
        left untouched. A library written by a newer Curator, or one that cannot be written here
        (read-only media or folder), opens read-only; `read_only_reason` says why."""
        path = Path(path).expanduser()
        try:
            found = migrations.recognise(path)
        except migrations.NotALibrary as exc:
            raise LibraryError(str(exc)) from exc
        reason = None
        if found.newer:
            reason = (f"{path} was written by a newer Curator (schema version {found.version}; this one knows "
                      f"up to {migrations.latest_version()}): opened read-only, nothing will be written to it")
        elif not read_only:
            reason = _unwritable(path)
        if reason is not None:
            read_only = True
        if read_only and found.new:
            raise LibraryError(f"{path}: no such library" if reason is None
                               else f"{path}: cannot create a library here: {reason}")
        conn = cls._read_only(path) if read_only else cls._read_write(path, found)
        if read_only and not found.newer and found.version < migrations.latest_version():
            conn.close()
            raise LibraryError(f"{path}: library needs an upgrade and was opened read-only"
                               + (f" ({reason})" if reason else ""))
        return cls(path, conn, read_only, reason)

    @staticmethod
    def _connected(conn: sqlite3.Connection) -> sqlite3.Connection:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        register_functions(conn)
        return conn

    @classmethod
    def _read_only(cls, path: Path) -> sqlite3.Connection:
        # Where no -shm can be created (read-only media) a WAL library is read as immutable.
        immutable = not os.access(path.parent, os.W_OK) and not Path(f"{path}-wal").exists()
        try:
            conn = sqlite3.connect(migrations.read_only_uri(path, immutable), uri=True, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise LibraryError(f"{path}: cannot open the library ({exc})") from exc
        try:
            return cls._connected(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise LibraryError(f"{path}: cannot read the library ({exc})") from exc

    @classmethod
    def _read_write(cls, path: Path, found: migrations.Recognised) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        try:
            cls._connected(conn)
            if found.new:  # the marker first: a library whose creation is cut short is still ours
                conn.execute(f"PRAGMA application_id = {migrations.APPLICATION_ID}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrations.migrate(conn, path)
        except sqlite3.Error as exc:
            conn.close()
            if _disk_full(exc):
                raise _write_error(path, exc, "opening the library") from exc
            raise LibraryError(f"{path}: cannot open the library ({exc})") from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        try:
            if not self.read_only:
                self.conn.execute("PRAGMA optimize")
        finally:
            self.conn.close()

    @property
    def schema_version(self) -> int:
        return migrations.current_version(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write: committed whole, or (on any error) rolled back whole. A full disk raises
        LibraryError saying so; whatever the caller holds in memory is untouched."""
        if self.read_only:
            raise LibraryError(self.read_only_reason or f"{self.path} is open read-only")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _write_error(self.path, exc) from exc
        try:
            yield self.conn
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.OperationalError) and _disk_full(exc):
                raise _write_error(self.path, exc) from exc
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise _write_error(self.path, exc) from exc

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (it rolls back by itself on a full
        disk or an I/O error): never a second error on top of the first."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def integrity_check(self) -> str:
        """"ok", or what is wrong: SQLite's own check, then the search index against the papers
        it indexes (FTS5 re-reads every paper's words through `papers_fts_source`)."""
        result = self.conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok" or self.read_only:
            return result
        try:
            self.conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as exc:
            return f"search index: {exc}"
        return "ok"

    # --- papers ------------------------------------------------------------------------------------
    def paper_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM papers").fetchone()[0]

    def _paper_row(self, paper: Paper, source_file: str | None, source_format: str | None) -> dict[str, Any]:
        return paper_row(paper, source_file, source_format)

    @staticmethod
    def _fts_values(paper: Paper) -> tuple[str, str, str, str, str]:
        return fts_values(paper)

    def insert_papers(self, papers: Sequence[Paper], source_file: str | None = None,
                      source_format: str | None = None) -> list[int]:
        """Insert new papers (inside the caller's transaction); returns their ids."""
        now = utcnow()
        ids = []
        cols = None
        for paper in papers:
            row = self._paper_row(paper, source_file, source_format)
            row["status"] = PAPER_UNREVIEWED
            row["added_at"] = row["updated_at"] = now
            if cols is None:
                cols = list(row)
                sql = f"INSERT INTO papers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            cur = self.conn.execute(sql, [row[c] for c in cols])
            pid = cur.lastrowid
            ids.append(pid)
            self.conn.execute("INSERT INTO papers_fts(rowid, title, abstract, authors, keywords, mesh) "
                              "VALUES (?, ?, ?, ?, ?, ?)", (pid, *self._fts_values(paper)))
        return ids

    def update_paper(self, paper_id: int, paper: Paper, source_file: str | None = None,
                     source_format: str | None = None) -> None:
        """Replace a paper's bibliographic fields (inside the caller's transaction)."""
        row = self._paper_row(paper, source_file, source_format)
        if source_file is None:
            row.pop("source_file")
            row.pop("source_format")
        row["updated_at"] = utcnow()
        sets = ", ".join(f"{c} = ?" for c in row)
        # First: the index reads the words to take out from the row as it still is (migration 004).
        self.conn.execute("DELETE FROM papers_fts WHERE rowid = ?", (paper_id,))
        self.conn.execute(f"UPDATE papers SET {sets} WHERE id = ?", [*row.values(), paper_id])
        self.conn.execute("INSERT INTO papers_fts(rowid, title, abstract, authors, keywords, mesh) "
                          "VALUES (?, ?, ?, ?, ?, ?)", (paper_id, *self._fts_values(paper)))

    def duplicate_keys(self) -> Iterator[tuple[int, str | None, str | None, str, int | None, str | None]]:
        """(id, PMID, DOI, title key, year, content hash) of every paper: what an import's
        domain.duplicates.DuplicateIndex is built from."""
        yield from self.conn.execute("SELECT id, pmid, doi, title_key, year, content_hash FROM papers")

    def next_paper_id(self) -> int:
        """The id the next inserted paper gets (an import numbers the rows it writes in bulk itself)."""
        return self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM papers").fetchone()[0]

    def insert_prepared(self, rows: Sequence[tuple[int, tuple]]) -> None:
        """Insert (id, prepared) rows in one go (inside the caller's transaction)."""
        if not rows:
            return
        now = utcnow()
        cols = ("id", *PAPER_COLUMNS, "status", "added_at", "updated_at")
        sql = f"INSERT INTO papers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, [(pid, *prep[5], PAPER_UNREVIEWED, now, now) for pid, prep in rows])
        self.conn.executemany("INSERT INTO papers_fts(rowid, title, abstract, authors, keywords, mesh) "
                              "VALUES (?, ?, ?, ?, ?, ?)", [(pid, *prep[6]) for pid, prep in rows])

    def delete_papers_by_pmid(self, pmids: Iterable[str]) -> int:
        n = 0
        for pmid in pmids:
            row = self.conn.execute("SELECT id FROM papers WHERE pmid = ?", (pmid,)).fetchone()
            if row:
                self.conn.execute("DELETE FROM papers_fts WHERE rowid = ?", (row[0],))
                self.conn.execute("DELETE FROM papers WHERE id = ?", (row[0],))
                n += 1
        return n

    def get_paper(self, paper_id: int) -> Paper | None:
        r = self.conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return _paper_from_row(r) if r else None

    # --- listing and search ------------------------------------------------------------------------
    @staticmethod
    def fts_query(text: str) -> str:
        """A safe FTS5 query from what a curator types: every word must appear, the last as a prefix.
        (The index keeps no positions, so 'IFN-γ' is searched as 'IFN' and 'γ'.)"""
        words = search_words(text)
        if not words:
            return ""
        parts = ['"' + w + '"' for w in words]
        parts[-1] += "*"
        return " ".join(parts)

    def _where(self, search: str | None, status: str | None, year_from: int | None, year_to: int | None,
               ids: Sequence[int] | None = None) -> tuple[str, list[Any]]:
        clauses, args = [], []
        if search:
            q = self.fts_query(search)
            if q:
                clauses.append("p.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)")
                args.append(q)
        if status:
            clauses.append("p.status = ?")
            args.append(status)
        if year_from is not None:
            clauses.append("p.year >= ?")
            args.append(year_from)
        if year_to is not None:
            clauses.append("p.year <= ?")
            args.append(year_to)
        if ids is not None:
            clauses.append(f"p.id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def count_papers(self, search: str | None = None, status: str | None = None,
                     year_from: int | None = None, year_to: int | None = None) -> int:
        where, args = self._where(search, status, year_from, year_to)
        return self.conn.execute(f"SELECT count(*) FROM papers p{where}", args).fetchone()[0]

    def list_papers(self, search: str | None = None, status: str | None = None, year_from: int | None = None,
                    year_to: int | None = None, order_by: str = "id", descending: bool = False,
                    limit: int | None = None, offset: int = 0) -> list[PaperSummary]:
        where, args = self._where(search, status, year_from, year_to)
        order = SORT_COLUMNS.get(order_by, "p.id") + (" DESC" if descending else "")
        sql = f"SELECT {LIST_COLUMNS} FROM papers p{where} ORDER BY {order}, p.id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [PaperSummary(*r) for r in self.conn.execute(sql, args)]

    def list_ids(self, search: str | None = None, status: str | None = None, year_from: int | None = None,
                 year_to: int | None = None, order_by: str = "id", descending: bool = False) -> list[int]:
        """Just the ids in display order: what a lazy list model keeps in memory."""
        where, args = self._where(search, status, year_from, year_to)
        order = SORT_COLUMNS.get(order_by, "p.id") + (" DESC" if descending else "")
        cur = self.conn.cursor()
        cur.row_factory = lambda _c, row: row[0]  # plain ints: 100,000 ids in a few tens of ms
        return cur.execute(f"SELECT p.id FROM papers p{where} ORDER BY {order}, p.id", args).fetchall()

    def summaries(self, ids: Sequence[int]) -> dict[int, PaperSummary]:
        if not ids:
            return {}
        out: dict[int, PaperSummary] = {}
        for chunk_start in range(0, len(ids), 900):
            chunk = list(ids[chunk_start:chunk_start + 900])
            sql = f"SELECT {LIST_COLUMNS} FROM papers p WHERE p.id IN ({','.join('?' * len(chunk))})"
            for r in self.conn.execute(sql, chunk):
                out[r[0]] = PaperSummary(*r)
        return out

    def status_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT status, count(*) FROM papers GROUP BY status")}

    # --- records -----------------------------------------------------------------------------------
    def load_record(self, paper_id: int) -> Record | None:
        r = self.conn.execute("SELECT * FROM records WHERE paper_id = ?", (paper_id,)).fetchone()
        if r is None:
            return None
        rec = Record(paper_id=paper_id, status=r["status"], revision=r["revision"], curator=r["curator"],
                     verified_at=r["verified_at"], updated_at=r["updated_at"], notes=r["notes"],
                     contradicts=bool(r["contradicts"]), contradiction_comment=r["contradiction_comment"],
                     exclusion_reason=r["exclusion_reason"])
        spans: dict[str, dict[str, Span]] = {}
        for p in self.conn.execute("SELECT row_uid, field, start, end, quote, text_field, made_by, accepted_by, "
                                   "extracted_by, settled, page FROM provenance WHERE paper_id = ?", (paper_id,)):
            spans.setdefault(p["row_uid"], {})[p["field"]] = Span(p["start"], p["end"], p["quote"],
                                                                   p["text_field"], p["made_by"], p["accepted_by"],
                                                                   p["extracted_by"], p["settled"], page=p["page"])
        for row_type in (Study, *ROW_TYPES):
            cols = ["uid", "row_status", *row_type.value_fields()]
            rows = []
            for x in self.conn.execute(f"SELECT {', '.join(cols)} FROM {row_type.TABLE} WHERE paper_id = ? "
                                       "ORDER BY position", (paper_id,)):
                row = row_type(**dict(zip(cols, x)))
                row.sources = spans.get(row.uid, {})
                rows.append(row)
            if row_type is Study:
                if rows:
                    rec.study = rows[0]  # type: ignore[assignment]
            else:
                setattr(rec, LIST_ATTR[row_type], rows)
        return rec

    def save_record(self, rec: Record, changes: Sequence[dict[str, Any]] = (), who: str | None = None,
                    kind: str = "save", session: str | None = None) -> None:
        """Write the whole record, its provenance and its history in one transaction, with its line in
        the team's change feed (`kind`: save | verify | status; `session`: the window that wrote it)."""
        with self.transaction() as c:
            self._write_record(c, rec, changes, who)
            append_change(c, rec.paper_id, who, session, kind, rec.updated_at or utcnow())

    def _write_record(self, c: sqlite3.Connection, rec: Record, changes: Sequence[dict[str, Any]],
                      who: str | None) -> None:
        now = rec.updated_at or utcnow()
        c.execute(
            "INSERT INTO records (paper_id, status, revision, curator, verified_at, updated_at, notes, "
            "contradicts, contradiction_comment, exclusion_reason) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(paper_id) DO UPDATE SET status=excluded.status, revision=excluded.revision, "
            "curator=excluded.curator, verified_at=excluded.verified_at, updated_at=excluded.updated_at, "
            "notes=excluded.notes, contradicts=excluded.contradicts, "
            "contradiction_comment=excluded.contradiction_comment, exclusion_reason=excluded.exclusion_reason",
            (rec.paper_id, rec.status, rec.revision, rec.curator, rec.verified_at, now, rec.notes,
             int(rec.contradicts), rec.contradiction_comment, rec.exclusion_reason))
        c.execute("DELETE FROM provenance WHERE paper_id = ?", (rec.paper_id,))
        for row_type in (Study, *ROW_TYPES):
            c.execute(f"DELETE FROM {row_type.TABLE} WHERE paper_id = ?", (rec.paper_id,))
            rows: list[Row] = rec.rows(row_type)
            if not rows:
                continue
            cols = ["uid", "paper_id", "position", "row_status", *row_type.value_fields()]
            extra_cols = ["p_operator", "p_value"] if row_type.TABLE == "comparisons" else []
            sql = (f"INSERT INTO {row_type.TABLE} ({', '.join(cols + extra_cols)}) "
                   f"VALUES ({', '.join('?' * (len(cols) + len(extra_cols)))})")
            for pos, row in enumerate(rows):
                vals = [row.uid, rec.paper_id, pos, row.row_status, *row.values().values()]
                if extra_cols:
                    vals += list(parse_p(row.p_text))
                c.execute(sql, vals)
                for fname, span in row.sources.items():
                    c.execute("INSERT INTO provenance (paper_id, row_table, row_uid, field, text_field, start, "
                              "end, quote, entered_by, created_at, made_by, accepted_by, extracted_by, settled, "
                              "page) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                              (rec.paper_id, row_type.TABLE, row.uid, fname, span.text_field, span.start,
                               span.end, span.quote, who, now, span.made_by, link_accepted_by(row, span, who),
                               span.extracted_by, span.settled, span.page))
        for ch in changes:
            c.execute("INSERT INTO history (paper_id, at, who, revision, row_table, row_uid, field, old, new) "
                      "VALUES (?,?,?,?,?,?,?,?,?)",
                      (rec.paper_id, now, who, rec.revision, ch.get("table"), ch.get("uid"), ch.get("field"),
                       _text(ch.get("old")), _text(ch.get("new"))))
        c.execute("UPDATE papers SET status = ?, updated_at = ? WHERE id = ?", (rec.status, now, rec.paper_id))
        c.execute("DELETE FROM autosave WHERE paper_id = ?", (rec.paper_id,))

    def history(self, paper_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute(
            "SELECT at, who, revision, row_table, row_uid, field, old, new FROM history WHERE paper_id = ? "
            "ORDER BY id", (paper_id,))]

    # --- autosave ----------------------------------------------------------------------------------
    def autosave(self, paper_id: int, payload: dict[str, Any]) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO autosave (paper_id, payload, saved_at) VALUES (?, ?, ?) "
                      "ON CONFLICT(paper_id) DO UPDATE SET payload = excluded.payload, saved_at = excluded.saved_at",
                      (paper_id, json.dumps(payload, ensure_ascii=False), utcnow()))

    def load_autosave(self, paper_id: int) -> tuple[dict[str, Any], str] | None:
        r = self.conn.execute("SELECT payload, saved_at FROM autosave WHERE paper_id = ?", (paper_id,)).fetchone()
        return (json.loads(r[0]), r[1]) if r else None

    def discard_autosave(self, paper_id: int) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM autosave WHERE paper_id = ?", (paper_id,))


def _text(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _paper_from_row(r: sqlite3.Row) -> Paper:
    d: dict[str, Any] = {f: r[f] for f in SCALAR_FIELDS}
    for f in JSON_LIST_FIELDS:
        d[f] = json.loads(r[f] or "[]")
    d["extra"] = json.loads(r["extra"] or "{}")
    p = Paper.from_dict(d)
    return p


__all__ = ["Library", "LibraryError", "PaperSummary", "utcnow", "Entity", "MeshTerm", "Section"]
