"""Import use case: files and folders → papers in the library, duplicates merged, one transaction per file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from curator import importers
from curator.domain.merge import merge_papers
from curator.domain.paper import Paper
from curator.importers.base import ImportFormatError, RecordError
from curator.store.library import Library, paper_from_prepared, prepare_paper, remember_paper, title_key
from curator.store.screening_queries import log_imports

FUZZY_TITLE_THRESHOLD = 95.0
STREAM_BYTES = 2_000_000  # PubMed XML files from this size stream through the bulk path
PARALLEL_BYTES = 40_000_000  # ... and from this size are parsed in worker processes too

ProgressFn = Callable[[int, int, str], None]  # done, total, message


class Cancelled(Exception):
    pass


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


class _Deduper:
    """Finds the library paper a new record duplicates: same PMID, same DOI, or same title and year."""

    def __init__(self, lib: Library):
        self.lib = lib

    def find(self, paper: Paper) -> int | None:
        if paper.pmid:
            pid = self.lib.find_by_pmid(paper.pmid)
            if pid is not None:
                return pid
        if paper.doi:
            pid = self.lib.find_by_doi(paper.doi)
            if pid is not None:
                return pid
        key = title_key(paper.title)
        if len(key) < 20:  # too short a title to trust ("Correction.", "Editorial")
            return None
        pid = self.lib.find_by_title_key(key, paper.year)
        if pid is not None:
            return pid
        for cand_id, cand_key in self.lib.title_candidates(key, paper.year):
            if fuzz.ratio(key, cand_key) >= FUZZY_TITLE_THRESHOLD:
                return cand_id
        return None


def import_paper_list(lib: Library, papers: list[Paper], report: FileReport, source: str | None,
                      fmt: str | None, cancel: threading.Event | None = None) -> None:
    """Add or merge `papers` inside the caller's transaction."""
    dedupe = _Deduper(lib)
    for i, paper in enumerate(papers):
        if cancel is not None and i % 256 == 0 and cancel.is_set():
            raise Cancelled()
        if not (paper.title or paper.pmid or paper.doi):
            report.skipped += 1
            report.warnings.append(RecordError(i + 1, None, "no title, PMID or DOI: skipped", warning=True))
            continue
        existing = dedupe.find(paper)
        if existing is None:
            report.paper_ids += lib.insert_papers([paper], source, fmt)
            report.added += 1
        else:
            old = lib.get_paper(existing)
            assert old is not None
            merged, changed = merge_papers(old, paper)
            if changed:
                lib.update_paper(existing, merged)
            report.merged += 1
            report.paper_ids.append(existing)


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
                      cancel: threading.Event | None = None, workers: int | None = None) -> None:
    """The lean path for big PubMed XML files (inside the caller's transaction): records are parsed
    and turned into ready-to-insert rows in worker processes; this process only looks duplicates up
    in memory and inserts in batches. An unchanged re-imported record costs no write at all."""
    import functools
    import os

    from curator.importers import pubmed_xml

    size = path.stat().st_size
    if workers is None:
        workers = 2 if size >= PARALLEL_BYTES and (os.cpu_count() or 1) >= 2 else 1
    fr.format = "pubmed_xml"
    pmids, dois, titles, next_id = lib.bulk_maps()
    deleted: list[str] = []
    batch: list[tuple[int, tuple]] = []  # new papers, written 1,000 at a time
    transform = functools.partial(prepare_paper, source_file=str(path), source_format=fr.format)
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
                path, deleted, workers=workers, transform=transform, on_bytes=on_bytes)):
            if cancel is not None and i % 512 == 0 and cancel.is_set():
                raise Cancelled()
            if isinstance(item, RecordError):
                (fr.warnings if item.warning else fr.failed).append(item)
                continue
            pmid, doi, key, year, h = item[:5]
            hit = pmids.get(pmid) if pmid else None
            if hit is None and doi:
                hit = dois.get(doi)
            if hit is None and len(key) >= 20:
                t = titles.get((key, year))
                if t is not None and not (pmid and t[2]):  # two different PMIDs are two records
                    hit = t[:2]
            if hit is None:
                pid = next_id
                next_id += 1
                batch.append((pid, item))
                remember_paper(pmids, dois, titles, pid, pmid, doi, key, year, h)
                fr.added += 1
                fr.paper_ids.append(pid)
                if len(batch) >= 1000:
                    writer.put(batch)
                    batch = []
                continue
            fr.merged += 1
            fr.paper_ids.append(hit[0])
            if hit[1] == h:
                continue  # the very same record again: nothing to write
            merges.append((hit[0], item))
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


def import_files(lib: Library, paths: Iterable[str | Path], progress: ProgressFn | None = None,
                 cancel: threading.Event | None = None) -> ImportReport:
    """Import every file; each file is one transaction (a failed or cancelled file leaves nothing)."""
    files = expand_paths(paths)
    report = ImportReport()
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
                with lib.transaction():
                    stream_pubmed_xml(lib, path, fr, progress, cancel)
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
            result = importers.parse_file(path)
        except ImportFormatError as exc:
            fr.error = str(exc)
            continue
        fr.format = result.format
        fr.failed = [e for e in result.errors if not e.warning]
        fr.warnings = [e for e in result.errors if e.warning]
        try:
            with lib.transaction():
                import_paper_list(lib, result.papers, fr, str(path), result.format, cancel)
                if result.deleted_pmids:
                    fr.deleted = lib.delete_papers_by_pmid(result.deleted_pmids)
        except Cancelled:
            fr.added = fr.merged = fr.skipped = fr.deleted = 0
            fr.paper_ids = []
            fr.error = "cancelled: nothing from this file was kept"
            report.cancelled = True
            break
        except Exception as exc:  # the transaction rolled back: the library is as it was
            fr.added = fr.merged = fr.skipped = 0
            fr.paper_ids = []
            fr.error = f"{path}: not imported, library unchanged ({type(exc).__name__}: {exc})"
    # what each file brought, for the PRISMA counts of screening (records identified, duplicates)
    log_imports(lib, [{"file": f.path, "format": f.format, "added": f.added, "merged": f.merged,
                       "skipped": f.skipped, "failed": len(f.failed)} for f in report.files if not f.error])
    if progress:
        progress(len(files), len(files), report.summary_text())
    return report
