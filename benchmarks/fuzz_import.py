"""Fuzz the importers with mutated real files: 0 crashes and 0 hangs is the target (issue 15).

    /work/main/.venv/bin/python benchmarks/fuzz_import.py [--count N] [--seed S] [--workers W]
        [--corpus DIR] [--format NAME ...] [-v]

Sources: every file of the shared corpus (../shared/corpus or $CURATOR_CORPUS; pdf/ left out) and the
bundled samples in resources/samples, grouped by the format Curator detects in the unmutated file.
Each case takes one source file and applies 1-3 mutations: bit flips, truncation, inserted bytes
(random or format-significant ones), a deleted range, a duplicated or removed chunk, or a splice of two
files. It is parsed through the importers' public entry, curator.importers.parse_bytes, in a worker
process with a time limit of 2 s per MB (2 s at least); a worker that overruns is killed and counted
as a hang.

Printed per format (the source file's format): cases, crashes (an exception other than the
importers' ImportFormatError), hangs, clean errors (ImportFormatError: the file is refused with a
message), parsed files (with how many of them reported record errors or warnings), and records lost
to an exception inside an importer that its per-record safety net caught ("could not be read: <exc>"
-- not a crash, but a record dropped for a reason the importer did not name). With -v each crash and
hang is listed with its source file and mutations, and the caught exceptions are counted by kind.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import sys
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# the per-record safety nets' messages (an unexpected exception turned into a record error)
_CAUGHT = re.compile(r"could not be read: |cannot read this (?:RIS record|entry|record): ")
SECONDS_PER_MB = 2.0
MIN_LIMIT = 2.0

# bytes that mean something to one of the formats: tags, brackets, entity starts, separators
_SIGNIFICANT = [b"<", b">", b"</", b"&", b"&#", b"]]>", b"<!", b"<?", b"{", b"}", b"@", b"\\", b"$", b"#",
                b"\"", b",", b"=", b"(", b")", b"[", b"]", b"\n", b"\r\n", b"\n\n", b"\t", b"  - ", b"ER  - ",
                b"TY  - ", b"PMID- ", b"AU  - ", b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc3",
                b"\xe2\x80", b"1. ", b"12. Blood. 2021 ", b"# ", b"**", b"\xc2\xb2", b"-", b"9" * 40]


def corpus_dir() -> Path | None:
    env = os.environ.get("CURATOR_CORPUS")
    for c in ([Path(env)] if env else []) + [REPO.parent / "shared" / "corpus", Path("/work/shared/corpus")]:
        if (c / "SOURCES.md").exists():
            return c
    return None


def source_files(corpus: Path | None) -> list[Path]:
    files: list[Path] = []
    if corpus is not None:
        files += sorted(p for p in corpus.rglob("*") if p.is_file() and "pdf" not in p.relative_to(corpus).parts
                        and not p.name.startswith("SOURCES"))
    files += sorted(p for p in (REPO / "resources" / "samples").iterdir() if p.is_file())
    return files


def group_by_format(files: list[Path]) -> dict[str, list[tuple[Path, bytes]]]:
    """The format Curator detects in each unmutated file ('unknown' when none)."""
    from curator.importers import detect
    from curator.importers.base import decode_bytes, looks_binary

    groups: dict[str, list[tuple[Path, bytes]]] = defaultdict(list)
    for p in files:
        data = p.read_bytes()
        imp = None if looks_binary(data) else detect(decode_bytes(data), p.name)
        groups[imp.name if imp else "unknown"].append((p, data))
    return dict(groups)


# ---------------------------------------------------------------- mutations


def _span(rng: random.Random, n: int, most: int) -> tuple[int, int]:
    a = rng.randrange(n + 1)
    return a, min(n, a + rng.randint(1, max(1, most)))


def mutate(rng: random.Random, data: bytes, other: bytes) -> tuple[bytes, list[str]]:
    """1-3 mutations of `data` (`other`: a second file for splicing)."""
    done: list[str] = []
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        n = len(buf)
        kind = rng.choice(("flip", "flip", "truncate", "insert", "insert_sig", "delete", "duplicate", "remove",
                           "splice"))
        if kind == "flip" and n:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(n)
                buf[i] ^= 1 << rng.randrange(8)
        elif kind == "truncate" and n:
            buf = buf[:rng.randrange(n)]
        elif kind == "insert":
            i = rng.randrange(n + 1)
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif kind == "insert_sig":
            i = rng.randrange(n + 1)
            buf[i:i] = rng.choice(_SIGNIFICANT) * rng.choice((1, 1, 2, 10, 1000))
        elif kind == "delete" and n:
            a, b = _span(rng, n, 256)
            del buf[a:b]
        elif kind == "duplicate" and n:
            a, b = _span(rng, n, max(1, n // 4))
            at = rng.randrange(n + 1)
            buf[at:at] = buf[a:b] * rng.choice((1, 1, 2, 5))
        elif kind == "remove" and n:
            a, b = _span(rng, n, max(1, n // 3))
            del buf[a:b]
        elif kind == "splice":
            cut = rng.randrange(n + 1)
            ocut = rng.randrange(len(other) + 1)
            buf = buf[:cut] + other[ocut:]
        else:
            continue
        done.append(kind)
    return bytes(buf), done


@dataclass
class Case:
    fmt: str
    index: int
    source: str
    mutations: list[str]
    data: bytes


def make_cases(groups: dict[str, list[tuple[Path, bytes]]], count: int, seed: int,
               formats: list[str] | None = None) -> list[Case]:
    everything = [d for items in groups.values() for _, d in items]
    cases: list[Case] = []
    for fmt in sorted(groups):
        if formats and fmt not in formats:
            continue
        rng = random.Random(f"{seed}:{fmt}")
        items = groups[fmt]
        for i in range(count):
            path, data = items[rng.randrange(len(items))]
            other = rng.choice(everything) if rng.random() < 0.5 else items[rng.randrange(len(items))][1]
            mutated, kinds = mutate(rng, data, other)
            cases.append(Case(fmt, i, str(path), kinds, mutated))
    return cases


# ---------------------------------------------------------------- running


def time_limit(size: int) -> float:
    return max(MIN_LIMIT, SECONDS_PER_MB * size / 1_000_000)


def _worker(conn) -> None:
    import logging

    logging.disable(logging.CRITICAL)  # bibtexparser logs every broken block; the outcome is what counts
    from curator.importers import parse_bytes
    from curator.importers.base import ImportFormatError

    while True:
        job = conn.recv()
        if job is None:
            return
        name, data = job
        try:
            result = parse_bytes(data, name)
        except ImportFormatError as exc:
            conn.send(("clean_error", str(exc)[:300]))
        except BaseException as exc:  # noqa: BLE001 -- this is what the fuzzer looks for
            tb = traceback.extract_tb(exc.__traceback__)
            where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb)
                          if "curator" in f.filename), "?")
            conn.send(("crash", f"{type(exc).__name__}: {str(exc)[:200]} at {where}"))
        else:
            caught = [e.message for e in result.errors if not e.warning and _CAUGHT.search(e.message)
                      and not e.message.startswith("BibTeX entry could not be read")]  # a syntax message
            conn.send(("parsed", (len(result.papers), len(result.errors), caught[:3], len(caught))))


class _Pool:
    """Worker processes fed one case at a time; one that overruns its time limit is killed."""

    def __init__(self, n: int):
        self.ctx = mp.get_context("spawn" if sys.platform == "win32" else "fork")
        self.slots = [self._start() for _ in range(n)]

    def _start(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child,), daemon=True)
        proc.start()
        child.close()
        return [proc, parent, None, 0.0]  # process, pipe, running case, deadline

    def run(self, cases: list[Case], on_result) -> None:
        pending = list(reversed(cases))
        while pending or any(s[2] is not None for s in self.slots):
            for slot in self.slots:
                if slot[2] is None and pending:
                    case = pending.pop()
                    slot[2], slot[3] = case, time.monotonic() + time_limit(len(case.data))
                    slot[1].send((Path(case.source).name, case.data))
            busy = [s for s in self.slots if s[2] is not None]
            ready = mp.connection.wait([s[1] for s in busy], timeout=0.05)
            now = time.monotonic()
            for k, slot in enumerate(self.slots):
                if slot[2] is None:
                    continue
                if slot[1] in ready:
                    try:
                        outcome = slot[1].recv()
                    except EOFError:  # the worker died (a crash in C code, out of memory)
                        outcome = ("crash", f"worker died (exit code {slot[0].exitcode})")
                        self._replace(k)
                    on_result(slot[2], *outcome)
                    if self.slots[k][2] is not None:
                        self.slots[k][2] = None
                elif now > slot[3]:
                    case = slot[2]
                    self._replace(k)
                    on_result(case, "hang", f"over {time_limit(len(case.data)):.1f} s")

    def _replace(self, k: int) -> None:
        proc = self.slots[k][0]
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        self.slots[k][1].close()
        self.slots[k] = self._start()

    def close(self) -> None:
        for _proc, conn, _, _ in self.slots:
            try:
                conn.send(None)
            except OSError:
                pass
        for proc, _conn, _, _ in self.slots:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)


@dataclass
class Tally:
    cases: int = 0
    crashes: int = 0
    hangs: int = 0
    clean_errors: int = 0
    parsed: int = 0
    parsed_with_record_errors: int = 0
    caught_records: int = 0
    caught_kinds: Counter = field(default_factory=Counter)
    failures: list[tuple[Case, str, str]] = field(default_factory=list)


def run(cases: list[Case], workers: int = 2, progress=None) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)

    def on_result(case: Case, kind: str, detail) -> None:
        t = tallies[case.fmt]
        t.cases += 1
        if kind == "parsed":
            t.parsed += 1
            t.parsed_with_record_errors += detail[1] > 0
            t.caught_records += detail[3]
            for message in detail[2]:
                t.caught_kinds[_CAUGHT.split(message, 1)[-1][:120]] += 1
        elif kind == "clean_error":
            t.clean_errors += 1
        else:
            name = "crashes" if kind == "crash" else "hangs"
            setattr(t, name, getattr(t, name) + 1)
            t.failures.append((case, kind, detail))
        if progress:
            progress(sum(x.cases for x in tallies.values()), len(cases))

    pool = _Pool(max(1, workers))
    try:
        pool.run(cases, on_result)
    finally:
        pool.close()
    return dict(tallies)


def format_table(tallies: dict[str, Tally]) -> str:
    rows = [f"{'format':<18}{'cases':>7}{'crashes':>9}{'hangs':>7}{'clean errors':>14}{'parsed':>8}"
            f"{'(with record errors)':>22}{'records lost to a caught exception':>36}"]
    total = Tally()
    for fmt in sorted(tallies):
        t = tallies[fmt]
        rows.append(f"{fmt:<18}{t.cases:>7}{t.crashes:>9}{t.hangs:>7}{t.clean_errors:>14}{t.parsed:>8}"
                    f"{t.parsed_with_record_errors:>22}{t.caught_records:>36}")
        for name in ("cases", "crashes", "hangs", "clean_errors", "parsed", "parsed_with_record_errors",
                     "caught_records"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
    rows.append(f"{'all':<18}{total.cases:>7}{total.crashes:>9}{total.hangs:>7}{total.clean_errors:>14}"
                f"{total.parsed:>8}{total.parsed_with_record_errors:>22}{total.caught_records:>36}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000, help="mutated cases per format (default 10,000)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--corpus", type=Path, default=None, help="the shared corpus (default ../shared/corpus)")
    ap.add_argument("--format", action="append", dest="formats", help="only this source format (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every crash and hang")
    args = ap.parse_args(argv)
    corpus = args.corpus or corpus_dir()
    groups = group_by_format(source_files(corpus))
    print(f"sources: {sum(len(v) for v in groups.values())} files from {corpus} and resources/samples; "
          + ", ".join(f"{k} {len(v)}" for k, v in sorted(groups.items())))
    cases = make_cases(groups, args.count, args.seed, args.formats)
    t0 = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  {done}/{total} cases, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    tallies = run(cases, args.workers, progress)
    print(f"{len(cases)} cases (seed {args.seed}, {args.count} per format) in {time.perf_counter() - t0:.0f} s, "
          f"{args.workers} workers; hang = over {SECONDS_PER_MB:g} s per MB (at least {MIN_LIMIT:g} s)")
    print(format_table(tallies))
    failures = [f for t in tallies.values() for f in t.failures]
    if failures:
        kinds = Counter(f"{kind}: {detail}" for _, kind, detail in failures)
        print("\nfailures by kind:")
        for what, n in kinds.most_common():
            print(f"  {n:>5}  {what}")
    if args.verbose:
        caught = Counter()
        for fmt, t in sorted(tallies.items()):
            for what, n in t.caught_kinds.items():
                caught[f"{fmt}: {what}"] += n
        if caught:
            print("\nexceptions caught per record (first 3 per file), by kind:")
            for what, n in caught.most_common(30):
                print(f"  {n:>5}  {what}")
        for case, kind, detail in failures:
            print(f"{kind.upper():<6}{case.fmt} #{case.index} {case.source} {'+'.join(case.mutations)}: {detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
