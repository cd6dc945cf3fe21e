"""A team on one PostgreSQL library: concurrent saves while a big import runs; import rate; search.

    python benchmarks/bench_team.py [--curators 8] [--saves 200] [--papers 50] [--import-n 20000]
                                    [--search-n 100000] [--url postgresql://...] [--workdir DIR]

Without --url a throwaway cluster is started in a temporary folder (durable settings: fsync and
synchronous_commit on, as a team's server has them) and removed at the end. With --url the given
server is used: the database must be empty (its tables are made by the run).

1. Team: `--curators` processes each make `--saves` saves of 1–2 random fields of a random paper among
   `--papers` shared papers (each save through services.curation.save_draft, based on the record as it
   read it a few ms before: real overlaps), while one more process imports `--import-n` PubMed records
   (benchmarks/make_pubmed_xml.py). Checked afterwards, field by field, from the append-only history:
   every successful save's value is in the history, each change's `old` is the value before it (no
   save ever wrote over a value it had not seen: no lost update), the final record holds the last value,
   and no save reported as a conflict wrote anything. Any other error (a deadlock included) fails.
   Printed: saves, merges, conflicts, save latency p50/p95/max, import rate.
2. Import alone: `--search-n` records into an empty library (COPY): records/s.
3. Search on those papers: what the paper list does for a search (ids in order, then the first page
   of 50 summaries), median of 5 runs per query.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FIELDS = ("notes", "contradiction_comment", "study.disease", "study.target", "study.follow_up",
          "study.car_t_product_as_reported", "study.grading_systems")
# bench_import.py's searches (its SQLite figure is over the same ones), then two broad prefixes
QUERIES = ("cytokine", "tocilizumab", "interleukin 6", "lung cancer", "smith", "fibrosis", "CAR T",
           "randomized", "mice", "covid")
BROAD = ("car", "c")


def _set(rec, field: str, value: str) -> None:
    if field.startswith("study."):
        setattr(rec.study, field[6:], value)
    else:
        setattr(rec, field, value)


def curator_process(url: str, k: int, saves: int, paper_ids: list[int], seed: int, out: mp.Queue) -> None:
    """One curator: `saves` saves, each reported as (paper, {field: value}, outcome, ms)."""
    from curator.services import curation
    from curator.store.library import Library

    rnd = random.Random(seed)
    results, errors = [], []
    lib = Library.open(url)
    try:
        for i in range(saves):
            pid = rnd.choice(paper_ids)
            try:
                base = curation.stored(lib, pid)
                rec = base.copy()
                values = {}
                for f in rnd.sample(FIELDS, rnd.randint(1, 2)):
                    values[f] = f"c{k}s{i}:{f}"
                    _set(rec, f, values[f])
                time.sleep(rnd.uniform(0, 0.02))  # the curator's typing: others save meanwhile
                t0 = time.perf_counter()
                try:
                    changes = curation.save_draft(lib, rec, f"curator{k}", base=base)
                    outcome = "merged" if changes.merged else "saved"
                except curation.StaleRecord:
                    outcome = "conflict"
                results.append((pid, values, outcome, (time.perf_counter() - t0) * 1000))
            except Exception as exc:  # a deadlock, a lost connection, anything: the run fails
                errors.append(f"curator {k}, save {i}: {type(exc).__name__}: {exc}")
    finally:
        lib.close()
    out.put(("curator", k, results, errors))


def import_process(url: str, xml: str, out: mp.Queue) -> None:
    from curator.services.importing import import_files
    from curator.store.library import Library

    errors = []
    lib = Library.open(url)
    t0 = time.perf_counter()
    try:
        report = import_files(lib, [xml])
        added = report.totals["added"] + report.totals["merged"]  # records read (the file repeats a few)
        errors += [f.error for f in report.files if f.error]
    except Exception as exc:
        added, errors = 0, [f"import: {type(exc).__name__}: {exc}"]
    finally:
        lib.close()
    out.put(("import", added, time.perf_counter() - t0, errors))


def make_xml(path: Path, n: int) -> Path:
    if not path.exists():
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_pubmed_xml.py"), str(path), str(n)],
                       check=True)
    return path


def setup_papers(url: str, n: int) -> list[int]:
    """`n` shared papers, each with a record already saved (every curator edits the same study row)."""
    from curator.domain.paper import Paper
    from curator.services import curation
    from curator.store.library import Library

    lib = Library.open(url)
    with lib.transaction():
        ids = lib.insert_papers([Paper(title=f"Shared CAR-T paper {i}", pmid=str(90_000_000 + i),
                                       abstract="Cytokine release syndrome grade 2 in 4 of 20 patients.")
                                 for i in range(n)])
    for pid in ids:
        curation.save_draft(lib, curation.load(lib, pid), "setup")
    lib.close()
    return ids


def check_history(url: str, results: list[tuple]) -> list[str]:
    """Lost updates and phantom writes, from the append-only history (see the module's docstring)."""
    from curator.services import curation
    from curator.store.library import Library

    lib = Library.open(url)
    problems: list[str] = []
    paper_ids = sorted({r[0] for r in results})
    written: dict[tuple[int, str], list[tuple[str | None, str | None]]] = {}
    for pid in paper_ids:
        for h in lib.history(pid):
            if h["who"] == "setup":
                continue
            name = h["field"] if h["row_table"] == "records" else f"study.{h['field']}"
            written.setdefault((pid, name), []).append((h["old"], h["new"]))
    final = {pid: curation.stored(lib, pid) for pid in paper_ids}
    lib.close()
    for (pid, name), chain in written.items():
        prev = chain[0][0]
        for old, new in chain:
            if (old or None) != (prev or None):
                problems.append(f"paper {pid} {name}: changed from {old!r} but the value was {prev!r} (lost update)")
            prev = new
        rec = final[pid]
        now = getattr(rec.study, name[6:]) if name.startswith("study.") else getattr(rec, name)
        if (now or None) != (prev or None):
            problems.append(f"paper {pid} {name}: final {now!r}, history ends at {prev!r}")
    seen = {(pid, name): {new for _old, new in chain} for (pid, name), chain in written.items()}
    for pid, values, outcome, _ms in results:
        for f, v in values.items():
            there = v in seen.get((pid, f), set())
            if outcome in ("saved", "merged") and not there:
                problems.append(f"paper {pid} {f}: saved {v!r} is not in the history (lost)")
            if outcome == "conflict" and there:
                problems.append(f"paper {pid} {f}: {v!r} was reported as a conflict but written")
    return problems


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def team(url: str, args, xml: Path) -> bool:
    paper_ids = setup_papers(url, args.papers)
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=import_process, args=(url, str(xml), out))]
    procs += [ctx.Process(target=curator_process, args=(url, k, args.saves, paper_ids, 1000 + k, out))
              for k in range(args.curators)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    got = [out.get(timeout=args.timeout) for _ in procs]
    for p in procs:
        p.join(30)
    wall = time.perf_counter() - t0
    results, errors = [], []
    imported, import_s = 0, 0.0
    for item in got:
        if item[0] == "curator":
            results += item[2]
            errors += item[3]
        else:
            imported, import_s = item[1], item[2]
            errors += item[3]
    problems = check_history(url, results)
    ms = [r[3] for r in results]
    outcomes = {o: sum(1 for r in results if r[2] == o) for o in ("saved", "merged", "conflict")}
    print(f"team: {args.curators} curators x {args.saves} saves on {args.papers} papers, "
          f"while importing {args.import_n} records ({wall:.1f} s wall)")
    print(f"  saves: {len(results)} ({outcomes['saved']} saved, {outcomes['merged']} merged with another's save, "
          f"{outcomes['conflict']} conflicts reported)")
    if ms:
        print(f"  save latency: p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
              f"max {max(ms):.1f} ms")
    print(f"  import meanwhile: {imported} records in {import_s:.1f} s = {imported / import_s if import_s else 0:,.0f}"
          " records/s")
    print(f"  lost updates / phantom writes: {len(problems)}; errors (deadlocks included): {len(errors)}")
    for line in (problems + errors)[:20]:
        print("   ", line)
    ok = not problems and not errors and len(results) == args.curators * args.saves and imported > 0
    if ms and percentile(ms, 0.95) > 100:
        print("  NOTE: save p95 above the 100 ms target")
    return ok


def import_and_search(url: str, args, xml: Path) -> None:
    from curator.services.importing import import_files
    from curator.store.library import Library

    lib = Library.open(url)
    t0 = time.perf_counter()
    report = import_files(lib, [xml])
    dt = time.perf_counter() - t0
    added = report.totals["added"] + report.totals["merged"]
    print(f"import alone: {added} records in {dt:.1f} s = {added / dt:,.0f} records/s (COPY)")
    lib.conn.execute("ANALYZE")
    times = []
    for q in QUERIES * 3:  # as bench_import.py measures SQLite: ids in display order + 200 rows
        t0 = time.perf_counter()
        ids = lib.list_ids(search=q)
        lib.summaries(ids[:200])
        times.append((time.perf_counter() - t0) * 1000)
    print(f"search to a first page (ids + 200 rows), bench_import's {len(QUERIES)} searches: median "
          f"{statistics.median(times):.1f} ms, max {max(times):.1f} ms over {len(times)} searches")
    for q in BROAD:
        ts = []
        for _ in range(3):
            t0 = time.perf_counter()
            ids = lib.list_ids(search=q)
            lib.summaries(ids[:200])
            ts.append((time.perf_counter() - t0) * 1000)
        print(f"  broad prefix {q!r}: {len(ids)} hits, median {statistics.median(ts):.1f} ms")
    lib.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--curators", type=int, default=8)
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--papers", type=int, default=50)
    ap.add_argument("--import-n", type=int, default=20_000)
    ap.add_argument("--search-n", type=int, default=100_000, help="papers for the import-alone and search runs (0: skip)")
    ap.add_argument("--url", help="an empty PostgreSQL database (default: a throwaway cluster)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "curator-bench-team"))
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--skip-team", action="store_true", help="only the import-alone and search runs")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    xml = make_xml(work / f"pubmed_{args.import_n}.xml", args.import_n)
    big = make_xml(work / f"pubmed_{args.search_n}.xml", args.search_n) if args.search_n else None
    cluster = None
    try:
        if args.url:
            team_url, search_url = args.url, args.url
        else:
            from tests.pg_cluster import Cluster, find_bin

            bin_dir = find_bin()
            if bin_dir is None:
                sys.exit("PostgreSQL is not installed (apt-get install -y postgresql), or pass --url")
            cluster = Cluster(bin_dir, fast=False).start()
            team_url, search_url = cluster.create_db("team"), cluster.create_db("search")
        ok = True if args.skip_team else team(team_url, args, xml)
        if big is not None and (cluster is not None or args.skip_team):
            import_and_search(search_url, args, big)
        print("OK" if ok else "FAILED")
        sys.exit(0 if ok else 1)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
