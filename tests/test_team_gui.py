"""Two curators, two windows, one library (issue 18 items 3, 4 and 7 in the window): each window has its
own connection to the same SQLite file, as two Curator processes on a shared library would."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from curator.domain.outcomes import record_to_dict
from curator.services import curation, offline
from curator.store.library import Library
from curator.ui.conflict_dialog import ConflictDialog
from curator.ui.main_window import MainWindow
from tests.ui_helpers import make_window, select_paper_titled

TITLE = "Emapalumab in pediatric"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def windows(qtbot, tmp_path, monkeypatch):
    """Ana's window and Ben's, both on the paper TITLE (stored with a draft record)."""
    return _two_windows(qtbot, tmp_path, monkeypatch)


def _two_windows(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CURATOR_DATA_DIR", str(tmp_path / "data"))
    ana = make_window(qtbot, tmp_path, name="Ana")
    settings = QSettings(str(tmp_path / "ben.ini"), QSettings.Format.IniFormat)
    settings.setValue("curator_name", "Ben")
    ben = MainWindow(Library.open(ana.lib.path), settings)
    ben.ask_unsaved = lambda: "discard"
    ben.warnings = []
    ben.warn = lambda title, text: ben.warnings.append((title, text))
    ben.conflicts_shown = []
    ben.ask_conflicts = lambda stale: ben.conflicts_shown.append(stale) or None
    qtbot.addWidget(ben)
    ben.keep_on_screen = False
    ben.resize(1280, 800)
    ben.show()
    pid = select_paper_titled(ana, TITLE)
    assert ana.save_draft()  # a stored record both open
    assert select_paper_titled(ben, TITLE) == pid
    ana.ask_unsaved = lambda: "discard"  # a test leaving edits unsaved: the windows close without asking
    return ana, ben, pid


@contextmanager
def _answering(answer):
    """Answer the first modal dialog with `answer(dialog)`; any later one (which should not come) is
    closed and listed, and an answer that fails closes its dialog, so a broken feature fails the test
    instead of leaving it waiting on a dialog."""
    extra: list[str] = []
    answered = []

    def tick():
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            return
        if answered:
            extra.append(dlg.windowTitle())
            dlg.reject()
            return
        answered.append(dlg)
        try:
            answer(dlg)
        except BaseException as exc:
            extra.append(f"the answer failed: {exc!r}")
            dlg.reject()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(50)
    try:
        yield extra
    finally:
        timer.stop()


def _study(win: MainWindow, field: str) -> str:
    return win.forms.study_form.widgets[field].text()


def test_different_fields_are_merged_and_the_curator_is_told_who_changed_what(windows):
    ana, ben, pid = windows
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "38")  # Ben: field X
    assert ben.save_draft()
    ana.forms.notes.notes.setPlainText("checked against table 2")  # Ana, meanwhile: field Y
    assert ana.dirty and ana.save_draft()
    stored = ana.lib.load_record(pid)
    assert stored.study.n_enrolled == 38 and stored.notes == "checked against table 2"
    msg = ana.statusBar().currentMessage()
    assert "merged with a save made meanwhile by Ben" in msg and "Study, N enrolled" in msg
    assert _study(ana, "n_enrolled") == "38"  # Ana's form shows Ben's value merged in


def test_the_same_field_opens_the_side_by_side_dialog_and_nothing_is_written_until_decided(windows, qtbot):
    ana, ben, pid = windows
    ana.ask_conflicts = ana._ask_conflicts_dialog  # the real dialog, driven below as a curator would
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "39")
    assert ben.save_draft()
    ana.forms.show_tab("study")
    ana.forms.study_form.set_value("n_enrolled", "40")
    seen = {}

    def decide(dlg):
        assert isinstance(dlg, ConflictDialog)
        line = dlg.line("Study, N enrolled")
        seen["row"] = (line.label.text(), line.theirs.text(), line.mine.text())
        other = Library.open(ana.lib.path)
        seen["stored while open"] = other.load_record(pid).study.n_enrolled
        other.close()
        seen["save enabled before a choice"] = dlg.save_button.isEnabled()
        qtbot.mouseClick(line.take_theirs, LEFT)
        seen["result theirs"] = line.result.text()
        qtbot.mouseClick(line.edit, LEFT)
        line.result.clear()
        qtbot.keyClicks(line.result, "4l")  # a typo: refused, Save stays disabled
        seen["typo"] = (dlg.save_button.isEnabled(), dlg.problem.text())
        line.result.clear()
        qtbot.keyClicks(line.result, "41")
        qtbot.mouseClick(dlg.save_button, LEFT)

    with _answering(decide) as extra:
        assert ana.save_draft()
    assert extra == []  # one dialog, answered once
    assert seen["row"] == ("<b>Study, N enrolled</b>", "39", "40")
    assert seen["stored while open"] == 39 and seen["save enabled before a choice"] is False
    assert seen["result theirs"] == "39"
    assert seen["typo"][0] is False and "not a number" in seen["typo"][1]
    stored = ana.lib.load_record(pid)
    assert stored.study.n_enrolled == 41 and not ana.dirty and _study(ana, "n_enrolled") == "41"
    hist = [(h["who"], h["old"], h["new"]) for h in ana.lib.history(pid) if h["field"] == "n_enrolled"]
    assert hist == [("Ben", None, "39"), ("Ana", "39", "41")]  # both saves are in the history


def test_cancelling_the_dialog_writes_nothing_and_keeps_the_edit(windows):
    ana, ben, pid = windows
    ana.ask_conflicts = ana._ask_conflicts_dialog
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "39")
    assert ben.save_draft()
    ana.forms.show_tab("study")
    ana.forms.study_form.set_value("n_enrolled", "40")
    with _answering(lambda dlg: dlg.findChild(object, "conflict_cancel").click()) as extra:
        assert not ana.save_draft()
    assert extra == []
    assert ana.lib.load_record(pid).study.n_enrolled == 39 and ana.dirty and ana.record.study.n_enrolled == 40
    assert "nothing was saved" in ana.statusBar().currentMessage()


def test_a_paper_open_elsewhere_shows_who_has_it(windows, qtbot):
    ana, ben, pid = windows
    qtbot.waitUntil(lambda: ana.team_banner.isVisible() and ana.team_banner.text() == "Ben has this paper open",
                    timeout=3000)
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "12")  # Ben starts editing (unsaved)
    assert ben.dirty
    qtbot.waitUntil(lambda: ana.team_banner.text() == "Ben is editing this paper", timeout=3000)
    row = ana.paper_model.row_of(pid)
    col = ana.paper_model.columnCount() - 1
    assert ana.paper_model.index(row, col).data() == "✎ Ben"
    assert ana.paper_model.index(row, 1).data(Qt.ItemDataRole.DecorationRole) is not None  # a badge by the title
    assert "Ana" in ben.team_banner.text()  # and Ben sees Ana
    ben.close()  # Ben's window goes: so does his presence
    qtbot.waitUntil(lambda: not ana.team_banner.isVisible(), timeout=3000)
    assert ana.paper_model.index(row, col).data() == ""
    assert ana.paper_model.index(row, 1).data(Qt.ItemDataRole.DecorationRole) is None


def test_a_save_by_another_curator_appears_in_the_open_form_within_two_seconds(windows, qtbot):
    ana, ben, pid = windows
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "38")
    assert ben.save_draft()
    qtbot.waitUntil(lambda: _study(ana, "n_enrolled") == "38", timeout=2000)  # Ana had not edited it
    assert not ana.dirty and ana.record.study.n_enrolled == 38
    assert "Ben saved this paper" in ana.statusBar().currentMessage()

    # Ana edits; Ben saves again: her edit stays, she is told, and her save merges both
    ana.forms.notes.notes.setPlainText("Ana's note")
    ben.forms.study_form.set_value("disease", "B-ALL")
    assert ben.save_draft()
    qtbot.waitUntil(lambda: "Ben saved a newer version — your edits will be merged on save"
                    in ana.team_banner.text(), timeout=2000)
    assert ana.forms.notes.notes.toPlainText() == "Ana's note" and _study(ana, "disease") != "B-ALL"
    assert ana.save_draft()
    stored = ana.lib.load_record(pid)
    assert stored.study.disease == "B-ALL" and stored.notes == "Ana's note"
    assert "newer version" not in ana.team_banner.text()


def test_a_verification_by_another_curator_reaches_the_list(windows, qtbot):
    ana, ben, pid = windows
    status_of = lambda: ana.paper_model.summary(ana.paper_model.row_of(pid)).status  # noqa: E731
    assert status_of() == "draft"
    assert ben.exclude_paper("not CAR-T")
    qtbot.waitUntil(lambda: status_of() == "excluded", timeout=2000)


def test_a_save_the_library_cannot_take_is_kept_and_saved_when_it_is_back(windows, qtbot, tmp_path):
    ana, ben, pid = windows
    ana.team.retry_timer.setInterval(200)
    ana.lib.conn.execute("PRAGMA busy_timeout = 50")
    ana.forms.notes.notes.setPlainText("typed while the library was away")
    blocker = sqlite3.connect(ana.lib.path, isolation_level=None)  # the library held elsewhere, as if unreachable
    blocker.execute("BEGIN IMMEDIATE")
    try:
        assert not ana.save_draft()
        assert "cannot be reached" in ana.statusBar().currentMessage() and "kept on this computer" in \
            ana.statusBar().currentMessage()
        assert ana.team.pending_save and ana.dirty and "will be saved when it is back" in ana.team_banner.text()
        assert offline.load(ana.lib, pid)[0]["notes"] == "typed while the library was away"
        assert ana.warnings == []  # no modal box: the curator keeps working
        qtbot.wait(400)  # retries fail quietly while it is away
        assert ana.team.pending_save
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    qtbot.waitUntil(lambda: not ana.team.pending_save, timeout=3000)
    assert ana.lib.load_record(pid).notes == "typed while the library was away" and not ana.dirty
    assert "your edits are saved" in ana.statusBar().currentMessage()
    assert offline.load(ana.lib, pid) is None and "cannot be reached" not in ana.team_banner.text()


def test_recovering_edits_kept_on_this_computer(windows, qtbot):
    """Curator closed (or crashed) while the library was away: opening the paper again offers them."""
    ana, ben, pid = windows
    rec = curation.load(ana.lib, pid)
    rec.notes = "kept locally"
    offline.keep(ana.lib, pid, record_to_dict(rec))
    ana.ask_unsaved = lambda: "discard"
    ana.paper_id = None  # open it afresh
    assert ana.open_paper(pid)
    assert ana.forms.notes.notes.toPlainText() == "kept locally" and ana.dirty
    assert "Recovered unsaved edits" in ana.statusBar().currentMessage()


def test_a_change_notice_from_the_library_wakes_the_window_at_once(qtbot, tmp_path, monkeypatch):
    """An engine with change notices (PostgreSQL's LISTEN/NOTIFY) gives its Library `listen_changes`:
    the window polls as soon as it is woken (from the listener's thread), not at its next tick."""
    import threading

    listeners = []

    def listen_changes(lib, wake):
        entry = [lib, wake, False]
        listeners.append(entry)
        return lambda: entry.__setitem__(2, True)

    monkeypatch.setattr(Library, "listen_changes", listen_changes, raising=False)
    ana, ben, pid = _two_windows(qtbot, tmp_path, monkeypatch)
    (ana_wake,) = [w for lib, w, _ in listeners if lib is ana.lib]
    ana.team.poll_timer.setInterval(60_000)  # no tick during the test: only the notice can bring the news
    ana.team.poll_timer.start()
    qtbot.wait(300)  # a poll already under way ends
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "37")
    assert ben.save_draft()
    qtbot.wait(300)
    assert _study(ana, "n_enrolled") != "37"  # not polled: no news yet
    threading.Thread(target=ana_wake).start()
    qtbot.waitUntil(lambda: _study(ana, "n_enrolled") == "37", timeout=1000)
    ana.close()
    assert [stopped for lib, _w, stopped in listeners if lib is ana.lib] == [True]


def test_an_import_by_another_curator_reaches_the_list(windows, qtbot, tmp_path):
    ana, ben, pid = windows
    before = ana.paper_model.rowCount()
    copy = tmp_path / "new.ris"
    copy.write_text("TY  - JOUR\nTI  - Tocilizumab for grade 3 CRS after axicabtagene ciloleucel\n"
                    "AB  - A case of grade 3 cytokine release syndrome treated with tocilizumab.\nPY  - 2024\n"
                    "ER  - \n", encoding="utf-8")
    ben.import_paths([str(copy)]).wait()
    assert ben.paper_model.rowCount() == before + 1
    qtbot.waitUntil(lambda: ana.paper_model.rowCount() == before + 1, timeout=2000)
    assert ana.paper_id == pid and ana.paper_view.currentIndex().row() == ana.paper_model.row_of(pid)


def test_a_library_that_cannot_be_read_pauses_the_live_view_and_says_so(windows, qtbot, monkeypatch, caplog):
    from curator.store import team_queries

    ana, ben, pid = windows
    real = team_queries.changes_after

    def gone(*_a, **_k):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(team_queries, "changes_after", gone)
    qtbot.waitUntil(lambda: "cannot be reached" in ana.statusBar().currentMessage(), timeout=3000)
    qtbot.wait(1500)  # more polls meet it: an answer said in the status bar, not an error logged each second
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "36")
    assert ben.save_draft()
    monkeypatch.setattr(team_queries, "changes_after", real)  # back
    qtbot.waitUntil(lambda: _study(ana, "n_enrolled") == "36", timeout=3000)  # nothing missed meanwhile
    assert not ana.team.library_lost and "cannot be reached" not in ana.statusBar().currentMessage()


def test_edits_undone_after_another_save_show_that_save(windows, qtbot):
    ana, ben, pid = windows
    ana.forms.show_tab("study")
    ana.forms.study_form.set_value("disease", "DLBCL")  # Ana edits…
    assert ana.dirty
    ben.forms.show_tab("study")
    ben.forms.study_form.set_value("n_enrolled", "35")
    assert ben.save_draft()  # …Ben saves
    qtbot.waitUntil(lambda: "Ben saved a newer version" in ana.team_banner.text(), timeout=2000)
    ana.forms.undo.undo()  # Ana takes her edit back: nothing of hers to merge
    qtbot.waitUntil(lambda: _study(ana, "n_enrolled") == "35", timeout=2000)
    assert not ana.dirty and "newer version" not in ana.team_banner.text()
