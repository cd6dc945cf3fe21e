"""Ranking the unscreened records: a linear classifier on the decisions so far, best first.

ASReview LAB's classic defaults: multinomial naive Bayes (alpha 3.822) on TF-IDF, with the classes
balanced (a screening library holds far more excludes than includes), querying the highest
probability first. Logistic regression is the alternative; benchmarks/bench_screening.py compares them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB

from curator.screening.features import Features

CLASSIFIERS = ("nb", "logistic")
DEFAULT_CLASSIFIER = "nb"


@dataclass
class Ranking:
    """Unscreened record ids in the order to screen them, with the model's probability of include
    (NaN while the order is random). `trained` says whether a model made this order; `message`
    says why not, or what it learnt from."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    trained: bool = False
    message: str = ""
    classifier: str = ""

    def __len__(self) -> int:
        return len(self.ids)

    def head(self, k: int, exclude: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, float | None]]:
        """The first k (id, score) pairs, skipping `exclude` (records decided since the ranking)."""
        out: list[tuple[int, float | None]] = []
        end = k + len(exclude)  # enough to find k that were not excluded
        for i, s in zip(self.ids[:end].tolist(), self.scores[:end].tolist()):
            if i in exclude:
                continue
            out.append((i, None if s != s else float(s)))  # NaN → None
            if len(out) >= k:
                break
        return out

    def without(self, decided: set[int]) -> Ranking:
        keep = ~np.isin(self.ids, np.fromiter(decided, dtype=np.int64, count=len(decided)))
        return Ranking(self.ids[keep], self.scores[keep], self.trained, self.message, self.classifier)


def _classifier(name: str):
    if name == "nb":
        return MultinomialNB(alpha=3.822)
    if name == "logistic":
        return LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", max_iter=200)
    raise ValueError(f"unknown classifier {name!r}: choose one of {', '.join(CLASSIFIERS)}")


def random_order(candidates: Sequence[int], seed: int) -> np.ndarray:
    """A seeded random order that stays the same as records are decided: each id's place comes from a
    hash of (id, seed) (splitmix64), so deciding records does not reshuffle the ones still to come."""
    ids = np.asarray(candidates, dtype=np.int64)
    with np.errstate(over="ignore"):
        z = ids.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15) * np.uint64(seed + 1)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ids[np.argsort(z, kind="stable")]


def rank(features: Features, labels: Mapping[int, int], candidates: Sequence[int], classifier: str = DEFAULT_CLASSIFIER,
         seed: int = 0, previous: Ranking | None = None) -> Ranking:
    """Order `candidates` (the unscreened ids) by the probability of include learnt from `labels`
    ({id: 1 include, 0 exclude}). Random (seeded) until both classes are present. If the model
    fails to train, the last ranking (`previous`) is kept, less the records decided since, and
    the message says why."""
    cand = np.asarray(candidates, dtype=np.int64)
    n_inc = sum(1 for v in labels.values() if v == 1)
    n_exc = len(labels) - n_inc
    if n_inc == 0 or n_exc == 0:
        need = "an include" if n_inc == 0 else "an exclude"
        return Ranking(random_order(cand, seed), np.full(len(cand), np.nan), False,
                       f"random order until there is {need} ({n_inc} included, {n_exc} excluded so far)")
    try:
        lab_ids = np.fromiter(labels.keys(), dtype=np.int64, count=len(labels))
        y = np.fromiter(labels.values(), dtype=np.int64, count=len(labels))
        known = features.known(lab_ids)
        lab_ids, y = lab_ids[known], y[known]
        if len(set(y.tolist())) < 2:
            raise ValueError("the decided records with text cover only one class")
        x_train = features.matrix[features.rows(lab_ids)]
        clf = _classifier(classifier)
        # balance the classes: each class weighs as much in training as the other
        w = np.where(y == 1, len(y) / (2.0 * y.sum()), len(y) / (2.0 * (len(y) - y.sum())))
        clf.fit(x_train, y, sample_weight=w)
        known_cand = features.known(cand)
        scores = np.full(len(cand), -1.0)  # records the features do not know yet come last
        if known_cand.any():
            # predict every row (no copy of 100,000 rows), then pick the candidates' scores
            every = clf.predict_proba(features.matrix)[:, 1]
            scores[known_cand] = every[features.rows(cand[known_cand])]
        order = np.argsort(-scores, kind="stable")
        return Ranking(cand[order], scores[order], True,
                       f"{classifier} model trained on {int(y.sum())} includes and {int(len(y) - y.sum())} excludes",
                       classifier)
    except Exception as exc:  # noqa: BLE001 — any training failure keeps the last order
        why = f"{type(exc).__name__}: {exc}"
        if previous is not None and len(previous):
            kept = previous.without(set(labels))
            return Ranking(kept.ids, kept.scores, False, f"model did not train ({why}); keeping the last ranking",
                           previous.classifier)
        return Ranking(random_order(cand, seed), np.full(len(cand), np.nan), False,
                       f"model did not train ({why}); random order")
