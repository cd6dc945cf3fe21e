"""Screening use cases: decide, undo, rank the unscreened records, stopping statistics, PRISMA counts.

The CLI (`curator screen ...`) and the screening window call these same functions, so a decision
from either is the same decision and retrains the same model. The model itself (features, classifier,
stopping rule) is the pure package curator/screening; the decisions live in the store.

Features are fitted once per library and kept in memory (per library file) and on disk next to the
library (`<library>.screening.npz`), so a CLI call on a 100,000-record library re-ranks without
re-reading every abstract; they are refitted when papers are added, removed or re-imported.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from curator.screening import ConsecutiveExcludes, Features, Ranking, ScreeningProgress, progress_of, rank
from curator.screening.features import screening_text
from curator.screening.model import DEFAULT_CLASSIFIER, random_order
from curator.store import screening_queries as q
from curator.store.library import Library, is_server_location

TITLE_ABSTRACT = "title_abstract"
FULL_TEXT = "full_text"
LABEL = {"include": 1, "exclude": 0}


@dataclass
class Decided:
    """What a decision or an undo changed: the papers, and the action id (None for an undo)."""

    paper_ids: list[int]
    action: int | None = None
    stage: str = TITLE_ABSTRACT


def decide(lib: Library, paper_ids: list[int], decision: str, reason: str = "", note: str = "",
           curator: str | None = None, stage: str = TITLE_ABSTRACT) -> Decided:
    """Record one decision for several papers, saved at once."""
    action = q.record_decisions(lib, paper_ids, stage, decision, reason, note, curator)
    return Decided(list(dict.fromkeys(int(p) for p in paper_ids)), action, stage)


def undo(lib: Library, stage: str = TITLE_ABSTRACT, curator: str | None = None) -> Decided:
    """Take back the latest decision (all papers decided together); again to go further back."""
    return Decided(q.undo_last(lib, stage, curator), None, stage)


def progress(lib: Library, stage: str = TITLE_ABSTRACT) -> ScreeningProgress:
    return progress_of([d[1] for d in q.current_decisions(lib, stage)])


def record_stop(lib: Library, rule: ConsecutiveExcludes | None, reason: str, curator: str | None = None,
                stage: str = TITLE_ABSTRACT) -> dict[str, Any]:
    p = progress(lib, stage)
    q.record_stop(lib, stage, rule.describe() if rule else "", reason, p.screened, p.included, curator)
    return q.stops(lib, stage)[-1]


# --- the model --------------------------------------------------------------------------------------
def _cache_path(lib: Library) -> Path:
    """Next to a library file; for a server library, in this computer's data folder (one per server
    library: the features are the same for every curator, but each computes its own)."""
    if is_server_location(str(lib.path)):
        import hashlib

        from curator.services.library import data_dir

        digest = hashlib.sha256(str(lib.path).encode()).hexdigest()[:16]
        folder = data_dir() / "team-libraries"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{digest}.screening.npz"
    return Path(f"{lib.path}.screening.npz")


def _save_features(path: Path, f: Features, signature: tuple) -> None:
    m = f.matrix.tocsr()
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, ids=f.ids, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.array(m.shape),
             signature=np.array(json.dumps(list(signature))))
    tmp.replace(path)


def _load_features(path: Path, signature: tuple) -> Features | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            if json.loads(str(z["signature"])) != list(signature):
                return None
            m = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            return Features.from_matrix(z["ids"], m)
    except (OSError, ValueError, KeyError):
        return None


def fit_features(lib: Library, cancel: threading.Event | None = None) -> Features:
    ids, texts = [], []
    for pid, title, abstract, kw, mesh in q.screening_rows(lib):
        ids.append(pid)
        texts.append(screening_text(title, abstract, kw, mesh))
        if cancel is not None and len(ids) % 5000 == 0 and cancel.is_set():
            raise RuntimeError("cancelled")
    return Features.fit(ids, texts)


@dataclass
class ScreeningModel:
    """The features of one library and the last ranking made from them (Qt-free; the window runs
    `retrain` on a worker thread with its own read-only connection)."""

    features: Features | None = None
    signature: tuple | None = None
    ranking: Ranking | None = None
    classifier: str = DEFAULT_CLASSIFIER
    seed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def ensure_features(self, lib: Library, cancel: threading.Event | None = None) -> Features:
        sig = q.library_signature(lib)
        if self.features is not None and self.signature == sig:
            return self.features
        cache = _cache_path(lib)
        f = _load_features(cache, sig)
        if f is None:
            f = fit_features(lib, cancel)
            try:
                _save_features(cache, f, sig)
            except OSError:
                pass  # a read-only folder: the features stay in memory only
        self.features, self.signature = f, sig
        return f

    def retrain(self, lib: Library, cancel: threading.Event | None = None) -> Ranking:
        """Train on the title/abstract decisions (plus verified records as includes) and rank the
        records without a decision. A model that fails keeps the last ranking and says why."""
        with self.lock:
            f = self.ensure_features(lib, cancel)
            decided = q.current_decisions(lib, TITLE_ABSTRACT)
            labels = {pid: LABEL[d] for pid, d, _r, _n in decided if d in LABEL}
            for pid in q.verified_paper_ids(lib):
                labels.setdefault(pid, 1)  # curated and verified: an include to start from
            done = np.fromiter((pid for pid, *_ in decided), dtype=np.int64, count=len(decided))
            candidates = np.setdiff1d(np.asarray(q.paper_ids(lib), dtype=np.int64), done)
            self.ranking = rank(f, labels, candidates, self.classifier, self.seed, self.ranking)
            return self.ranking


# --- retraining in a worker process -------------------------------------------------------------------
# The window retrains in one spawned worker process kept for the session: fitting TF-IDF on 100,000
# records is ~10-30 s of pure Python, and in a thread of the window's own process it would hold the
# GIL against the window (every SQLite call of the window then waits up to the 5 ms switch interval).
# The worker keeps its model (features, last ranking) warm between calls. Spawned, not forked: safe
# next to Qt threads, as the bulk import's workers are.
_POOL = None
_POOL_LOCK = threading.Lock()


def _worker_start(parent_pid: int) -> None:
    """The screening worker ends with this process and yields it the CPU (curator.processes). The pool
    outlives the thread that made it (it is kept between retrainings), so it follows the process only."""
    from curator.processes import start_worker

    start_worker(parent_pid, follow_thread=False)


def _retrain_in_worker(db_path: str) -> Ranking:
    lib = Library.open(db_path, read_only=True)
    try:
        return model_for(lib).retrain(lib)
    finally:
        lib.close()


def retrain_in_worker(lib: Library, cancel: threading.Event | None = None) -> Ranking | None:
    """Retrain and re-rank `lib` in the worker process; the ranking becomes this process's current
    one (what `queue` and `next_records` read). None if cancelled before the worker answered."""
    global _POOL
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout

    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_worker_start, initargs=(os.getpid(),))
        fut = _POOL.submit(_retrain_in_worker, str(lib.path))
    while True:
        try:
            ranking = fut.result(timeout=0.1)
            break
        except FutureTimeout:
            if cancel is not None and cancel.is_set():
                fut.cancel()
                return None
    model_for(lib).ranking = ranking
    return ranking


def stop_worker() -> None:
    """End the worker process now (at exit: a fit in progress is not waited for)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        procs = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()


