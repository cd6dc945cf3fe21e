"""The PostgreSQL engine: a team's library on a server (psycopg 3).

`PostgresLibrary` is the Library with every shared query; it overrides only what the engines do
differently:

- connecting: `postgresql://user@host:port/dbname` (libpq's URL; `?host=/socket/dir` for a Unix
  socket). Passwords come from libpq's own sources (~/.pgpass, PGPASSFILE, PGPASSWORD, a service
  file) and are never kept: `location` and `path` are the URL without any password. A wrong password,
  a missing database or an unreachable server raises LibraryError naming the host.
- the schema: db/migrations/postgresql/NNN_*.sql (the same numbers as SQLite's), pending ones applied
  in one transaction under an advisory lock (two curators opening a new library at once migrate it
  once); `schema_migrations` holds the version.
- queries: written once with `?`; `PgConnection` turns them into psycopg's `%s` (literal `%` doubled)
  and gives rows that read by index and by name, like sqlite3.Row.
- transactions: the connection is in autocommit and the store says BEGIN/COMMIT itself, as on SQLite.
- bulk loading: COPY (insert_prepared); imports take an advisory lock so two importers never pick
  the same new ids.
- the search index: a tsvector column with a GIN index; the store writes each paper's words
  (`search_lexemes`, cut as searches cut them) with the paper itself, in the same INSERT/COPY/UPDATE.
- saves: the paper's row is locked FOR UPDATE while its record is read, merged and written.
- change notices: NOTIFY on channel `curator_changes` at commit (JSON: kind, paper ids, who);
  `change_listener()` LISTENs on its own connection.
- faults: a connection lost between calls (a server restart) is re-opened on the next call, once,
  and said (`events`, and the log); lost inside a transaction, the write is refused whole
  (LibraryError: nothing was saved) and the next call reconnects.
"""

from __future__ import annotations

import getpass
import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from curator import paths
from curator.domain.outcomes import PAPER_UNREVIEWED, Row
from curator.store import migrations
from curator.store.dialect import POSTGRES, search_lexemes
from curator.store.library import (
    PAPER_COLUMNS,
    Library,
    LibraryError,
    Notice,
    PasswordRefused,
    fts_values,
    prepare_paper,
    utcnow,
)

log = logging.getLogger(__name__)

CHANNEL = "curator_changes"
# advisory lock keys (pg_advisory_xact_lock): the schema's migration, and imports (new paper ids)
MIGRATION_LOCK = 0x43757261_0001
IMPORT_LOCK = 0x43757261_0002
CONNECT_TIMEOUT = 10  # seconds before an unreachable server is reported


def migrations_folder():
    return paths.migrations() / "postgresql"


# --- where: the URL, without its password --------------------------------------------------------
class ServerLocation(str):
    """A server library's URL without any password: what `Library.path` is for PostgreSQL (a str, so
    messages, settings and recent-library lists show and keep it; `name` is what a window title shows)."""

    @property
    def name(self) -> str:
        info = conninfo_to_dict(self)
        host = info.get("host") or "localhost"
        host = "local socket" if host.startswith("/") else host
        return f"{info.get('dbname') or info.get('user') or 'postgres'} on {host}"

    def resolve(self) -> ServerLocation:
        return self

    def expanduser(self) -> ServerLocation:
        return self

    def exists(self) -> bool:
        return True


def server_url(host: str = "", port: int | str | None = None, dbname: str = "", user: str = "",
               **params: str) -> str:
    """The postgresql:// URL of a server library: `host` a name, an address or a socket folder (`/…`,
    written as `?host=`), `params` any other libpq setting. Never a password (see `remember_password`)."""
    host, user, dbname = (host or "").strip(), (user or "").strip(), (dbname or "").strip()
    socket = host.startswith("/")
    has_port = port not in (None, "")
    netloc = (f"{quote(user, safe='')}@" if user else "") + \
        ("" if socket else _url_host(host) + (f":{port}" if has_port else ""))
    query = ({"host": host} | ({"port": str(port)} if has_port else {})) if socket else {}
    query.update(sorted(params.items()))
    tail = "&".join(f"{k}={quote(str(v), safe='/')}" for k, v in query.items())
    return f"postgresql://{netloc}/{quote(dbname, safe='')}" + (f"?{tail}" if tail else "")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address


