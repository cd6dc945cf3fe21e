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
    qtbot.addWidget(win)
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
        qtbot.keyClicks(editor, text)
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
