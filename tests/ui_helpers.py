"""Helpers for GUI tests: a main window on a fresh seeded library, typing into cells like a curator."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from curator.services.library import open_library
from curator.ui.main_window import MainWindow


def make_window(qtbot, tmp_path: Path, name: str = "Test Curator") -> MainWindow:
    lib, _ = open_library(tmp_path / "library.sqlite", seed=True)
    settings = QSettings(str(tmp_path / "curator.ini"), QSettings.Format.IniFormat)
    if name:
        settings.setValue("curator_name", name)
    win = MainWindow(lib, settings)
    win.ask_unsaved = lambda: "save"
    win.warnings = []
    win.warn = lambda title, text: win.warnings.append((title, text))  # no modal dialogs in tests
    win.gap_questions = []  # "verify an incomplete record?": recorded and answered yes (a test may replace it)
    win.ask_verify_gaps = lambda gaps: win.gap_questions.append(gaps) or True
    win.conflicts_shown = []  # a save met values changed meanwhile: recorded and declined (a test may decide)
    win.ask_conflicts = lambda stale: win.conflicts_shown.append(stale) or None
    qtbot.addWidget(win)
    win.keep_on_screen = False  # 1280×800 on the 800×800 offscreen screen, as asked
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    QApplication.processEvents()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    return win


def type_into_cell(qtbot, table, row: int, column: int, text: str) -> None:
    """Select the cell, start editing with F2, type, press Enter — as a curator would."""
    idx = table.model().index(row, column)
    table.setFocus()
    table.setCurrentIndex(idx)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = table.indexWidget(idx)  # the open editor of that cell
    assert editor is not None, f"F2 opened no editor at row {row}, column {column}"
    if isinstance(editor, QComboBox):
        editor.setCurrentText(text)
        qtbot.keyClick(editor.lineEdit() or editor, Qt.Key.Key_Return)
    else:
        assert isinstance(editor, QLineEdit), f"no line editor for column {column}: {editor!r}"
        editor.selectAll()
        if text.isascii():
            qtbot.keyClicks(editor, text)
        else:  # QTest types ASCII only: non-ASCII arrives as an input method (or paste) would insert it
            editor.insert(text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits and closes the editor in a queued call
    # a completer popup takes activation away from the window on the offscreen platform: give it back
    table.window().activateWindow()
    QApplication.processEvents()


def select_paper_titled(win: MainWindow, prefix: str) -> int:
    for row, pid in enumerate(win.paper_model.ids):
        if win.paper_model.summary(row).title.startswith(prefix):
            win.paper_view.selectRow(row)
            assert win.paper_id == pid
            return pid
    raise AssertionError(f"no paper titled {prefix!r}")


def select_in_reader(win: MainWindow, quote: str, occurrence: int = 0) -> None:
    """Select `quote` in the reader's abstract, as a curator dragging the mouse over it."""
    from PySide6.QtGui import QTextCursor

    text = win.reader.paper.abstract
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    a, b = win.reader.doc_pos(start), win.reader.doc_pos(start + len(quote))
    cur = QTextCursor(win.reader.document())
    cur.setPosition(a)
    cur.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
    win.reader.setTextCursor(cur)


def enter_row(qtbot, win: MainWindow, row_type, values: dict, quote: str | None = None) -> int:
    """Add a row to the table of `row_type`, type each value into its cell, and link every value to
    `quote` (select it in the reader, put the cursor on the cell, Ctrl+L)."""
    forms = win.forms
    forms.setCurrentIndex(forms.tab_for(row_type))
    table = forms.tables[row_type]
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    row = table.model().rowCount() - 1
    m = table.row_model
    for field, text in values.items():
        type_into_cell(qtbot, table, row, m.column_of(field), str(text))
        if quote:
            select_in_reader(win, quote)
            table.setFocus()
            table.setCurrentIndex(m.index(row, m.column_of(field)))
            qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    return row


def enter_study(qtbot, win: MainWindow, values: dict, quotes: dict | None = None) -> None:
    forms = win.forms
    forms.show_tab("study")
    for field, text in values.items():
        forms.study_form.set_value(field, str(text))
        q = (quotes or {}).get(field)
        if q:
            select_in_reader(win, q)
            w = forms.study_form.widgets[field]
            w.setFocus()
            forms._study_field = field
            qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
