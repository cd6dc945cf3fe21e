"""The ranges of a file parsed in this process or in worker processes, results put back in file order and
numbered for the whole file."""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from curator.domain.paper import Paper
from curator.importers.base import RecordError
from curator.importers.cancel import Cancelled
from curator.importers.pubmed_xml.framing import Err, has_set_root, next_start, range_bounds, stream_ranges
from curator.importers.pubmed_xml.parsing import process_range

Item = tuple[int, int | None, "Paper | RecordError"]
RANGE_BYTES = 4 << 20  # a worker's unit of work in a big file
_OPEN: dict[str, IO[bytes]] = {}  # worker process: files opened so far
_STOP: list = []  # worker process: the pool's cancel event (set by the importing process)
_WAIT = 0.2  # seconds between two looks at the cancel flag while waiting for a worker

def _work_range(source: bytes | tuple[str, int, int], first: bool, last: bool, set_root: bool, transform=None):
    """Worker-process entry point: one range, given as bytes or as (path, start, end) of a file
    the worker reads itself (so the file's bytes never travel between processes)."""
    if isinstance(source, tuple):
        path, a, b = source
        f = _OPEN.get(path)
        if f is None:
            f = _OPEN[path] = open(path, "rb")  # kept open for the worker's next ranges
        f.seek(a)
        source = f.read(b - a)
    return process_range(source, first, last, set_root, transform, _STOP[0].is_set if _STOP else None)


def _renumbered(results, deleted_pmids: list[str] | None) -> Iterator[Item]:
    """Ranges' results in file order -> items numbered for the whole file."""
    n0 = line0 = 0
    for items, deleted, n, lines in results:
        for k, line, item in items:
            if isinstance(item, Err):
                err = item.at(n0, line0)
                yield err.record, err.line, err
            else:
                yield k + n0, (None if line is None else line + line0), item
        if deleted_pmids is not None:
            deleted_pmids.extend(deleted)
        n0 += n
        line0 += lines


def _serial_results(ranges, transform, on_range=None, is_cancelled=None):
    for buf, first, last, set_root, done in ranges:
        yield process_range(buf, first, last, set_root, transform, is_cancelled)
        if on_range is not None:
            on_range(done)


def _worker_start(parent_pid: int, stop=None) -> None:
    """Worker-process start: ends with the importing process and yields it the CPU (curator.processes;
    the pool is made, used and shut down by the importing thread's iteration, _parallel_results, which
    outlives it), and keeps the pool's cancel event."""
    from curator.processes import start_worker

    if stop is not None:
        _STOP[:] = [stop]
    start_worker(parent_pid, follow_thread=True)


def _parallel_results(tasks, workers: int, transform, on_range=None, is_cancelled=None):
    """Run (source, first, last, set_root, done) tasks in spawned worker processes (safe next to Qt
    threads); results in order, a few ranges ahead per worker. A cancel (`is_cancelled()`) is seen while
    waiting and passed on to the workers through a shared event: they stop inside the record they are
    reading, and Cancelled is raised here within a fraction of a second."""
    import multiprocessing
    import os
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout

    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()

    def result(fut):
        while True:
            if is_cancelled is not None and is_cancelled():
                stop.set()
                raise Cancelled("the import was cancelled")
            try:
                return fut.result(timeout=_WAIT if is_cancelled is not None else None)
            except FutureTimeout:
                continue

    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_start,
                             initargs=(os.getpid(), stop)) as pool:
        pending: deque = deque()
        try:
            for source, first, last, set_root, done in tasks:
                pending.append((pool.submit(_work_range, source, first, last, set_root, transform), done))
                while len(pending) > workers * 3:
                    fut, d = pending.popleft()
                    yield result(fut)
                    if on_range is not None:
                        on_range(d)
            while pending:
                fut, d = pending.popleft()
                yield result(fut)
                if on_range is not None:
                    on_range(d)
        finally:
            for fut, _d in pending:
                fut.cancel()
            if pending:
                stop.set()  # the workers stop what they are reading: leaving the pool does not wait for it


def iter_framed(read, deleted_pmids: list[str] | None, workers: int = 1, transform=None,
                on_range=None, is_cancelled=None) -> Iterator[Item]:
    if is_cancelled is not None:
        read = _checked_read(read, is_cancelled)
    ranges = stream_ranges(read)
    if workers <= 1:
        results = _serial_results(ranges, transform, on_range, is_cancelled)
    else:
        results = _parallel_results(ranges, workers, transform, on_range, is_cancelled)
    yield from _renumbered(results, deleted_pmids)


def _checked_read(read, is_cancelled):
    def checked(size: int) -> bytes:
        if is_cancelled():
            raise Cancelled("the import was cancelled")
        return read(size)

    return checked


def iter_mapped(path: Path, deleted_pmids: list[str] | None, workers: int, transform=None,
                on_bytes=None, is_cancelled=None) -> Iterator[Item]:
    """A big plain UTF-8 file split among worker processes that read their own ranges of it (this
    process maps the file only to find where ranges start)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        size = len(mm)
        target = max(RANGE_BYTES // 16, min(RANGE_BYTES, size // (workers * 4) + 1))
        m = next_start(mm, 0)
        bounds = range_bounds(mm, size, target, m[0] if m is not None else None)
        set_root = m is not None and has_set_root(mm[: m[0]])
    ends = [*bounds[1:], size]
    tasks = (((str(path), a, b), i == 0, i == len(bounds) - 1, set_root, b)
             for i, (a, b) in enumerate(zip(bounds, ends)))
    yield from _renumbered(_parallel_results(tasks, workers, transform, on_bytes, is_cancelled), deleted_pmids)
