"""Opening libraries: lock first, then open (and migrate); the default library in the user's data
directory, seeded with the sample papers; a second connection for work off the GUI thread.

`open_locked` is the one way the app, File ▸ Open and the CLI open a library: it takes the library's
lock BEFORE anything is migrated, so a file another Curator window holds is never upgraded under it;
that file is offered read-only (or refused) instead.

A library may also live on a PostgreSQL server (`postgresql://user@host:port/dbname`): a team's
shared library. It takes no lock (curators work on it together; each save is checked against the
record it began from), and the store creates or migrates its schema on connect. When its server wants
a password libpq found nowhere (~/.pgpass, PGPASSWORD), `open_locked` asks `ask_password` (the window's
password field, the CLI's getpass) and passes the answer to the store, which keeps it in memory for
this process only (curator.store.postgres: never in settings or any file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from curator import paths
from curator.services import team
from curator.services.importing import ImportReport, import_files
from curator.store.copy import CopyReport
from curator.store.copy import copy_library as copy_store
from curator.store.library import Library, LibraryError, Notice, PaperSummary, PasswordRefused, is_server_location
from curator.store.lock import Acquired, LibraryLock
from curator.store.migrations import MigrationError

# the handle the GUI holds on an open library, and a row of its paper list (the GUI reaches the store
# only through services: these names are what it may hold, never import from curator.store itself)
__all__ = ["APP_NAME", "CannotOpen", "LIBRARY_ERRORS", "Library", "LibraryInUse", "NeedsPassword", "Notice", "describe_server", "OpenLibrary", "PaperSummary", "data_dir",
           "copy_library", "CopyReport", "default_library_path", "is_server_location", "library_path", "log_dir", "open_library", "open_locked",
           "sample_files", "server_url", "second_connection"]

# What opening or writing a library raises with a message for the curator, naming the file (not a
# library, newer than this Curator, cannot be written, disk full): shown as it is, never a traceback.
LIBRARY_ERRORS = (LibraryError, MigrationError)

APP_NAME = "Curator"
APP_AUTHOR = "Curator"


class CannotOpen(RuntimeError):
    """A library that could not be opened (not a library, newer than this Curator, unreadable)."""


class LibraryInUse(CannotOpen):
    def __init__(self, path: Path, holder: str):
        self.path, self.holder = path, holder
        super().__init__(f"{path} is open in another Curator window ({holder})")


class NeedsPassword(CannotOpen):
    """A server library whose server wants a password that libpq found nowhere (`refused` False) or
    that it refused (`refused` True). The message names the server (`where`) and the role (`user`)."""

    def __init__(self, error: PasswordRefused):
        super().__init__(str(error))
        self.where, self.user, self.refused = error.where, error.user, error.supplied


PASSWORD_TRIES = 3  # passwords asked for before open_locked gives up (as sudo does)

# asked for a password: given what the server said (NeedsPassword), the password, or None to give up
AskPassword = Callable[[NeedsPassword], "str | None"]


def server_url(host: str, port: int | str | None, dbname: str, user: str) -> str:
    """The postgresql:// URL of a team's server library (`host` a name, an address or a socket folder)."""
    from curator.store.postgres import server_url as url  # the URL's layout is the store's (psycopg)

    return url(host, port, dbname, user)


def describe_server(url: str) -> str:
    """Where a server library is, for messages ("db.lab.org (port 5432, database tox)"): no password."""
    from curator.store.postgres import describe_server as describe  # psycopg parses the URL

    return describe(url)


