"""One window per library FILE (issue 15 item 7): every path to a library meets the same lock.

A symlink, a hard link, a relative path with `..` and another process all meet the lock; the CLI's
writing commands are refused while a window holds the library; SQLite itself reads and writes the
file as before while the lock is held (from this and another process), and giving the lock back
never drops the locks SQLite holds on the file.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from curator.__main__ import main
from curator.services.library import LibraryInUse, open_library, open_locked, sample_files
from curator.store import lock as lock_mod
from curator.store.library import Library
from curator.store.lock import Acquired, LibraryLock

# a process that holds a library the way a Curator window does, until its stdin closes
HOLDER = textwrap.dedent("""
    import sys
    from curator.services.library import open_locked
    opened = open_locked(sys.argv[1], seed=False)
    print("held", flush=True)
    sys.stdin.readline()
    opened.close()
""")


@pytest.fixture
def library(tmp_path) -> Path:
    path = tmp_path / "lib.sqlite"
    lib, _ = open_library(path, seed=True)
    lib.close()
    return path


@pytest.fixture
def other_process():
    """Start a process holding the library at a path; it lets go when the test ends."""
    procs = []

    def start(path: Path) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _other_names(path: Path, tmp_path: Path) -> dict[str, Path]:
    """Other names of the same file: a symlink, a hard link (in another folder), a relative path with '..'."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "via-symlink.sqlite").symlink_to(path)
    os.link(path, elsewhere / "hard-link.sqlite")
    return {"symlink": elsewhere / "via-symlink.sqlite", "hard link": elsewhere / "hard-link.sqlite",
            "relative ..": Path("..") / path.name}


@pytest.mark.parametrize("name", ["symlink", "hard link", "relative .."])
def test_every_name_of_the_library_meets_the_same_lock(library, tmp_path, monkeypatch, name):
    other = _other_names(library, tmp_path)[name]
    monkeypatch.chdir(tmp_path / "elsewhere")
    first = LibraryLock(library)
    assert first.acquire() is Acquired.HELD
    second = LibraryLock(other)
    assert second.acquire() is Acquired.IN_USE, f"a second window got the library through its {name}"
    with pytest.raises(LibraryInUse):
        open_locked(other)  # no second read-write window by that name
    read_only = open_locked(other, if_locked=lambda holder: True)
    assert read_only.read_only and read_only.lock is None and read_only.lib.paper_count() == 2
    read_only.close()
    first.release()
    assert second.acquire() is Acquired.HELD  # and the other way round
    assert LibraryLock(library).acquire() is Acquired.IN_USE
    second.release()
    assert first.acquire() is Acquired.HELD
    first.release()


@pytest.mark.parametrize("name", ["symlink", "relative .."])
def test_where_the_lock_is_a_file_symlinks_and_dotdot_still_meet_it(library, tmp_path, monkeypatch, name):
    """macOS and Windows lock `<resolved path>.lock` (hard links are a documented limit there):
    the same here with that mechanism forced."""
    monkeypatch.setattr(lock_mod, "ON_FILE", False)
    other = _other_names(library, tmp_path)[name]
    monkeypatch.chdir(tmp_path / "elsewhere")
    first = LibraryLock(library)
    assert first.acquire() is Acquired.HELD
    assert LibraryLock(other).acquire() is Acquired.IN_USE
    assert str(os.getpid()) in LibraryLock(other).holder()
    first.release()
    second = LibraryLock(other)
    assert second.acquire() is Acquired.HELD
    second.release()


@pytest.mark.parametrize("name", ["symlink", "hard link"])
def test_a_library_another_process_holds_is_refused_by_any_name(library, tmp_path, other_process, name):
    other = _other_names(library, tmp_path)[name]
    holder = other_process(library)
    with pytest.raises(LibraryInUse) as exc:
        open_locked(other, if_locked=lambda who: False)
    if name == "symlink":  # the same resolved name: the holder's note names the process
        assert f"{holder.pid}@{socket.gethostname()}" in str(exc.value)
    holder.stdin.close()
    holder.wait(timeout=20)
    opened = open_locked(other)  # let go: free by every name
    assert opened.lock is not None and not opened.read_only
    opened.close()


def test_a_killed_holder_leaves_the_library_free_and_names_no_one(library, other_process):
    holder = other_process(library)
    assert not LibraryLock(library).acquire()
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    lock = LibraryLock(library)
    assert lock.holder() == "another Curator window"  # the killed window's note is not believed
    assert lock.acquire() is Acquired.HELD  # the OS let go of the killed process's lock
    lock.release()


