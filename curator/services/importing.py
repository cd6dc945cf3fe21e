"""Import use case: files and folders → papers in the library, duplicates merged, one transaction per file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from curator import importers
from curator.domain.duplicates import UNTITLED, DuplicateIndex, Keys
from curator.domain.merge import merge_papers
from curator.domain.paper import Paper
from curator.importers import cancel as importers_cancel
from curator.importers.base import ImportFormatError, RecordError
from curator.importers.pdf.worker import PdfWorker
from curator.services import team
from curator.store import fulltext_queries
from curator.store.library import Library, paper_from_prepared, utcnow
from curator.store.screening_queries import log_imports
from curator.store.team_queries import append_change

STREAM_BYTES = 2_000_000  # PubMed XML files from this size stream through the bulk path
PARALLEL_BYTES = 40_000_000  # ... and from this size are parsed in worker processes too

ProgressFn = Callable[[int, int, str], None]  # done, total, message


# The one cancel exception: raised here between records and by the XML importers inside a long record.
Cancelled = importers_cancel.Cancelled


@dataclass
class FileReport:
    path: str
    format: str | None = None
    added: int = 0
    merged: int = 0
    skipped: int = 0
    deleted: int = 0
    failed: list[RecordError] = field(default_factory=list)
    warnings: list[RecordError] = field(default_factory=list)  # records imported that need a look
    error: str | None = None  # the file as a whole could not be read
    paper_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.path, "format": self.format, "added": self.added, "merged": self.merged,
                "skipped": self.skipped, "deleted": self.deleted,
                "failed": [e.to_dict() for e in self.failed],
                "warnings": [e.to_dict() for e in self.warnings], "error": self.error,
                "paper_ids": self.paper_ids}


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    cancelled: bool = False

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(f, k) for f in self.files) for k in ("added", "merged", "skipped", "deleted")} | {
            "failed": sum(len(f.failed) for f in self.files),
            "unreadable_files": sum(1 for f in self.files if f.error)}

    @property
    def paper_ids(self) -> list[int]:
        return [pid for f in self.files for pid in f.paper_ids]

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files], "totals": self.totals, "cancelled": self.cancelled}

    def summary_text(self) -> str:
        t = self.totals
        s = (f"{t['added']} added, {t['merged']} merged, {t['skipped']} skipped, {t['failed']} failed"
             f" from {len(self.files)} file(s)")
        if t["unreadable_files"]:
            s += f"; {t['unreadable_files']} file(s) could not be read"
        if self.cancelled:
            s += " (cancelled)"
        return s


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders become the files inside them (recursively, hidden ones skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and not any(
                part.startswith(".") for part in f.relative_to(p).parts))
        else:
            out.append(p)
    return out


def duplicate_index(lib: Library) -> DuplicateIndex:
    """The library's papers as a DuplicateIndex: every import path looks duplicates up in one."""
    index = DuplicateIndex()
    for pid, pmid, doi, key, year, fingerprint in lib.duplicate_keys():
        index.add(pid, Keys(pmid, doi, key or "", year), fingerprint)
    return index


def import_paper_list(lib: Library, papers: list[Paper], report: FileReport, source: str | None,
                      fmt: str | None, cancel: threading.Event | None = None,
                      index: DuplicateIndex | None = None) -> None:
    """Add or merge `papers` inside the caller's transaction. `index` holds the library's papers (made here
    when not given) and learns those added and merged."""
    if index is None:
        index = duplicate_index(lib)
    for i, paper in enumerate(papers):
        if cancel is not None and i % 256 == 0 and cancel.is_set():
            raise Cancelled()
        if not (paper.title or paper.pmid or paper.doi):
            if not paper.abstract.strip():
                report.skipped += 1
                report.warnings.append(RecordError(i + 1, None, "no title, PMID, DOI or abstract: skipped",
                                                   warning=True))
                continue
            paper.title = UNTITLED
            report.warnings.append(RecordError(
                i + 1, None, f"no title, PMID or DOI: imported as {UNTITLED} (it has an abstract)", warning=True))
        keys = Keys.of(paper)
        hit = index.find(keys)
        if hit is None:
            (pid,) = lib.insert_papers([paper], source, fmt)
            index.add(pid, keys)
            report.paper_ids.append(pid)
            report.added += 1
        else:
            old = lib.get_paper(hit.paper_id)
            assert old is not None
            merged, changed = merge_papers(old, paper)
            if changed:
                lib.update_paper(hit.paper_id, merged)
            index.merged(hit.paper_id, keys)
            report.merged += 1
            report.paper_ids.append(hit.paper_id)


