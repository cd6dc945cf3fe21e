"""Files that are not (or not quite) Curator libraries, read-only media and full disks (issue 15, 5-6).

A file is migrated only when it is a Curator library (its application_id marker, or Curator's schema
for libraries made before the marker); anything else gets a message naming it and is not touched:
same bytes, same mtime, no -wal/-shm left behind. A newer Curator's library and a library on
read-only media open read-only with the reason; a full disk says so and keeps the typed work.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from curator import app as app_mod
from curator.__main__ import main
from curator.domain.outcomes import Comparison
from curator.services import curation
from curator.services.library import open_library
from curator.store import lock as lock_mod
from curator.store import migrations
from curator.store.library import Library, LibraryError
from tests.conftest import PEDIATRIC_SEED


@pytest.fixture(autouse=True)
def _dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CURATOR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CURATOR_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("CURATOR_NO_ERROR_DIALOG", "1")


def _state(path: Path) -> tuple[bytes, int, list[str]]:
    """What must not change: the file's bytes, its mtime, and what lies next to it."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _every_command(tmp_path: Path, library: Path) -> list[list[str]]:
    lib = str(library)
    return [["import", str(PEDIATRIC_SEED), "--library", lib],
            ["papers", "--library", lib],
            ["suggest", "--paper", "1", "--library", lib],
            ["export", "--format", "json", "--out", str(tmp_path / "out.json"), "--library", lib],
            ["snapshot", "--out", str(tmp_path / "shot.png"), "--library", lib]]


def _library(path: Path) -> Path:
    """A Curator library with the two sample papers, checkpointed (no -wal left)."""
    lib, _ = open_library(path, seed=True)
    lib.close()
    assert not Path(f"{path}-wal").exists()
    return path


# --- files that are not ours ---------------------------------------------------------------------