@pytest.mark.parametrize("name", ["symlink", "hard link"])
def test_cli_import_is_refused_while_a_window_process_holds_the_library(library, tmp_path, other_process,
                                                                       capsys, name):
    other = _other_names(library, tmp_path)[name]
    holder = other_process(library)
    seed = str(sample_files()[0])
    code = main(["import", seed, "--library", str(other)])
    err = capsys.readouterr().err
    assert code == 2 and "is open in another Curator window" in err and str(other) in err
    if name == "symlink":
        assert str(holder.pid) in err
    assert main(["papers", "--library", str(other)]) == 0  # reading: read-only, allowed
    assert "2 paper(s)" in capsys.readouterr().out
    holder.stdin.close()
    holder.wait(timeout=20)
    assert main(["import", seed, "--library", str(other), "--json"]) == 0  # free: imported


def test_a_new_library_is_created_under_its_lock(tmp_path, other_process):
    path = tmp_path / "new" / "lib.sqlite"
    holder = other_process(path)  # the other window created it and holds it
    assert path.exists()
    with pytest.raises(LibraryInUse):
        open_locked(path)
    holder.stdin.close()
    holder.wait(timeout=20)
    opened = open_locked(path)
    assert not opened.read_only and opened.lib.paper_count() == 0
    opened.close()
    # a lock that made the empty file and then gave up leaves nothing behind
    gone = tmp_path / "gone.sqlite"
    lock = LibraryLock(gone)
    assert lock.acquire() is Acquired.HELD and gone.exists() and gone.stat().st_size == 0
    lock.abandon()
    assert not gone.exists() and not Path(f"{gone}.lock").exists()


# --- SQLite is unaffected by the lock ---------------------------------------------------------------

READ_WRITE = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], timeout=5, isolation_level=None)
    conn.execute("INSERT INTO probe VALUES ('written by another process')")
    print(conn.execute("SELECT count(*) FROM probe").fetchone()[0], flush=True)
    conn.close()
""")


def _rows(lib: Library) -> int:
    return lib.conn.execute("SELECT count(*) FROM probe").fetchone()[0]


def test_sqlite_reads_and_writes_the_file_while_the_lock_is_held(library, other_process):
    opened = open_locked(library)
    try:
        with opened.lib.transaction() as conn:
            conn.execute("CREATE TABLE probe (x TEXT)")
        # this process, through the held library
        with opened.lib.transaction() as conn:
            conn.execute("INSERT INTO probe VALUES ('written under the lock')")
        assert _rows(opened.lib) == 1
        # another process, through SQLite alone (its own locks only): reads and writes
        done = subprocess.run([sys.executable, "-c", READ_WRITE, str(library)], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "2"
        assert _rows(opened.lib) == 2
    finally:
        opened.close()
    # and the other way round: another process holds the lock, this one reads and writes
    other_process(library)
    lib = Library.open(library)
    with lib.transaction() as conn:
        conn.execute("INSERT INTO probe VALUES ('written here')")
    assert _rows(lib) == 3 and lib.integrity_check() == "ok"
    lib.close()


def _sqlite_lock_seen_from_another_process(path: Path) -> bool:
    """Does another process see a lock on SQLite's own lock bytes (1 GiB .. +512)?"""
    probe = textwrap.dedent("""
        import fcntl, os, struct, sys
        fd = os.open(sys.argv[1], os.O_RDWR)
        got = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack("hhqqi0q", fcntl.F_WRLCK, 0, 0x40000000, 512, 0))
        print(struct.unpack("hhqqi0q", got)[0] != fcntl.F_UNLCK)
    """)
    out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip() == "True"