def redact(url: str) -> ServerLocation:
    """The URL as given, minus any password (kept nowhere: libpq reads it from .pgpass/PGPASSWORD)."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise LibraryError(f"{url.split('@')[-1]}: not a PostgreSQL URL ({exc})") from exc
    if "password" not in info:
        return ServerLocation(url)
    info.pop("password")
    return ServerLocation(server_url(info.pop("host", ""), info.pop("port", None), info.pop("dbname", ""),
                                     info.pop("user", ""), **info))


# --- a password typed at a prompt: this process's memory only ---------------------------------------
# libpq finds passwords in ~/.pgpass, PGPASSFILE, PGPASSWORD. When none is there, the window or the CLI
# asks the curator (services.library.open_locked) and the answer is kept HERE, in a dict keyed by
# (host, port, database, user), and given to libpq as the `password` connection parameter of every
# connection to that same server library (the library's own, a worker's, a reconnect, the LISTEN
# one). Not PGPASSWORD in os.environ: that would reach every child process and any other server this
# process connects to. Never written anywhere: not in the URL kept as `path`, settings or a file.
_passwords: dict[tuple[str, str, str, str], str] = {}


def _server_key(url: str) -> tuple[str, str, str, str]:
    info = conninfo_to_dict(url)
    return (info.get("host") or "", str(info.get("port") or ""), info.get("dbname") or "", info.get("user") or "")


def remember_password(url: str, password: str) -> None:
    _passwords[_server_key(url)] = password


def forget_password(url: str) -> None:
    _passwords.pop(_server_key(url), None)


def describe_server(url: str) -> str:
    """'host:port' (or the socket folder) and database, for messages."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return url
    host = info.get("host") or "localhost"
    where = f"the local socket in {host}" if host.startswith("/") else host
    port = info.get("port") or "5432"
    return f"{where} (port {port}, database {info.get('dbname') or info.get('user') or '?'})"


def _connect_error(url: str, exc: psycopg.Error) -> LibraryError:
    text = str(exc).strip()
    where = describe_server(url)
    low = text.lower()
    first = text.splitlines()[-1] if text else type(exc).__name__
    if "password authentication failed" in low or "no password supplied" in low or "authentication failed" in low:
        user = conninfo_to_dict(url).get("user") or getpass.getuser()
        supplied = "no password supplied" not in low
        why = (f"the PostgreSQL server at {where} refused the password of user {user}" if supplied else
               f"the PostgreSQL server at {where} asks user {user} for a password")
        why += (". Curator takes passwords from ~/.pgpass, PGPASSFILE, PGPASSWORD or a prompt and never "
                "stores one")
        return PasswordRefused(f"{why} ({first})", where, user, supplied)
    elif "does not exist" in low and "database" in low:
        why = f"the PostgreSQL server at {where} has no such database (create it with createdb)"
    else:
        why = f"cannot reach the PostgreSQL server at {where}"
    return LibraryError(f"{why} ({first})")


def _raw_connect(url: str, read_only: bool = False, password: str | None = None) -> psycopg.Connection:
    """A connection to `url`; `password` (typed by the curator) is used and, once the server took it,
    remembered for this server library for the rest of the process (see `_passwords`)."""
    info = conninfo_to_dict(url)
    info.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    info.setdefault("application_name", "Curator")
    key = _server_key(url)
    given = password if password is not None else _passwords.get(key)
    if given is not None and "password" not in info:
        info["password"] = given
    try:
        conn = psycopg.connect(make_conninfo(**info), autocommit=True)
    except psycopg.Error as exc:
        error = _connect_error(url, exc)
        if isinstance(error, PasswordRefused) and password is None:
            _passwords.pop(key, None)  # a remembered one the server no longer takes
        raise error from exc
    if password is not None:
        _passwords[key] = password
    if read_only:
        conn.execute("SET default_transaction_read_only = on")
    return conn


