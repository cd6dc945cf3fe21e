"""PDFs read in a worker process: a damaged PDF that crashes PDFium costs that process, not the app,
and the GUI's own PDFium (the reader's render thread) never runs next to an import's. One worker serves
every PDF of an import; its progress comes back through a queue, Cancel ends it at once.

    with PdfWorker() as worker:
        result = worker.parse(path, progress, cancel)   # a ParseResult, as importers.pdf.parse_pdf gives
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from curator.importers import cancel as importers_cancel
from curator.importers.base import ImportFormatError, ParseResult

_WAIT = 0.1  # seconds between looks at Cancel and the progress queue
_QUEUE: list = []  # the worker's progress queue (set by _start)


def _start(parent_pid: int, queue) -> None:
    from curator.processes import start_worker

    _QUEUE[:] = [queue]
    start_worker(parent_pid, follow_thread=False)


def _parse(path: str) -> ParseResult:
    from curator.importers.pdf import parse_pdf

    queue = _QUEUE[0] if _QUEUE else None

    def progress(done: int, total: int, message: str) -> None:
        if queue is not None:
            queue.put((done, total, message))

    return parse_pdf(Path(path).read_bytes(), path, progress)


class PdfWorker:
    def __init__(self) -> None:
        self._pool = None
        self._queue = None

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ensure(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("spawn")  # safe next to Qt's threads
            self._queue = ctx.Queue()
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_start,
                                             initargs=(os.getpid(), self._queue))
        return self._pool

    def parse(self, path: str | Path, progress=None, cancel: threading.Event | None = None) -> ParseResult:
        from concurrent.futures import TimeoutError as FutureTimeout
        from concurrent.futures.process import BrokenProcessPool

        fut = self._ensure().submit(_parse, str(path))
        try:
            while True:
                self._drain(progress)
                if cancel is not None and cancel.is_set():
                    self.kill()
                    raise importers_cancel.Cancelled("the import was cancelled")
                try:
                    result = fut.result(timeout=_WAIT)
                except FutureTimeout:
                    continue
                self._drain(progress)
                return result
        except BrokenProcessPool as exc:
            self.kill()
            raise ImportFormatError(f"{path}: the PDF reader (PDFium) crashed on this file: it is damaged; "
                                    "nothing was imported") from exc

    def _drain(self, progress) -> None:
        import queue as queue_mod

        while self._queue is not None:
            try:
                done, total, message = self._queue.get_nowait()
            except (queue_mod.Empty, OSError, ValueError):
                return
            if progress is not None:
                progress(done, total, message)

    def kill(self) -> None:
        """End the worker now (Cancel, a crash): the next parse starts a fresh one."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for p in list(getattr(pool, "_processes", {}).values()):
            p.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        self._close_queue()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._close_queue()

    def _close_queue(self) -> None:
        if self._queue is not None:
            self._queue.close()
            self._queue.join_thread()
            self._queue = None
