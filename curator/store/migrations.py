"""Numbered SQL migrations from db/migrations, applied in one transaction, with a backup first."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from curator import paths

_NAME = re.compile(r"^(\d{3})_([\w-]+)\.sql$")


class MigrationError(RuntimeError):
    pass


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
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
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
    script.append(f"PRAGMA user_version = {pending[-1].version};")
    script.append("COMMIT;")
    try:
        conn.executescript("\n".join(script))
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise MigrationError(f"migration failed, library left at version {have}: {exc}") from exc
    return [m.version for m in pending]