_MODELS: dict[str, ScreeningModel] = {}
_MODELS_LOCK = threading.Lock()


def model_for(lib: Library) -> ScreeningModel:
    """The one model of a library file in this process (the window and the services share it)."""
    key = str(lib.path) if is_server_location(str(lib.path)) else str(Path(lib.path).resolve())
    with _MODELS_LOCK:
        return _MODELS.setdefault(key, ScreeningModel())


def next_records(lib: Library, k: int = 10, retrain: bool = True) -> list[dict[str, Any]]:
    """The next k unscreened records by the current ranking: [{id, title, score}] (score None while
    the order is random)."""
    model = model_for(lib)
    if retrain or model.ranking is None:
        model.retrain(lib)
    assert model.ranking is not None
    done = {pid for pid, *_ in q.current_decisions(lib, TITLE_ABSTRACT)}
    head = model.ranking.head(k, done)
    names = q.titles(lib, [i for i, _ in head])
    return [{"id": i, "title": names.get(i, ""), "score": s} for i, s in head]


def decided_ids(lib: Library, stage: str = TITLE_ABSTRACT) -> set[int]:
    return {pid for pid, *_ in q.current_decisions(lib, stage)}


def queue(lib: Library, k: int = 200) -> list[int]:
    """The next k undecided records without waiting on the model: the last ranking (less what was
    decided since), or before there is one a seeded random order (what the model starts with too)."""
    model = model_for(lib)
    done = decided_ids(lib)
    if model.ranking is not None:
        return [i for i, _ in model.ranking.head(k, done)]
    return random_order([i for i in q.paper_ids(lib) if i not in done], model.seed)[:k].tolist()


