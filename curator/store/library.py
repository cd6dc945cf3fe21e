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
from contextlib import contextmanager, nullcontext
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
from curator.store import migrations
from curator.store.dialect import SQLITE, dialect_of
from curator.store.team_queries import append_change

JSON_LIST_FIELDS = ("authors", "abstract_sections", "body_sections", "keywords", "mesh_terms",
                    "publication_types", "substances", "grants", "entities", "key_findings")
SCALAR_FIELDS = ("pmid", "pmcid", "doi", "title", "journal", "journal_abbrev", "pub_date", "year", "volume",
                 "issue", "pages", "abstract", "tldr", "contribution", "source_url", "language", "citation")
SORT_COLUMNS = {"id": "p.id", "title": "p.title COLLATE NOCASE", "year": "p.year", "journal": "p.journal",
                "status": "p.status", "first_author": "p.first_author", "pmid": "CAST(p.pmid AS INTEGER)"}


def sort_key(order_by: str, dialect=SQLITE) -> str:
    """The ORDER BY expression of a list column, in the engine's words (SORT_COLUMNS is SQLite's)."""
    if order_by == "title":
        return dialect.nocase("p.title")
    if order_by == "pmid":
        return dialect.int_of("p.pmid")
    return SORT_COLUMNS.get(order_by, "p.id")
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


class PasswordRefused(LibraryError):
    """A server that wants a password libpq found nowhere (`supplied` False: no .pgpass, PGPASSWORD or
    prompt), or refused the one given (`supplied` True). `where` names the server, `user` the role."""

    def __init__(self, message: str, where: str, user: str, supplied: bool):
        super().__init__(message)
        self.where, self.user, self.supplied = where, user, supplied


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


def is_server_location(target: Any) -> bool:
    """Whether `target` names a library on a PostgreSQL server (postgresql://user@host:port/dbname)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@dataclass
class Notice:
    """A change another connection committed: `kind` is "record" (saves, verifications), "papers"
    (imports, merges, deletions), "screening", or "unknown" (SQLite's fallback says only that
    something changed); `paper_ids` the papers concerned when known (an import sends none: re-read
    the list); `who` the curator when known; `own` True for this Library's own writes."""

    kind: str
    paper_ids: list[int]
    who: str | None = None
    own: bool = False


