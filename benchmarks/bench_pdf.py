"""PDF benchmark: text extraction speed, first page shown, memory while reading a 500-page PDF.

    /work/main/.venv/bin/python benchmarks/bench_pdf.py [--runs 5] [--pages 500]

Builds, in a temporary folder, a 20-page and a 500-page PDF by concatenating the pages of the shared
corpus's PDFs (../shared/corpus/pdf, never copied into the repository) with pypdfium2, and imports them
into a temporary library through the import service. Then, each figure the median of --runs runs:

* extraction: `importers.pdf.read_pdf` (text, boxes, sections, tables) in pages per second (target ≥ 20);
* first page shown: in a child process with Qt offscreen, from loading the paper's full text out of the
  library to the first page rendered in the reader (`PdfView`) (target ≤ 1 s for 20 pages);
* memory: the child's peak RSS while the reader is scrolled through every page of the 500-page PDF
  (target ≤ 500 MB).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("CURATOR_CORPUS", ROOT.parent / "shared" / "corpus")) / "pdf"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus/pdf")
SOURCES = ["ami/PMC4709619.pdf", "norma/s12885-016-2685-3.pdf", "norma/j.pain.2014.09.020.pdf",
           "cermine/test5.pdf", "science-parse/P14-1059.pdf"]


def build_pdf(pages: int, out: Path) -> Path:
    """A PDF of `pages` pages: the corpus's text pages, round and round."""
    import pypdfium2 as pdfium

    new = pdfium.PdfDocument.new()
    srcs = [pdfium.PdfDocument(CORPUS / s) for s in SOURCES]
    i = 0
    while len(new) < pages:
        src = srcs[i % len(srcs)]
        take = min(len(src), pages - len(new))
        new.import_pages(src, list(range(take)))
        i += 1
    buf = io.BytesIO()
    new.save(buf)
    out.write_bytes(buf.getvalue())
    for s in srcs:
        s.close()
    new.close()
    return out


CHILD = r"""
import json, os, resource, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, sys.argv[1])
from PySide6.QtWidgets import QApplication
app = QApplication([])
from curator.services import fulltext
from curator.store.library import Library
from curator.ui.pdf_view import PdfView, wait_rendered

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def now_mb():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS")) / 1024

lib = Library.open(sys.argv[2], read_only=True)
pid, mode, runs = int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
out = {"baseline_mb": now_mb()}
if mode == "first_page":
    times = []
    for _ in range(runs):
        view = PdfView()
        view.resize(640, 860)
        view.show()
        app.processEvents()
        t0 = time.perf_counter()
        ft = fulltext.load(lib, pid)
        view.show_fulltext(pid, ft)
        assert wait_rendered(view, 10000) and view.cached(0) is not None
        times.append(time.perf_counter() - t0)
        view.close_document()
        view.deleteLater()
        app.processEvents()
    out["first_page_s"] = times
else:
    view = PdfView()
    view.resize(640, 860)
    view.show()
    app.processEvents()
    t0 = time.perf_counter()
    ft = fulltext.load(lib, pid)
    view.show_fulltext(pid, ft)
    wait_rendered(view, 10000)
    out["first_page_s"] = [time.perf_counter() - t0]
    out["loaded_mb"] = now_mb()
    high = 0.0
    for page in range(1, ft.page_count + 1):
        view.go_page(page)
        wait_rendered(view, 10000)
        high = max(high, now_mb())
    out["scroll_high_mb"] = high
    out["pages"] = ft.page_count
    out["scroll_all_s"] = time.perf_counter() - t0
    view.close_document()
out["peak_rss_mb"] = rss()
print(json.dumps(out))
"""


def child(lib: Path, pid: int, mode: str, runs: int) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(lib), str(pid), mode, str(runs)],
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=500)
    args = ap.parse_args()
    from curator.importers.pdf import read_pdf
    from curator.services.importing import import_files
    from curator.store.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        short, long = build_pdf(20, t / "twenty.pdf"), build_pdf(args.pages, t / "long.pdf")
        for path in (short, long):
            data = path.read_bytes()
            rates, rates_text = [], []
            for _ in range(args.runs if path is short else max(1, args.runs // 2)):
                t0 = time.perf_counter()
                ft = read_pdf(data, path.name)
                rates.append(ft.page_count / (time.perf_counter() - t0))
                t0 = time.perf_counter()
                read_pdf(data, path.name, tables=False)
                rates_text.append(ft.page_count / (time.perf_counter() - t0))
            print(f"{path.name}: {ft.page_count} pages, {len(ft.text):,} characters, {len(ft.tables)} tables; "
                  f"extraction {statistics.median(rates):.0f} pages/s with tables, "
                  f"{statistics.median(rates_text):.0f} pages/s text and boxes only (median of {len(rates)})")
        lib_path = t / "lib.sqlite"
        lib = Library.open(lib_path)
        rep = import_files(lib, [short, long])
        ids = rep.paper_ids
        lib.close()
        assert len(ids) == 2, rep.to_dict()
        first = child(lib_path, ids[0], "first_page", args.runs)
        print(f"first page shown (20 pages): median {statistics.median(first['first_page_s']):.3f} s "
              f"of {args.runs} runs {', '.join(f'{x:.3f}' for x in first['first_page_s'])} (target ≤ 1 s)")
        mem = child(lib_path, ids[1], "memory", 1)
        print(f"{mem['pages']}-page PDF: first page {mem['first_page_s'][0]:.3f} s; every page scrolled into "
              f"view and rendered in {mem['scroll_all_s']:.1f} s; RSS {mem['baseline_mb']:.0f} MB before opening "
              f"(Qt, Python, the app's modules), {mem['loaded_mb']:.0f} MB with the PDF open, at most "
              f"{mem['scroll_high_mb']:.0f} MB while scrolling; peak RSS of the process {mem['peak_rss_mb']:.0f} MB "
              "(target ≤ 500 MB)")


if __name__ == "__main__":
    main()