def full_text_queue(lib: Library) -> list[int]:
    """Records included at title/abstract and not yet assessed in full text, in the order they
    were included."""
    done = decided_ids(lib, FULL_TEXT)
    return [pid for pid, d, *_ in q.current_decisions(lib, TITLE_ABSTRACT) if d == "include" and pid not in done]


# --- PRISMA 2020 --------------------------------------------------------------------------------------
def prisma_counts(lib: Library) -> dict[str, Any]:
    """The counts of a PRISMA 2020 flow diagram, from the library's own records."""
    log = q.import_log(lib)
    ta = q.current_decisions(lib, TITLE_ABSTRACT)
    ft = q.current_decisions(lib, FULL_TEXT)
    ta_count = {d: sum(1 for x in ta if x[1] == d) for d in ("include", "exclude", "maybe")}
    ft_count = {d: sum(1 for x in ft if x[1] == d) for d in ("include", "exclude", "maybe")}
    reasons: dict[str, int] = {}
    for _pid, d, reason, _n in ft:
        if d == "exclude":
            key = reason or "no reason given"
            reasons[key] = reasons.get(key, 0) + 1
    ta_reasons: dict[str, int] = {}
    for _pid, d, reason, _n in ta:
        if d == "exclude":
            key = reason or "no reason given"
            ta_reasons[key] = ta_reasons.get(key, 0) + 1
    in_library = q.count_papers(lib)
    return {
        "identified": sum(x["identified"] for x in log),
        "identified_per_file": [{"file": x["file"], "format": x["format"], "records": x["identified"]} for x in log],
        "duplicates_removed": sum(x["merged"] for x in log),
        "removed_other": sum(x["skipped"] + x["failed"] for x in log),
        "records_in_library": in_library,
        "screened": len(ta),
        "not_screened": in_library - len(ta),
        "excluded": ta_count["exclude"],
        "excluded_reasons": ta_reasons,
        "maybe": ta_count["maybe"],
        "sought_for_retrieval": ta_count["include"] + ta_count["maybe"],
        "full_text_assessed": len(ft),
        "full_text_excluded": ft_count["exclude"],
        "full_text_excluded_reasons": reasons,
        "full_text_maybe": ft_count["maybe"],
        "included": ft_count["include"],
        "stops": q.stops(lib),
    }


def reasons(lib: Library, stage: str = TITLE_ABSTRACT) -> list[str]:
    return q.reasons(lib, stage)


def set_reasons(lib: Library, labels: list[str], stage: str = TITLE_ABSTRACT) -> list[str]:
    return q.set_reasons(lib, stage, labels)


def paper_count(lib: Library) -> int:
    return q.count_papers(lib)


def card(lib: Library, paper_id: int) -> dict[str, Any] | None:
    return q.screening_card(lib, paper_id)


def decision_of(lib: Library, paper_id: int, stage: str = TITLE_ABSTRACT) -> dict[str, Any] | None:
    return q.decision_of(lib, paper_id, stage)
