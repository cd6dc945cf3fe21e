"""Kill -9 during save and during import, at random moments (issue 15's target).

    python benchmarks/kill_test.py [--runs 20] [--mode save|import|both] [--records 4000] [--files 2]
                                   [--seed S] [--workdir DIR]

A child process opens a library the one way (services.library.open_locked) and either saves records
in a loop through the services (curation.save_draft, each save based on the stored record) or imports
large PubMed XML files (benchmarks/make_pubmed_xml.py, each file in its own variant of identifiers)
through services.importing.import_files, printing a line (flushed) after every commit. It is killed
with SIGKILL at a random moment; then:

- the library's `integrity_check` (SQLite's and the search index's) and foreign keys must be ok;
- every save the child REPORTED is present, whole (all rows of that very save); every file it
  reported imported is there, and no file is there in part (a file is one transaction);
- no process of the child's session is left (its import workers, multiprocessing's resource tracker),
  after a grace period for them to notice their parent is gone;
- the library's lock is free again (the OS let go of the killed window's lock).

Prints per mode: runs, integrity failures, lost saves, leftover processes (and the details).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curator.store.library import Library

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ROWS = 200  # measurements per save: a save big enough that kills land inside writing it

SAVER = textwrap.dedent(f"""
    import sys
    from curator.domain.outcomes import Measurement
    from curator.services import curation
    from curator.services.library import open_locked
    opened = open_locked(sys.argv[1], seed=False)
    lib = opened.lib
    papers = [p.id for p in lib.list_papers()]
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        pid = papers[n % len(papers)]
        base = curation.stored(lib, pid)
        rec = curation.load(lib, pid)
        rec.notes = f"save {{n}}"
        rec.measurements = [Measurement(analyte="IL-6", day=d % 30, value=float(n * 1000 + d), unit="pg/mL")
                            for d in range({ROWS})]
        curation.save_draft(lib, rec, "kill test", base=base)
        print(f"saved {{pid}} {{n}}", flush=True)
""")

IMPORTER = textwrap.dedent("""
    import os, sys
    from curator.services import importing
    from curator.services.library import open_locked
    if len(sys.argv) > 3:  # a smaller file takes the worker-process path too (the fast test)
        importing.PARALLEL_BYTES = int(sys.argv[3])
    opened = open_locked(sys.argv[1], seed=False)
    print("ready", flush=True)
    for f in sys.argv[2].split(os.pathsep):
        report = importing.import_files(opened.lib, [f])
        assert not any(fr.error for fr in report.files), report.files
        print(f"imported {opened.lib.paper_count()}", flush=True)
    print("done", flush=True)
""")


@dataclass
class Run:
    mode: str
    killed_after: float
    reported: list[str] = field(default_factory=list)
    integrity: str = "ok"
    lost: list[str] = field(default_factory=list)
    partial: str | None = None
    leftovers: list[str] = field(default_factory=list)
    lock_held: bool = False
    finished_first: bool = False


@dataclass
class Tally:
    mode: str
    runs: list[Run] = field(default_factory=list)

    @property
    def integrity_failures(self) -> int:
        return sum(r.integrity != "ok" or r.partial is not None for r in self.runs)

    @property
    def lost_saves(self) -> int:
        return sum(len(r.lost) for r in self.runs)

    @property
    def leftover_processes(self) -> int:
        return sum(len(r.leftovers) for r in self.runs)

    @property
    def runs_with_leftovers(self) -> int:
        return sum(bool(r.leftovers) for r in self.runs)

    def summary(self) -> str:
        reported = sum(len(r.reported) for r in self.runs)
        return (f"{self.mode}: runs {len(self.runs)}, integrity failures {self.integrity_failures}, "
                f"lost saves {self.lost_saves} (of {reported} reported), leftover processes "
                f"{self.leftover_processes} (in {self.runs_with_leftovers} runs), lock held after the kill "
                f"{sum(r.lock_held for r in self.runs)}, finished before the kill "
                f"{sum(r.finished_first for r in self.runs)}")


# --- processes -------------------------------------------------------------------------------------

def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    return env


def session_processes(sid: int) -> list[tuple[int, str]]:
    """Live processes (pid, command) of session `sid`: the child was started in a session of its
    own, which its workers and resource tracker inherit (they are re-parented once it dies, so their
    parent pid no longer tells). Zombies are not running."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == sid:
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state, ppid, pgrp, session, ...
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append((int(entry), cmd.strip()[:120]))
    return found