def _foreign(path: Path, journal: str) -> Path:
    """Another application's database (a browser history, say), in its own journal mode."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
    conn.execute("CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, fk INTEGER, title TEXT)")
    conn.executemany("INSERT INTO moz_places (url, title) VALUES (?, ?)",
                     [(f"https://example.org/{i}", f"page {i}") for i in range(200)])
    conn.commit()
    conn.close()
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_another_applications_database_is_left_untouched(capsys, tmp_path, journal):
    path = _foreign(tmp_path / "places.sqlite", journal)
    before = _state(path)
    with pytest.raises(LibraryError) as exc:
        Library.open(path)
    assert str(path) in str(exc.value) and "not a Curator library" in str(exc.value)
    assert "moz_places" in str(exc.value)  # says what it is instead
    assert _state(path) == before
    with pytest.raises(LibraryError):
        open_library(path, seed=True)
    assert _state(path) == before
    for args in _every_command(tmp_path, path):
        code, _out, err = _cli(capsys, *args)
        assert code == 2, args
        assert str(path) in err and "not a Curator library" in err and "Traceback" not in err, (args, err)
    assert _state(path) == before  # not migrated, not switched to WAL, no -wal/-shm, no lock file
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == journal
    assert conn.execute("SELECT count(*) FROM moz_places").fetchone()[0] == 200
    conn.close()


@pytest.mark.parametrize("app_id", [0, 0x47504B47])  # nobody's, GeoPackage's
def test_an_empty_sqlite_file_made_by_someone_else_is_not_taken_over(tmp_path, app_id):
    path = tmp_path / "empty.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {app_id}")
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("DROP TABLE scratch")  # a valid SQLite file, no tables, user_version 0
    conn.commit()
    conn.close()
    before = _state(path)
    with pytest.raises(LibraryError, match="not a Curator library") as exc:
        Library.open(path)
    assert str(path) in str(exc.value)
    assert _state(path) == before


def test_libraries_are_marked_and_earlier_ones_recognised_by_their_schema(tmp_path, monkeypatch):
    # a new library carries the marker from its first write
    lib = Library.open(tmp_path / "new.sqlite")
    assert lib.conn.execute("PRAGMA application_id").fetchone()[0] == migrations.APPLICATION_ID
    lib.close()
    # an empty file is a new library too
    (tmp_path / "zero.sqlite").write_bytes(b"")
    lib = Library.open(tmp_path / "zero.sqlite")
    assert lib.schema_version == migrations.latest_version()
    lib.close()
    # one whose creation was cut short after the marker (no tables yet) is still ours, and is built
    cut = tmp_path / "cut.sqlite"
    conn = sqlite3.connect(cut)
    conn.execute(f"PRAGMA application_id = {migrations.APPLICATION_ID}")
    conn.close()
    lib = Library.open(cut)
    assert lib.schema_version == migrations.latest_version() and lib.paper_count() == 0
    lib.close()
    # a library from before the marker, at an older schema: recognised by its tables, migrated, marked
    old_migs = tmp_path / "old_migs"
    old_migs.mkdir()
    for m in migrations.available()[:-1]:
        shutil.copy(m.path, old_migs / m.path.name)
    real = migrations.paths.migrations
    monkeypatch.setattr("curator.paths.migrations", lambda: old_migs)
    path = tmp_path / "earlier.sqlite"
    lib = Library.open(path)
    lib.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 0")  # what earlier versions left: no marker
    conn.close()
    monkeypatch.setattr("curator.paths.migrations", real)
    lib = Library.open(path)
    assert lib.schema_version == migrations.latest_version()
    assert lib.conn.execute("PRAGMA application_id").fetchone()[0] == migrations.APPLICATION_ID
    lib.close()
    assert list(tmp_path.glob("earlier.v*.bak.sqlite")), "a backup is taken before migrating"


def test_a_newer_curators_library_opens_read_only_and_is_never_written(qtbot, capsys, tmp_path):
    path = _library(tmp_path / "newer.sqlite")
    conn = sqlite3.connect(path)
    newer = migrations.latest_version() + 1
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.commit()
    conn.close()
    before = _state(path)
    lib = Library.open(path)
    assert lib.read_only
    assert str(path) in lib.read_only_reason and "newer Curator" in lib.read_only_reason
    assert lib.paper_count() == 2  # it can be read
    with pytest.raises(LibraryError, match="newer Curator"):
        with lib.transaction():
            pass
    lib.close()
    code, out, _ = _cli(capsys, "papers", "--library", str(path))
    assert code == 0 and "2 paper(s)" in out
    code, out, err = _cli(capsys, "import", str(PEDIATRIC_SEED), "--library", str(path))
    assert code == 2 and str(path) in out + err and "newer Curator" in out + err and "Traceback" not in err
    # the window opens it read-only and says why
    win = app_mod.build_window(path, QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert win.lib.read_only and not win.act_save.isEnabled()
    assert "newer Curator" in win.statusBar().currentMessage()
    win.lib.close()
    win.lock.release()
    assert _state(path)[:2] == before[:2]  # same bytes, same mtime (a reader may leave -shm/-wal)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == newer
    conn.close()


def _truncated(path: Path) -> Path:
    data = _library(path).read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def _last_pages_cut(path: Path) -> Path:
    """Cut short by a copy that stopped early: the schema is there, the last pages are not."""
    data = _library(path).read_bytes()
    path.write_bytes(data[:len(data) - 3 * 4096])
    return path


def _header_only(path: Path) -> Path:
    data = _library(path).read_bytes()
    path.write_bytes(data[:60])
    return path


BAD_FILES = {  # how the file is made, what the message says it is
    "random bytes": (lambda p: p.write_bytes(random.Random(15).randbytes(20_000)) and p, "not an SQLite"),
    "text file": (lambda p: p.write_text("Title,Year\nCRS after CAR-T,2021\n" * 50) and p, "not an SQLite"),
    "truncated library": (_truncated, "truncated"),
    "last pages cut off": (_last_pages_cut, "truncated"),
    "cut-off header": (_header_only, "truncated"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_file_that_is_not_a_library_gets_a_message_naming_it_in_every_command(capsys, tmp_path, kind):
    path = tmp_path / "library.sqlite"
    make, said = BAD_FILES[kind]
    make(path)
    before = _state(path)
    with pytest.raises(LibraryError) as exc:
        Library.open(path)
    assert str(path) in str(exc.value) and said in str(exc.value)
    for args in _every_command(tmp_path, path):
        code, _out, err = _cli(capsys, *args)
        assert code == 2, (args, err)
        assert str(path) in err and "Traceback" not in err, (args, err)
    assert _state(path) == before


def test_the_window_says_why_a_file_cannot_be_opened(qtbot, tmp_path, monkeypatch, capsys):
    path = _foreign(tmp_path / "places.sqlite", "delete")
    before = _state(path)
    s = QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat)
    assert app_mod.build_window(path, s) is None  # CURATOR_NO_ERROR_DIALOG: said on stderr
    assert str(path) in capsys.readouterr().err
    monkeypatch.delenv("CURATOR_NO_ERROR_DIALOG")
    shown = []
    from PySide6.QtWidgets import QMessageBox  # curator.app imports it where it is used (after its desktop check)

    monkeypatch.setattr(QMessageBox, "critical", lambda *a: shown.append(a))
    assert app_mod.build_window(path, s) is None
    assert shown and shown[0][1] == "Cannot open library" and str(path) in shown[0][2]
    assert _state(path) == before


# --- read-only media -----------------------------------------------------------------------------

def _make_read_only(folder: Path) -> list[str]:
    """Make `folder` and what is in it unwritable, honestly: as root (whom file modes do not stop)
    with the immutable attribute (the kernel refuses every write with EPERM, as read-only media do
    with EROFS), else with file modes. Returns the command that undoes it."""
    targets = [str(p) for p in folder.iterdir()] + [str(folder)]
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", *targets],
                                                            capture_output=True).returncode:
            pytest.skip("running as root on a filesystem without the immutable attribute")
        return ["chattr", "-i", *targets]
    for t in targets:
        os.chmod(t, 0o555 if t == str(folder) else 0o444)
    return ["chmod", "u+w", *targets]


def test_a_library_on_read_only_media_opens_read_only(qtbot, capsys, tmp_path):
    folder = tmp_path / "stick"
    folder.mkdir()
    path = _library(folder / "library.sqlite")
    undo = _make_read_only(folder)
    try:
        before = _state(path)
        lock = lock_mod.LibraryLock(path)
        got = lock.acquire()
        assert got is lock_mod.Acquired.READ_ONLY and not got and "read-only" in lock.reason
        lib = Library.open(path)
        assert lib.read_only and "read-only media" in lib.read_only_reason
        assert lib.paper_count() == 2
        with pytest.raises(LibraryError, match="read-only"):
            with lib.transaction():
                pass
        lib.close()
        lib = Library.open(path, read_only=True)  # as an export's worker thread opens it
        assert lib.paper_count() == 2
        lib.close()
        # the window opens it read-only and says why
        s = QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat)
        win = app_mod.build_window(path, s, ask_read_only=lambda who: pytest.fail("not held by anyone"))
        qtbot.addWidget(win)
        assert win.lib.read_only and win.lock is None and not win.act_save.isEnabled()
        assert "read-only media" in win.statusBar().currentMessage()
        win.lib.close()
        # the CLI reads it, and refuses to write it with the reason
        code, out, _ = _cli(capsys, "papers", "--library", str(path))
        assert code == 0 and "2 paper(s)" in out
        code, out, err = _cli(capsys, "import", str(PEDIATRIC_SEED), "--library", str(path))
        said = out + err  # the import's per-file report says why it was not imported
        assert code == 2 and "read-only" in said and str(path.parent) in said and "Traceback" not in err
        assert _state(path) == before
    finally:
        subprocess.run(undo, check=True)


def test_a_lock_file_that_cannot_be_written_is_a_read_only_outcome(tmp_path, monkeypatch):
    """The same through the lock alone: the OS answering EROFS, as a read-only mount does."""
    def refuse(*_a, **_k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(lock_mod, "open", refuse, raising=False)
    lock = lock_mod.LibraryLock(tmp_path / "library.sqlite")
    assert lock.acquire() is lock_mod.Acquired.READ_ONLY
    assert "Read-only file system" in lock.reason


# --- full disk ------------------------------------------------------------------------------------

def _fill_disk(lib: Library) -> None:
    """The disk fills: SQLite may not grow the file by a single page (an honest SQLITE_FULL)."""
    pages = lib.conn.execute("PRAGMA page_count").fetchone()[0]
    lib.conn.execute(f"PRAGMA max_page_count = {pages}")


def _free_disk(lib: Library) -> None:
    lib.conn.execute("PRAGMA max_page_count = 1073741823")


def test_a_full_disk_says_so_and_keeps_the_typed_work(tmp_path):
    lib, _ = open_library(tmp_path / "library.sqlite", seed=True)
    pid = lib.list_ids()[0]
    rec = curation.load(lib, pid)
    rec.notes = "typed before the disk filled " + "n" * 50_000
    rec.comparisons.append(Comparison(analyte="IL-6", p_text="p = 0.01"))
    curation.autosave(lib, rec)  # the autosave a few seconds after typing
    stored = lib.load_record(pid)
    _fill_disk(lib)
    rec.notes += " and after " + "m" * 100_000
    # the store: SQLite rolled the transaction back itself; no "cannot rollback" on top
    with pytest.raises(LibraryError) as exc:
        lib.save_record(rec, [], "Ada")
    msg = str(exc.value)
    assert "disk is full" in msg and "nothing was saved" in msg and "edits are kept" in msg, msg
    assert str(lib.path) in msg
    assert not lib.conn.in_transaction
    # the service says the same, as a curation error the window shows
    with pytest.raises(curation.NotSaved, match="disk is full"):
        curation.save_draft(lib, rec, "Ada")
    # the work is still in memory, and the autosave from before still holds it
    assert rec.notes.endswith("m" * 100_000) and rec.comparisons[-1].analyte == "IL-6"
    assert rec.status == (stored.status if stored else rec.status) and rec.revision == (stored.revision if stored else 0)
    saved, _at = lib.load_autosave(pid)
    assert saved["notes"].startswith("typed before the disk filled")
    assert (lib.load_record(pid) is None) == (stored is None)
    # the next autosave cannot be written either: it says so, and the previous one stays
    with pytest.raises(curation.NotSaved, match="disk is full"):
        curation.autosave(lib, rec)
    assert lib.load_autosave(pid)[0]["notes"] == saved["notes"]
    # space is freed: the same save goes through, whole
    _free_disk(lib)
    curation.save_draft(lib, rec, "Ada")
    assert lib.load_record(pid).notes == rec.notes and lib.load_autosave(pid) is None
    assert lib.integrity_check() == "ok"
    lib.close()


def test_the_window_on_a_full_disk_says_so_and_keeps_the_edits(qtbot, tmp_path):
    from tests.ui_helpers import make_window

    win = make_window(qtbot, tmp_path)
    pid = win.paper_model.ids[0]
    assert win.select_paper(pid)
    win.forms.notes.notes.setPlainText("typed on a full disk " + "x" * 200_000)
    assert win.dirty
    _fill_disk(win.lib)
    win.autosave_now()  # no error dialog: the status bar says it
    assert "disk is full" in win.statusBar().currentMessage()
    assert not win.save_draft()
    title, text = win.warnings[-1]
    assert title == "Not saved" and "disk is full" in text and "edits are kept" in text
    assert win.dirty and win.forms.notes.notes.toPlainText().startswith("typed on a full disk")
    _free_disk(win.lib)
    assert win.save_draft() and not win.dirty
    assert win.lib.load_record(pid).notes.startswith("typed on a full disk")
    win.dirty = False
