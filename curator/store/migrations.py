"""Numbered SQL migrations from db/migrations, applied in one transaction, with a backup first;
and what a file is before anything is written to it (`recognise`).

A Curator library carries its own marker: SQLite's `application_id` (header offset 68) set to
APPLICATION_ID. Libraries made before the marker existed are recognised by Curator's schema (the
`schema_migrations` table and the core tables at a user_version of 1 or more) and get the marker on
their next migration. Any other SQLite file belongs to another application: it is never migrated.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from curator import paths
from curator.store.lock import read_head

_NAME = re.compile(r"^(\d{3})_([\w-]+)\.sql$")


class MigrationError(RuntimeError):
    pass


APPLICATION_ID = 0x43757261  # "Cura": SQLite's application_id of every Curator library
# Tables every Curator library has had since migration 001: how one made before the marker is known.
CURATOR_TABLES = frozenset({"schema_migrations", "papers", "records", "provenance", "history", "autosave"})
_SQLITE_MAGIC = b"SQLite format 3\x00"


class NotALibrary(MigrationError):
    """The file is not a Curator library (another application's database, not SQLite, damaged): it
    was not changed."""


@dataclass(frozen=True)
class Recognised:
    """What a file is: a library to create (`new`), or a Curator library at schema `version`
    (`marked` when it carries APPLICATION_ID)."""

    new: bool
    version: int = 0
    marked: bool = False

    @property
    def newer(self) -> bool:
        """Written by a newer Curator: a schema version this code does not know."""
        return self.version > latest_version()


def read_only_uri(path: Path, immutable: bool = False) -> str:
    """The URI of a read-only connection to `path` (`immutable` also reads no -wal/-shm and creates none)."""
    return f"file:{quote(str(path.absolute()))}?mode=ro" + ("&immutable=1" if immutable else "")


def _header_wal(head: bytes) -> bool:
    return head[18] == 2 or head[19] == 2  # file format versions: 2 = WAL


def recognise(path: Path) -> Recognised:
    """What `path` is, found without writing anything (not even a -wal or -shm file).

    Raises NotALibrary, naming the file, for anything that is not a Curator library: a folder, a
    file that is not SQLite, a truncated or damaged one, another application's database."""
    if not path.exists():
        return Recognised(new=True)
    if path.is_dir():
        raise NotALibrary(f"{path} is a folder, not a Curator library")
    try:
        size = path.stat().st_size
        if size == 0:
            return Recognised(new=True)
        head = read_head(path, 100)  # never open()/close(): that would drop this process's SQLite locks
    except OSError as exc:
        raise NotALibrary(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if not head.startswith(_SQLITE_MAGIC):
        raise NotALibrary(f"{path} is not a Curator library: it is not an SQLite database")
    if len(head) < 100:
        raise NotALibrary(f"{path} is not a Curator library: the SQLite file is truncated ({size} bytes)")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    valid_count = head[92:96] == head[24:28]  # the header's page count is trustworthy (SQLite >= 3.7.0)
    in_use = Path(f"{path}-wal").exists()  # open elsewhere (or not closed): a checkpoint may be growing it
    if page_size < 512 or size % page_size or (
            not in_use and valid_count and pages and size < pages * page_size):
        raise NotALibrary(f"{path} is truncated or damaged: {size} bytes where the SQLite header "
                          f"promises {pages} pages of {page_size} bytes; it was not changed")
    # A WAL-mode file without a -wal file is read as immutable: a read-only connection would
    # otherwise leave -wal and -shm files next to someone else's database.
    immutable = _header_wal(head) and not in_use
    try:
        conn = sqlite3.connect(read_only_uri(path, immutable), uri=True)
    except sqlite3.Error as exc:
        raise NotALibrary(f"{path}: cannot open the file ({exc})") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise NotALibrary(f"{path} cannot be read: it is damaged or not an SQLite database ({exc}); "
                          "it was not changed") from exc
    finally:
        conn.close()
    if app_id == APPLICATION_ID:
        return Recognised(new=False, version=version, marked=True)
    if app_id == 0 and version >= 1 and CURATOR_TABLES <= tables:
        return Recognised(new=False, version=version, marked=False)  # made before the marker existed
    if app_id != 0:
        what = f"it belongs to another application (SQLite application id {app_id:#010x})"
    elif tables:
        shown = ", ".join(sorted(tables)[:6]) + (", …" if len(tables) > 6 else "")
        what = f"it is another application's SQLite database (tables: {shown})"
    else:
        what = "it is an SQLite database without Curator's tables"
    raise NotALibrary(f"{path} is not a Curator library: {what}. It was left untouched; "
                      "open a Curator library or choose a new file name to create one.")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def available(folder: Path | None = None) -> list[Migration]:
    folder = folder or paths.migrations()
    out = []
    for p in sorted(folder.glob("*.sql")):
        m = _NAME.match(p.name)
        if m:
            out.append(Migration(int(m.group(1)), m.group(2), p))
    versions = [m.version for m in out]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migrations in {folder} are not numbered 001, 002, ...: {versions}")
    return out


def current_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def latest_version() -> int:
    return len(available())


def backup(db_path: Path, version: int) -> Path | None:
    """Copy the library before migrating it; returns the backup's path."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    dest = db_path.with_name(f"{db_path.stem}.v{version}.{stamp}.bak{db_path.suffix}")
    src = sqlite3.connect(read_only_uri(db_path), uri=True)
    try:
        dst = sqlite3.connect(dest)
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return dest


def migrate(conn: sqlite3.Connection, db_path: Path | None = None) -> list[int]:
    """Apply every pending migration in ONE transaction; returns the versions applied."""
    have = current_version(conn)
    known = available()
    if have > len(known):
        raise MigrationError(f"the library is at schema version {have}, written by a newer Curator "
                             f"(this one knows versions up to {len(known)}): nothing was changed")
    pending = [m for m in known if m.version > have]
    if not pending:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a library made before the marker
        return []
    if have > 0 and db_path is not None:
        backup(db_path, have)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    script = ["BEGIN IMMEDIATE;",
              "CREATE TABLE IF NOT EXISTS schema_migrations "
              "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);"]
    for m in pending:
        script.append(m.sql())
        script.append(f"INSERT INTO schema_migrations VALUES ({m.version}, '{m.name}', '{now}');")
    script.append(f"PRAGMA application_id = {APPLICATION_ID};")
    script.append(f"PRAGMA user_version = {pending[-1].version};")
    script.append("COMMIT;")
    try:
        conn.executescript("\n".join(script))
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise MigrationError(f"migration failed, library left at version {have}: {exc}") from exc
    return [m.version for m in pending]
