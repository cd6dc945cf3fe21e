"""Plot speed, offscreen: redraw after an edit, and the across-library plot with 10,000 points.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_plots.py [--runs 30]

Targets (the issue): redraw after an edit ≤ 50 ms for a paper with 20 series × 30 points; the
across-library plot with 10,000 points ≤ 200 ms, staying smooth to pan. Prints medians (and p90).

- "edit → redraw": one value of the record changes, `PlotPanel.redraw(record)` runs (all three record
  tabs: kinetics, before/after, survival) and the visible kinetics tab is painted (`repaint()`).
- "structure change": a new series appears (e.g. the curator typed a new analyte): the kinetics
  items are rebuilt rather than updated.
- "library build": SQL (verified records, analyte matched through the vocabulary) + unit conversion
  + point arrays; "library draw": the pyqtgraph items; "pan frame": shift the x range, repaint.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.domain.outcomes import (
    RECORD_VERIFIED,
    Comparison,
    Exposure,
    Measurement,
    Record,
    Span,
    TimeToEvent,
    Toxicity,
)
from curator.domain.paper import Paper

ANALYTES = [("IL-6", "pg/mL"), ("IFN-γ", "pg/mL"), ("IL-10", "pg/mL"), ("IL-2", "pg/mL"), ("TNF-α", "pg/mL"),
            ("ferritin", "ng/mL"), ("CRP", "mg/L"), ("CAR-T cells", "cells/µL"), ("LDH", "U/L"),
            ("D-dimer", "mg/L FEU")]


def big_record(n_series: int = 20, n_points: int = 30, seed: int = 1) -> Record:
    """20 series × 30 points: 10 analytes (6 units) × 2 patients, days 0..29, plus the course."""
    rnd = random.Random(seed)
    rec = Record(paper_id=1)
    for s in range(n_series):
        analyte, unit = ANALYTES[s % len(ANALYTES)]
        arm = f"patient {s // len(ANALYTES) + 1}"
        peak = rnd.uniform(50, 5000)
        for d in range(n_points):
            v = round(peak * (0.05 + 2.7 ** (-((d - 7) ** 2) / 18)) * rnd.uniform(0.8, 1.2), 2)
            rec.measurements.append(Measurement(analyte=analyte, day=d, value=v, unit=unit, arm=arm,
                                                statistic="value",
                                                sources={"value": Span(0, 10, f"{analyte} {v} {unit}")}))
    rec.exposures = [Exposure(agent="tocilizumab", start_day=3), Exposure(agent="emapalumab", start_day=11,
                                                                          end_day=18)]
    rec.toxicities = [Toxicity(syndrome="CRS", grade=3, onset_day=2, resolution_day=9),
                      Toxicity(syndrome="ICANS", grade=4, onset_day=6, resolution_day=20)]
    rec.comparisons = [Comparison(analyte=a, value_a=100.0 + i, value_b=20.0 + i, unit=u, p_text="P < 0.001")
                       for i, (a, u) in enumerate(ANALYTES[:6])]
    rec.time_to_event = [TimeToEvent(endpoint="OS", horizon="6 months", rate=80.0, ci_low=70.0, ci_high=90.0)]
    return rec


SPELLINGS = [("IFN-γ", "pg/mL", 1.0), ("IFN-gamma", "pg/mL", 1.0), ("interferon gamma", "ng/mL", 1e-3),
             ("IFNG", "ng/L", 1.0), ("IFN-γ", "U/mL", 0.02)]


def make_library(path: Path, n_points: int = 10_000, per_paper: int = 50, seed: int = 2):
    """A library of verified papers whose IFN-γ rows (five spellings, four units, one unconvertible)
    add up to `n_points` plotted points: 5 comparisons (10 points) + 40 dated measurements per paper."""
    from curator.store.library import Library

    rnd = random.Random(seed)
    lib = Library.open(path)
    n_papers = n_points // per_paper
    with lib.transaction():
        ids = lib.insert_papers([Paper(title=f"Emapalumab cohort {i}", authors=[f"Author{i} A"], year=2018 + i % 8,
                                       pmid=str(30_000_000 + i), abstract="IFN-γ fell after emapalumab.")
                                 for i in range(n_papers)])
    for pid in ids:
        rec = Record(paper_id=pid, status=RECORD_VERIFIED, curator="bench")
        name, unit, f = SPELLINGS[pid % len(SPELLINGS)]
        for _ in range(5):
            a = rnd.uniform(50, 800)
            rec.comparisons.append(Comparison(analyte=name, value_a=round(a * f, 4),
                                              value_b=round(a * rnd.uniform(0.05, 0.6) * f, 4), unit=unit,
                                              label_a="before emapalumab", label_b="after emapalumab",
                                              p_text="P < 0.001",
                                              sources={"value_a": Span(0, 5, "IFN-γ")}))
        for arm in range(4):
            for d in range(10):
                v = rnd.uniform(5, 500) * f
                rec.measurements.append(Measurement(analyte=name, day=d * 3, value=round(v, 4), unit=unit,
                                                    arm=f"patient {arm}"))
        lib.save_record(rec)
    return lib


def _median(fn, runs: int) -> tuple[float, float, float]:
    """(median wall ms, p90 wall ms, median CPU ms of this process). CPU time is what the work costs;
    wall time also counts waiting for a core when the machine is busy."""
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    wall.sort()
    return statistics.median(wall), wall[int(0.9 * (len(wall) - 1))], statistics.median(cpu)


def _line(label: str, m: tuple[float, float, float]) -> str:
    return f"{label}: median {m[0]:.1f} ms (p90 {m[1]:.1f} ms; CPU {m[2]:.1f} ms)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--points", type=int, default=10_000)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    from curator.services.plots import load_library_plot
    from curator.ui.plot_panel import PlotPanel

    app = QApplication.instance() or QApplication([])
    panel = PlotPanel()
    panel.resize(1000, 700)
    panel.show()
    app.processEvents()

    rec = big_record()
    n_series = len({(m.analyte, m.arm) for m in rec.measurements})
    panel.redraw(rec)
    app.processEvents()
    kin = panel.kinetics_plot
    k = 0

    def edit(paint_all: bool):
        def run():
            nonlocal k
            k += 1
            rec.measurements[(k * 7) % len(rec.measurements)].value = 100.0 + k
            panel.redraw(rec)
            if paint_all:
                kin.glw.viewport().repaint()  # worst case: the whole plot area repainted
            else:
                app.processEvents()  # what the GUI does: paint what changed
        return run

    print(f"paper: {n_series} series × 30 points in {len(kin.panels)} unit panels + course track; "
          f"{len(rec.comparisons)} comparisons, {len(rec.time_to_event)} survival rate")
    print(_line("edit → redraw (3 record tabs) + paint", _median(edit(False), args.runs)))
    print(_line("edit → redraw + full repaint of the plot", _median(edit(True), args.runs)))

    def structure_change():
        nonlocal k
        k += 1
        rec.measurements[0].analyte = "IL-18" if k % 2 else "IL-6"  # a series appears / goes away
        panel.redraw(rec)
        app.processEvents()

    print(_line("new series (typed a new analyte) → redraw + paint", _median(structure_change, args.runs)))

    def new_unit():
        nonlocal k
        k += 1
        rec.measurements[0].unit = "ng/L" if k % 2 else "pg/mL"  # a panel appears / goes away
        panel.redraw(rec)
        app.processEvents()

    print(_line("new unit panel → redraw + paint", _median(new_unit, max(5, args.runs // 2))))

    def edit_comparison():
        nonlocal k
        k += 1
        rec.comparisons[0].value_b = 10.0 + k
        panel.redraw(rec)
        app.processEvents()

    print(_line("comparison edit → redraw + paint", _median(edit_comparison, args.runs)))

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        lib = make_library(Path(tmp) / "bench.sqlite", args.points)
        print(f"(made a library of {lib.paper_count()} verified papers in {time.perf_counter() - t0:.1f} s)")
        panel.set_library(lib)
        panel.show_tab("library")
        app.processEvents()
        lp = panel.library_plot
        data = load_library_plot(lib, "IFN-gamma")
        print(f"across library: {data.n_points} points, {data.n_papers} papers, panels "
              + ", ".join(f"{p.title} [{len(p)}]" for p in data.panels))
        mb = _median(lambda: load_library_plot(lib, "IFN-gamma"), max(5, args.runs // 2))
        print(_line("library build (SQL + vocabulary + conversion)", mb))

        def draw():
            lp.draw(data)
            app.processEvents()

        md = _median(draw, max(5, args.runs // 2))
        print(_line("library draw + paint (panels kept)", md))

        def first():
            lp.canvas = type(lp.canvas)(lp, lp.glw.ci)
            lp.glw.ci.layout.invalidate()
            while lp.glw.ci.layout.count():
                lp.glw.ci.layout.removeAt(0)
            for it in list(lp.glw.ci.childItems()):
                if it.scene() is not None and it is not lp.glw.ci:
                    it.scene().removeItem(it)
            lp.draw(data)
            app.processEvents()

        mf = _median(first, 5)
        print(_line("library first draw (new panels) + paint", mf))
        print(f"library build + draw + paint: ≈ {mb[0] + md[0]:.0f} ms (CPU {mb[2] + md[2]:.0f} ms); "
              f"first time ≈ {mb[0] + mf[0]:.0f} ms")
        vb = lp.plot_items[1].getViewBox()
        j = 0

        def pan():
            nonlocal j
            j += 1
            vb.translateBy(x=0.4 if j % 40 < 20 else -0.4)  # what a mouse drag does
            app.processEvents()

        mp = _median(pan, args.runs * 2)
        print(_line(f"pan frame ({len(data.panels[1])}-point panel, {data.n_points} in the tab)", mp)
              + f" → ~{1000 / mp[0]:.0f} fps")
        lib.close()


if __name__ == "__main__":
    main()
