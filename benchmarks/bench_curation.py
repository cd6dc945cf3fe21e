"""Each step of the curation loop stays fast on a large library (issue 17): open a paper <= 50 ms, accept a
suggestion <= 30 ms, save <= 100 ms (medians), on a 100,000-paper library.

    python benchmarks/bench_curation.py [--library DB] [--n 100000] [--workdir /tmp/curator-bench] [--papers 30]

Without --library, builds one of N papers (benchmarks/make_pubmed_xml.py + the importer, as
bench_import.py does) in the work folder, or reuses the one built before. Then, for --papers papers drawn at
random (seed 1), times
- through the services: opening a paper (paper, stored record or a new one, autosave check — what the
  window asks for), saving a draft with the paper's suggestions accepted;
- through the real window (offscreen, 1280×800): opening a paper (reader, forms, plots drawn), accepting one
  suggestion (row, status bar, pending count; then with the plots redrawn, as the debounced redraw does
  30 ms later), saving the draft (Ctrl+S's path);
and, as a baseline measured in the same process, a bare `SELECT * FROM papers WHERE id = ?`. It prints the
medians (and the slowest), the ratio of each to the baseline, and the targets met or missed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS_MS = {"open": 50.0, "accept": 30.0, "save": 100.0}


def build(work: Path, n: int) -> Path:
    db = work / f"library{n}.sqlite"
    if db.exists():
        return db
    xml = work / f"pubmed{n}.xml"
    if not xml.exists():
        subprocess.run([sys.executable, str(HERE / "make_pubmed_xml.py"), str(xml), str(n)], check=True)
    from curator.services.importing import import_files
    from curator.store.library import Library

    lib = Library.open(db)
    t0 = time.perf_counter()
    rep = import_files(lib, [xml])
    print(f"built {db}: {rep.totals} in {time.perf_counter() - t0:.0f} s", flush=True)
    lib.close()
    return db


def ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:.1f} ms (max {max(xs) * 1000:.1f})"


def report(name: str, xs: list[float], base: float, target: str | None = None) -> None:
    med = statistics.median(xs)
    line = f"{name:<52} {ms(xs)}  = {med / base:,.0f}× the bare SELECT"
    if target:
        line += f"; target ≤ {TARGETS_MS[target]:.0f} ms {'met' if med * 1000 <= TARGETS_MS[target] else 'MISSED'}"
    print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--library")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--workdir", default="/tmp/curator-bench")
    ap.add_argument("--papers", type=int, default=30)
    a = ap.parse_args()
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    db = Path(a.library) if a.library else build(work, a.n)

    from curator.domain.outcomes import ROW_ACCEPTED, ROW_SUGGESTED
    from curator.services import curation
    from curator.services.suggest import apply_suggestions
    from curator.store.library import Library

    lib = Library.open(db)
    count = lib.paper_count()
    random.seed(1)
    ids = random.sample(lib.list_ids(status="unreviewed"), a.papers * 20)
    # papers whose abstract gives suggestions (the loop being measured), half for the services, half the window
    chosen: list[int] = []
    for pid in ids:
        if len(chosen) == 2 * a.papers:
            break
        rec = curation.load(lib, pid)
        apply_suggestions(lib.get_paper(pid), rec)
        if any(r.row_status == ROW_SUGGESTED for r in rec.all_rows()):
            chosen.append(pid)
    svc_ids, win_ids = chosen[:a.papers], chosen[a.papers:]
    print(f"library {db} ({count:,} papers); {len(svc_ids)} + {len(win_ids)} papers with suggestions; "
          f"{os.cpu_count()} CPUs", flush=True)
    t0 = time.perf_counter()
    sum(range(30_000_000))
    print(f"machine speed check (sum of 30 M ints): {time.perf_counter() - t0:.2f} s", flush=True)

    base = []
    for pid in (svc_ids + win_ids) * 20:
        t0 = time.perf_counter()
        lib.conn.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
        base.append(time.perf_counter() - t0)
    b = statistics.median(base)
    print(f"{'baseline: bare SELECT * FROM papers WHERE id = ?':<52} median {b * 1e6:.0f} µs", flush=True)

    # --- services
    opens, saves = [], []
    for pid in svc_ids:
        t0 = time.perf_counter()
        paper = lib.get_paper(pid)
        stored = curation.stored(lib, pid)
        rec = stored.copy() if stored is not None else curation.load(lib, pid)
        curation.recover(lib, pid)
        opens.append(time.perf_counter() - t0)
        apply_suggestions(paper, rec)
        for row in rec.all_rows():
            row.row_status = ROW_ACCEPTED
        t0 = time.perf_counter()
        curation.save_draft(lib, rec, "Bench Curator")
        saves.append(time.perf_counter() - t0)
    report("services: open a paper (paper, record, autosave)", opens, b, "open")
    report("services: save a draft (suggestions accepted)", saves, b, "save")
    lib.close()

    # --- the window
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from curator.app import make_app
    from curator.ui.main_window import MainWindow

    app = make_app()
    lib = Library.open(db)
    settings = QSettings(str(work / "bench_curation.ini"), QSettings.Format.IniFormat)
    settings.setValue("curator_name", "Bench Curator")
    win = MainWindow(lib, settings)
    win.ask_unsaved = lambda: "save"
    win.resize(1280, 800)
    win.show()
    app.processEvents()
    win.open_paper(svc_ids[0])  # pyqtgraph and the plot tabs built once, as after the first paper
    app.processEvents()
    w_open, w_accept, w_accept_plot, w_save = [], [], [], []
    for pid in win_ids:
        t0 = time.perf_counter()
        win.open_paper(pid)
        app.processEvents()
        w_open.append(time.perf_counter() - t0)
        win.suggest()
        app.processEvents()
        if win.redraw_timer.isActive():
            win.redraw_timer.stop()
            win.redraw_plot()
        app.processEvents()
        model, row = next((m, i) for m in win.forms.models.values() for i, r in enumerate(m.rows)
                          if r.row_status == ROW_SUGGESTED)
        t0 = time.perf_counter()
        model.accept_row(row)
        app.processEvents()
        w_accept.append(time.perf_counter() - t0)
        if win.redraw_timer.isActive():  # the plots follow 30 ms later (debounced): their share, timed too
            win.redraw_timer.stop()
            win.redraw_plot()
            app.processEvents()
        w_accept_plot.append(time.perf_counter() - t0)
        win.accept_all()
        app.processEvents()
        t0 = time.perf_counter()
        ok = win.save_draft()
        app.processEvents()
        w_save.append(time.perf_counter() - t0)
        assert ok, win.statusBar().currentMessage()
    report("window: open a paper (reader, forms, plots)", w_open, b, "open")
    report("window: accept a suggestion (row, status, count)", w_accept, b, "accept")
    report("window: accept a suggestion, plots redrawn", w_accept_plot, b)
    report("window: save the draft (Ctrl+S)", w_save, b, "save")
    win.dirty = False
    win.close()
    lib.close()


if __name__ == "__main__":
    main()