class Child:
    """A child process in a session of its own; its stdout lines are collected as they come."""

    def __init__(self, code: str, args: list[str]):
        self.errfile = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                                     stderr=self.errfile, text=True, env=_child_env(), start_new_session=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.strip() == "ready":
                self.ready.set()
        self.ready.set()  # ended (or killed) before it was ready: do not wait for it

    def stderr(self) -> str:
        self.errfile.seek(0)
        return self.errfile.read().decode(errors="replace")

    def wait_ready(self, timeout: float = 120) -> None:
        if not self.ready.wait(timeout) or self.proc.poll() is not None and "ready" not in self.lines:
            raise RuntimeError(f"the child did not start:\n{self.stderr()}")

    def wait_for(self, prefix: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(line.startswith(prefix) for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the child printed no {prefix!r} line:\n{self.stderr()}")
            time.sleep(0.005)

    def kill(self) -> bool:
        """SIGKILL; True when it was still running."""
        running = self.proc.poll() is None
        if running:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return running

    def collect(self) -> list[str]:
        """Every line it printed (after `leftovers`: a worker left running keeps the pipe open)."""
        self._reader.join(timeout=30)
        self.errfile.close()
        return self.lines

    def leftovers(self, grace: float) -> list[str]:
        """Processes of its session still running after `grace` seconds; ended here (by pid)."""
        deadline = time.monotonic() + grace
        left = session_processes(self.proc.pid)
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = session_processes(self.proc.pid)
        for pid, _cmd in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return [f"{pid}: {cmd}" for pid, cmd in left]


# --- checks ------------------------------------------------------------------------------------------

def _check_library(path: Path, run: Run) -> Library:
    from curator.store.library import Library
    from curator.store.lock import LibraryLock

    lock = LibraryLock(path)
    run.lock_held = not lock.acquire()
    lock.release()
    lib = Library.open(path)
    run.integrity = lib.integrity_check()
    bad_keys = lib.conn.execute("PRAGMA foreign_key_check").fetchall()
    if bad_keys and run.integrity == "ok":
        run.integrity = f"foreign keys: {bad_keys[:3]}"
    return lib


def check_saves(path: Path, run: Run) -> None:
    last: dict[int, int] = {}
    for line in run.reported:
        _, pid, n = line.split()
        last[int(pid)] = int(n)
    lib = _check_library(path, run)
    try:
        for pid, n in last.items():
            rec = lib.load_record(pid)
            got = int(rec.notes.split()[1]) if rec is not None and rec.notes.startswith("save ") else 0
            if got < n:
                run.lost.append(f"paper {pid}: save {n} reported, the library has {got or 'none'}")
                continue
            values = sorted(m.value for m in rec.measurements)
            if values != [float(got * 1000 + d) for d in range(ROWS)]:  # torn: rows of two saves
                run.integrity = f"paper {pid}: save {got} is not whole ({len(values)} rows)"
    finally:
        lib.close()


def check_import(path: Path, run: Run, counts: list[int]) -> None:
    """`counts`: the library's paper count before the import and after each file."""
    reported = [int(line.split()[1]) for line in run.reported]
    lib = _check_library(path, run)
    try:
        have = lib.paper_count()
    finally:
        lib.close()
    want = reported[-1] if reported else counts[0]
    if have < want:
        run.lost.append(f"{want} papers reported imported, the library has {have}")
    if have not in counts:
        run.partial = f"{have} papers: not the count before or after any whole file ({counts})"


# --- runs ----------------------------------------------------------------------------------------------

def seeded_library(workdir: Path) -> Path:
    """A library with the two sample papers, made once and copied for each run."""
    from curator.services.library import open_library

    path = workdir / "template.sqlite"
    if not path.exists():
        lib, _ = open_library(path, seed=True)
        lib.close()
    return path


def _fresh(workdir: Path, name: str, template: Path | None) -> Path:
    path = workdir / name
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if template is not None:
        shutil.copy(template, path)
    return path


def save_runs(workdir: Path, runs: int, rng: random.Random, window: float = 1.0, grace: float = 3.0) -> Tally:
    tally = Tally("save")
    template = seeded_library(workdir)
    for _ in range(runs):
        path = _fresh(workdir, "save.sqlite", template)
        child = Child(SAVER, [str(path)])
        child.wait_ready()
        child.wait_for("saved ")  # from the first save on: a kill then always has saves to lose
        delay = rng.uniform(0, window)
        time.sleep(delay)
        run = Run("save", delay)
        run.finished_first = not child.kill()
        run.leftovers = child.leftovers(grace)
        run.reported = [line for line in child.collect() if line.startswith("saved ")]
        check_saves(path, run)
        tally.runs.append(run)
    return tally


def import_files_for(workdir: Path, records: int, files: int) -> list[Path]:
    """`files` PubMed XML files of `records` records each, every one with its own PMIDs, DOIs and titles."""
    base = workdir / f"pubmed_{records}.xml"
    if not base.exists():
        subprocess.run([sys.executable, str(HERE / "make_pubmed_xml.py"), str(base), str(records)], check=True,
                       stdout=subprocess.DEVNULL)
    out = []
    for k in range(files):
        f = workdir / f"pubmed_{records}_{k}.xml"
        if not f.exists():
            data = base.read_bytes()
            data = re.sub(rb'<PMID Version="1">9000(\d{4})</PMID>', b'<PMID Version="1">%d000\\1</PMID>' % (8 - k), data)
            data = re.sub(rb"\.v(\d+)<", b".v\\1k%d<" % k, data)
            data = re.sub(rb"<ArticleTitle>\[(\d+)\] ", b"<ArticleTitle>[%d-\\1] " % k, data)
            f.write_bytes(data)
        out.append(f)
    return out


def calibrate_import(workdir: Path, files: list[Path], parallel_bytes: int | None) -> tuple[list[int], float]:
    """One import to the end, not killed: the paper counts after each file and how long it took."""
    template = seeded_library(workdir)
    path = _fresh(workdir, "calibrate.sqlite", template)
    from curator.store.library import Library

    lib = Library.open(path)
    counts = [lib.paper_count()]
    lib.close()
    args = [str(path), os.pathsep.join(map(str, files))] + ([str(parallel_bytes)] if parallel_bytes else [])
    child = Child(IMPORTER, args)
    child.wait_ready()
    start = time.monotonic()
    if child.proc.wait(timeout=1800):
        raise RuntimeError(f"the calibration import failed:\n{child.stderr()}")
    took = time.monotonic() - start
    child.kill()
    child.leftovers(0)
    counts += [int(line.split()[1]) for line in child.collect() if line.startswith("imported ")]
    return counts, took


def import_runs(workdir: Path, runs: int, rng: random.Random, records: int = 4000, files: int = 2,
                parallel_bytes: int | None = None, grace: float = 3.0) -> Tally:
    tally = Tally("import")
    xml = import_files_for(workdir, records, files)
    counts, took = calibrate_import(workdir, xml, parallel_bytes)
    template = seeded_library(workdir)
    args_tail = [os.pathsep.join(map(str, xml))] + ([str(parallel_bytes)] if parallel_bytes else [])
    for _ in range(runs):
        path = _fresh(workdir, "import.sqlite", template)
        child = Child(IMPORTER, [str(path), *args_tail])
        child.wait_ready()
        delay = rng.uniform(0, took)
        time.sleep(delay)
        run = Run("import", delay)
        run.finished_first = not child.kill()
        run.leftovers = child.leftovers(grace)
        run.reported = [line for line in child.collect() if line.startswith("imported ")]
        check_import(path, run, counts)
        tally.runs.append(run)
    return tally


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--mode", choices=["save", "import", "both"], default="both")
    ap.add_argument("--records", type=int, default=4000, help="records per PubMed XML file (4000: ~43 MB, "
                    "above the size parsed in worker processes)")
    ap.add_argument("--files", type=int, default=2)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    sys.path.insert(0, str(REPO))
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = Path(a.workdir) if a.workdir else Path(tempfile.mkdtemp(prefix="curator-kill-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"seed {seed}, workdir {workdir}")
    tallies = []
    if a.mode in ("save", "both"):
        tallies.append(save_runs(workdir, a.runs, rng))
        print(tallies[-1].summary(), flush=True)
    if a.mode in ("import", "both"):
        tallies.append(import_runs(workdir, a.runs, rng, a.records, a.files))
        print(tallies[-1].summary(), flush=True)
    for t in tallies:
        for i, r in enumerate(t.runs, 1):
            problems = ([f"integrity: {r.integrity}"] if r.integrity != "ok" else []) + r.lost \
                + ([r.partial] if r.partial else []) + [f"left running: {x}" for x in r.leftovers] \
                + (["lock still held"] if r.lock_held else [])
            if problems:
                print(f"  {t.mode} run {i} (killed after {r.killed_after:.2f} s): " + "; ".join(problems))
    if not a.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
