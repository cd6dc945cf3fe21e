"""Export use case: verified records → analyst-ready files (CSV, Excel, JSON, Parquet, SQLite).

    report = export_dataset(lib, "csv", "out/cart_tox", include_drafts=False, analyte="IFN-γ",
                            progress=lambda done, total, msg: ..., cancel=threading.Event())
    report.counts   # {"papers": 12, "measurements": 340, ...}
    report.files    # every file written

Only verified records by default; `include_drafts` adds drafts (the `status` column tells them
apart); `statuses` picks record statuses explicitly. Filters: `paper_ids` (the papers selected in
the list), `verified_from`/`verified_to` (inclusive UTC dates of verification), `analyte` (one name
or several, in any spelling the analyte vocabulary knows: keeps the papers reporting it and only its
measurements and comparisons).

Output is atomic: everything is written to a hidden temporary beside `out` and renamed into place
at the end, so a failure or a cancel (`cancel.set()` → `ExportCancelled`) leaves no file behind and
an existing `out` untouched. CSV and Parquet write a folder, or a zip when `out` ends in `.zip`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from curator import __version__
from curator.domain.outcomes import RECORD_DRAFT, RECORD_STATUSES, RECORD_VERIFIED
from curator.export import sqlite_file, writers, xlsx
from curator.export.dataset import ExportInfo, build_dataset
from curator.export.safety import (
    ExportCancelled,
    ExportError,
    ProgressFn,
    Ticker,
    atomic_output,
    check_target,
)
from curator.export.standardize import AS_REPORTED, default_standardizer
from curator.store import export_queries as q

FORMATS = ("csv", "xlsx", "json", "parquet", "sqlite")
FORMAT_LABELS = {"csv": "CSV files + datapackage.json (folder or .zip)", "xlsx": "Excel workbook (.xlsx)",
                 "json": "JSON (.json)", "parquet": "Parquet files (folder or .zip)", "sqlite": "SQLite database (.sqlite)"}
EXTENSIONS = {"csv": "", "xlsx": ".xlsx", "json": ".json", "parquet": "", "sqlite": ".sqlite"}
_ALIASES = {"excel": "xlsx", "xls": "xlsx", "db": "sqlite", "sqlite3": "sqlite", "pq": "parquet"}

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "FORMAT_LABELS",
    "ExportCancelled",
    "ExportError",
    "ExportFilters",
    "ExportReport",
    "export_dataset",
    "preview_counts",
]


@dataclass(frozen=True)
class ExportFilters:
    statuses: tuple[str, ...]
    include_drafts: bool = False
    paper_ids: tuple[int, ...] | None = None
    verified_from: str | None = None
    verified_to: str | None = None
    analytes: tuple[str, ...] | None = None  # as requested

    def to_dict(self) -> dict[str, Any]:
        return {"statuses": list(self.statuses), "include_drafts": self.include_drafts,
                "paper_ids": None if self.paper_ids is None else list(self.paper_ids),
                "verified_from": self.verified_from, "verified_to": self.verified_to,
                "analyte_requested": None if self.analytes is None else list(self.analytes)}


@dataclass
class ExportReport:
    format: str
    path: Path  # the file or folder written
    files: list[Path]  # every file written (for a zip: the zip itself)
    counts: dict[str, int]  # rows per table
    filters: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    created_at: str = ""

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "path": str(self.path), "files": [str(p) for p in self.files],
                "counts": dict(self.counts), "total_rows": self.total_rows, "filters": dict(self.filters),
                "warnings": list(self.warnings), "seconds": round(self.seconds, 3), "created_at": self.created_at}

    def summary_text(self) -> str:
        lines = [(f"Exported {self.counts.get('papers', 0)} paper(s), {self.total_rows} rows in all, as {self.format} "
                 f"to {self.path} ({self.seconds:.1f} s)")]
        lines += [f"  {t:<16} {n:>9}" for t, n in self.counts.items()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _day(v: date | datetime | str | None, name: str) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.astimezone(UTC).date().isoformat() if v.tzinfo else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    try:
        return date.fromisoformat(str(v).strip()[:10]).isoformat()
    except ValueError:
        raise ExportError(f"{name}: '{v}' is not a date (YYYY-MM-DD)") from None


def make_filters(include_drafts: bool = False, paper_ids: Iterable[int] | None = None,
                 statuses: Iterable[str] | None = None, verified_from: date | datetime | str | None = None,
                 verified_to: date | datetime | str | None = None,
                 analyte: str | Iterable[str] | None = None) -> ExportFilters:
    chosen = [s.strip().lower() for s in statuses] if statuses else [RECORD_VERIFIED]
    if include_drafts and RECORD_DRAFT not in chosen:
        chosen.append(RECORD_DRAFT)
    unknown = [s for s in chosen if s not in RECORD_STATUSES]
    if unknown:
        raise ExportError(f"unknown record status {', '.join(unknown)} (known: {', '.join(RECORD_STATUSES)})")
    order = {s: i for i, s in enumerate(RECORD_STATUSES)}
    if isinstance(analyte, str):
        analytes: tuple[str, ...] | None = (analyte,) if analyte.strip() else None
    elif analyte is not None:
        analytes = tuple(a for a in analyte if a and a.strip()) or None
    else:
        analytes = None
    return ExportFilters(
        statuses=tuple(sorted(dict.fromkeys(chosen), key=order.__getitem__)),
        include_drafts=bool(include_drafts or RECORD_DRAFT in chosen),
        paper_ids=None if paper_ids is None else tuple(int(i) for i in paper_ids),
        verified_from=_day(verified_from, "verified_from"),
        verified_to=_day(verified_to, "verified_to"),
        analytes=analytes,
    )


def _analyte_key(name: str) -> str:
    try:
        from curator.domain import vocabulary
        m = vocabulary.analytes().match(name, fuzzy=False)
    except (ImportError, OSError, ValueError, KeyError):  # no vocabulary: compare the names themselves
        m = None
    return f"id:{m.entry_id}" if m else "name:" + " ".join(name.split()).casefold()


def resolve_analytes(requested: Sequence[str] | None, stored: Sequence[str]) -> list[str] | None:
    """The stored analyte names that mean one of the requested analytes (same vocabulary entry, or the
    same name ignoring case and spacing)."""
    if requested is None:
        return None
    want = {_analyte_key(a) for a in requested}
    return [s for s in stored if _analyte_key(s) in want]


def _select(conn, f: ExportFilters) -> tuple[list[int], list[str] | None]:
    analytes = resolve_analytes(f.analytes, q.distinct_analytes(conn)) if f.analytes else None
    ids = q.select_paper_ids(conn, f.statuses, f.paper_ids, f.verified_from, f.verified_to, analytes)
    return ids, analytes


def preview_counts(lib, include_drafts: bool = False, paper_ids: Iterable[int] | None = None,
                   statuses: Iterable[str] | None = None, verified_from: date | datetime | str | None = None,
                   verified_to: date | datetime | str | None = None,
                   analyte: str | Iterable[str] | None = None) -> dict[str, int]:
    """Rows each table of an export with these filters would hold (fast: counts only)."""
    f = make_filters(include_drafts, paper_ids, statuses, verified_from, verified_to, analyte)
    with q.snapshot(lib) as conn:
        ids, analytes = _select(conn, f)
        return q.count_rows(conn, ids, analytes)


def normalise_format(fmt: str) -> str:
    f = (fmt or "").strip().lower().lstrip(".")
    f = _ALIASES.get(f, f)
    if f not in FORMATS:
        raise ExportError(f"unknown export format '{fmt}' (choose {', '.join(FORMATS)})")
    return f


def export_dataset(lib, fmt: str, out: str | Path, include_drafts: bool = False,
                   paper_ids: Iterable[int] | None = None, statuses: Iterable[str] | None = None,
                   verified_from: date | datetime | str | None = None, verified_to: date | datetime | str | None = None,
                   analyte: str | Iterable[str] | None = None, progress: ProgressFn | None = None,
                   cancel: threading.Event | None = None) -> ExportReport:
    """Export the matching records as `fmt` to `out`; see the module docstring."""
    t0 = time.perf_counter()
    fmt = normalise_format(fmt)
    out = Path(out).expanduser()
    as_zip = fmt in ("csv", "parquet") and out.suffix.lower() == ".zip"
    folder = fmt in ("csv", "parquet") and not as_zip
    check_target(out, folder)  # refuse early, before reading anything
    f = make_filters(include_drafts, paper_ids, statuses, verified_from, verified_to, analyte)
    ticker = Ticker(progress, cancel)
    ticker.check()

    with q.snapshot(lib) as conn:
        ids, analytes = _select(conn, f)
        counts = q.count_rows(conn, ids, analytes)
        n_rows = sum(counts.values())
        # reading ≈ one share, writing (dictionary included) ≈ one share per row
        ticker.total = 2 * n_rows + 2 * len(counts) + 50
        raw = {"papers": q.read_papers(conn, ids)}
        ticker.advance(counts["papers"] + 1, "reading papers")
        schema = {}
        for table in q.ROW_TABLES:
            schema[table] = q.value_columns(conn, table)
            raw[table] = q.read_rows(conn, table, ids, analytes)
            ticker.advance(counts[table] + 1, f"reading {table}")
        raw["provenance"] = q.read_provenance(conn, ids)
        ticker.advance(counts["provenance"] + 1, "reading provenance")
        version = q.schema_version(conn)

    standardizer = default_standardizer()
    filters = {**f.to_dict(), "analytes": analytes}
    info = ExportInfo(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        library=str(getattr(lib, "path", "")), schema_version=version, app_version=f"Curator {__version__}",
        format=fmt + (" (zip)" if as_zip else ""), filters=filters,
        standardization="curator.domain.units.standardize" if standardizer else AS_REPORTED)
    if standardizer is None:
        info.warnings.append("the units module is missing: *_std columns repeat the values as reported")
    ds = build_dataset(raw, schema, info, standardizer)
    del raw
    ticker.check()

    with atomic_output(out, folder=folder) as tmp:
        if fmt == "csv":
            names = writers.write_csv(ds, tmp, ticker, as_zip=as_zip)
        elif fmt == "parquet":
            names = writers.write_parquet(ds, tmp, ticker, as_zip=as_zip)
        elif fmt == "json":
            names = writers.write_json(ds, tmp, ticker)
        elif fmt == "xlsx":
            names = xlsx.write_xlsx(ds, tmp, ticker)
        else:
            sqlite_file.write_sqlite(ds, tmp, ticker)
            names = [out.name]
        ticker.check()  # a cancel during the last chunk still leaves nothing
    files = [out / n for n in names] if folder else [out]
    ticker.finish(f"exported {n_rows} rows to {out}")
    return ExportReport(format=fmt, path=out, files=files, counts=dict(ds.info.counts), filters=filters,
                        warnings=list(ds.info.warnings), seconds=time.perf_counter() - t0,
                        created_at=ds.info.created_at)
