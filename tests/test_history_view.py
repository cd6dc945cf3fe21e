"""A history you can read (issue 17 item 7): the record's saved changes named as the form names them,
in a sortable, filterable table opened with Ctrl+H; "Restore this value" puts an earlier value back
into the form as one undoable edit that is saved like any other."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from curator.domain.history import CURATOR, EXTRACTOR
from curator.domain.outcomes import Comparison, Record, Study
from curator.services import curation
from curator.services.history import record_history
from curator.services.library import open_library
from curator.services.suggest import suggest_library
from curator.ui.history_view import COLUMNS
from tests.ui_helpers import make_window, select_paper_titled, type_into_cell

CTRL = Qt.KeyboardModifier.ControlModifier


def test_history_entries_use_the_form_labels_and_say_who_made_them(tmp_path):
    lib, _ = open_library(tmp_path / "lib.sqlite", seed=True)
    pid = lib.list_papers(search="pediatric emapalumab")[0].id
    suggest_library(lib, [pid])  # the batch suggester saves a draft: the extractor's changes
    rec = curation.load(lib, pid)
    assert rec.comparisons
    first = rec.comparisons[0]
    old_a = first.value_a
    first.value_a = 999.0
    rec.study.n_enrolled = 40
    curation.save_draft(lib, rec, "Ada")
    entries = record_history(lib, pid)
    by = {e.by for e in entries}
    assert by == {EXTRACTOR, CURATOR}
    mine = [e for e in entries if e.who == "Ada"]
    va = next(e for e in mine if e.field == "value_a")
    assert va.what == f"Comparisons row 1 ({first.analyte})" and va.field_label == "Before / A"
    assert (va.old, va.new, va.restorable) == (str(old_a), "999.0", True)
    n = next(e for e in mine if e.field == "n_enrolled")
    assert (n.what, n.field_label) == ("Study", "N enrolled")
    added = next(e for e in entries if e.field == "(row added)" and e.table == "comparisons")
    assert added.field_label == "row added" and "Analyte" in added.new and not added.restorable
    lib.close()


def _comparison_row(win, analyte: str) -> int:
    m = win.forms.models[Comparison]
    return next(i for i, r in enumerate(m.rows) if r.analyte == analyte)


def test_history_table_sorts_filters_and_restores_as_one_undo_step(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    qtbot.keyClick(win, Qt.Key.Key_G, CTRL)  # Suggest
    win.accept_all()
    assert win.save_draft()
    m = win.forms.models[Comparison]
    row = _comparison_row(win, "IL-2")
    table = win.forms.tables[Comparison]
    win.forms.setCurrentIndex(win.forms.tab_for(Comparison))
    type_into_cell(qtbot, table, row, m.column_of("value_a"), "33.5")  # a slip…
    assert win.save_draft()
    assert m.rows[row].value_a == 33.5

    qtbot.keyClick(win, Qt.Key.Key_H, CTRL)
    dlg = win.history_dialog
    qtbot.waitExposed(dlg)
    view, proxy = dlg.table, dlg.proxy
    total = proxy.rowCount()
    assert total > 10 and dlg.count.text() == f"{total} change(s)"
    assert [proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "When", "Who", "By", "What", "Field", "Old value", "New value"]
    # newest first: the slip is on top
    top = [proxy.index(0, c).data() for c in range(len(COLUMNS))]
    assert top[1:] == ["Test Curator", "curator", f"Comparisons row {row + 1} (IL-2)", "Before / A", "32.35",
                       "33.5"]
    # sort by Field (click its header), then filter
    field_col = 4
    header = view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(field_col) + 5, 5))
    assert header.sortIndicatorSection() == field_col
    fields = [proxy.index(r, field_col).data() for r in range(proxy.rowCount())]
    assert fields == sorted(fields, key=str.casefold) or fields == sorted(fields, key=str.casefold, reverse=True)
    qtbot.keyClicks(dlg.filter, "IL-2")
    assert 0 < proxy.rowCount() < total
    assert all(any("IL-2" in (proxy.index(r, c).data() or "") for c in range(len(COLUMNS)))
               for r in range(proxy.rowCount()))
    assert dlg.count.text() == f"{proxy.rowCount()} of {total} change(s)"
    # pick the slip and restore its old value
    hit = next(r for r in range(proxy.rowCount()) if proxy.index(r, field_col).data() == "Before / A"
               and proxy.index(r, 6).data() == "33.5")
    view.setCurrentIndex(proxy.index(hit, 0))
    assert dlg.restore_button.isEnabled()
    undo_before = win.forms.undo.count()
    qtbot.mouseClick(dlg.restore_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert m.rows[row].value_a == 32.35
    assert win.dirty
    assert win.forms.undo.count() == undo_before + 1  # one undo step
    win.forms.undo.undo()
    assert m.rows[row].value_a == 33.5
    win.forms.undo.redo()
    assert m.rows[row].value_a == 32.35
    assert win.save_draft()  # the normal save path: stored, and itself in the history
    assert win.lib.load_record(pid).comparisons[row].value_a == 32.35
    last = record_history(win.lib, pid)[-1]
    assert (last.field, last.old, last.new) == ("value_a", "33.5", "32.35")

    # a removed row's values cannot be restored into it
    dlg.filter.clear()
    added = next(r for r in range(proxy.rowCount()) if proxy.index(r, field_col).data() == "row added")
    view.setCurrentIndex(proxy.index(added, 0))
    assert not dlg.restore_button.isEnabled()
    dlg.close()


def test_restoring_a_study_value_updates_the_study_form(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    win.forms.study_form.set_value("n_enrolled", "38")
    assert win.save_draft()
    win.forms.study_form.set_value("n_enrolled", "39")
    assert win.save_draft()
    entry = next(e for e in reversed(record_history(win.lib, pid, win.record)) if e.field == "n_enrolled")
    assert (entry.what, entry.field_label, entry.old) == ("Study", "N enrolled", "38")
    assert win.restore_history_value(entry)
    assert win.forms.models[Study].rows[0].n_enrolled == 38
    assert win.forms.study_form.widgets["n_enrolled"].text() == "38"
    assert isinstance(win.record, Record)
