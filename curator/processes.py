"""Worker processes that never outlive the process that started them (one rule for every pool).

A worker calls `start_worker(parent_pid)` first thing (a pool's initializer). It then ends when its
parent does, however the parent ends (kill -9 included), so no worker is left running with a file open,
and it runs at a lower CPU priority, so the parent (the GUI, the import's duplicate lookups and SQLite
writer) goes first whenever it has work.

Two ways, so that one is always there:
- Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG). It fires when the
  parent's *thread* that started the worker ends, so it is asked for only when the pool lives no longer
  than that thread (`follow_thread=True`, the bulk import); a pool kept across threads (screening) relies
  on the watchdog alone.
- Everywhere: a watchdog thread waits on multiprocessing's parent sentinel (a pipe the parent holds,
  closed by the OS when it dies), checks the parent pid, and exits the process.
With no worker left, multiprocessing's resource tracker sees its pipe close too and exits.
"""

from __future__ import annotations

import os
import sys
import threading


def start_worker(parent_pid: int, follow_thread: bool = True) -> None:
    if follow_thread and sys.platform.startswith("linux"):
        _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before this process could ask to follow it
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True).start()
    if hasattr(os, "nice"):
        try:
            os.nice(5)
        except OSError:  # not allowed here: run at the normal priority
            pass


def _die_with_parent() -> None:
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl here: the watchdog thread does it
        pass


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    """Exit this worker process as soon as the process that started it is gone."""
    import multiprocessing
    import time

    parent = multiprocessing.parent_process()
    while True:
        if parent is not None:
            parent.join(interval)  # returns at once when the parent's end of the sentinel pipe closes
            gone = not parent.is_alive() or os.getppid() != parent_pid
        else:
            time.sleep(interval)
            gone = os.getppid() != parent_pid
        if gone:
            os._exit(1)