class DataVersionListener:
    """SQLite's change listener: polls `PRAGMA data_version`, which changes whenever ANOTHER connection
    commits to the file. It knows only that something changed (one Notice of kind "unknown"); a
    caller re-reads what it shows. Uses its own read-only connection (never the GUI's)."""

    def __init__(self, path: Path, interval: float = 0.25):
        self.interval = interval
        self._conn = sqlite3.connect(migrations.read_only_uri(path), uri=True, check_same_thread=False,
                                     isolation_level=None)
        self._version = self._read()

    def _read(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def poll(self, timeout: float = 0.0) -> list[Notice]:
        """What changed since the last poll, waiting up to `timeout` seconds for a change."""
        import time

        end = time.monotonic() + max(timeout, 0.0)
        while True:
            v = self._read()
            if v != self._version:
                self._version = v
                return [Notice("unknown", [])]
            left = end - time.monotonic()
            if left <= 0:
                return []
            time.sleep(min(self.interval, left))

    def close(self) -> None:
        self._conn.close()


class Library:
    """One open library: the SQLite engine, and every query both engines share (the PostgreSQL
    engine, curator.store.postgres.PostgresLibrary, overrides only what the engines do differently:
    connecting, transactions, bulk loading, the search index's upkeep, locking, change notices)."""

    dialect = SQLITE
    engine = "sqlite"

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool = False,
                 read_only_reason: str | None = None):
        self.path = path
        self.conn = conn
        self.read_only = read_only
        # why the store opened it read-only although writing was asked for (newer Curator, read-only media)
        self.read_only_reason = read_only_reason

    # --- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, read_only: bool = False, password: str | None = None) -> Library:
        """Open a Curator library, or create one where there is no file (or an empty one).

        The file is recognised first without writing anything (migrations.recognise): anything else
        (another application's database, not SQLite, truncated) raises LibraryError naming it and is
        left untouched. A library written by a newer Curator, or one that cannot be written here
        (read-only media or folder), opens read-only; `read_only_reason` says why. `password`: for a
        server library only, one the curator typed (kept in this process's memory, see postgres.py)."""
        if is_server_location(path):
            from curator.store.postgres import PostgresLibrary

            return PostgresLibrary.connect(str(path), read_only=read_only, password=password)
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
        """Close the connection (SQLite first runs PRAGMA optimize on a writable library — a hint only: when
        another connection of this window holds the write lock at that moment, it is skipped, not an error)."""
        try:
            if not self.read_only:
                try:
                    self.conn.execute("PRAGMA optimize")
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
        finally:
            self.conn.close()

    @property
    def schema_version(self) -> int:
        return self.dialect.schema_version(self.conn)

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
    # --- what the engines do differently (PostgresLibrary overrides these) -----------------------------
    def _fts_add(self, rows: Sequence[tuple[int, tuple]]) -> None:
        """Index new papers: (id, fts_values) pairs. FTS5 is written by the store; PostgreSQL's
        generated tsvector column needs nothing."""
        self.conn.executemany("INSERT INTO papers_fts(rowid, title, abstract, authors, keywords, mesh) "
                              "VALUES (?, ?, ?, ?, ?, ?)", [(pid, *fts) for pid, fts in rows])

    def _fts_remove(self, paper_id: int) -> None:
        """Take a paper out of the index BEFORE its row changes (FTS5 reads the words from the row)."""
        self.conn.execute("DELETE FROM papers_fts WHERE rowid = ?", (paper_id,))

    def _lock_paper(self, paper_id: int) -> None:
        """Make the paper's record this transaction's alone until it ends. SQLite: BEGIN IMMEDIATE
        already holds the whole file's write lock."""

    def serialise(self, name: str) -> None:
        """Inside a transaction: writers of `name` (e.g. numbering screening actions) take turns until
        it ends. SQLite: BEGIN IMMEDIATE already lets one writer in at a time."""

    def _notify(self, kind: str, paper_ids: Sequence[int] = (), who: str | None = None) -> None:
        """Tell other connections what this transaction changed (PostgreSQL: NOTIFY on commit).
        SQLite needs nothing: its listeners poll the file's data version."""

    def change_listener(self) -> DataVersionListener | None:
        """An object whose `poll(timeout) -> list[Notice]` reports changes committed by OTHER
        connections, and `close()`. SQLite: a data_version poller (kind "unknown"); None for an
        in-memory library. PostgreSQL: LISTEN/NOTIFY with kinds and paper ids."""
        if not Path(str(self.path)).is_file():
            return None
        return DataVersionListener(Path(self.path))

    def bulk_insert(self, table: str, cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert rows as they are, ids included (inside the caller's transaction): a library copy.
        `table` and `cols` come from the schema, never from input. Returns the rows written."""
        names = ", ".join('"' + c + '"' for c in cols)
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})"
        n, batch = 0, []
        for row in rows:
            batch.append(tuple(row))
            if len(batch) >= 5000:
                self.conn.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            self.conn.executemany(sql, batch)
            n += len(batch)
        return n

    def after_bulk_copy(self) -> None:
        """After bulk_insert: SQLite's search index is rebuilt from the papers (it reads them itself)."""
        self.conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")

    @property
    def location(self) -> str:
        """Where the library lives, for messages (a file path; a server URL without any password)."""
        return str(self.path)

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
                sql = (f"INSERT INTO papers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                       "RETURNING id")
            pid = self.conn.execute(sql, [row[c] for c in cols]).fetchone()[0]
            ids.append(pid)
            self._fts_add([(pid, self._fts_values(paper))])
        if ids:
            self._notify("papers", ids)
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
        self._fts_remove(paper_id)
        self.conn.execute(f"UPDATE papers SET {sets} WHERE id = ?", [*row.values(), paper_id])
        self._fts_add([(paper_id, self._fts_values(paper))])
        self._notify("papers", [paper_id])

    def duplicate_keys(self) -> Iterator[tuple[int, str | None, str | None, str, int | None, str | None]]:
        """(id, PMID, DOI, title key, year, content hash) of every paper: what an import's
        domain.duplicates.DuplicateIndex is built from."""
        yield from self.conn.execute("SELECT id, pmid, doi, title_key, year, content_hash FROM papers")

    def next_paper_id(self) -> int:
        """The id the next inserted paper gets (an import numbers the rows it writes in bulk itself)."""
        return self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM papers").fetchone()[0]

    # How bulk-import workers prepare a paper for this engine (a picklable, module-level function with
    # prepare_paper's signature): PostgreSQL's also cuts the search words there, off the writer's thread.
    preparer = staticmethod(prepare_paper)

    def insert_prepared(self, rows: Sequence[tuple[int, tuple]]) -> None:
        """Insert (id, prepared) rows in one go (inside the caller's transaction)."""
        if not rows:
            return
        now = utcnow()
        cols = ("id", *PAPER_COLUMNS, "status", "added_at", "updated_at")
        sql = f"INSERT INTO papers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, [(pid, *prep[5], PAPER_UNREVIEWED, now, now) for pid, prep in rows])
        self._fts_add([(pid, prep[6]) for pid, prep in rows])
        self._notify("papers")

    def delete_papers_by_pmid(self, pmids: Iterable[str]) -> int:
        n = 0
        for pmid in pmids:
            row = self.conn.execute("SELECT id FROM papers WHERE pmid = ?", (pmid,)).fetchone()
            if row:
                self._fts_remove(row[0])
                self.conn.execute("DELETE FROM papers WHERE id = ?", (row[0],))
                n += 1
        if n:
            self._notify("papers")
        return n

    def get_paper(self, paper_id: int) -> Paper | None:
        r = self.conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return _paper_from_row(r) if r else None

    # --- listing and search ------------------------------------------------------------------------
    @staticmethod
    def fts_query(text: str) -> str:
        """A safe FTS5 query from what a curator types: every word must appear, the last as a prefix.
        (The index keeps no positions, so 'IFN-γ' is searched as 'IFN' and 'γ'.)"""
        return SQLITE.search_query(text)

    def _where(self, search: str | None, status: str | None, year_from: int | None, year_to: int | None,
               ids: Sequence[int] | None = None) -> tuple[str, list[Any]]:
        clauses, args = [], []
        if search:
            q = self.dialect.search_query(search)
            if q:
                clauses.append(self.dialect.search_clause)
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
            clauses.append(f"p.id {self.dialect.in_ids}")
            args.append(self.dialect.list_param(int(i) for i in ids))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def count_papers(self, search: str | None = None, status: str | None = None,
                     year_from: int | None = None, year_to: int | None = None) -> int:
        where, args = self._where(search, status, year_from, year_to)
        return self.conn.execute(f"SELECT count(*) FROM papers p{where}", args).fetchone()[0]

    def list_papers(self, search: str | None = None, status: str | None = None, year_from: int | None = None,
                    year_to: int | None = None, order_by: str = "id", descending: bool = False,
                    limit: int | None = None, offset: int = 0) -> list[PaperSummary]:
        where, args = self._where(search, status, year_from, year_to)
        order = sort_key(order_by, self.dialect) + (" DESC" if descending else "")
        sql = f"SELECT {LIST_COLUMNS} FROM papers p{where} ORDER BY {order}, p.id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [PaperSummary(*r) for r in self.conn.execute(sql, args)]

    def list_ids(self, search: str | None = None, status: str | None = None, year_from: int | None = None,
                 year_to: int | None = None, order_by: str = "id", descending: bool = False) -> list[int]:
        """Just the ids in display order: what a lazy list model keeps in memory."""
        where, args = self._where(search, status, year_from, year_to)
        order = sort_key(order_by, self.dialect) + (" DESC" if descending else "")
        cur = self.conn.cursor()
        cur.row_factory = lambda _c, row: row[0]  # plain ints: 100,000 ids in a few tens of ms
        return cur.execute(f"SELECT p.id FROM papers p{where} ORDER BY {order}, p.id", args).fetchall()

    def summaries(self, ids: Sequence[int]) -> dict[int, PaperSummary]:
        if not ids:
            return {}
        out: dict[int, PaperSummary] = {}
        sql = f"SELECT {LIST_COLUMNS} FROM papers p WHERE p.id {self.dialect.in_ids}"
        for r in self.conn.execute(sql, (self.dialect.list_param(int(i) for i in ids),)):
            out[r[0]] = PaperSummary(*r)
        return out

    def status_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT status, count(*) FROM papers GROUP BY status")}

    # --- records -----------------------------------------------------------------------------------
    def load_record(self, paper_id: int) -> Record | None:
        # every query is sent before any result is read: on PostgreSQL one round trip (a pipeline)
        with self._pipeline():
            head = self.conn.execute("SELECT * FROM records WHERE paper_id = ?", (paper_id,))
            links = self.conn.execute('SELECT row_uid, field, start, "end", quote, text_field, made_by, accepted_by, '
                                      "extracted_by, settled, page FROM provenance WHERE paper_id = ?", (paper_id,))
            raw = self._raw_column
            tables = []
            for row_type in (Study, *ROW_TYPES):
                cols = ["uid", "row_status", *row_type.value_fields()]
                tables.append((row_type, cols, self.conn.execute(
                    f"SELECT {', '.join(cols + raw)} FROM {row_type.TABLE} WHERE paper_id = ? ORDER BY position",
                    (paper_id,))))
            r = head.fetchone()
            return None if r is None else self._record(paper_id, r, links, tables)

    def _record(self, paper_id: int, r: Any, links: Any, tables: list) -> Record:
        rec = Record(paper_id=paper_id, status=r["status"], revision=r["revision"], curator=r["curator"],
                     verified_at=r["verified_at"], updated_at=r["updated_at"], notes=r["notes"],
                     contradicts=bool(r["contradicts"]), contradiction_comment=r["contradiction_comment"],
                     exclusion_reason=r["exclusion_reason"])
        spans: dict[str, dict[str, Span]] = {}
        for p in links:
            spans.setdefault(p["row_uid"], {})[p["field"]] = Span(p["start"], p["end"], p["quote"],
                                                                   p["text_field"], p["made_by"], p["accepted_by"],
                                                                   p["extracted_by"], p["settled"], page=p["page"])
        raw = self._raw_column
        for row_type, cols, cur in tables:
            rows = []
            for x in cur:
                values = dict(zip(cols, x))
                if raw and x[len(cols)]:
                    values.update(json.loads(x[len(cols)]))  # what a draft typed that the column cannot hold
                row = row_type(**values)
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
        with self.transaction():
            self.write_record(rec, changes, who, kind, session)

    @contextmanager
    def record_for_update(self, paper_id: int) -> Iterator[Record | None]:
        """One transaction in which the paper's record is this writer's alone: yields the record as
        stored now (None: none yet); `write_record` inside the block saves. Two writers can never both
        read the same stored record and both save over it (SQLite: BEGIN IMMEDIATE, one writer at a
        time; PostgreSQL: the paper's row locked FOR UPDATE, the other writer waits for the commit and
        then reads the new record). An exception rolls back everything written in the block."""
        with self.transaction():
            self._lock_paper(paper_id)
            yield self.load_record(paper_id)

    def write_record(self, rec: Record, changes: Sequence[dict[str, Any]] = (), who: str | None = None,
                     kind: str = "save", session: str | None = None) -> None:
        """Write the record inside the caller's transaction (`record_for_update`), with its line in the
        team's change feed (`kind`: save | verify | status; `session`: the window that wrote it)."""
        self._write_record(self.conn, rec, changes, who)
        append_change(self, rec.paper_id, who, session, kind, rec.updated_at or utcnow())

    # columns a row table has besides its values on this engine (PostgreSQL: raw_values)
    _raw_column: list[str] = []

    def _row_values(self, row_type: type[Row], row: Row) -> list[Any]:
        """A row's values as its columns store them (SQLite's columns take any value as it is)."""
        return list(row.values().values())

    def _pipeline(self):
        """Statements sent without waiting for each one's result (PostgreSQL: psycopg's pipeline mode,
        one round trip); on SQLite, in-process, nothing to gain."""
        return nullcontext()

    def _write_record(self, c: sqlite3.Connection, rec: Record, changes: Sequence[dict[str, Any]],
                      who: str | None) -> None:
        with self._pipeline():
            self._write_record_statements(c, rec, changes, who)

    def _write_record_statements(self, c: sqlite3.Connection, rec: Record, changes: Sequence[dict[str, Any]],
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
            cols = ["uid", "paper_id", "position", "row_status", *row_type.value_fields(), *self._raw_column]
            extra_cols = ["p_operator", "p_value"] if row_type.TABLE == "comparisons" else []
            sql = (f"INSERT INTO {row_type.TABLE} ({', '.join(cols + extra_cols)}) "
                   f"VALUES ({', '.join('?' * (len(cols) + len(extra_cols)))})")
            for pos, row in enumerate(rows):
                vals = [row.uid, rec.paper_id, pos, row.row_status, *self._row_values(row_type, row)]
                if extra_cols:
                    vals += list(parse_p(row.p_text))
                c.execute(sql, vals)
                for fname, span in row.sources.items():
                    c.execute("INSERT INTO provenance (paper_id, row_table, row_uid, field, text_field, start, "
                              '"end", quote, entered_by, created_at, made_by, accepted_by, extracted_by, settled, '
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
        self._notify("record", [rec.paper_id], who)

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


__all__ = ["DataVersionListener", "Library", "LibraryError", "Notice", "PasswordRefused", "PaperSummary", "dialect_of",
           "is_server_location", "sort_key", "utcnow", "Entity", "MeshTerm", "Section"]