def data_dir() -> Path:
    return Path(os.environ.get("CURATOR_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    return Path(os.environ.get("CURATOR_LOG_DIR") or platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def default_library_path() -> Path:
    return data_dir() / "library.sqlite"


def sample_files() -> list[Path]:
    return sorted(p for p in paths.samples().iterdir() if p.is_file() and not p.name.startswith("."))


def library_path(path: str | Path | None) -> Path:
    """The library file `path` names (the default library when None). A server URL is returned as
    it is (a str): see `is_server_location`."""
    if is_server_location(path):
        return path  # type: ignore[return-value]
    return Path(path).expanduser() if path else default_library_path()


def open_library(path: str | Path | None = None, seed: bool | None = None,
                 read_only: bool = False, password: str | None = None) -> tuple[Library, ImportReport | None]:
    """Open (creating on first use) a library WITHOUT its lock: for tests, scripts and `open_locked`.
    A new default library gets the bundled sample papers; `seed=True` seeds any new library.
    Returns the library and the seeding report, if it seeded."""
    p = library_path(path)
    if is_server_location(p):
        lib = Library.open(p, read_only=read_only, password=password)
        is_new = not read_only and lib.paper_count() == 0
    else:
        is_new = not p.exists() or p.stat().st_size == 0
        lib = Library.open(p, read_only=read_only)
    if seed is None:
        seed = path is None
    report = None
    if is_new and seed and not read_only:
        try:
            report = import_files(lib, sample_files())
        except BaseException:
            lib.close()
            raise
    return lib, report


@dataclass
class OpenLibrary:
    """A library opened by `open_locked`, with the lock it holds (None when opened read-only)."""

    lib: Library
    lock: LibraryLock | None
    report: ImportReport | None  # the sample papers a new default library was seeded with
    created: bool

    @property
    def read_only(self) -> bool:
        return self.lib.read_only

    def release(self) -> None:
        """Give the library's lock back (the connection stays open)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def close(self) -> None:
        try:
            self.lib.close()
        finally:
            self.release()


def open_locked(path: str | Path | None = None, seed: bool | None = None,
                if_locked: Callable[[str], bool] | None = None, password: str | None = None,
                ask_password: AskPassword | None = None) -> OpenLibrary:
    """Lock, then open the library (migrating it if it is older: only ever under its lock).

    When another process holds the lock, `if_locked(holder)` decides: True opens it read-only (no
    migration), False or no `if_locked` raises LibraryInUse. Any other failure raises CannotOpen
    naming the file; the lock is then given back.

    A server library whose server wants a password (none in libpq's sources, or `password` refused):
    `ask_password(why)` is asked, again after each refused one, until the server takes one, it returns
    None or PASSWORD_TRIES were refused; then (or without `ask_password`) NeedsPassword naming the host
    and user."""
    p = library_path(path)
    if seed is None:  # the default library gets the sample papers when it is new (decided on `path`, not `p`)
        seed = path is None
    if is_server_location(p):  # a team's server library: no lock (see the module's docstring)
        for tries in range(PASSWORD_TRIES + 1):
            try:
                lib, report = open_library(p, seed=seed, password=password)
            except PasswordRefused as exc:
                needs = NeedsPassword(exc)
                password = ask_password(needs) if ask_password is not None and tries < PASSWORD_TRIES else None
                if password is None:
                    raise needs from exc
                continue
            except (LibraryError, MigrationError) as exc:
                raise CannotOpen(str(exc)) from exc
            return OpenLibrary(lib, None, report, report is not None)
        raise AssertionError("unreachable: the last try returns or raises")
    created = not p.exists() or p.stat().st_size == 0
    lock = LibraryLock(p)
    try:
        locked = lock.acquire()
    except OSError as exc:
        raise CannotOpen(f"{p}: cannot take the library's lock ({exc})") from exc
    try:
        if locked:
            lib, report = open_library(p, seed=seed)
            return OpenLibrary(lib, lock, report, created)
        if locked is Acquired.READ_ONLY:  # read-only media: nobody can write it; the store opens it
            return OpenLibrary(Library.open(p), None, None, False)  # read-only and says why
        holder = lock.holder()
        if if_locked is None or not if_locked(holder):
            raise LibraryInUse(p, holder)
        return OpenLibrary(Library.open(p, read_only=True), None, None, False)
    except LibraryInUse:
        raise
    except (LibraryError, MigrationError, OSError) as exc:
        lock.abandon()  # a file that is no library is left as it was: no lock file next to it
        raise CannotOpen(str(exc) if str(p) in str(exc) else f"{p}: {exc}") from exc
    except BaseException:
        lock.release()
        raise


def copy_library(source: str | Path, target: str | Path, progress=None) -> CopyReport:
    """`curator library copy SRC DST`: everything in the library SRC (a file or a postgresql:// URL)
    copied into DST (a new file, or an empty server library), in one transaction, then checked table by
    table (rows and a content hash). SRC is only read; DST is taken with its lock like any library."""
    try:
        src = Library.open(library_path(source), read_only=True)
    except (LibraryError, MigrationError) as exc:
        raise CannotOpen(str(exc)) from exc
    try:
        opened = open_locked(target, seed=False)
        try:
            return copy_store(src, opened.lib, progress)
        finally:
            opened.close()
    finally:
        src.close()


def second_connection(lib: Library, read_only: bool = False) -> Library:
    """Another connection to the same library (a worker thread's own); read-only when asked or when
    `lib` is. The library is already migrated by `lib`: this never upgrades anything. It writes for the
    same window (team session) as `lib`."""
    other = Library.open(getattr(lib, "url", lib.path), read_only=read_only or lib.read_only)
    team.adopt(other, lib)
    return other