def test_giving_the_lock_back_keeps_sqlites_own_locks(library, tmp_path):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it: an open WAL
    connection's shared lock with it, after which another process may checkpoint and delete the -wal
    under it. The lock never closes its descriptor while a connection is open."""
    hard_link = tmp_path / "hard-link.sqlite"
    os.link(library, hard_link)
    opened = open_locked(library)
    assert opened.lib.paper_count() == 2
    assert _sqlite_lock_seen_from_another_process(library)  # WAL: SQLite holds its shared lock
    assert not LibraryLock(hard_link).acquire()  # a second window tries, and lets go
    assert _sqlite_lock_seen_from_another_process(library)
    opened.release()  # the lock given back, the connection kept (OpenLibrary.release)
    assert _sqlite_lock_seen_from_another_process(library)
    again = LibraryLock(library)
    assert again.acquire() and again.release() is None
    assert _sqlite_lock_seen_from_another_process(library)
    opened.lib.close()
    assert not _sqlite_lock_seen_from_another_process(library)
    # with nothing else open on the file any more, the next lock keeps no descriptor of it
    last = LibraryLock(hard_link)
    assert last.acquire() and last.release() is None
    assert _descriptors_of(library) == 0


def _descriptors_of(path: Path) -> int:
    """How many descriptors this process has open on the file at `path`."""
    st = os.stat(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            other = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)
    return count


def test_a_second_connection_keeps_the_first_ones_sqlite_lock(library):
    """A worker thread's connection (services.library.second_connection) must not take the window's
    connection's shared WAL lock away: without it, another process closing its last connection may
    checkpoint and delete the -wal this one still writes to (a lost update). Opening a library reads
    its header first (migrations.recognise): through lock.read_head, never open()/close()."""
    from curator.services.library import second_connection

    lib = Library.open(library)
    assert lib.paper_count() == 2 and _sqlite_lock_seen_from_another_process(library)
    workers = [second_connection(lib) for _ in range(5)]
    try:
        assert _sqlite_lock_seen_from_another_process(library)
        # one kept descriptor serves every later read of the header: none pile up while the window is open
        second_connection(lib).close()  # (SQLite keeps a closed connection's descriptor for the next)
        before = _descriptors_of(library)
        for _ in range(5):
            second_connection(lib).close()
        assert _descriptors_of(library) == before
    finally:
        for w in workers:
            w.close()
        lib.close()


def test_the_lock_is_one_byte_sqlite_never_locks(library):
    """The lock is an open-file-description lock on LOCK_BYTE of the library file: another process
    sees exactly that byte locked, and nothing of SQLite's range."""
    if not lock_mod.ON_FILE:
        pytest.skip("the lock is on the library file only where open-file-description locks exist")
    lock = LibraryLock(library)
    assert lock.acquire()
    try:
        fd = os.open(library, os.O_RDWR)
        try:
            def blocked(start: int, length: int) -> bool:
                query = struct.pack("hhqqi0q", fcntl.F_WRLCK, 0, start, length, 0)
                return struct.unpack("hhqqi0q", fcntl.fcntl(fd, fcntl.F_OFD_GETLK, query))[0] != fcntl.F_UNLCK

            assert blocked(lock_mod.LOCK_BYTE, 1)
            assert not blocked(0x40000000, 512) and not blocked(0, 0x40000000)
        finally:
            os.close(fd)  # no SQLite connection here: nothing of SQLite's to drop
    finally:
        lock.release()


# --- two windows, one record: no lost update ----------------------------------------------------------

def test_two_windows_on_one_record_lose_no_update(qtbot, tmp_path):
    """Two windows, each with its own connection, as a second process had over a symlink before the
    lock met every name (and as any writer bypassing the lock would): both open the same record
    before either saves. A's note and B's value both survive; the same value changed in both is
    refused on the second save with a clear message, and nothing is written over."""
    from PySide6.QtCore import QSettings

    from curator.ui.main_window import MainWindow
    from tests.ui_helpers import make_window, select_paper_titled

    win_a = make_window(qtbot, tmp_path, name="Ana")
    link = tmp_path / "via-symlink.sqlite"
    link.symlink_to(win_a.lib.path)
    settings = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    settings.setValue("curator_name", "Ben")
    win_b = MainWindow(Library.open(link), settings)
    win_b.ask_unsaved = lambda: "save"
    win_b.warnings = []
    win_b.warn = lambda title, text: win_b.warnings.append((title, text))
    win_b.ask_conflicts = lambda stale: None
    qtbot.addWidget(win_b)

    pid = select_paper_titled(win_a, "Emapalumab in pediatric")
    assert select_paper_titled(win_b, "Emapalumab in pediatric") == pid
    assert win_a.lib.load_record(pid) is None  # neither has saved: both edit from "no record"

    win_a.forms.notes.notes.setPlainText("IFN-γ levels checked against table 2")
    assert win_a.save_draft()
    win_b.forms.show_tab("study")
    win_b.forms.study_form.set_value("n_enrolled", "38")
    assert win_b.save_draft()  # B's save began before A's: merged, not written over it
    stored = win_a.lib.load_record(pid)
    assert stored.notes == "IFN-γ levels checked against table 2" and stored.study.n_enrolled == 38
    assert win_b.forms.notes.notes.toPlainText() == stored.notes  # B's form took A's note in
    assert "merged with a save made meanwhile" in win_b.statusBar().currentMessage()

    # now both change the same value: the first save wins, the second is refused
    win_a.forms.show_tab("study")
    win_b.forms.study_form.set_value("n_enrolled", "39")
    assert win_b.save_draft()
    win_a.forms.study_form.set_value("n_enrolled", "40")
    assert not win_a.save_draft()
    text = str(win_a.conflicts_shown[-1])  # the conflict went to the curator (here: declined)
    assert "the record was saved meanwhile" in text and "by Ben" in text
    assert "Study, N enrolled (yours: 40, saved meanwhile: 39)" in text and "Nothing was saved" in text
    stored = win_b.lib.load_record(pid)
    assert stored.study.n_enrolled == 39 and stored.notes == "IFN-γ levels checked against table 2"
    assert win_a.dirty and win_a.record.study.n_enrolled == 40  # A's edit is kept in its window
    win_a.ask_unsaved = lambda: "discard"
    win_b.close()  # each window closes its own connection
