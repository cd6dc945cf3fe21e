"""A kill during a save leaves the library consistent, with the last saved draft present;
a library open in one window is offered read-only to the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from curator.services.library import open_library
from curator.store.library import Library
from curator.store.lock import LibraryLock

WRITER = textwrap.dedent("""
    import sys
    from curator.domain.outcomes import Measurement, Record
    from curator.services import curation
    from curator.store.library import Library
    lib = Library.open(sys.argv[1])
    pid = int(sys.argv[2])
    n = 0
    while True:
        n += 1
        rec = Record(paper_id=pid, notes=f"save {n}")
        # a big record, so a kill often lands in the middle of writing it
        rec.measurements = [Measurement(analyte="IL-6", day=d % 30, value=float(n * 1000 + d), unit="pg/mL")
                            for d in range(400)]
        curation.save_draft(lib, rec, "writer")
        print(n, flush=True)
""")


def test_kill_mid_save_leaves_library_consistent(tmp_path):
    path = tmp_path / "lib.sqlite"
    lib, _ = open_library(path, seed=True)
    pid = lib.list_papers()[0].id
    lib.close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(pid)], stdout=subprocess.PIPE,
                            text=True)
    last = 0
    deadline = time.time() + 60
    while last < 5 and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        last = int(line)
    time.sleep(0.013)  # land somewhere inside a later save
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert last >= 5, "the writer never got going"

    lib = Library.open(path)
    assert lib.integrity_check() == "ok"
    assert lib.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    rec = lib.load_record(pid)
    n = int(rec.notes.split()[1])
    assert n >= last  # the last save it reported is there (a later one may have committed too)
    # and the record is whole: all 400 rows of that very save
    assert len(rec.measurements) == 400
    assert {m.value for m in rec.measurements} == {float(n * 1000 + d) for d in range(400)}
    lib.close()


def test_second_window_gets_read_only(tmp_path):
    path = tmp_path / "lib.sqlite"
    lib, _ = open_library(path, seed=True)
    lib.close()
    first = LibraryLock(path)
    assert first.acquire()
    second = LibraryLock(path)
    assert not second.acquire()
    assert str(os.getpid()) in second.holder()
    ro = Library.open(path, read_only=True)
    assert ro.paper_count() == 2
    ro.close()
    first.release()
    assert second.acquire()
    second.release()


def _old_library(path, tmp_path, monkeypatch) -> int:
    """A library at the schema version before the latest (as an older Curator left it)."""
    from curator.store import migrations

    older = tmp_path / "older_migrations"
    older.mkdir()
    for m in migrations.available()[:-1]:
        (older / m.path.name).write_text(m.sql())
    with monkeypatch.context() as mp:
        mp.setattr("curator.paths.migrations", lambda: older)
        mp.setattr("curator.services.importing.log_imports", lambda lib, files: None)  # older Curators kept no log
        mp.setattr("curator.services.importing.append_change", lambda *a: None)  # nor a change feed (007)
        lib, _ = open_library(path, seed=True)
        version = lib.schema_version
        lib.close()
    assert version == migrations.latest_version() - 1
    return version


def _version(path) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_a_library_held_elsewhere_is_never_migrated(tmp_path, monkeypatch):
    """open_locked takes the lock BEFORE any migration: a file another window holds stays as it is."""
    import pytest

    from curator.services.library import CannotOpen, LibraryInUse, open_locked
    from curator.store import migrations

    path = tmp_path / "lib.sqlite"
    old = _old_library(path, tmp_path, monkeypatch)
    other_window = LibraryLock(path)
    assert other_window.acquire()
    asked = []
    with pytest.raises(LibraryInUse) as exc:
        open_locked(path, if_locked=lambda holder: asked.append(holder) or False)
    assert asked and str(os.getpid()) in exc.value.holder
    with pytest.raises(CannotOpen, match="needs an upgrade and was opened read-only"):
        open_locked(path, if_locked=lambda holder: True)
    assert _version(path) == old and not list(tmp_path.glob("lib.v*.bak.sqlite"))  # untouched, no backup
    other_window.release()

    opened = open_locked(path)  # free now: locked first, then migrated (with a backup)
    assert opened.lock is not None and not opened.read_only
    assert opened.lib.schema_version == migrations.latest_version() and list(tmp_path.glob("lib.v*.bak.sqlite"))
    assert not LibraryLock(path).acquire()  # held while open
    read_only = open_locked(path, if_locked=lambda holder: True)  # a second window: read-only, no lock
    assert read_only.read_only and read_only.lock is None and read_only.lib.paper_count() == 2
    read_only.close()
    opened.close()
    again = LibraryLock(path)
    assert again.acquire()  # closing gave the lock back
    again.release()


def test_a_file_that_is_not_a_library_is_refused_by_name(tmp_path):
    import pytest

    from curator.services.library import CannotOpen, open_locked

    bad = tmp_path / "notes.sqlite"
    bad.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(CannotOpen, match="notes.sqlite.*not a Curator library"):
        open_locked(bad)
    free = LibraryLock(bad)
    assert free.acquire()  # the failed open gave its lock back
    free.release()
