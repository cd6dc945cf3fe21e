"""Opening a team library from the window connects off the GUI thread (issue 18): the window keeps
running while a slow server answers, "Connecting to <server>…" with Cancel is shown, Cancel leaves the
open library as it was and closes the connection that arrives late. (The password asked meanwhile, on
the GUI thread: tests/test_team_open.py.)"""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton

from curator.store import postgres
from tests.ui_helpers import make_window

pytest.importorskip("psycopg")

SLOW = 1.0  # seconds each connection to the server takes in these tests


@pytest.fixture
def slow_server(monkeypatch):
    """Every connection to the server takes SLOW seconds; records the raw connections and their threads."""
    made: list = []
    threads: list[threading.Thread] = []
    real = postgres._raw_connect

    def slow(*args, **kwargs):
        threads.append(threading.current_thread())
        time.sleep(SLOW)
        conn = real(*args, **kwargs)
        made.append(conn)
        return conn

    monkeypatch.setattr(postgres, "_raw_connect", slow)
    return made, threads


def _progress(win) -> QProgressDialog | None:
    shown = [d for d in win.findChildren(QProgressDialog) if d.isVisible()]
    return shown[0] if shown else None


def test_a_slow_server_leaves_the_window_running_and_the_library_opens(qtbot, tmp_path, pg_url, slow_server):
    made, threads = slow_server
    win = make_window(qtbot, tmp_path)
    ticks: list[float] = []
    labels: list[str] = []

    def tick():
        ticks.append(time.monotonic())
        dlg = _progress(win)
        if dlg is not None:
            labels.append(dlg.labelText())

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(50)
    start = time.monotonic()
    try:
        assert win.switch_library(pg_url)
    finally:
        timer.stop()
    took = time.monotonic() - start
    assert took >= SLOW
    # the event loop ran all along: a tick at least every ~0.2 s of the connect, none held up by it
    during = [t for t in ticks if start <= t <= start + took]
    assert len(during) >= SLOW / 0.2, (len(during), took)
    gaps = [b - a for a, b in zip([start, *during], during)]
    assert max(gaps) < SLOW / 2, gaps
    assert threads and threads[0] is not threading.main_thread()  # connected in the worker
    assert labels and labels[-1].startswith("Connecting to ") and "port" in labels[-1]
    assert win.lib.engine == "postgresql" and win.lib.paper_count() == 0
    assert win._connecting.done and _progress(win) is None
    win.close()


def test_cancel_keeps_the_open_library_and_closes_the_late_connection(qtbot, tmp_path, pg_url, slow_server):
    made, _threads = slow_server
    win = make_window(qtbot, tmp_path)
    old, old_path, papers = win.lib, win.lib.path, win.lib.paper_count()
    assert papers > 0
    cancelled: list[float] = []

    def tick():
        dlg = _progress(win)
        if dlg is not None and not cancelled:
            cancelled.append(time.monotonic())
            dlg.findChild(QPushButton).click()  # its Cancel button

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(30)
    start = time.monotonic()
    try:
        assert win.switch_library(pg_url) is False
    finally:
        timer.stop()
    returned = time.monotonic()
    assert cancelled and returned - start < SLOW  # back at once, not when the server answers
    assert win.lib is old and win.lib.path == old_path and win.lib.paper_count() == papers
    assert win.warnings == []  # a cancel is no error
    op = win._connecting
    assert op.running and not made  # the connection has not arrived yet
    assert op.wait(20000)  # ... it arrives, and is closed then
    assert made and all(conn.closed for conn in made)
    assert win.lib is old and win.lib.engine == "sqlite" and win.lib.paper_count() == papers
    assert win.switch_library(pg_url)  # and the server library opens the next time
    assert win.lib.engine == "postgresql"
    win.close()
