"""The one way to run library work off the GUI thread, and the one "changes applied" signal.

    LibraryOp(window, lib, lambda lib2, progress, cancel: import_files(lib2, paths, progress, cancel),
              changes=changes.of_import, hub=window.changes) \\
        .with_progress("Import", "Importing…").success(show_report).failure(show_error).run_in_background()

The operation runs in a worker thread on its OWN connection to the library (a second one, opened and
closed in that thread; read-only when asked), gets `progress(done, total, message)` and a
`threading.Event` it honours for Cancel. On the GUI thread, in this order: the Changes it made are
published on the hub (`ChangeHub.applied`) so every view refreshes itself, then `success(result)`;
or `failure(message)`; then `finished`. Tests wait with `qtbot.waitSignal(op.finished)` or `op.wait()`.
Work that needs no library (connecting to one) passes `lib=None` and gets None; a question only the
curator can answer (a password) is put on the GUI thread with `op.asker(fn)`.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from curator.services.changes import Changes
from curator.services.library import Library, second_connection

log = logging.getLogger("curator.ui")

ProgressFn = Callable[[int, int, str], None]


class ChangeHub(QObject):
    """A window's one "changes applied" signal: every write (a save on the GUI thread, an import in
    the background) publishes what it changed here, and each view re-reads what it shows."""

    applied = Signal(object)  # services.changes.Changes

    def publish(self, changes: Changes | None) -> None:
        if changes is not None and not changes.empty:
            self.applied.emit(changes)


class _Thread(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, run: Callable[[ProgressFn, threading.Event], Any], cancel: threading.Event, parent=None):
        super().__init__(parent)
        self._run = run
        self._cancel = cancel

    def run(self) -> None:  # the worker thread
        try:
            result = self._run(lambda d, t, m="": self.progressed.emit(int(d), int(t), str(m)), self._cancel)
        except Exception as exc:  # reported on the GUI thread, which keeps running
            log.exception("background operation failed")
            self.failed.emit(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=4)}")
        else:
            self.succeeded.emit(result)


class _Asker(QObject):
    """Runs `fn(question)` on the GUI thread (where it was made) for a worker thread that waits."""

    asked = Signal(object)

    def __init__(self, fn: Callable[[Any], Any], cancel: threading.Event, parent: QObject):
        super().__init__(parent)
        self._fn, self._cancel = fn, cancel
        self.asked.connect(self._ask, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _ask(self, box: dict) -> None:
        try:
            if not self._cancel.is_set():  # cancelled meanwhile: nobody waits for the answer
                box["answer"] = self._fn(box["question"])
        finally:
            box["done"].set()


class LibraryOp(QObject):
    progressed = Signal(int, int, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, parent: QWidget, lib: Library | None, op: Callable[[Library, ProgressFn, threading.Event], Any],
                 changes: Callable[[Any], Changes] | None = None, hub: ChangeHub | None = None,
                 read_only: bool = False, connection: Library | None = None):
        super().__init__(parent)
        self._parent = parent
        self._lib, self._op, self._changes, self._hub = lib, op, changes, hub
        # a connection of the caller's own to run on, kept open (a poller's: one operation at a time
        # uses it); None: the operation opens its own and closes it
        self._connection = connection
        self._read_only = read_only or (lib is not None and lib.read_only)
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[str], None] | None = None
        self._dialog: tuple[str, str] | None = None
        self.cancel_event = threading.Event()
        self.done = False
        self.result: Any = None
        self.error: str | None = None
        self._thread: _Thread | None = None
        self.queued = False  # waiting for an earlier write (run_after)
        self._progress_dialog: QProgressDialog | None = None

    # --- configuring ------------------------------------------------------------------------------
    def success(self, fn: Callable[[Any], None]) -> LibraryOp:
        self._success = fn
        return self

    def failure(self, fn: Callable[[str], None]) -> LibraryOp:
        self._failure = fn
        return self

    def with_progress(self, title: str, label: str) -> LibraryOp:
        """A progress dialog with Cancel, shown only when the work lasts longer than 0.6 s."""
        self._dialog = (title, label)
        return self

    # --- running ----------------------------------------------------------------------------------
    def run_in_background(self) -> LibraryOp:
        if self.done or self._thread is not None:
            return self
        if self.cancel_event.is_set():  # cancelled while queued: it never starts, and says nothing
            self.error = "cancelled before it started"
            self._finish()
            return self
        path_lib, op, read_only, kept = self._lib, self._op, self._read_only, self._connection

        def run(progress: ProgressFn, cancel: threading.Event) -> Any:
            if kept is not None or path_lib is None:  # None: work that needs no library (opening one)
                return op(kept, progress, cancel)
            lib = second_connection(path_lib, read_only=read_only)
            try:
                return op(lib, progress, cancel)
            finally:
                lib.close()

        thread = _Thread(run, self.cancel_event, self)
        self._thread = thread
        dlg = None
        if self._dialog is not None:
            dlg = QProgressDialog(self._dialog[1], "Cancel", 0, 0, self._parent)
            dlg.setWindowTitle(self._dialog[0])
            dlg.setMinimumDuration(600)
            dlg.setWindowModality(Qt.WindowModality.WindowModal)
            dlg.canceled.connect(self.cancel)
            # shown at 0.6 s even when no progress comes (QProgressDialog waits for a setValue): a connect
            QTimer.singleShot(600, dlg, lambda: dlg.show() if self._progress_dialog is dlg else None)
            self.progressed.connect(lambda d, t, m: (dlg.setMaximum(max(t, 1)), dlg.setValue(d),
                                                     dlg.setLabelText(m or self._dialog[1])))
        self._progress_dialog = dlg
        thread.progressed.connect(self.progressed)
        thread.succeeded.connect(self._succeeded)
        thread.failed.connect(self._failed)
        thread.start()
        return self

    def run_after(self, previous: LibraryOp | None) -> LibraryOp:
        """Start once `previous` has finished (at once if it has): writes to a library run one at a
        time, so two of them never wait on each other's transactions."""
        if previous is None or previous.done:
            return self.run_in_background()
        self.queued = True
        previous.finished.connect(self.run_in_background)
        return self

    @property
    def running(self) -> bool:
        """Started or queued, and not finished yet."""
        return (self._thread is not None or self.queued) and not self.done

    def cancel(self) -> None:
        if not self.cancel_event.is_set():
            self.cancel_event.set()
            self.cancelled.emit()

    def asker(self, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """A function for the operation's thread that asks `fn(question)` on the GUI thread (a dialog)
        and waits for the answer; None when the operation is cancelled meanwhile. Make it on the GUI thread."""
        gui = _Asker(fn, self.cancel_event, self)

        def ask(question: Any) -> Any:
            box: dict[str, Any] = {"question": question, "done": threading.Event()}
            gui.asked.emit(box)
            while not box["done"].wait(0.05):
                if self.cancel_event.is_set():
                    return None
            return None if self.cancel_event.is_set() else box.get("answer")

        return ask

    def wait(self, timeout_ms: int = 60000, or_cancelled: bool = False) -> bool:
        """Run the event loop until the operation has finished (its callbacks too), or with
        `or_cancelled` until Cancel too: for tests, closing a window and waiting for a library to open.
        True when it finished in time."""
        if self.done or not self.running:
            return self.done
        loop = QEventLoop()
        self.finished.connect(loop.quit)
        if or_cancelled:
            if self.cancel_event.is_set():
                return self.done
            self.cancelled.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        return self.done

    def _close_dialog(self) -> None:
        if self._progress_dialog is not None:
            self._progress_dialog.reset()
            self._progress_dialog.deleteLater()
            self._progress_dialog = None

    def _succeeded(self, result: Any) -> None:
        self._close_dialog()
        self.result = result
        try:
            if self._hub is not None and self._changes is not None:
                self._hub.publish(self._changes(result))
            if self._success is not None:
                self._success(result)
        finally:
            self._finish()

    def _failed(self, message: str) -> None:
        self._close_dialog()
        self.error = message
        try:
            if self._failure is not None:
                self._failure(message)
            else:
                QMessageBox.critical(self._parent, "Operation failed", message)
        finally:
            self._finish()

    def _finish(self) -> None:
        if self._thread is not None:
            self._thread.wait()  # run() has returned: the thread is ending
        self.done = True
        self.finished.emit()
