"""Import at library scale: throughput against the bare lxml floor, re-import, search, open, start.

    python benchmarks/bench_import.py [N=100000] [--runs 3] [--workdir /tmp/curator-bench] [--keep] [--import-only]

Builds an N-record PubMed XML file from the corpus records (benchmarks/make_pubmed_xml.py), then, `--runs`
times each (interleaved, so both see the same machine), times
- the bare lxml floor: lxml iterparse of the file's records with no field read (each record element
  cleared as it ends, as a streaming reader must), in one process;
- Curator's import into a new library: every field, duplicates, the search index, one transaction.
It prints the medians, the import rate, and the ratio import time / floor time, against the targets
(>= 2,000 records/s and <= 1.5x the floor). Then (unless --import-only) re-import of the same file, peak
memory, FTS search median, opening a paper median, and app start to a populated window (offscreen).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent


def floor(xml: Path) -> tuple[int, float]:
    """Records and seconds for lxml to parse every record of the file, reading nothing."""
    t0 = time.perf_counter()
    n = 0
    for _ev, el in etree.iterparse(str(xml), events=("end",), tag="PubmedArticle", resolve_entities=False,
                                   no_network=True, load_dtd=False, huge_tree=False):
        n += 1
        el.clear()
        while el.getprevious() is not None:
            del el.getparent()[0]
    return n, time.perf_counter() - t0


def fresh(db: Path) -> None:
    for x in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
        if x.exists():
            x.unlink()


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


START_SCRIPT = r"""
import os, sys, time
t0 = float(sys.argv[2])
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from curator.app import make_app
from curator.store.library import Library
from curator.ui.main_window import MainWindow
app = make_app()
lib = Library.open(sys.argv[1])
win = MainWindow(lib, QSettings(sys.argv[3], QSettings.Format.IniFormat))
win.resize(1280, 800)
win.show()
app.processEvents()
win.paper_view.selectRow(0)
app.processEvents()
assert win.paper_model.rowCount() > 0 and win.paper_model.summary(0) is not None
print(time.time() - t0)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--workdir", default="/tmp/curator-bench")
    ap.add_argument("--keep", action="store_true", help="keep the generated XML between runs")
    ap.add_argument("--runs", type=int, default=3, help="floor and import runs (medians are printed)")
    ap.add_argument("--import-only", action="store_true", help="stop after the import figures")
    a = ap.parse_args()
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    xml = work / f"pubmed{a.n}.xml"
    if not xml.exists():
        subprocess.run([sys.executable, str(HERE / "make_pubmed_xml.py"), str(xml), str(a.n)], check=True)
    print(f"file: {xml} ({xml.stat().st_size / 1e6:.0f} MB, {a.n} records), {os.cpu_count()} CPUs")

    t0 = time.perf_counter()
    sum(range(30_000_000))
    print(f"machine speed check (sum of 30 M ints): {time.perf_counter() - t0:.2f} s "
          "(this VM's speed drifts: compare figures from the same run)")
    size_mb = xml.stat().st_size / 1e6

    from curator.services.importing import import_files
    from curator.store.library import Library

    db = work / "library.sqlite"
    floors, imports = [], []
    for run in range(a.runs):
        n, dt = floor(xml)
        floors.append(dt)
        print(f"run {run + 1}: bare lxml floor {n} records in {dt:.1f} s", end="; ", flush=True)
        fresh(db)
        lib = Library.open(db)
        t0 = time.perf_counter()
        c0 = os.times()
        rep = import_files(lib, [xml])
        dt = time.perf_counter() - t0
        c1 = os.times()
        imports.append(dt)
        records = rep.totals["added"] + rep.totals["merged"] + rep.totals["failed"]
        print(f"import {rep.totals} in {dt:.1f} s ({dt / floors[-1]:.2f}x); CPU: this process "
              f"{c1.user + c1.system - c0.user - c0.system:.1f} s, workers "
              f"{c1.children_user + c1.children_system - c0.children_user - c0.children_system:.1f} s", flush=True)
        if run < a.runs - 1:
            lib.close()
    f_med, i_med = statistics.median(floors), statistics.median(imports)
    rate = records / i_med
    print(f"bare lxml floor (iterparse, no field read): median {f_med:.1f} s = {n / f_med:,.0f} rec/s "
          f"({size_mb / f_med:.0f} MB/s)")
    print(f"curator import (every field, duplicates, search index): median {i_med:.1f} s = {rate:,.0f} rec/s "
          f"({size_mb / i_med:.0f} MB/s)")
    ratios = [i / f for i, f in zip(imports, floors)]
    print(f"import / floor: {i_med / f_med:.2f}x of the medians (runs: {', '.join(f'{r:.2f}' for r in ratios)}); "
          f"targets: >= 2,000 rec/s {'met' if rate >= 2000 else 'MISSED'}, <= 1.5x the floor "
          f"{'met' if i_med / f_med <= 1.5 else 'MISSED'}")
    if a.import_only:
        lib.close()
        if not a.keep:
            xml.unlink()
        return
    count = lib.paper_count()
    t0 = time.perf_counter()
    rep2 = import_files(lib, [xml])
    dt2 = time.perf_counter() - t0
    print(f"re-import: {rep2.totals['added']} added, {rep2.totals['merged']} merged in {dt2:.1f} s "
          f"= {rep2.totals['merged'] / dt2:,.0f} rec/s; library {count} → {lib.paper_count()} papers")
    print(f"peak memory (this process or a worker): {peak_rss_mb():.0f} MB")

    queries = ["cytokine", "tocilizumab", "interleukin 6", "lung cancer", "smith", "fibrosis", "CAR T",
               "randomized", "mice", "covid"]
    times = []
    for q in queries * 3:
        t0 = time.perf_counter()
        ids = lib.list_ids(search=q)
        lib.summaries(ids[:200])
        times.append(time.perf_counter() - t0)
    print(f"FTS search to a first page (ids + 200 rows): median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {len(times)} searches")

    ids = lib.list_ids()
    import random

    random.seed(1)
    sample = random.sample(ids, 50)
    lib.close()

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings

    from curator.app import make_app
    from curator.ui.main_window import MainWindow

    app = make_app()
    lib = Library.open(db)
    win = MainWindow(lib, QSettings(str(work / "bench.ini"), QSettings.Format.IniFormat))
    win.resize(1280, 800)
    win.show()
    app.processEvents()
    times = []
    for pid in sample:
        t0 = time.perf_counter()
        win.open_paper(pid)
        app.processEvents()
        times.append(time.perf_counter() - t0)
    print(f"open a paper (reader + forms + plot): median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")
    win.close()
    lib.close()

    starts = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", START_SCRIPT, str(db), str(time.time()),
                              str(work / "start.ini")], capture_output=True, text=True, check=True)
        starts.append(float(out.stdout.strip().splitlines()[-1]))
    print(f"app start to a populated list with {count} papers: median {statistics.median(starts):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in starts)})")
    if not a.keep:
        xml.unlink()


if __name__ == "__main__":
    main()