# --- queries: `?` to `%s`, rows by index and by name ------------------------------------------------
@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """A store query (`?` placeholders) in psycopg's words (`%s`, literal `%` doubled); quoted text
    and identifiers are left as they are."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class _RowBase(tuple):
    """A result row read by position or by column name, like sqlite3.Row (`dict(row)` works)."""

    __slots__ = ()
    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[_RowBase]:
    return type("Row", (_RowBase,), {"__slots__": (), "_names": names,
                                     "_index": {n: i for i, n in enumerate(names)}})


_ROW = object()  # the default row factory: rows by index and by name


class PgCursor:
    """The part of sqlite3.Cursor the store uses, over a psycopg cursor. `row_factory`: the default
    (rows by name), None (plain tuples) or `f(cursor, tuple)`, as on sqlite3."""

    def __init__(self, conn: PgConnection):
        self._conn = conn
        self._cur: Any = None  # made on the first execute (on the connection as it is then)
        self.row_factory: Any = _ROW
        self._cls: type[_RowBase] | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        self._conn.run(self, translate(sql), tuple(params))
        self._cls = None
        return self

    @property
    def description(self):
        return self._cur.description

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def _make(self, row: tuple) -> Any:
        if self.row_factory is None:
            return row
        if self.row_factory is _ROW:
            if self._cls is None:
                self._cls = _row_class(tuple(d.name for d in self._cur.description))
            return self._cls(row)
        return self.row_factory(self, row)

    def fetchone(self) -> Any:
        row = self._cur.fetchone()
        return None if row is None else self._make(row)

    def fetchmany(self, size: int = 1) -> list[Any]:
        rows = self._cur.fetchmany(size)
        return rows if self.row_factory is None else [self._make(r) for r in rows]

    def fetchall(self) -> list[Any]:
        rows = self._cur.fetchall()
        return rows if self.row_factory is None else [self._make(r) for r in rows]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def close(self) -> None:
        self._cur.close()


class PgConnection:
    """The part of sqlite3.Connection the store uses (execute, executemany, cursor, in_transaction),
    over one psycopg connection in autocommit. It re-opens a connection lost between transactions
    (a server restart) once per call and records that in `events`."""

    dialect = POSTGRES

    def __init__(self, url: str, read_only: bool = False, password: str | None = None):
        self.url = url
        self.read_only = read_only
        self.raw = _raw_connect(url, read_only, password)
        self.depth = 0  # inside BEGIN ... COMMIT
        self.events: list[str] = []  # what happened to the connection, for the curator (reconnects)

    @property
    def location(self) -> str:
        return describe_server(self.url)

    def _broken(self) -> bool:
        return self.raw.closed or self.raw.broken

    def reconnect(self) -> None:
        try:
            self.raw.close()
        except psycopg.Error:
            pass
        self.raw = _raw_connect(self.url, self.read_only)
        message = f"the connection to the PostgreSQL server at {self.location} was lost and is open again"
        self.events.append(message)
        log.warning("%s", message)

    def ensure(self) -> None:
        """A connection lost since the last call (a server restart, a killed backend) is opened again;
        lost inside a transaction, the write is gone: LibraryError."""
        if self._broken():
            if self.depth:
                raise LibraryError(f"the connection to the PostgreSQL server at {self.location} was lost "
                                   "during a write: nothing of it was saved")
            self.reconnect()

    def run(self, cur: PgCursor, sql: str, params: tuple) -> None:
        """Execute on `cur`; a connection lost outside a transaction is re-opened and the statement
        sent again, once; lost inside one, the transaction is gone: LibraryError, nothing saved."""
        self.ensure()
        if cur._cur is None or cur._cur.connection is not self.raw:
            cur._cur = self.raw.cursor()
        try:
            cur._cur.execute(sql, params)
            return
        except psycopg.OperationalError as exc:
            if not self._broken():
                raise
            if self.depth:
                raise LibraryError(f"the connection to the PostgreSQL server at {self.location} was lost "
                                   f"during a write: nothing of it was saved ({exc})") from exc
        self.reconnect()
        cur._cur = self.raw.cursor()
        cur._cur.execute(sql, params)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        return PgCursor(self).execute(sql, params)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(translate(sql), [tuple(p) for p in seq])

    def cursor(self) -> PgCursor:
        return PgCursor(self)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


# --- the schema ---------------------------------------------------------------------------------
def available() -> list[migrations.Migration]:
    return migrations.available(migrations_folder())


def latest_version() -> int:
    return len(available())


def _version(raw: psycopg.Connection) -> int:
    exists = raw.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    return raw.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def _is_foreign(raw: psycopg.Connection) -> list[str]:
    """Tables of another application in a database without Curator's schema (then left alone)."""
    rows = raw.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                       "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def migrate(raw: psycopg.Connection, where: str) -> list[int]:
    """Apply every pending migration in ONE transaction under an advisory lock; returns the versions
    applied. A failure leaves the library at its version (LibraryError says so)."""
    known = available()
    have = _version(raw)
    if have >= len(known):
        return []
    if have == 0:
        foreign = _is_foreign(raw)
        if foreign:
            shown = ", ".join(foreign[:6]) + (", …" if len(foreign) > 6 else "")
            raise LibraryError(f"{where} is not a Curator library: the database holds another application's "
                               f"tables ({shown}). It was left untouched; give Curator an empty database.")
    try:
        raw.execute("BEGIN")
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        have = _version(raw)  # another curator may have migrated it while this one waited
        if have == 0:
            raw.execute("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, "
                        "applied_at text NOT NULL)")
        pending = [m for m in known if m.version > have]
        for m in pending:
            raw.execute(m.sql())  # a script of several statements: no parameters, psycopg sends it as it is
            raw.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                        (m.version, m.name, utcnow()))
        raw.execute("COMMIT")
    except psycopg.Error as exc:
        if not raw.broken and not raw.closed:
            raw.execute("ROLLBACK")
        raise migrations.MigrationError(f"{where}: migration failed, library left at version {have}: {exc}") from exc
    return [m.version for m in pending]


