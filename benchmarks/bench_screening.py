"""Screening at library scale (issue 20): how soon the relevant records come up, and re-rank speed.

    python benchmarks/bench_screening.py [--size 20000] [--seeds 3] [--every 10] [--classifier nb logistic]
                                         [--rerank-size 100000] [--shared DIR]
    python benchmarks/bench_screening.py --library-size 100000 [--workdir DIR]   # the real path, see below

The labelled library:
- relevant: the 30 hand-labelled CAR-T toxicity abstracts of ../shared/extract_dev/papers (title +
  abstract), the two bundled sample papers (resources/samples: CAR-T CRS/IEC-HS treated with
  emapalumab), and every record of the shared corpus whose title or abstract names CAR-T therapy
  (CAR-T / CAR T / chimeric antigen receptor) AND a toxicity (cytokine release, CRS, neurotoxicity,
  ICANS, HLH, toxicity, adverse event): the topic Curator curates. Corpus records that name CAR-T
  only in keywords/MeSH, or name it without any toxicity, are NOT relevant (a curator screening for
  CAR-T toxicities would exclude them); the script prints each CAR-T mention and its label.
- the others: every other distinct record of the shared corpus, all formats (PubMed XML, MEDLINE,
  RIS, BibTeX, abstract text, summary text: ~2,200 real records, read by Curator's own importers).
  The corpus has far fewer than 20,000 distinct records, so the library is padded to --size by
  repeating them (each copy gets its own id, as bench_import's 100,000-record file does). The
  script also runs on the distinct records alone, so both figures are shown.

The simulation (ASReview's): prior knowledge of one relevant and one irrelevant record drawn at
random (per seed), then the oracle screens the top-ranked record, the model retrains every --every
decisions, until every relevant record is found. It prints the share of the library screened to find
95 % of the relevant records, WSS@95 (= 0.95 − that share, the work saved over random order at 95 %
recall), and the recall after screening 1, 2, 5, 10 and 20 % of it. Then the re-rank time for
--rerank-size records: training on 500 decisions and ordering every unscreened record (median of 5).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curator import importers  # noqa: E402
from curator.importers.base import ImportFormatError  # noqa: E402
from curator.screening import Features, rank, screening_text  # noqa: E402
from curator.store.library import title_key  # noqa: E402

CART = re.compile(r"\bCAR[- ]?T\b|chimeric antigen receptor|\bCAR[- ]T[- ]cell", re.IGNORECASE)
TOX = re.compile(r"cytokine release|\bCRS\b|neurotox|\bICANS\b|\bHLH\b|hemophagocytic|toxicit|adverse event",
                 re.IGNORECASE)


def shared_dir(given: str | None) -> Path:
    for c in [given, REPO.parent / "shared", Path("/work/shared")]:
        if c and (Path(c) / "corpus" / "SOURCES.md").exists():
            return Path(c)
    sys.exit("shared folder not found: pass --shared DIR")


def corpus_records(corpus: Path) -> list[dict]:
    out, seen = [], set()
    for f in sorted(corpus.rglob("*")):
        if not f.is_file() or f.suffix.lower() in (".md", ".json", ".pdf"):
            continue
        try:
            res = importers.parse_file(f)
        except (ImportFormatError, UnicodeError, ValueError):
            continue
        for p in res.papers:
            key = p.pmid or title_key(p.title)
            if not key or key in seen:
                continue
            seen.add(key)
            out.append({"title": p.title or "", "abstract": p.abstract or "", "keywords": list(p.keywords),
                        "mesh": [m.descriptor for m in p.mesh_terms], "source": str(f.relative_to(corpus))})
    return out


def labelled(shared: Path) -> tuple[list[dict], list[dict]]:
    rel = []
    for f in sorted((shared / "extract_dev" / "papers").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        rel.append({"title": d.get("title") or "", "abstract": d["abstract"], "keywords": [], "mesh": [],
                    "source": f"extract_dev/{f.name}"})
    for f in sorted((REPO / "resources" / "samples").iterdir()):
        res = importers.parse_file(f)
        for p in res.papers:
            rel.append({"title": p.title, "abstract": p.abstract, "keywords": list(p.keywords),
                        "mesh": [m.descriptor for m in p.mesh_terms], "source": f"samples/{f.name}"})
    known = {title_key(r["title"]) for r in rel}
    others = []
    for r in corpus_records(shared / "corpus"):
        if title_key(r["title"]) in known:
            continue
        text = r["title"] + " " + r["abstract"]
        if CART.search(text) or CART.search(" ".join(r["keywords"] + r["mesh"])):
            relevant = bool(CART.search(text) and TOX.search(text))
            print(f"  corpus CAR-T mention: {'RELEVANT' if relevant else 'not relevant'}: "
                  f"{r['title'][:90]} ({r['source']})")
            if relevant:
                rel.append(r)
                continue
        others.append(r)
    return rel, others


def simulate(f: Features, relevant: set[int], n: int, classifier: str, seed: int, every: int) -> list[int]:
    """Records screened (in order) until every relevant one was found."""
    rng = np.random.default_rng(seed)
    rel = sorted(relevant)
    irr = [i for i in range(n) if i not in relevant]
    labels = {int(rng.choice(rel)): 1, int(rng.choice(irr)): 0}
    screened: list[int] = []
    remaining = np.setdiff1d(np.arange(n), np.fromiter(labels, dtype=np.int64))
    found = 0
    ranking = None
    while found < len(relevant) - 1 and len(remaining):
        ranking = rank(f, labels, remaining, classifier, seed, ranking)
        batch = ranking.ids[:every]
        for i in batch.tolist():
            labels[i] = 1 if i in relevant else 0
            found += labels[i]
            screened.append(i)
        remaining = ranking.ids[every:]
    return screened


def figures(screened: list[int], relevant: set[int], prior_relevant: int, n: int) -> dict:
    total = len(relevant)
    found, curve = prior_relevant, []
    need95 = int(np.ceil(0.95 * total))
    at95 = None
    for k, i in enumerate(screened, 1):
        found += i in relevant
        curve.append(found)
        if at95 is None and found >= need95:
            at95 = k + 2  # the two prior records were screened too
    share95 = at95 / n if at95 else 1.0
    rec = {}
    for pct in (1, 2, 5, 10, 20):
        k = max(0, int(n * pct / 100) - 2)
        rec[pct] = (curve[min(k, len(curve)) - 1] if k and curve else prior_relevant) / total
    return {"share95": share95, "wss95": 0.95 - share95, "recall": rec, "screened_all": len(screened) + 2}


def run_library(name: str, rel: list[dict], others: list[dict], size: int | None, classifiers: list[str],
                seeds: int, every: int) -> None:
    pool = list(others)
    if size and len(rel) + len(pool) < size:
        reps = int(np.ceil((size - len(rel)) / len(others)))
        pool = (others * reps)[: size - len(rel)]
    records = rel + pool
    n = len(records)
    relevant = set(range(len(rel)))
    t0 = time.perf_counter()
    f = Features.fit(list(range(n)), [screening_text(r["title"], r["abstract"], r["keywords"], r["mesh"])
                                      for r in records])
    print(f"\n{name}: {n:,} records, {len(rel)} relevant ({100 * len(rel) / n:.2f} %), "
          f"{len(set(map(id, pool)))} distinct others; TF-IDF fit {time.perf_counter() - t0:.1f} s, "
          f"{f.matrix.shape[1]:,} terms")
    for clf in classifiers:
        rows = []
        t0 = time.perf_counter()
        for s in range(seeds):
            screened = simulate(f, relevant, n, clf, s, every)
            rows.append(figures(screened, relevant, 1, n))
        el = time.perf_counter() - t0
        share = statistics.median(r["share95"] for r in rows)
        per_seed = ", ".join(format(100 * r["share95"], ".2f") for r in rows)
        print(f"  {clf:<8} 95 % of relevant found after screening {100 * share:.2f} % of the library "
              f"(seeds: {per_seed} %); "
              f"WSS@95 = {100 * (0.95 - share):.1f} %; all found after "
              f"{statistics.median(r['screened_all'] for r in rows):,.0f} records ({el:.0f} s)")
        curve = "  ".join(f"{p} %: {100 * statistics.median(r['recall'][p] for r in rows):.0f} %"
                          for p in (1, 2, 5, 10, 20))
        print(f"           recall after screening  {curve}")


def rerank_time(others: list[dict], rel: list[dict], size: int, classifiers: list[str]) -> None:
    records = (rel + others * (size // len(others) + 1))[:size]
    texts = [screening_text(r["title"], r["abstract"], r["keywords"], r["mesh"]) for r in records]
    t0 = time.perf_counter()
    f = Features.fit(list(range(size)), texts)
    fit = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    labelled = rng.choice(size, 500, replace=False)
    labels = {int(i): int(i < len(rel)) for i in labelled}
    labels.update({i: 1 for i in range(5)})
    cand = np.setdiff1d(np.arange(size), np.fromiter(labels, dtype=np.int64))
    print(f"\nre-rank {size:,} records ({f.matrix.shape[1]:,} terms; TF-IDF fitted once per library in {fit:.1f} s)")
    for clf in classifiers:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = rank(f, labels, cand, clf)
            times.append(time.perf_counter() - t0)
            assert r.trained, r.message
        print(f"  {clf:<8} train on {len(labels)} decisions + order {len(cand):,}: median "
              f"{statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})")


def library_timings(n: int, workdir: Path) -> None:
    """The real path on an n-record library (PubMed XML built by make_pubmed_xml.py, imported by
    Curator): the services' retrain (first: features fitted and cached; then from the cache), the
    CLI's `screen next`, and the screening window: time to its first record, and key press → next
    record over 300 decisions while the model retrains every 5 on its worker thread."""
    import os
    import subprocess

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import shutil

    from curator.services import screening
    from curator.services.importing import import_files
    from curator.store.library import Library

    workdir.mkdir(parents=True, exist_ok=True)
    xml, pristine = workdir / f"screen{n}.xml", workdir / f"screen{n}.imported.sqlite"
    if not pristine.exists():  # imported once, kept without decisions for the next runs
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_pubmed_xml.py"), str(xml), str(n)],
                       check=True)
        lib = Library.open(pristine)
        import_files(lib, [xml])
        lib.close()
        xml.unlink()
    db = workdir / f"screen{n}.sqlite"
    for f in workdir.glob(f"screen{n}.sqlite*"):
        f.unlink()
    shutil.copyfile(pristine, db)
    lib = Library.open(db)
    print(f"\nlibrary of {screening.paper_count(lib):,} imported records ({db})")
    ids = lib.list_ids()
    screening.decide(lib, ids[:3], "include")
    screening.decide(lib, ids[3:300], "exclude")
    model = screening.model_for(lib)
    t0 = time.perf_counter()
    model.retrain(lib)
    print(f"  first retrain (reads every record, fits TF-IDF, caches it): {time.perf_counter() - t0:.1f} s")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        r = model.retrain(lib)
        times.append(time.perf_counter() - t0)
    print(f"  retrain + re-rank {len(r):,} records through the services: median {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)}); {r.message}")
    model.features = None
    t0 = time.perf_counter()
    model.retrain(lib)
    print(f"  retrain in a new process (features read from the cache file): {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    screening.retrain_in_worker(lib)
    first = time.perf_counter() - t0
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        screening.retrain_in_worker(lib)
        times.append(time.perf_counter() - t0)
    print(f"  the window's way, in the worker process: first {first:.1f} s (spawn + features from the cache), "
          f"then median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})")
    lib.close()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "curator", "screen", "next", "--library", str(db), "--n", "10", "--json"],
                   check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    print(f"  `curator screen next --n 10` (whole command, new process): {time.perf_counter() - t0:.1f} s")

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from curator.ui.screening_view import ScreeningView

    app = QApplication.instance() or QApplication([])
    lib = Library.open(db)
    screening._MODELS.clear()
    t0 = time.perf_counter()
    v = ScreeningView(lib, lambda: "bench")
    v.resize(1280, 800)
    v.show()
    app.processEvents()
    print(f"  window: first record shown {1000 * (time.perf_counter() - t0):.0f} ms after opening "
          "(model still fitting in the background)")
    v.wait_for_model(600_000)
    lat, busy = [], []
    for k in range(300):
        t0 = time.perf_counter()
        QTest.keyClick(v, Qt.Key.Key_E if k % 7 else Qt.Key.Key_I)  # decision saved, next record set
        app.processEvents()  # ... and painted
        lat.append(time.perf_counter() - t0)
        pause = 0.05 if k % 20 else 0.4  # a fast curator: 20 decisions a second, a pause now and then
        end = time.perf_counter() + pause
        while time.perf_counter() < end:  # the event loop meanwhile: how long is it ever busy at once?
            t0 = time.perf_counter()
            app.processEvents()
            busy.append(time.perf_counter() - t0)
            time.sleep(0.002)
    v.wait_for_model(600_000)
    lat.sort()
    busy.sort()
    print(f"  key press → decision saved, next record shown and painted; 300 decisions at 20/s with retraining "
          f"every 5 in the worker: median {1000 * statistics.median(lat):.1f} ms, 95th percentile "
          f"{1000 * lat[int(0.95 * len(lat))]:.1f} ms, max {1000 * lat[-1]:.1f} ms; longest the window was "
          f"busy otherwise (counts and chart after a pause, new rankings): {1000 * busy[-1]:.1f} ms")
    v.shutdown()
    lib.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--every", type=int, default=10, help="retrain after this many decisions")
    ap.add_argument("--classifier", nargs="+", default=["nb", "logistic"])
    ap.add_argument("--rerank-size", type=int, default=100_000)
    ap.add_argument("--shared")
    ap.add_argument("--library-size", type=int, default=0,
                    help="also time the real path (import, services, CLI, window) on a library of this size")
    ap.add_argument("--workdir", default="/tmp/curator-bench-screening")
    a = ap.parse_args()
    if a.library_size:
        library_timings(a.library_size, Path(a.workdir))
        return
    shared = shared_dir(a.shared)
    rel, others = labelled(shared)
    print(f"{len(rel)} relevant records, {len(others)} distinct other records from the corpus")
    run_library("distinct records only", rel, others, None, a.classifier, a.seeds, a.every)
    run_library(f"padded to {a.size:,}", rel, others, a.size, a.classifier, a.seeds, a.every)
    if a.rerank_size:
        rerank_time(others, rel, a.rerank_size, a.classifier)


if __name__ == "__main__":
    main()
