"""Export benchmark: 100,000 measurement rows, every format.

    /work/main/.venv/bin/python benchmarks/bench_export.py [--rows 100000] [--keep DIR] [--tracemalloc]

Builds a temporary library through the store's `save_record`: verified records of 500 measurements
each (five analytes, four of them in a unit that needs converting, a quoted source on every value),
plus a study, a toxicity and a comparison per record. Then each format is exported by
`curator.services.export.export_dataset` in a fresh child process, which reports the wall time, the
CPU time of the process (wall time on a busy machine is mostly waiting for a core), its peak RSS (`resource.getrusage`, after-import baseline shown too) and, with --tracemalloc, the peak of
Python allocations (slower: run separately from the timing). Targets: CSV and Parquet ≤ 3 s,
Excel ≤ 30 s, memory ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORMATS = [("csv", "out_csv"), ("csv", "out_csv.zip"), ("parquet", "out_parquet"), ("json", "out.json"),
           ("sqlite", "out.sqlite"), ("xlsx", "out.xlsx")]
TARGETS = {"csv": 3.0, "parquet": 3.0, "xlsx": 30.0}
PER_RECORD = 500
ANALYTES = [("IL-6", "pg/mL"), ("IFN-γ", "ng/mL"), ("ferritin", "µg/L"), ("CRP", "mg/dL"), ("temperature", "°F")]


def _rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024


def build_library(path: Path, rows: int) -> dict[str, float]:
    from curator.domain.outcomes import Comparison, Measurement, Record, Span, Study, Toxicity
    from curator.domain.paper import Paper
    from curator.store.library import Library

    t0 = time.perf_counter()
    lib = Library.open(path)
    n_records = max(1, rows // PER_RECORD)
    abstract = ("Serum IFN-γ rose to 1.2 ng/mL; IL-6 peaked at 350 pg/mL; ferritin 2,000 µg/L; CRP 12 mg/dL; "
                "fever to 102.2 °F. ") * 3
    quote = "350 pg/mL"
    start = abstract.index(quote)
    with lib.transaction():
        ids = lib.insert_papers([Paper(title=f"Benchmark paper {i} on CAR-T toxicity", pmid=str(40_000_000 + i),
                                       doi=f"10.1000/bench.{i}", authors=["A Author", "B Müller"], year=2025,
                                       abstract=abstract) for i in range(n_records)])
    made = 0
    for k, pid in enumerate(ids):
        rec = Record(paper_id=pid, status="verified", revision=1, curator="Bench Curator",
                     verified_at=f"2026-01-{1 + k % 28:02d}T12:00:00+00:00")
        rec.study = Study(design="phase 2", n_enrolled=40, disease="DLBCL", car_t_product="axicabtagene ciloleucel")
        rec.toxicities.append(Toxicity(syndrome="CRS", grading_system="ASTCT_2019", grade=2, onset_day=1,
                                       n_patients=10, percent=25.0))
        rec.comparisons.append(Comparison(analyte="IL-6", value_a=120.5, value_b=-3.2, unit="ng/mL",
                                          p_text="P < 0.001", label_a="before", label_b="after"))
        n = min(PER_RECORD, rows - made) if k < len(ids) - 1 else rows - made
        for j in range(n):
            analyte, unit = ANALYTES[j % len(ANALYTES)]
            m = Measurement(analyte=analyte, specimen="serum", day=j % 30 - 5, statistic="median", operator="=",
                            value=round(10 + (j * 7919 % 100_000) / 97.0, 3), unit=unit, n=20,
                            dispersion="IQR", dispersion_low=1.5, dispersion_high=900.25,
                            arm="=formula?" if j % 1000 == 0 else "cohort A")
            m.sources = {"value": Span(start, start + len(quote), quote)}
            rec.measurements.append(m)
        made += n
        lib.save_record(rec, who="bench")
    lib.close()
    return {"records": len(ids), "measurements": made, "seconds": time.perf_counter() - t0}


def child(fmt: str, library: str, out: str, trace: bool) -> None:
    from curator.services.export import export_dataset
    from curator.store.library import Library

    lib = Library.open(library, read_only=True)
    import pandas  # noqa: F401  (baseline after imports)
    import pyarrow  # noqa: F401
    base = _rss_mb()
    if trace:
        import tracemalloc
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    rep = export_dataset(lib, fmt, out)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_py = None
    if trace:
        import tracemalloc
        peak_py = tracemalloc.get_traced_memory()[1] / 2**20
    size = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file()) if Path(out).is_dir() \
        else Path(out).stat().st_size
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": _rss_mb(), "baseline_mb": base, "tracemalloc_mb": peak_py,
                      "rows": rep.counts, "bytes": size}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="build the library and outputs here and keep them")
    ap.add_argument("--tracemalloc", action="store_true", help="also report the peak of Python allocations")
    ap.add_argument("--formats", default=",".join(dict.fromkeys(f for f, _ in FORMATS)))
    ap.add_argument("--child", nargs=3, metavar=("FORMAT", "LIBRARY", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child, trace=args.tracemalloc)
        return

    with tempfile.TemporaryDirectory(prefix="curator-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        lib_path = work / "bench.sqlite"
        if lib_path.exists():
            lib_path.unlink()
        built = build_library(lib_path, args.rows)
        print(f"library: {built['records']} verified records, {built['measurements']:,} measurement rows "
              f"(built in {built['seconds']:.1f} s via save_record)")
        wanted = set(args.formats.split(","))
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")
        print(f"{'format':<16}{'seconds':>9}{'CPU s':>8}{'target':>8}{'peak RSS MB':>13}{'after imports':>15}"
              f"{'tracemalloc MB':>16}{'output MB':>11}")
        ok = True
        for fmt, name in FORMATS:
            if fmt not in wanted:
                continue
            out = work / name
            cmd = [sys.executable, __file__, "--child", fmt, str(lib_path), str(out)]
            if args.tracemalloc:
                cmd.append("--tracemalloc")
            res = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT)
            if res.returncode:
                print(f"{fmt}: FAILED\n{res.stderr}")
                ok = False
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            target = TARGETS.get(fmt)
            within = (target is None or r["seconds"] <= target) and r["rss_mb"] <= 500
            ok &= within
            label = fmt + (" (zip)" if name.endswith(".zip") else "")
            tm = f"{r['tracemalloc_mb']:.0f}" if r["tracemalloc_mb"] is not None else "-"
            print(f"{label:<16}{r['seconds']:>9.2f}{r['cpu']:>8.2f}{(f'{target:.0f}' if target else '-'):>8}"
                  f"{r['rss_mb']:>13.0f}"
                  f"{r['baseline_mb']:>15.0f}{tm:>16}{r['bytes'] / 2**20:>11.1f}{'' if within else '  OVER'}")
        print("all within targets" if ok else "SOME TARGETS MISSED")


if __name__ == "__main__":
    main()
