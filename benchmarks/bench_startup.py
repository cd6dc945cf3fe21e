"""Cold start to first window: the venv app and (if built) the one-folder bundle.

    .venv/bin/python benchmarks/bench_startup.py                 # median of 5 runs each
    .venv/bin/python benchmarks/bench_startup.py --runs 9 --bundle /tmp/dist/curator/curator
    .venv/bin/python benchmarks/bench_startup.py --drop-caches   # root: empty the page cache before each run

Two figures per variant, both from process start (the parent's clock just before it spawns the process):

- first paint: the GUI started as a user starts it (`curator`, default library), until the main window
  receives its first paint event (`painted`: until that first paint has finished). The hook is
  `CURATOR_BENCH_FIRST_PAINT=1`, read by packaging/launcher.py (the bundle's entry point; the venv runs the
  same file), which prints the time and leaves the event loop.
- CPU to paint: user + system CPU time of that process (until it exits, just after the paint): less
  sensitive than wall time to other load on the machine.
- snapshot: wall time of `curator snapshot --out X.png` (start, window, render, PNG written, exit): a proxy
  that needs no hook.

Qt runs offscreen; the user's data, config and log folders are redirected to a temporary folder (seeded
with the sample papers by one unmeasured run, so every measured run opens an existing library). Without
--drop-caches the runs are warm (files in the page cache): the usual second start of the day.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAUNCHER = REPO / "packaging" / "launcher.py"


def venv_command() -> list[str]:
    return [sys.executable, str(LAUNCHER)]


def default_bundle() -> Path | None:
    for p in (REPO / "dist" / "curator" / "curator", REPO / "dist" / "curator" / "curator.exe"):
        if p.exists():
            return p
    return None


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    env.update(QT_QPA_PLATFORM="offscreen", CURATOR_NO_ERROR_DIALOG="1",
               CURATOR_DATA_DIR=str(home / "data"), CURATOR_CONFIG_DIR=str(home / "config"),
               CURATOR_LOG_DIR=str(home / "log"))
    return env


def drop_caches() -> None:
    subprocess.run(["sync"], check=False)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def first_paint(cmd: list[str], env: dict[str, str], cold: bool) -> tuple[float, float, float]:
    """(first paint, paint done, CPU seconds of the process) from process start."""
    if cold:
        drop_caches()
    env = dict(env, CURATOR_BENCH_FIRST_PAINT="1")
    cpu0 = _children_cpu()
    t0 = time.time()
    try:
        out = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{cmd[0]} ignored CURATOR_BENCH_FIRST_PAINT (a bundle built before the hook "
                           "was added to packaging/launcher.py? rebuild it)") from None
    if out.returncode != 0:
        raise RuntimeError(f"{cmd} exited {out.returncode}:\n{out.stderr[-2000:]}")
    marks = dict(line.split() for line in out.stdout.splitlines() if line.startswith(("first-paint ", "painted ")))
    return float(marks["first-paint"]) - t0, float(marks["painted"]) - t0, _children_cpu() - cpu0


def snapshot(cmd: list[str], env: dict[str, str], out: Path, cold: bool) -> float:
    if cold:
        drop_caches()
    t0 = time.perf_counter()
    res = subprocess.run([*cmd, "snapshot", "--out", str(out)], check=False, env=env, capture_output=True,
                         text=True, timeout=120)
    dt = time.perf_counter() - t0
    if res.returncode != 0 or not out.exists():
        raise RuntimeError(f"snapshot exited {res.returncode}:\n{res.stderr[-2000:]}")
    return dt


def measure(variants: list[tuple[str, list[str]]], runs: int, cold: bool) -> list[dict]:
    """Runs the variants in turn (venv, bundle, venv, bundle...) so that other load on the machine spreads
    over both alike."""
    homes = {name: Path(tempfile.mkdtemp(prefix=f"curator-bench-{name}-")) for name, _ in variants}
    try:
        envs = {name: environment(homes[name]) for name, _ in variants}
        for name, cmd in variants:
            # unmeasured: creates and seeds the default library, warms the caches
            subprocess.run([*cmd, "papers"], env=envs[name], capture_output=True, check=True, timeout=300)
            snapshot(cmd, envs[name], homes[name] / "warmup.png", cold=False)
        data = {name: {"first_paint_s": [], "painted_s": [], "cpu_s": [], "snapshot_s": []} for name, _ in variants}
        for i in range(runs):
            for name, cmd in variants:
                a, b, c = first_paint(cmd, envs[name], cold)
                data[name]["first_paint_s"].append(a)
                data[name]["painted_s"].append(b)
                data[name]["cpu_s"].append(c)
                data[name]["snapshot_s"].append(snapshot(cmd, envs[name], homes[name] / f"shot{i}.png", cold))
        return [{"variant": name, "command": " ".join(cmd), "runs": runs, "cold": cold,
                 **{k: _stats(v) for k, v in data[name].items()}} for name, cmd in variants]
    finally:
        for home in homes.values():
            shutil.rmtree(home, ignore_errors=True)


def _stats(xs: list[float]) -> dict:
    return {"median": round(statistics.median(xs), 3), "min": round(min(xs), 3), "max": round(max(xs), 3),
            "all": [round(x, 3) for x in xs]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--bundle", type=Path, default=None, help="the bundle's executable (default: dist/curator/curator)")
    p.add_argument("--no-venv", action="store_true", help="only measure the bundle")
    p.add_argument("--drop-caches", action="store_true", help="cold page cache before every run (needs root)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)

    variants = [] if args.no_venv else [("venv", venv_command())]
    bundle = args.bundle or default_bundle()
    if bundle is not None:
        variants.append(("bundle", [str(bundle)]))
    else:
        print("no bundle (build one with packaging/build.sh, or pass --bundle): measuring the venv only",
              file=sys.stderr)
    results = measure(variants, args.runs, args.drop_caches)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if args.json:
        print(json.dumps({"results": results, "loadavg_1min": load, "cpus": os.cpu_count()}, indent=2))
        return 0
    cache = "cold page cache" if args.drop_caches else "warm page cache"
    print(f"cold start, {cache}, median of {args.runs} (min-max); {os.cpu_count()} CPUs, load {load:.2f}")
    print(f"{'':8} {'first paint':>20} {'paint done':>20} {'CPU to paint':>20} {'snapshot (exit)':>20}")
    for r in results:
        cells = [f"{r[k]['median']:.2f} s ({r[k]['min']:.2f}-{r[k]['max']:.2f})"
                 for k in ("first_paint_s", "painted_s", "cpu_s", "snapshot_s")]
        print(f"{r['variant']:8} " + " ".join(f"{c:>20}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