def attach_fulltexts(lib: Library, fulltexts: dict, papers: list[Paper], report: FileReport) -> None:
    """Keep each PDF's full text with the paper it became or was merged into (the duplicate rule of
    import_paper_list decided which: a PDF whose DOI or title matches a paper is attached to it), inside
    the caller's transaction."""
    for i, ft in fulltexts.items():
        if i < len(papers) and i < len(report.paper_ids):
            fulltext_queries.save_fulltext(lib, report.paper_ids[i], ft)


def attach_fulltext_file(lib: Library, paper_id: int, path: str | Path,
                         progress: ProgressFn | None = None, cancel: threading.Event | None = None) -> FileReport:
    """File ▸ Attach full text…: the PDF at `path` becomes paper `paper_id`'s full text (a scan without a
    text layer too: its pages are shown). The paper gains the PDF's sections (and its title, DOI and
    abstract where it had none); one transaction."""
    p = Path(path)
    fr = FileReport(path=str(p), format="pdf")
    try:
        with PdfWorker() as worker:
            result = worker.parse(p, progress, cancel)
    except ImportFormatError as exc:
        fr.error = str(exc)
        return fr
    except OSError as exc:
        fr.error = f"{p}: cannot read the file ({exc.strerror or exc})"
        return fr
    fr.warnings = list(result.errors)
    old = lib.get_paper(paper_id)
    if old is None:
        fr.error = f"no paper with id {paper_id} in the library"
        return fr
    with lib.transaction():
        if result.papers:
            merged, changed = merge_papers(old, result.papers[0])
            if changed:
                lib.update_paper(paper_id, merged)
        fulltext_queries.save_fulltext(lib, paper_id, result.fulltexts[0])
    fr.merged = 1
    fr.paper_ids = [paper_id]
    return fr


