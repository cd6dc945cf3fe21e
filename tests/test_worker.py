"""The one background helper (ui/worker.LibraryOp) and the one "changes applied" signal (ChangeHub)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget

from curator.services.changes import Changes
from curator.services.library import open_library
from curator.ui.worker import ChangeHub, LibraryOp


@pytest.fixture
def lib(tmp_path):
    lib, _ = open_library(tmp_path / "lib.sqlite", seed=True)
    yield lib
    lib.close()


@pytest.fixture
def parent(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    return w


def test_runs_on_its_own_connection_off_the_gui_thread_then_publishes_changes(qtbot, lib, parent):
    hub = ChangeHub(parent)
    order: list[str] = []
    seen: dict = {}
    hub.applied.connect(lambda ch: order.append(f"changes {ch.paper_ids}"))

    def work(conn, progress, cancel):
        seen["thread"] = threading.current_thread()
        seen["conn"] = conn
        seen["same_file"] = conn.path == lib.path
        progress(1, 2, "half way")
        return conn.paper_count()

    op = LibraryOp(parent, lib, work, changes=lambda n: Changes(paper_ids=[n]), hub=hub)
    op.progressed.connect(lambda d, t, m: order.append(f"progress {d}/{t} {m}"))
    op.success(lambda n: order.append(f"success {n}")).failure(lambda m: order.append("failure"))
    op.finished.connect(lambda: order.append("finished"))
    with qtbot.waitSignal(op.finished, timeout=10000):
        op.run_in_background()
    assert order == ["progress 1/2 half way", "changes [2]", "success 2", "finished"]
    assert seen["thread"] is not threading.main_thread() and seen["conn"] is not lib and seen["same_file"]
    assert seen["conn"].read_only is False
    with pytest.raises(Exception, match="closed"):  # the second connection was closed in its thread
        seen["conn"].paper_count()
    assert op.done and not op.running and op.result == 2


def test_a_failure_is_reported_and_publishes_nothing(qtbot, lib, parent):
    hub = ChangeHub(parent)
    published, failures = [], []
    hub.applied.connect(published.append)

    def work(conn, progress, cancel):
        raise OSError("disk full")

    op = LibraryOp(parent, lib, work, changes=lambda _r: Changes(papers=True), hub=hub).failure(failures.append)
    op.run_in_background()
    assert op.wait(10000)
    assert published == [] and len(failures) == 1 and failures[0].startswith("OSError: disk full")
    assert op.error == failures[0]


def test_cancel_reaches_the_operation(qtbot, lib, parent):
    started = threading.Event()

    def work(conn, progress, cancel):
        started.set()
        while not cancel.wait(0.01):
            pass
        return "stopped"

    op = LibraryOp(parent, lib, work).run_in_background()
    assert started.wait(10)
    assert op.running
    op.cancel()
    assert op.wait(10000) and op.result == "stopped"


def test_read_only_ops_get_a_read_only_connection(qtbot, lib, parent):
    def work(conn, progress, cancel):
        return conn.read_only

    op = LibraryOp(parent, lib, work, read_only=True).run_in_background()
    assert op.wait(10000) and op.result is True


def test_the_hub_ignores_empty_changes(parent):
    hub = ChangeHub(parent)
    got = []
    hub.applied.connect(got.append)
    hub.publish(Changes())
    hub.publish(None)
    hub.publish(Changes(paper_ids=[3]))
    assert [c.paper_ids for c in got] == [[3]]


def test_writes_run_one_after_another_and_a_queued_cancel_never_starts(qtbot, lib, parent):
    release = threading.Event()
    log: list[str] = []

    def first(conn, progress, cancel):
        log.append("first started")
        release.wait(10)
        log.append("first done")
        return 1

    def second(conn, progress, cancel):
        log.append("second started")
        return 2

    op1 = LibraryOp(parent, lib, first).run_in_background()
    op2 = LibraryOp(parent, lib, second).run_after(op1)
    op3 = LibraryOp(parent, lib, second).failure(lambda m: log.append("op3 failure")).run_after(op2)
    op3.cancel()  # cancelled while queued
    assert op2.running and op2.queued
    qtbot.wait(100)
    assert "second started" not in log
    release.set()
    assert op2.wait(10000) and op3.wait(10000)
    assert log == ["first started", "first done", "second started"]
    assert op1.result == 1 and op2.result == 2 and op3.result is None and not op3.running


def test_window_stops_its_operations_when_it_closes(qtbot, tmp_path):
    from tests.ui_helpers import make_window

    win = make_window(qtbot, tmp_path)
    started = threading.Event()

    def endless(conn, progress, cancel):
        started.set()
        while not cancel.wait(0.01):
            pass
        return "stopped"

    op = win.run_op(endless, None, "Test", "Working…", lambda r: None, "failed")
    queued = win.run_op(endless, None, "Test", "Working…", lambda r: None, "failed")
    assert started.wait(10) and queued.queued
    win.close()
    assert op.done and op.result == "stopped" and queued.done and queued.result is None and win.ops == []
