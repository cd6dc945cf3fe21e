"""The SQL of a team on one library (migration 007): the change feed every window follows, and who has
which paper open.

The change feed (`change_log`) gets one row per write others may want to see, appended inside that
write's own transaction (`append_change` takes the open connection), so a change is in the feed exactly
when it is in the library. Presence (`editing`) is one row per window, upserted by its heartbeat; a row
older than the caller's cut-off is a window that died and is not shown. Portable SQL, parameterised:
the PostgreSQL engine runs the same statements (its placeholders aside) and adds a NOTIFY.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

KINDS = ("save", "verify", "import", "status")

# the failures of an SQLite library that pass (the file busy beyond the wait, a network share gone,
# an I/O error): a write refused for them is tried again later; anything else is a real error
_UNAVAILABLE_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR,
                      sqlite3.SQLITE_PROTOCOL}


def _conn(lib: Any) -> Any:
    return getattr(lib, "conn", lib)


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the library cannot be reached for now (busy, unreachable, I/O), rather than
    refusing the write for good: what a window retries once the library is back."""
    psycopg = sys.modules.get("psycopg")  # loaded only when a team library was opened (it costs ~0.3 s)
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):  # the server restarting or gone
        return True
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return (code & 0xFF) in _UNAVAILABLE_CODES
        text = str(exc)
        return any(w in text for w in ("database is locked", "unable to open database", "disk I/O error"))
    return False


def append_change(conn: Any, paper_id: int | None, who: str | None, session: str | None, kind: str,
                  at: str) -> None:
    """One row of the feed, inside the caller's open transaction (`conn`: the Library, or a bare
    connection of a file being migrated)."""
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}: one of {', '.join(KINDS)}")
    serialise = getattr(conn, "serialise", None)
    if serialise is not None:  # PostgreSQL: feed rows commit in id order (a window reads `id > last`)
        serialise("change_log")
    _conn(conn).execute("INSERT INTO change_log (at, who, session, paper_id, kind) VALUES (?, ?, ?, ?, ?)",
                        (at, who, session, paper_id, kind))


def last_change_id(lib: Any) -> int:
    return _conn(lib).execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()[0]


def changes_after(lib: Any, last_id: int, skip_session: str | None = None, limit: int = 1000) -> list[tuple]:
    """(id, at, who, session, paper_id, kind) of the feed after `last_id`, oldest first, leaving out
    `skip_session`'s own rows (at most `limit` rows: the caller asks again from the last id)."""
    sql, args = "SELECT id, at, who, session, paper_id, kind FROM change_log WHERE id > ?", [last_id]
    sql, args = _skipping(sql, args, skip_session)
    return [tuple(r) for r in _conn(lib).execute(sql + " ORDER BY id LIMIT ?", [*args, limit])]


def _skipping(sql: str, args: list[Any], session: str | None) -> tuple[str, list[Any]]:
    """`sql` leaving out the rows `session` wrote (no condition when it is None: typed parameters only)."""
    if session is None:
        return sql, args
    return sql + " AND (session IS NULL OR session <> ?)", [*args, session]


def writers_since(lib: Any, paper_id: int, since: str | None, skip_session: str | None = None) -> list[str]:
    """Who wrote the paper's record after `since` (None: ever), one name per write, oldest first."""
    sql, args = "SELECT who FROM change_log WHERE paper_id = ? AND kind <> 'import'", [paper_id]
    if since is not None:
        sql, args = sql + " AND at > ?", [*args, since]
    sql, args = _skipping(sql, args, skip_session)
    rows = _conn(lib).execute(sql + " ORDER BY id", args).fetchall()
    return [r[0] or "someone" for r in rows]


def heartbeat(lib: Any, session: str, curator: str, paper_id: int | None, dirty: bool, at: str,
              forget_before: str | None = None) -> None:
    """Say (again) that `session` has `paper_id` open (and whether it has unsaved edits), in its own
    transaction; windows whose heartbeat is older than `forget_before` (they died) are dropped with it."""
    with lib.transaction() as c:
        if forget_before is not None:
            c.execute("DELETE FROM editing WHERE heartbeat < ?", (forget_before,))
        c.execute("INSERT INTO editing (session, curator, paper_id, dirty, heartbeat) VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT (session) DO UPDATE SET curator = excluded.curator, paper_id = excluded.paper_id, "
                  "dirty = excluded.dirty, heartbeat = excluded.heartbeat",
                  (session, curator, paper_id, int(dirty), at))


def leave(lib: Any, session: str) -> None:
    with lib.transaction() as c:
        c.execute("DELETE FROM editing WHERE session = ?", (session,))


def editors(lib: Any, fresh_after: str, skip_session: str | None = None,
            paper_ids: Sequence[int] | None = None) -> list[tuple]:
    """(paper_id, curator, session, dirty, heartbeat) of every window with a paper open whose heartbeat
    is newer than `fresh_after`, leaving out `skip_session`; only `paper_ids` when given."""
    sql = ("SELECT paper_id, curator, session, dirty, heartbeat FROM editing WHERE paper_id IS NOT NULL "
           "AND heartbeat > ?")
    sql, args = _skipping(sql, [fresh_after], skip_session)
    if paper_ids is not None:
        if not paper_ids:
            return []
        sql += f" AND paper_id IN ({', '.join('?' * len(paper_ids))})"
        args += list(paper_ids)
    return [tuple(r) for r in _conn(lib).execute(sql + " ORDER BY paper_id, curator", args)]
