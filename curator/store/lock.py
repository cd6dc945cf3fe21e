"""One Curator window per library FILE: a lock the OS releases on exit or crash, met by every path to it.

Linux: an open-file-description lock (`F_OFD_SETLK`) on one byte of the library file itself, a byte
SQLite never locks (`LOCK_BYTE`). It is keyed on the file, not its name: a symlink, a hard link, a
path with `..` or a relative path to the same library all meet the same lock. It is independent of
SQLite's own locks (other bytes), belongs to one open file description (two windows in ONE process
exclude each other too), and network filesystems pass it on as a byte-range lock.
(`flock` on the library file would not do: NFS and CIFS emulate it as a lock on the whole file, and
macOS/BSD keep flock and fcntl locks in one list, so it would block SQLite's own locks there.)

Elsewhere (macOS and other Unix: `flock`; Windows: `msvcrt.locking`) the lock is on
`<resolved path>.lock`: symlinks, `..` and relative paths meet the same lock, hard links do NOT
(each name has its own lock file there).

`<resolved path>.lock` also says who holds the library ("pid@host"): for messages only, never the lock.

One rule about descriptors of the library file: closing ANY descriptor of a file drops every POSIX
lock this process holds on it, SQLite's included (an open WAL connection holds one for its whole
life; without it another process may checkpoint and delete the -wal under it). So a descriptor this
module opened on a library is never closed while anything else in the process has that file open:
it is kept as a spare for the next lock of the same file (`_spare`) and closed only when the process
has no other descriptor on the file.
"""

from __future__ import annotations

import enum
import errno
import os
import socket
import struct
import sys
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


# errors of a file that cannot be written: read-only media, a read-only folder or file
_UNWRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
# the byte locked in the library file: far from SQLite's lock bytes (1 GiB .. 1 GiB + 512), below 2 GiB
# (where 32-bit network lock managers end); an advisory lock beyond the end of a file is fine
LOCK_BYTE = 0x7FFF_FF00
# the lock on the library file itself: Linux with open-file-description locks (3.15 and later)
ON_FILE = fcntl is not None and sys.platform.startswith("linux") and hasattr(fcntl, "F_OFD_SETLK")
# errors meaning "this file cannot take an OFD lock": fall back to the lock file
_NO_OFD = (errno.EINVAL, errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS)


class Acquired(enum.Enum):
    """What `LibraryLock.acquire` found. Only HELD is true, so `if not lock.acquire()` still reads
    "not ours"; READ_ONLY means the library (or its folder) cannot be written (read-only media):
    nobody can write the library there either, so it is opened read-only (`LibraryLock.reason` says why)."""

    HELD = "held"
    IN_USE = "in use"
    READ_ONLY = "read-only"

    def __bool__(self) -> bool:
        return self is Acquired.HELD


# --- descriptors of library files (see the module's docstring) --------------------------------------

_fds_guard = threading.Lock()
_spare: dict[tuple[int, int], list[int]] = {}  # (st_dev, st_ino) -> open descriptors not locked
_in_use: set[int] = set()  # descriptors that hold a lock now


def _key(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _take_spare(path: Path, writable: bool) -> int | None:
    """A spare descriptor of the file at `path` (a read-write one if `writable`), now in use; or None."""
    if os.name == "nt":
        return None
    try:
        key = _key(os.stat(path))
    except OSError:
        return None
    with _fds_guard:
        for fd in _spare.get(key, []):
            if not writable or fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDWR:
                _spare[key].remove(fd)
                if not _spare[key]:
                    del _spare[key]
                _in_use.add(fd)
                return fd
    return None


def _open_library_file(path: Path) -> tuple[int, bool]:
    """A read-write descriptor of the library file (a spare one of the same file if there is one),
    creating an empty file if there is none; and whether this call created it."""
    fd = _take_spare(path, writable=True)
    if fd is not None:
        return fd, False
    flags = os.O_RDWR | getattr(os, "O_BINARY", 0)
    fd, created = -1, False
    for _ in range(3):
        try:
            fd = os.open(path, flags)
            break
        except FileNotFoundError:
            pass
        try:  # a new library: the empty file, made by exactly one process (the store takes 0 bytes as new)
            fd, created = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666), True
            break
        except FileExistsError:  # made meanwhile by another process (or a dangling symlink)
            continue
    if fd < 0:  # a symlink pointing nowhere: its target is made, as SQLite would make it
        fd = os.open(path, flags | os.O_CREAT, 0o666)
        created = os.fstat(fd).st_size == 0
    with _fds_guard:
        _in_use.add(fd)
    return fd, created


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of the file at `path` (a library's header), read without dropping this
    process's SQLite locks on it, as reading it with open() and close() would (see above)."""
    fd = _take_spare(path, writable=False)
    if fd is None:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        if hasattr(os, "pread"):
            return os.pread(fd, size, 0)
        return os.read(fd, size)
    finally:
        _give_back(fd)


def _give_back(fd: int) -> None:
    """`fd` holds no lock any more: keep it as a spare, then close the spares no one else needs."""
    if os.name == "nt":  # a Windows handle's close drops no other handle's locks
        os.close(fd)
        return
    with _fds_guard:
        _in_use.discard(fd)
        try:
            _spare.setdefault(_key(os.fstat(fd)), []).append(fd)
        except OSError:
            return
        _close_unneeded_spares()


def _close_unneeded_spares() -> None:
    """Close spare descriptors of files nothing else in this process has open (no SQLite connection
    holds a lock on them then, so closing drops none). Called with `_fds_guard` held."""
    if not _spare:
        return
    try:
        names = os.listdir("/dev/fd" if os.path.isdir("/dev/fd") else "/proc/self/fd")
    except OSError:
        return  # cannot tell: keep them (a few descriptors, closed at exit)
    ours = _in_use.union(*_spare.values())
    busy = set()
    for name in names:
        fd = int(name)
        if fd in ours:
            continue
        try:
            busy.add(_key(os.fstat(fd)))
        except OSError:
            continue
    for key in [k for k in _spare if k not in busy]:
        for fd in _spare.pop(key):
            os.close(fd)


def _ofd_lock(fd: int, kind: int) -> None:
    """Set (F_WRLCK) or clear (F_UNLCK) this descriptor's lock on LOCK_BYTE; OSError when refused."""
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks), padded as C pads it
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi0q", kind, os.SEEK_SET, LOCK_BYTE, 1, 0))


