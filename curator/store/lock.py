"""One Curator window per library: an advisory lock on `<library>.lock`, released by the OS on exit or crash."""

from __future__ import annotations

import enum
import errno
import os
import socket
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


# errors of a lock file that cannot be written: read-only media, a read-only folder or file
_UNWRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


class Acquired(enum.Enum):
    """What `LibraryLock.acquire` found. Only HELD is true, so `if not lock.acquire()` still reads
    "not ours"; READ_ONLY means the lock file cannot be written (read-only media or folder): nobody
    can write the library there either, so it is opened read-only (`LibraryLock.reason` says why)."""

    HELD = "held"
    IN_USE = "in use"
    READ_ONLY = "read-only"

    def __bool__(self) -> bool:
        return self is Acquired.HELD


class LibraryLock:
    def __init__(self, db_path: str | Path):
        self.path = Path(str(db_path) + ".lock")
        self._fh = None
        self._created = False  # this lock made the lock file (abandon() takes it away again)
        self.reason: str | None = None  # why the lock could not be written, after Acquired.READ_ONLY

    def acquire(self) -> Acquired:
        """HELD when this process now holds the library; IN_USE when another process does;
        READ_ONLY when the lock file cannot be written (read-only media: `reason` says why)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            fh = open(self.path, "a+")
        except OSError as exc:
            if exc.errno not in _UNWRITABLE:
                raise
            self.reason = (f"{self.path.parent} is on read-only media or not writable "
                           f"({exc.strerror or exc}): the library can only be opened read-only")
            return Acquired.READ_ONLY
        try:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            fh.close()
            return Acquired.IN_USE
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}@{socket.gethostname()}\n")
        fh.flush()
        self._fh = fh
        self._created = created
        return Acquired.HELD

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "another Curator window"
        except OSError:
            return "another Curator window"

    def release(self) -> None:
        if self._fh is not None:
            try:
                if fcntl is not None:
                    fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None

    def abandon(self) -> None:
        """Release, and remove the lock file if this lock made it: for a file that turned out not to
        be a library, so nothing is left next to it."""
        held, created = self._fh is not None, self._created
        self.release()
        if held and created:
            self.path.unlink(missing_ok=True)
