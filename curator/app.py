"""Composition root: QApplication, settings, logging, the library, the main window; `snapshot`."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer

from curator import __version__, desktop, paths
from curator.services.library import (
    CannotOpen,
    LibraryInUse,
    data_dir,
    default_library_path,
    is_server_location,
    library_path,
    log_dir,
    open_locked,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

# QtGui and QtWidgets are imported where they are used, after `desktop.problem()` has looked for the
# system libraries they need: on a bare Linux desktop the import itself would fail with a loader error.

log = logging.getLogger("curator")
LIBRARY_SUFFIXES = {".sqlite", ".sqlite3", ".db", ".curator"}


def settings() -> QSettings:
    folder = os.environ.get("CURATOR_CONFIG_DIR")
    if folder:
        return QSettings(str(Path(folder) / "curator.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Curator", "Curator")


def setup_logging() -> Path:
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "curator.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("curator")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def install_excepthook(log_path: Path) -> None:
    """An unexpected exception is logged and shown; the app keeps running."""

    from PySide6.QtWidgets import QApplication, QMessageBox

    def hook(exc_type, exc, tb):
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unexpected error\n%s", text)
        app = QApplication.instance()
        if app is not None and not os.environ.get("CURATOR_NO_ERROR_DIALOG"):
            box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                              f"{exc_type.__name__}: {exc}\n\nYour saved work is safe. Details are in the log:\n"
                              f"{log_path}")
            box.setDetailedText(text)
            box.exec()
        else:
            sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def make_app(argv: list[str] | None = None) -> QApplication:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Curator")
    app.setOrganizationName("Curator")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.curator.Curator")  # docks match the window to its .desktop entry
    icon = paths.resources() / "icons" / "curator.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def build_window(library: str | Path | None, s: QSettings, ask_read_only=None):
    """Open the library (the one asked for, else the last one, else the default) and its window.

    A library already open in another Curator window is offered read-only (`ask_read_only(holder)`
    decides; the default asks with a dialog). Returns None when the curator declines or the library
    cannot be opened (after saying why)."""
    from PySide6.QtWidgets import QMessageBox

    from curator.ui.main_window import MainWindow, ask_read_only_dialog
    from curator.ui.team_open_dialog import ask_password_dialog

    # a file path, or a team library's postgresql:// URL (kept as it is: services.library.library_path)
    path = library_path(library or s.value("library", "", type=str) or None)
    if library is None and not is_server_location(path) and not path.exists() and path != default_library_path():
        path = default_library_path()
    try:  # on this thread even for a server library: no window yet to keep responsive (the window's
        # switch_library connects off the GUI thread)
        opened = open_locked(path, seed=True if path == default_library_path() else None,
                             if_locked=ask_read_only or ask_read_only_dialog,
                             ask_password=None if os.environ.get("CURATOR_NO_ERROR_DIALOG") else ask_password_dialog)
    except LibraryInUse:
        return None
    except CannotOpen as exc:
        log.error("cannot open library: %s", exc)
        if not os.environ.get("CURATOR_NO_ERROR_DIALOG"):
            QMessageBox.critical(None, "Cannot open library", str(exc))
        else:
            print(f"curator: {exc}", file=sys.stderr)
        return None
    win = MainWindow(opened.lib, s)
    win.lock = opened.lock
    win.first_run = opened.created
    win.seed_report = opened.report
    return win


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="curator-gui")
    p.add_argument("--library")
    p.add_argument("files", nargs="*", help="a library to open, or papers to import")
    args = p.parse_args(argv if argv is not None else sys.argv[1:])
    trouble = desktop.problem()  # missing system libraries: say which packages, not Qt's abort
    if trouble:
        print(trouble, file=sys.stderr)
        return desktop.EXIT_CODE
    to_import = []
    for f in args.files:
        if Path(f).suffix.lower() in LIBRARY_SUFFIXES and args.library is None:
            args.library = f
        else:
            to_import.append(f)
    app = make_app()
    log_path = setup_logging()
    install_excepthook(log_path)
    s = settings()
    win = build_window(args.library, s)
    if win is None:
        return 1
    win.restore_state()  # the last session's size, or (first run) one that fits the screen
    win.show()
    if win.lib.read_only_reason:  # a newer Curator's library, read-only media
        QTimer.singleShot(0, lambda: win.warn("Opened read-only", win.lib.read_only_reason))
    last = s.value("last_paper", None)
    QTimer.singleShot(0, lambda: _open_initial(win, int(last) if last else None))
    if win.first_run:
        QTimer.singleShot(200, lambda: _welcome(win))
    if to_import:
        QTimer.singleShot(100, lambda: win.import_paths(to_import))
    return app.exec()


def _open_initial(win, paper_id: int | None) -> None:
    if paper_id is not None and win.select_paper(paper_id):
        return
    if win.paper_model.rowCount():
        win.paper_view.selectRow(0)


def _welcome(win) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.information(
        win, "Welcome to Curator",
        "<p>Your library was created with two sample papers.</p>"
        "<p><b>Import</b> your own with File ▸ Import papers… (Ctrl+I) or drop PubMed XML, MEDLINE, RIS, "
        "BibTeX or text exports onto the window.</p>"
        "<p>Pick a paper, press <b>Suggest</b> (Ctrl+G) to pre-fill the forms from its abstract, check each "
        "value against its highlighted sentence, then <b>Save</b> (Ctrl+S) and <b>Verify</b> (Ctrl+Enter).</p>")


def snapshot(out: Path, library: str | None = None, paper_id: int | None = None,
             size: tuple[int, int] | None = (1280, 800), tab: str | None = None) -> int:
    """Render the main window offscreen to a PNG and exit. `size` None: the first-run size on this screen.
    An unknown `tab` is refused (exit code 2) naming the tabs there are."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("CURATOR_NO_ERROR_DIALOG", "1")
    app = make_app()
    s = settings()
    win = build_window(library, s, ask_read_only=lambda _holder: True)
    if win is None:
        return 2
    if size is None:
        win.fit_to_screen()
    else:
        win.keep_on_screen = False  # the size asked for, even larger than the offscreen screen
        win.resize(*size)
    win.show()
    app.processEvents()
    target = paper_id
    if target is None and win.paper_model.rowCount():
        target = win.paper_model.ids[0]
    if target is not None and not win.select_paper(target):
        print(f"snapshot: no paper with id {target} in {win.lib.path}", file=sys.stderr)
        return 2
    if tab and not win.show_tab(tab):
        names = [win.forms.tabText(i) for i in range(win.forms.count())]
        print(f"snapshot: no tab named {tab!r}; the form's tabs are {', '.join(names)}; the plots are "
              "Kinetics, Before / after, Survival, Across library (or 'plots')", file=sys.stderr)
        win.dirty = False
        win.lib.close()
        if win.lock is not None:
            win.lock.release()
        return 2
    for _ in range(5):
        app.processEvents()
    if win.reader_stack.currentWidget() is win.pdf_view:  # the PDF's pages render off the GUI thread
        from curator.ui.pdf_view import wait_rendered

        wait_rendered(win.pdf_view)
    win.redraw_plot()
    app.processEvents()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = win.grab().save(str(out))
    win.dirty = False
    win.pdf_view.close_document()  # its render thread ends before the process does
    win.lib.close()
    if win.lock is not None:
        win.lock.release()
    if not ok:
        print(f"snapshot: could not write {out}", file=sys.stderr)
        return 1
    print(out)
    return 0


def save_prisma_diagram(counts: dict, out: Path) -> Path:
    """`curator screen prisma --out FILE`: the PRISMA 2020 diagram as SVG/PNG (PNG needs Qt's SVG
    renderer, hence here, in the composition root) or its counts as CSV/JSON."""
    from curator.ui.prisma_view import save

    return save(counts, Path(out))


__all__ = ["main", "snapshot", "settings", "data_dir", "save_prisma_diagram"]
