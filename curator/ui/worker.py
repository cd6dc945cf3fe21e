"""One way to run long work off the GUI thread: a QThread running a plain function.

The function gets `progress(done, total, message)` and a `threading.Event` to honour for Cancel;
results and errors come back as signals, delivered on the GUI thread.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal


class Task(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[..., Any], parent=None):
        super().__init__(parent)
        self.fn = fn
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:  # runs in the worker thread
        try:
            result = self.fn(lambda d, t, m="": self.progressed.emit(int(d), int(t), str(m)), self.cancel_event)
        except Exception as exc:  # reported to the GUI, which keeps running
            self.failed.emit(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=4)}")
        else:
            self.succeeded.emit(result)