# --- the library ----------------------------------------------------------------------------------
_NUMBER_KINDS = {"int": int, "float": (int, float)}


def prepare_paper_words(paper, source_file=None, source_format=None) -> tuple:
    """prepare_paper plus the paper's search words (a bulk-import worker cuts them, not the writer)."""
    prep = prepare_paper(paper, source_file, source_format)
    return (*prep, search_lexemes(prep[6]))


class PostgresLibrary(Library):
    dialect = POSTGRES
    engine = "postgresql"
    _raw_column = ["raw_values"]
    preparer = staticmethod(prepare_paper_words)

    def __init__(self, url: str, conn: PgConnection, read_only: bool = False, read_only_reason: str | None = None):
        super().__init__(redact(url), conn, read_only, read_only_reason)  # type: ignore[arg-type]
        self.url = url
        self._pending: list[Notice] = []

    @classmethod
    def connect(cls, url: str, read_only: bool = False, password: str | None = None) -> PostgresLibrary:
        """Connect to the server library at `url`, creating Curator's schema in an empty database and
        migrating an older one. A library of a newer Curator opens read-only (`read_only_reason`).
        `password`: one the curator typed (PasswordRefused when the server wants one or refuses it)."""
        location = redact(url)
        conn = PgConnection(url, read_only, password)
        try:
            have = _version(conn.raw)
            reason = None
            if have > latest_version():
                reason = (f"{location} was written by a newer Curator (schema version {have}; this one knows up to "
                          f"{latest_version()}): opened read-only, nothing will be written to it")
                read_only = True
                conn.raw.execute("SET default_transaction_read_only = on")
                conn.read_only = True
            elif read_only:
                if have == 0:
                    raise LibraryError(f"{location}: no Curator library in this database")
                if have < latest_version():
                    raise LibraryError(f"{location}: library needs an upgrade and was opened read-only")
            else:
                migrate(conn.raw, str(location))
        except BaseException:
            conn.close()
            raise
        return cls(url, conn, read_only, reason)

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def events(self) -> list[str]:
        """What happened to the connection that the curator should be told (a reconnect)."""
        return self.conn.events

    def close(self) -> None:
        self.conn.close()

    def integrity_check(self) -> str:
        """"ok", or what is wrong: foreign keys and append-only rules are enforced by the server; this
        checks that every paper has its search words."""
        try:
            bad = self.conn.execute("SELECT count(*) FROM papers WHERE search IS NULL").fetchone()[0]
        except psycopg.Error as exc:
            return f"cannot check: {exc}"
        return "ok" if bad == 0 else f"search index: {bad} paper(s) without a search vector"

    # --- transactions ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        """One write: committed whole, or rolled back whole. Change notices queued by the writes go out
        with the commit (NOTIFY is transactional). A lost connection raises LibraryError: nothing saved."""
        if self.read_only:
            raise LibraryError(self.read_only_reason or f"{self.location} is open read-only")
        c = self.conn
        if c.depth:
            raise LibraryError("a transaction is already open on this connection")
        c.execute("BEGIN")  # reconnects first if the connection was lost since the last call
        c.depth = 1
        self._pending = []
        try:
            yield c
            self._send_notices()
            c.raw.execute("COMMIT")
        except BaseException as exc:
            self._pending = []
            self._rollback()
            if isinstance(exc, psycopg.OperationalError) and c._broken():
                raise LibraryError(f"the connection to the PostgreSQL server at {c.location} was lost: "
                                   f"nothing was saved ({exc})") from exc
            raise
        finally:
            c.depth = 0

    def _rollback(self) -> None:
        c = self.conn
        if c._broken():
            return
        try:
            c.raw.execute("ROLLBACK")
        except psycopg.Error:
            pass

    # --- engine-specific writes -------------------------------------------------------------------
    def _paper_row(self, paper, source_file, source_format) -> dict[str, Any]:
        row = super()._paper_row(paper, source_file, source_format)
        row["search"] = search_lexemes(fts_values(paper))  # written with the row: no second write
        return row

    def _fts_add(self, rows: Sequence[tuple[int, tuple]]) -> None:
        """Nothing: the search column was written with the row (_paper_row, insert_prepared)."""

    def _fts_remove(self, paper_id: int) -> None:
        """Nothing: see _fts_add."""

    def _pipeline(self):
        self.conn.ensure()
        return self.conn.raw.pipeline()

    def _lock_paper(self, paper_id: int) -> None:
        self.conn.execute("SELECT id FROM papers WHERE id = ? FOR UPDATE", (paper_id,)).fetchone()

    def serialise(self, name: str) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"curator:{name}",)).fetchone()

    def _row_values(self, row_type: type[Row], row: Row) -> list[Any]:
        """The row's values, a number field holding what is not a number of its kind (a draft's '12 mg')
        moved to raw_values (JSON) and its column NULL; the last value is raw_values."""
        values = row.values()
        raw: dict[str, Any] = {}
        out: list[Any] = []
        for name, v in values.items():
            kind = _NUMBER_KINDS.get(row_type.spec(name).kind)
            if v is not None and kind is not None and (isinstance(v, bool) or not isinstance(v, kind)):
                raw[name] = v
                v = None
            out.append(v)
        out.append(json.dumps(raw, ensure_ascii=False) if raw else None)
        return out

    def next_paper_id(self) -> int:
        """The id the next paper gets. Inside an import's transaction this takes the import lock first:
        a second importer waits until this import commits, so the two never number the same papers."""
        if self.conn.depth:
            self.conn.execute("SELECT pg_advisory_xact_lock(?)", (IMPORT_LOCK,)).fetchone()
        return self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM papers").fetchone()[0]

    def insert_papers(self, papers, source_file=None, source_format=None) -> list[int]:
        if papers and self.conn.depth:
            self.conn.execute("SELECT pg_advisory_xact_lock(?)", (IMPORT_LOCK,)).fetchone()
        return super().insert_papers(papers, source_file, source_format)

    def insert_prepared(self, rows: Sequence[tuple[int, tuple]]) -> None:
        """Insert (id, prepared) rows with COPY (inside the caller's transaction), then move the id
        sequence past them so papers added one by one never take an id COPY used."""
        if not rows:
            return
        now = utcnow()
        cols = ("id", *PAPER_COLUMNS, "status", "added_at", "updated_at", "search")
        with self.conn.raw.cursor() as cur:
            with cur.copy(f"COPY papers ({', '.join(cols)}) FROM STDIN") as copy:
                for pid, prep in rows:
                    words = prep[7] if len(prep) > 7 else search_lexemes(prep[6])
                    copy.write_row((pid, *prep[5], PAPER_UNREVIEWED, now, now, words))
            cur.execute("SELECT setval(pg_get_serial_sequence('papers', 'id'), "
                        "greatest((SELECT max(id) FROM papers), 1))")
        self._notify("papers")

    def bulk_insert(self, table, cols, rows) -> int:
        """Insert rows as they are, ids included, with COPY (inside the caller's transaction)."""
        n = 0
        names = ", ".join(f'"{c}"' for c in cols)
        with self.conn.raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n

    def after_bulk_copy(self) -> None:
        """After bulk_insert: the copied papers get their search words; every identity moves past the
        ids copied in."""
        self._index_papers()
        rows = self.conn.execute("SELECT table_name, column_name FROM information_schema.columns "
                                 "WHERE table_schema = current_schema() AND is_identity = 'YES'").fetchall()
        for table, col in rows:
            self.conn.execute(f'SELECT setval(pg_get_serial_sequence(?, ?), greatest((SELECT max("{col}") '
                              f"FROM {table}), 1))", (table, col)).fetchone()
        self._notify("papers")

    def _index_papers(self) -> None:
        """Write the search column of every paper that has none (papers copied in), in one UPDATE."""
        with self.conn.raw.cursor() as read:
            read.execute("SELECT id, title, abstract, authors, keywords, mesh_terms FROM papers WHERE search IS NULL")
            todo = [(pid, search_lexemes(fts_values(_as_paper(t, a, au, kw, mesh))))
                    for pid, t, a, au, kw, mesh in read.fetchall()]
        if not todo:
            return
        self.conn.raw.execute("CREATE TEMP TABLE copied_search (id bigint PRIMARY KEY, search tsvector) ON COMMIT DROP")
        with self.conn.raw.cursor() as cur, cur.copy("COPY copied_search (id, search) FROM STDIN") as copy:
            for row in todo:
                copy.write_row(row)
        self.conn.raw.execute("UPDATE papers p SET search = c.search FROM copied_search c WHERE p.id = c.id")

    # --- change notices -------------------------------------------------------------------------
    def _notify(self, kind: str, paper_ids: Sequence[int] = (), who: str | None = None) -> None:
        self._pending.append(Notice(kind, list(paper_ids), who))

    def _send_notices(self) -> None:
        """One NOTIFY per kind with the paper ids (at most 500 per notice; more: none, re-read all)."""
        if not self._pending:
            return
        merged: dict[str, tuple[list[int], str | None, bool]] = {}
        for n in self._pending:
            ids, who, whole = merged.get(n.kind, ([], n.who, False))
            merged[n.kind] = (ids + n.paper_ids, who or n.who, whole or not n.paper_ids)
        self._pending = []
        for kind, (ids, who, whole) in merged.items():
            ids = [] if whole or len(ids) > 500 else list(dict.fromkeys(ids))
            payload = json.dumps({"kind": kind, "paper_ids": ids, "who": who})
            self.conn.raw.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    def change_listener(self) -> ChangeListener:
        return ChangeListener(self.url, self.conn.raw.info.backend_pid)

    def listen_changes(self, wake: Callable[[], None]) -> Callable[[], None]:
        """LISTEN in a thread of its own and call `wake()` (from that thread) whenever another
        connection's write is notified, so a window polls the change feed at once (services.team.listen).
        Returns the function that stops listening."""
        listener = self.change_listener()
        stop = threading.Event()

        def run() -> None:
            try:
                while not stop.is_set():
                    if any(not n.own for n in listener.poll(0.5)):
                        wake()
            except Exception:  # the server gone for good: the window's once-a-second poll carries on
                log.warning("change notices from %s stopped", self.location, exc_info=True)
            finally:
                listener.close()

        thread = threading.Thread(target=run, name="curator-listen", daemon=True)
        thread.start()

        def halt() -> None:
            stop.set()
            thread.join(2.0)

        return halt

    # --- reads of one consistent state -------------------------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[PgConnection]:
        """A connection of its own reading one consistent state (REPEATABLE READ, READ ONLY)."""
        conn = PgConnection(self.url, read_only=True)
        try:
            conn.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            conn.depth = 1
            yield conn
        finally:
            try:
                if not conn._broken():
                    conn.raw.execute("COMMIT")
            finally:
                conn.close()


def _as_paper(title: str, abstract: str, authors: str, keywords: str, mesh: str):
    """A paper with just what the search index reads (stored JSON lists as the store writes them)."""
    from curator.domain.paper import Paper

    return Paper.from_dict({"title": title or "", "abstract": abstract or "", "authors": json.loads(authors or "[]"),
                            "keywords": json.loads(keywords or "[]"), "mesh_terms": json.loads(mesh or "[]")})


class ChangeListener:
    """LISTEN on `curator_changes` over a connection of its own. `poll(timeout)` waits up to `timeout`
    seconds for the first notice and returns it with every other already arrived; notices of the
    library's own connection (`own_pid`) are marked `own`. A lost connection is re-opened (notices
    sent meanwhile are lost: one Notice of kind "unknown" says re-read everything)."""

    def __init__(self, url: str, own_pid: int | None = None):
        self.url = url
        self.own_pid = own_pid
        self._conn = self._listen()

    def _listen(self) -> psycopg.Connection:
        conn = _raw_connect(self.url)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _notice(self, n: psycopg.Notify) -> Notice:
        try:
            d = json.loads(n.payload)
            return Notice(d.get("kind") or "unknown", [int(i) for i in d.get("paper_ids") or []], d.get("who"),
                          own=n.pid == self.own_pid)
        except (ValueError, TypeError):
            return Notice("unknown", [], own=n.pid == self.own_pid)

    def poll(self, timeout: float = 0.0) -> list[Notice]:
        out: list[Notice] = []
        try:
            for n in self._conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
                out.append(self._notice(n))
            if out:
                for n in self._conn.notifies(timeout=0.01):
                    out.append(self._notice(n))
        except psycopg.OperationalError:
            try:
                self._conn.close()
            finally:
                self._conn = self._listen()
            return [Notice("unknown", [])]
        return out

    def close(self) -> None:
        self._conn.close()
