"""A kill during a save leaves the library consistent, with the last saved draft present;
a library open in one window is offered read-only to the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from curator.services.library import open_library
from curator.store.library import Library
from curator.store.lock import LibraryLock

WRITER = textwrap.dedent("""
    import sys
    from curator.domain.outcomes import Measurement, Record
    from curator.services import curation
    from curator.store.library import Library
    lib = Library.open(sys.argv[1])
    pid = int(sys.argv[2])
    n = 0
    while True:
        n += 1
        rec = Record(paper_id=pid, notes=f"save {n}")
        # a big record, so a kill often lands in the middle of writing it
        rec.measurements = [Measurement(analyte="IL-6", day=d % 30, value=float(n * 1000 + d), unit="pg/mL")
                            for d in range(400)]
        curation.save_draft(lib, rec, "writer")
        print(n, flush=True)
""")


def test_kill_mid_save_leaves_library_consistent(tmp_path):
    path = tmp_path / "lib.sqlite"
    lib, _ = open_library(path, seed=True)
    pid = lib.list_papers()[0].id
    lib.close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(pid)], stdout=subprocess.PIPE,
                            text=True)
    last = 0
    deadline = time.time() + 60
    while last < 5 and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        last = int(line)
    time.sleep(0.013)  # land somewhere inside a later save
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert last >= 5, "the writer never got going"

    lib = Library.open(path)
    assert lib.integrity_check() == "ok"
    assert lib.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    rec = lib.load_record(pid)
    n = int(rec.notes.split()[1])
    assert n >= last  # the last save it reported is there (a later one may have committed too)
    # and the record is whole: all 400 rows of that very save
    assert len(rec.measurements) == 400
    assert {m.value for m in rec.measurements} == {float(n * 1000 + d) for d in range(400)}
    lib.close()


def test_second_window_gets_read_only(tmp_path):
    path = tmp_path / "lib.sqlite"
    lib, _ = open_library(path, seed=True)
    lib.close()
    first = LibraryLock(path)
    assert first.acquire()
    second = LibraryLock(path)
    assert not second.acquire()
    assert str(os.getpid()) in second.holder()
    ro = Library.open(path, read_only=True)
    assert ro.paper_count() == 2
    ro.close()
    first.release()
    assert second.acquire()
    second.release()