class LibraryLock:
    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path).expanduser()
        resolved = Path(os.path.realpath(self.db_path))
        self.path = Path(str(resolved) + ".lock")  # who holds it (and the lock itself where ON_FILE is false)
        self._fd: int | None = None  # the library file's descriptor holding the lock (ON_FILE)
        self._fh = None  # the lock file holding the lock (elsewhere)
        self._made_library = False  # acquire() made the (empty) library file: abandon() removes it
        self._made_lock_file = False
        self.reason: str | None = None  # why the library cannot be written, after Acquired.READ_ONLY

    def _read_only(self, where: Path, exc: OSError) -> Acquired:
        self.reason = (f"{where} is on read-only media or not writable ({exc.strerror or exc}): "
                       "the library can only be opened read-only")
        return Acquired.READ_ONLY

    def acquire(self) -> Acquired:
        """HELD when this process now holds the library; IN_USE when another window (process or
        not) does; READ_ONLY when the library or its folder cannot be written (`reason` says why)."""
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno not in _UNWRITABLE:
                raise
            return self._read_only(self.db_path.parent, exc)
        if ON_FILE:
            got = self._acquire_on_file()
            if got is not None:
                return got
        return self._acquire_lock_file()

    def _acquire_on_file(self) -> Acquired | None:
        try:
            fd, created = _open_library_file(self.db_path)
        except OSError as exc:
            if exc.errno not in _UNWRITABLE:
                raise
            return self._read_only(self.db_path, exc)
        try:
            _ofd_lock(fd, fcntl.F_WRLCK)
        except OSError as exc:
            _give_back(fd)
            if exc.errno in _NO_OFD:
                return None  # this filesystem takes no such lock: the lock file instead
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            return Acquired.IN_USE
        self._fd = fd
        self._made_library = created
        try:  # who holds it, for the messages of the next window
            with open(self.path, "w", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()}@{socket.gethostname()}\n")
        except OSError as exc:
            self.abandon()
            if exc.errno not in _UNWRITABLE:
                raise
            return self._read_only(self.path.parent, exc)
        return Acquired.HELD

    def _acquire_lock_file(self) -> Acquired:
        try:
            created = not self.path.exists()
            fh = open(self.path, "a+")
        except OSError as exc:
            if exc.errno not in _UNWRITABLE:
                raise
            return self._read_only(self.path.parent, exc)
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
        self._made_lock_file = created
        return Acquired.HELD

    def holder(self) -> str:
        """"pid@host" of the window holding the library, when it says so; else "another Curator window"
        (a hard link's holder writes under its own name, and a crashed holder's note is stale)."""
        fallback = "another Curator window"
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return fallback
        pid, _, host = text.partition("@")
        if not pid.isdigit():
            return fallback
        if host == socket.gethostname() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return fallback  # left by a window that crashed: not the holder
            except OSError:
                pass  # alive (another user's process)
        return text

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                self.path.unlink(missing_ok=True)  # while still held: the next holder's note is never removed
            except OSError:
                pass
            try:
                _ofd_lock(fd, fcntl.F_UNLCK)
            finally:
                _give_back(fd)
        if self._fh is not None:
            try:
                if fcntl is not None:
                    fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None

    def abandon(self) -> None:
        """Release, and remove what this lock made: the lock file, and the empty library file it
        created for a library that then could not be opened, so nothing is left behind."""
        held_file, made_file = self._fh is not None, self._made_lock_file
        made_library, self._made_library = self._made_library and self._fd is not None, False
        self.release()
        if held_file and made_file:
            self.path.unlink(missing_ok=True)
        if made_library:
            try:
                if os.stat(self.db_path).st_size == 0:
                    os.unlink(os.path.realpath(self.db_path))
            except OSError:
                pass
