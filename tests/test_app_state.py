"""The app remembers, reports unexpected errors and keeps running, and never loses provenance."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction

from curator import app as app_mod
from curator.domain.outcomes import Comparison, Span
from curator.services import curation
from curator.services.importing import import_files
from curator.services.library import open_library
from curator.ui.main_window import MainWindow
from tests.conftest import PEDIATRIC_SEED
from tests.ui_helpers import make_window, select_paper_titled


def test_window_remembers_layout_library_paper_and_tab(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    win.forms.show_tab("survival")
    win.splitter.setSizes([200, 500, 580])
    win.close()
    s = QSettings(str(tmp_path / "curator.ini"), QSettings.Format.IniFormat)
    assert s.value("library") == str(tmp_path / "library.sqlite")
    assert int(s.value("last_paper")) == pid
    assert str(tmp_path / "library.sqlite") in s.value("recent_libraries", [], type=list)
    lib, _ = open_library(tmp_path / "library.sqlite")
    again = MainWindow(lib, s)
    qtbot.addWidget(again)
    again.restore_state()
    assert again.forms.currentIndex() == 4  # Survival
    assert again.splitter.sizes()[0] < 260


def test_build_window_offers_read_only_when_library_is_open_elsewhere(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    s = QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat)
    first = app_mod.build_window(tmp_path / "lib.sqlite", s)
    qtbot.addWidget(first)
    asked = []
    second = app_mod.build_window(tmp_path / "lib.sqlite", s, ask_read_only=lambda who: asked.append(who) or True)
    qtbot.addWidget(second)
    assert asked and second.lib.read_only and not second.act_save.isEnabled()
    declined = app_mod.build_window(tmp_path / "lib.sqlite", s, ask_read_only=lambda who: False)
    assert declined is None
    first.lock.release()


def test_unexpected_error_is_logged_and_app_keeps_running(tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("CURATOR_NO_ERROR_DIALOG", "1")
    path = app_mod.setup_logging()
    app_mod.install_excepthook(path)
    import sys

    try:
        raise ValueError("boom in a slot")
    except ValueError:
        sys.excepthook(*sys.exc_info())  # what Qt does with an exception escaping a slot
    for h in logging.getLogger("curator").handlers:
        h.flush()
    text = path.read_text()
    assert "unexpected error" in text and "ValueError: boom in a slot" in text
    sys.excepthook = sys.__excepthook__


def test_provenance_survives_reimport(tmp_path):
    lib, _ = open_library(tmp_path / "lib.sqlite", seed=True)
    pid = lib.list_papers(search="pediatric emapalumab")[0].id
    abstract = lib.get_paper(pid).abstract
    quote = "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)"
    start = abstract.index(quote)
    rec = curation.load(lib, pid)
    c = Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/ml", p_text="P < 0.001")
    c.sources["value_a"] = Span(start, start + len(quote), quote)
    rec.comparisons.append(c)
    curation.save_draft(lib, rec, "Ana")
    report = import_files(lib, [PEDIATRIC_SEED])
    assert report.totals["merged"] == 1 and report.files[0].paper_ids == [pid]
    span = lib.load_record(pid).comparisons[0].sources["value_a"]
    assert lib.get_paper(pid).abstract[span.start:span.end] == quote


def test_exclude_and_reject_from_the_window(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Case Report")
    win.exclude_paper("adult case, outside the pediatric scope")
    assert win.lib.load_record(pid).status == "excluded"
    assert "excluded" in win.paper_model.data(win.paper_model.index(win.paper_model.row_of(pid), 0))
    win.reject_record("  ")
    assert win.warnings and "say why" in win.warnings[-1][1]


def test_file_open_takes_the_lock_first_and_offers_a_held_library_read_only(qtbot, tmp_path):
    from curator.services.library import open_locked

    win = make_window(qtbot, tmp_path)
    win.lock = None
    other_path = tmp_path / "other.sqlite"
    held = open_locked(other_path, seed=True)  # another window holds it
    asked = []
    win.ask_read_only = lambda holder: asked.append(holder) or False
    assert not win.switch_library(other_path)  # declined: the window stays where it was
    assert asked and win.lib.path == tmp_path / "library.sqlite" and not win.lib.read_only
    win.ask_read_only = lambda holder: True
    assert win.switch_library(other_path)
    assert win.lib.path == other_path and win.lib.read_only and win.lock is None
    assert not win.act_save.isEnabled() and not win.findChild(QAction, "act_import").isEnabled()
    held.close()
    assert win.switch_library(tmp_path / "library.sqlite")  # free: opened with its lock, writable again
    assert not win.lib.read_only and win.lock is not None and win.act_save.isEnabled()
    assert win.findChild(QAction, "act_import").isEnabled()
    win.warnings.clear()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"x" * 5000)
    assert not win.switch_library(bad) and "bad.sqlite" in win.warnings[-1][1]
    win.lock.release()