def _sniff_file(path: Path) -> str | None:
    """The format of a file judged from its first 64 kB (big files are streamed, not read whole)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if importers.looks_binary(head) or not head.strip():
        return None
    imp = importers.detect(importers.decode_bytes(head), str(path))
    return imp.name if imp else None


class _BatchWriter:
    """Inserts prepared rows on a thread of its own (SQLite works without the GIL), in order."""

    def __init__(self, lib: Library):
        import queue

        self.lib = lib
        self.pending: queue.Queue = queue.Queue(maxsize=4)
        self.failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            rows = self.pending.get()
            try:
                if rows is None:
                    return
                if not self.failure:
                    self.lib.insert_prepared(rows)
            except BaseException as exc:  # re-raised in the importing thread
                self.failure.append(exc)
            finally:
                self.pending.task_done()

    def _check(self) -> None:
        if self.failure:
            raise self.failure[0]

    def put(self, rows: list) -> None:
        self._check()
        if rows:
            self.pending.put(rows)

    def sync(self) -> None:
        """Wait until every queued row is written."""
        self.pending.join()
        self._check()

    def abort(self) -> None:
        """Skip whatever is still queued (the caller rolls the transaction back)."""
        self.failure.append(Cancelled())

    def close(self) -> None:
        if self.thread.is_alive():
            self.pending.put(None)
            self.thread.join()


def stream_pubmed_xml(lib: Library, path: Path, fr: FileReport, progress: ProgressFn | None = None,
                      cancel: threading.Event | None = None, workers: int | None = None,
                      index: DuplicateIndex | None = None) -> None:
    """The lean path for big PubMed XML files (inside the caller's transaction): records are parsed
    and turned into ready-to-insert rows in worker processes; this process only looks duplicates up
    in `index` (the same rule as import_paper_list) and inserts in batches. An unchanged re-imported
    record costs no write at all."""
    import functools
    import os

    from curator.importers import pubmed_xml

    size = path.stat().st_size
    if workers is None:
        workers = 2 if size >= PARALLEL_BYTES and (os.cpu_count() or 1) >= 2 else 1
    fr.format = "pubmed_xml"
    if index is None:
        index = duplicate_index(lib)
    next_id = lib.next_paper_id()
    deleted: list[str] = []
    batch: list[tuple[int, tuple]] = []  # new papers, written 1,000 at a time
    transform = functools.partial(lib.preparer, source_file=str(path), source_format=fr.format)
    last_report = [0]

    def on_bytes(n: int) -> None:
        if progress and n - last_report[0] >= 8_000_000:
            last_report[0] = n
            progress(n, size, f"Importing {path.name}: {fr.added + fr.merged} records")

    # SQLite does its work without the GIL: a writer thread inserts while this thread looks
    # duplicates up, so the two overlap.
    writer = _BatchWriter(lib)
    merges: list[tuple[int, tuple]] = []  # (library id, record): merged in batches, not one stall each

    def apply_merges() -> None:
        writer.sync()  # every queued row is in the library before it is read back
        for pid, item in merges:
            old = lib.get_paper(pid)
            merged, changed = merge_papers(old, paper_from_prepared(item))
            if changed:
                lib.update_paper(pid, merged)
        merges.clear()

    try:
        for i, (_n, _line, item) in enumerate(pubmed_xml.iter_parse_path(
                path, deleted, workers=workers, transform=transform, on_bytes=on_bytes,
                is_cancelled=cancel.is_set if cancel is not None else None)):
            if cancel is not None and i % 512 == 0 and cancel.is_set():
                raise Cancelled()
            if isinstance(item, RecordError):
                (fr.warnings if item.warning else fr.failed).append(item)
                continue
            keys = Keys(*item[:4])
            fingerprint = item[4]
            hit = index.find(keys)
            if hit is None:
                pid = next_id
                next_id += 1
                batch.append((pid, item))
                index.add(pid, keys, fingerprint)
                fr.added += 1
                fr.paper_ids.append(pid)
                if len(batch) >= 1000:
                    writer.put(batch)
                    batch = []
                continue
            fr.merged += 1
            fr.paper_ids.append(hit.paper_id)
            if hit.fingerprint == fingerprint:
                continue  # the very same record again: nothing to write
            merges.append((hit.paper_id, item))
            index.merged(hit.paper_id, keys)
            if len(merges) >= 1000:
                writer.put(batch)
                batch = []
                apply_merges()
        writer.put(batch)
        apply_merges()
    except BaseException:
        writer.abort()
        raise
    finally:
        writer.close()
    if deleted:
        fr.deleted = lib.delete_papers_by_pmid(deleted)


def _log_import(lib: Library, fr: FileReport) -> None:
    """The file's line in the team's change feed, inside its import's transaction (other windows re-read
    their lists); nothing when the file changed no paper."""
    if fr.added or fr.merged or fr.deleted:
        append_change(lib, None, team.curator_of(lib), team.session_of(lib), "import", utcnow())


def import_files(lib: Library, paths: Iterable[str | Path], progress: ProgressFn | None = None,
                 cancel: threading.Event | None = None) -> ImportReport:
    """Import every file; each file is one transaction (a failed or cancelled file leaves nothing). PDFs
    are read in a worker process (importers.pdf.worker), one for the whole import."""
    with PdfWorker() as pdf_worker:
        return _import_files(lib, paths, progress, cancel, pdf_worker)


def _import_files(lib: Library, paths: Iterable[str | Path], progress: ProgressFn | None,
                  cancel: threading.Event | None, pdf_worker: PdfWorker) -> ImportReport:
    files = expand_paths(paths)
    report = ImportReport()
    index: DuplicateIndex | None = None  # the library's papers, kept up to date from file to file
    for n, path in enumerate(files):
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            break
        if progress:
            progress(n, len(files), f"Reading {path.name}")
        fr = FileReport(path=str(path))
        report.files.append(fr)
        try:
            if path.is_file() and path.stat().st_size >= STREAM_BYTES and _sniff_file(path) == "pubmed_xml":
                if index is None:
                    index = duplicate_index(lib)
                try:
                    with lib.transaction():
                        stream_pubmed_xml(lib, path, fr, progress, cancel, index=index)
                        _log_import(lib, fr)
                except BaseException:
                    index = None  # it learnt papers the rollback took back
                    raise
                if fr.deleted:
                    index = None  # deleted papers leave the index
                continue
        except Cancelled:
            fr.added = fr.merged = fr.skipped = fr.deleted = 0
            fr.paper_ids = []
            fr.error = "cancelled: nothing from this file was kept"
            report.cancelled = True
            break
        except ImportFormatError as exc:
            fr.added = fr.merged = fr.deleted = 0
            fr.paper_ids = []
            fr.error = str(exc) if str(path) in str(exc) else f"{path}: {exc}"
            continue
        except Exception as exc:  # the transaction rolled back: the library is as it was
            fr.added = fr.merged = fr.deleted = 0
            fr.paper_ids = []
            fr.error = f"{path}: not imported, library unchanged ({type(exc).__name__}: {exc})"
            continue
        try:
            if path.suffix.lower() == ".pdf" and path.is_file():  # a full text: pages, with progress and cancel
                result = pdf_worker.parse(path, progress, cancel)
            else:
                result = importers.parse_file(path)
        except ImportFormatError as exc:
            fr.error = str(exc)
            continue
        except OSError as exc:
            fr.error = f"{path}: cannot read the file ({exc.strerror or exc})"
            continue
        except Cancelled:
            fr.error = "cancelled: nothing from this file was kept"
            report.cancelled = True
            break
        fr.format = result.format
        fr.failed = [e for e in result.errors if not e.warning]
        fr.warnings = [e for e in result.errors if e.warning]
        if index is None:
            index = duplicate_index(lib)
        try:
            with lib.transaction():
                import_paper_list(lib, result.papers, fr, str(path), result.format, cancel, index)
                attach_fulltexts(lib, result.fulltexts, result.papers, fr)
                if result.deleted_pmids:
                    fr.deleted = lib.delete_papers_by_pmid(result.deleted_pmids)
                    index = None  # deleted papers leave the index
                _log_import(lib, fr)
        except BaseException as exc:
            index = None  # the rollback took back papers it learnt
            if not isinstance(exc, Exception):
                raise
            if isinstance(exc, Cancelled):
                fr.added = fr.merged = fr.skipped = fr.deleted = 0
                fr.paper_ids = []
                fr.error = "cancelled: nothing from this file was kept"
                report.cancelled = True
                break
            fr.added = fr.merged = fr.skipped = 0
            fr.paper_ids = []
            fr.error = f"{path}: not imported, library unchanged ({type(exc).__name__}: {exc})"
    # what each file brought, for the PRISMA counts of screening (records identified, duplicates)
    log_imports(lib, [{"file": f.path, "format": f.format, "added": f.added, "merged": f.merged,
                       "skipped": f.skipped, "failed": len(f.failed)} for f in report.files if not f.error])
    if progress:
        progress(len(files), len(files), report.summary_text())
    return report
