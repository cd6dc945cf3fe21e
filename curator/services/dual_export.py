"""Exports of dual extraction (issue 19 item 6), beside the consensus export (services.export, verified records):

    export_extractions(lib, "xlsx", "extractions.xlsx")      # every curator's extraction, curator in every row
    export_agreement(lib, "csv", "agreement/")               # agreement of the curators' extractions here
    export_agreement(lib, "csv", "agreement/", other="B.sqlite")  # ... or of this library against another

CSV (a folder, or a .zip) or Excel; written atomically by the export writers, a data dictionary included.
"""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from curator import __version__
from curator.domain.agreement import EXACT, PaperComparison, Tolerance, compare_records
from curator.domain.outcomes import record_from_dict
from curator.export import writers, xlsx
from curator.export.agreement_tables import ExtractionEntry, agreement_dataset, extractions_dataset
from curator.export.dataset import Dataset, ExportInfo
from curator.export.safety import ExportError, ProgressFn, Ticker, atomic_output, check_target
from curator.services import compare, extractions
from curator.services.export import ExportReport
from curator.store import extraction_queries as q

FORMATS = ("csv", "xlsx")

__all__ = ["FORMATS", "export_agreement", "export_extractions", "export_report", "library_comparisons"]


def _info(lib, fmt: str, what: str) -> ExportInfo:
    return ExportInfo(created_at=datetime.now(UTC).isoformat(timespec="seconds"), library=str(getattr(lib, "path", "")),
                      schema_version=lib.schema_version, app_version=f"Curator {__version__}", format=fmt,
                      filters={"statuses": [what]})


def _write(ds: Dataset, fmt: str, out: str | Path, progress: ProgressFn | None,
           cancel: threading.Event | None, t0: float) -> ExportReport:
    fmt = (fmt or "").strip().lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}' for this export (choose {', '.join(FORMATS)})")
    out = Path(out).expanduser()
    as_zip = fmt == "csv" and out.suffix.lower() == ".zip"
    folder = fmt == "csv" and not as_zip
    check_target(out, folder)
    ticker = Ticker(progress, cancel)
    ticker.total = sum(len(df) for df in ds.tables.values()) + 10
    with atomic_output(out, folder=folder) as tmp:
        names = writers.write_csv(ds, tmp, ticker, as_zip=as_zip) if fmt == "csv" else xlsx.write_xlsx(ds, tmp, ticker)
        ticker.check()
    files = [out / n for n in names] if folder else [out]
    papers = {int(p) for df in ds.tables.values() if "paper_id" in df.columns for p in df["paper_id"].dropna()}
    return ExportReport(format=fmt, path=out, files=files, counts={"papers": len(papers), **ds.info.counts},
                        filters=dict(ds.info.filters), warnings=list(ds.info.warnings),
                        seconds=time.perf_counter() - t0, created_at=ds.info.created_at)


def export_extractions(lib, fmt: str, out: str | Path, curator: str | None = None,
                       progress: ProgressFn | None = None, cancel: threading.Event | None = None) -> ExportReport:
    """Every curator's extraction (or one curator's), one table per record table, the curator in every row."""
    t0 = time.perf_counter()
    stored = list(q.iter_extractions(lib, curator))
    keys = {r[0]: r for r in q.paper_keys(lib, sorted({s.paper_id for s in stored}))}
    entries = []
    for s in stored:
        k = keys.get(s.paper_id)
        entries.append(ExtractionEntry(s.paper_id, k[1] if k else None, k[2] if k else None, k[5] if k else "",
                                       s.curator, s.status, s.revision, s.updated_at, record_from_dict(s.payload)))
    what = f"extractions of {curator}" if curator else "every curator's extractions"
    return _write(extractions_dataset(entries, _info(lib, fmt, what)), fmt, out, progress, cancel, t0)


def library_comparisons(lib, tolerance: Tolerance = EXACT) -> list[PaperComparison]:
    """Every paper with two or more extractions here: each pair of its curators (by name) compared."""
    by_paper: dict[int, list[str]] = {}
    for e in q.extraction_infos(lib):
        by_paper.setdefault(e.paper_id, []).append(e.curator)
    out = []
    for pid, names in by_paper.items():
        if len(names) < 2:
            continue
        got = extractions.extractions(lib, pid)
        for a, b in itertools.combinations(sorted(names), 2):
            out.append(compare_records(got[a].record, got[b].record, a, b, tolerance, pid))
    return out


def export_agreement(lib, fmt: str, out: str | Path, other: str | Path | None = None,
                     tolerance: Tolerance = EXACT, progress: ProgressFn | None = None,
                     cancel: threading.Event | None = None) -> ExportReport:
    """The agreement table of the curators' extractions in `lib`, or (`other`) of `lib` against another
    library (`curator compare`'s figures): by field, table, paper and overall, and every disagreement."""
    t0 = time.perf_counter()
    if other is not None:
        report = compare.compare_with_library(lib, other, tolerance)
        comparisons = [m.comparison for m in report.papers]
        titles = {m.paper_id: m.title for m in report.papers}
        what = f"agreement with {other}"
    else:
        comparisons = library_comparisons(lib, tolerance)
        if not comparisons:
            raise compare.CompareError(f"no paper in {lib.path} has two extractions: no agreement to export")
        titles = {r[0]: r[5] for r in q.paper_keys(lib, sorted({c.paper_id for c in comparisons}))}
        what = "agreement of the curators' extractions"
    return _write(agreement_dataset(comparisons, titles, _info(lib, fmt, what)), fmt, out, progress, cancel, t0)


def export_report(lib, report: compare.CompareReport, fmt: str, out: str | Path) -> ExportReport:
    """The agreement table of a comparison already made (File ▸ Compare with another library…)."""
    t0 = time.perf_counter()
    ds = agreement_dataset([m.comparison for m in report.papers], {m.paper_id: m.title for m in report.papers},
                           _info(lib, fmt, f"agreement with {report.other}"))
    return _write(ds, fmt, out, None, None, t0)
