"""A team on one library (engine-neutral, Qt-free): who writes through a connection, the change feed
a window follows to show others' writes live, and who has which paper open.

A window `join`s its library as a curator and gets a session id; every write it makes through the
services carries that session into the change feed (the store appends the feed's row in the write's
own transaction), so the window can tell its own writes from others'. The window polls `poll` off the
GUI thread about once a second (one indexed query on the feed, one on presence, a heartbeat every few
seconds); on PostgreSQL a NOTIFY listener only wakes the poll sooner — this API stays the same.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from curator.services.changes import Changes, Remote
from curator.store import team_queries as q
from curator.store.library import Library, LibraryError

STALE_AFTER_S = 60  # a window whose heartbeat is older than this has gone (crashed, unplugged)
HEARTBEAT_EVERY_S = 10  # how often an open window says again what it has open

__all__ = ["Editor", "HEARTBEAT_EVERY_S", "Identity", "Poll", "STALE_AFTER_S", "adopt", "as_changes", "beat",
           "changes_since", "curator_of", "editing_text", "editors", "join", "latest", "leave", "listen", "poll",
           "session_of", "unavailable", "writers_since"]


@dataclass(frozen=True)
class Identity:
    curator: str
    session: str


# who writes through each open connection (a Library): set by `join`, shared with a window's worker
# connections by `adopt`; forgotten with the connection
_identities: weakref.WeakKeyDictionary[Library, Identity] = weakref.WeakKeyDictionary()


def join(lib: Library, curator: str | None) -> Identity:
    """This connection is one window of `curator`: a new session. Calling it again (the curator set
    their name) keeps the session and takes the new name."""
    old = _identities.get(lib)
    ident = Identity((curator or "").strip() or "someone", old.session if old else uuid.uuid4().hex[:16])
    _identities[lib] = ident
    return ident


def adopt(new: Library, old: Library) -> None:
    """`new` (a worker's connection) writes for the same window as `old`."""
    ident = _identities.get(old)
    if ident is not None:
        _identities[new] = ident


def session_of(lib: Library) -> str | None:
    ident = _identities.get(lib)
    return ident.session if ident else None


def curator_of(lib: Library) -> str | None:
    ident = _identities.get(lib)
    return ident.curator if ident else None


def unavailable(exc: BaseException) -> bool:
    """The library cannot be reached for now (busy, server or share gone): a write to try again later."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:  # the store re-raises some errors from themselves
        if q.unavailable(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__  # type: ignore[assignment]
    return False


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


# --- the change feed -------------------------------------------------------------------------------
def latest(lib: Library) -> int:
    """The feed's last id: a window starts following from here (what came before is already shown)."""
    return q.last_change_id(lib)


def changes_since(lib: Library, last_id: int, limit: int = 1000) -> tuple[int, list[Remote]]:
    """Others' writes after `last_id` (this connection's session's own left out) and the id to ask
    from next time (past this session's own writes too)."""
    rows = q.changes_after(lib, last_id, limit=limit)
    mine = session_of(lib)
    newest = max([last_id, *(r[0] for r in rows)])
    return newest, [Remote(r[0], r[1], r[2] or "someone", r[4], r[5]) for r in rows
                    if mine is None or r[3] != mine]


def as_changes(remote: list[Remote]) -> Changes:
    """What others' writes changed, for the window's one "changes applied" signal."""
    papers = [r.paper_id for r in remote if r.paper_id is not None]
    return Changes(paper_ids=list(dict.fromkeys(papers)), papers=any(r.kind == "import" for r in remote),
                   records=bool(papers), remote=list(remote))


def writers_since(lib: Library, paper_id: int, since: str | None) -> list[str]:
    """Who else wrote the paper's record since `since` (a record's updated_at), each once: named in a
    merge. Times have whole seconds: with no write after `since`, the latest writer (within that second)."""
    names = q.writers_since(lib, paper_id, since, session_of(lib))
    if not names and since is not None:
        names = q.writers_since(lib, paper_id, None, session_of(lib))[-1:]
    return list(dict.fromkeys(names))


def listen(lib: Library, wake: Callable[[], None]) -> Callable[[], None] | None:
    """Have the library call `wake()` (from any thread) as soon as its change feed grows, so a window
    polls at once rather than at its next tick. Returns the function that stops listening, or None when
    the engine sends no such notice (SQLite: the once-a-second poll is the whole story). An engine that
    can (PostgreSQL: LISTEN/NOTIFY) gives its Library a `listen_changes(wake) -> stop` method."""
    start = getattr(lib, "listen_changes", None)
    return start(wake) if start is not None else None


# --- presence --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Editor:
    paper_id: int
    curator: str
    session: str
    dirty: bool  # holds unsaved edits
    heartbeat: str


def beat(lib: Library, paper_id: int | None, dirty: bool) -> None:
    """Say that this window has `paper_id` open (None: none), with unsaved edits or not. Nothing on a
    read-only library (it cannot be written: others just do not see this window)."""
    ident = _identities.get(lib)
    if ident is None or lib.read_only:
        return
    now = _now()
    q.heartbeat(lib, ident.session, ident.curator, paper_id, dirty, _iso(now),
                forget_before=_iso(now - timedelta(seconds=10 * STALE_AFTER_S)))


def leave(lib: Library) -> None:
    """The window closes: its presence goes at once (not after STALE_AFTER_S)."""
    ident = _identities.get(lib)
    if ident is not None and not lib.read_only:
        q.leave(lib, ident.session)


def editors(lib: Library, paper_ids: list[int] | None = None) -> dict[int, list[Editor]]:
    """Other windows with a paper open (all papers, or `paper_ids`), by paper."""
    cut = _iso(_now() - timedelta(seconds=STALE_AFTER_S))
    out: dict[int, list[Editor]] = {}
    for pid, who, session, dirty, hb in q.editors(lib, cut, session_of(lib), paper_ids):
        out.setdefault(pid, []).append(Editor(pid, who, session, bool(dirty), hb))
    return out


def editing_text(eds: list[Editor]) -> str:
    """"Dana is editing this paper", "Dana and Ben have this paper open" ('' for nobody)."""
    if not eds:
        return ""
    editing = list(dict.fromkeys(e.curator for e in eds if e.dirty))
    viewing = [n for n in dict.fromkeys(e.curator for e in eds) if n not in editing]

    def names(ns: list[str]) -> str:
        return ns[0] if len(ns) == 1 else ", ".join(ns[:-1]) + " and " + ns[-1]

    parts = []
    if editing:
        parts.append(f"{names(editing)} {'is' if len(editing) == 1 else 'are'} editing this paper")
    if viewing:
        parts.append(f"{names(viewing)} {'has' if len(viewing) == 1 else 'have'} "
                     + ("it open" if editing else "this paper open"))
    return "; ".join(parts)


# --- one poll ----------------------------------------------------------------------------------------
@dataclass
class Poll:
    last_id: int  # ask from here next time
    remote: list[Remote]  # others' writes since the last poll
    editors: dict[int, list[Editor]]  # other windows' open papers
    changes: Changes = field(default_factory=Changes)  # what `remote` changed, for the views
    beat_error: str | None = None  # the heartbeat could not be written (the library busy): tried again next time
    unreachable: str | None = None  # the library could not be read (server or share gone): nothing above is news


def poll(lib: Library, last_id: int, paper_id: int | None = None, dirty: bool = False,
         heartbeat: bool = False) -> Poll:
    """What a window asks about once a second (off the GUI thread, on its own connection): others'
    writes since `last_id`, others' open papers, and (when `heartbeat`) its own presence said again."""
    beat_error = None
    if heartbeat:
        try:
            beat(lib, paper_id, dirty)
        except LibraryError as exc:
            beat_error = str(exc)
        except Exception as exc:  # noqa: BLE001 — a busy library: presence is said again next time
            if not unavailable(exc):
                raise
            beat_error = str(exc)
    try:
        new_last, remote = changes_since(lib, last_id)
        eds = editors(lib)
    except Exception as exc:  # noqa: BLE001 — a library gone for now is an answer, not a failure
        if not unavailable(exc):
            raise
        return Poll(last_id, [], {}, Changes(), beat_error, unreachable=str(exc))
    return Poll(new_last, remote, eds, as_changes(remote), beat_error)
