"""TF-IDF features of records for screening: fitted once per library, then only appended to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer


def screening_text(title: str | None, abstract: str | None, keywords: Iterable[str] = (),
                   mesh: Iterable[str] = ()) -> str:
    """What the model reads of a record: title, abstract, keywords and MeSH descriptors. A record
    with no abstract is still ranked on the rest."""
    parts = [title or "", abstract or "", " ".join(keywords), " ".join(mesh)]
    return "\n".join(p for p in parts if p)


def _vectorizer() -> TfidfVectorizer:
    # Single words (hyphenated ones whole: CAR-T, IL-6), sublinear term frequency, English stop words
    # dropped; terms in fewer than 2 records or in more than 90 % of them carry no ranking signal.
    # float32 halves the matrix. Word pairs and accent stripping were tried: they ranked no better on
    # bench_screening.py and made the fit of 100,000 records 2.6x slower (16 s against 6 s).
    return TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True, stop_words="english", min_df=2, max_df=0.9,
                           dtype=np.float32, token_pattern=r"(?u)\b[^\W_][\w-]*\b")


@dataclass
class Features:
    """A TF-IDF matrix with one row per record id. `fit` learns the vocabulary from the whole
    library (done once); `extend` adds rows for records imported later with that vocabulary."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0), dtype=np.float32))
    vectorizer: TfidfVectorizer | None = None
    _order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _sorted_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    @classmethod
    def fit(cls, ids: Sequence[int], texts: Sequence[str]) -> Features:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
        vec = _vectorizer()
        if len(texts) < 2:  # min_df=2 cannot hold for a library of one record
            vec.set_params(min_df=1, max_df=1.0)
        try:
            m = vec.fit_transform(texts)
        except ValueError:  # no words at all (empty records only): every record is alike
            vec = None
            m = sp.csr_matrix((len(texts), 1), dtype=np.float32)
        f = cls(np.asarray(ids, dtype=np.int64), sp.csr_matrix(m, dtype=np.float32), vec)
        f._index()
        return f

    @classmethod
    def from_matrix(cls, ids: np.ndarray, matrix: sp.csr_matrix) -> Features:
        """Features read back from a cache (no vectorizer: `extend` then needs a new fit)."""
        f = cls(np.asarray(ids, dtype=np.int64), sp.csr_matrix(matrix, dtype=np.float32), None)
        f._index()
        return f

    def _index(self) -> None:
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted_ids = self.ids[self._order]

    def extend(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        """Rows for new records (words unknown to the vocabulary are ignored until the next fit)."""
        known = set(self.ids.tolist())
        new = [(int(i), t) for i, t in zip(ids, texts) if int(i) not in known]
        if not new:
            return
        if self.vectorizer is None and self.matrix.nnz:
            raise ValueError("features read back from a cache have no vocabulary to extend: fit them again")
        if self.vectorizer is None:  # a library without a single word so far: every record alike
            m = sp.csr_matrix((len(new), self.matrix.shape[1] or 1), dtype=np.float32)
        else:
            m = self.vectorizer.transform([t for _, t in new]).astype(np.float32)
        self.matrix = sp.vstack([self.matrix, m], format="csr") if self.matrix.shape[0] else sp.csr_matrix(m)
        self.ids = np.concatenate([self.ids, np.array([i for i, _ in new], dtype=np.int64)])
        self._index()

    def rows(self, ids: Iterable[int]) -> np.ndarray:
        """Matrix rows of these record ids (ids the features do not know are left out). Vectorised:
        100,000 ids in a few ms, without holding the GIL in a Python loop while the window runs."""
        q = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64)
        if not len(q) or not len(self.ids):
            return np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(self._sorted_ids, q)
        pos[pos >= len(self._sorted_ids)] = 0
        found = self._sorted_ids[pos] == q
        return self._order[pos[found]]

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Which of these ids have a row (boolean mask)."""
        if not len(self.ids):
            return np.zeros(len(ids), dtype=bool)
        pos = np.searchsorted(self._sorted_ids, ids)
        pos[pos >= len(self._sorted_ids)] = 0
        return self._sorted_ids[pos] == ids

    def __len__(self) -> int:
        return len(self.ids)

    def terms(self) -> list[str]:
        return [] if self.vectorizer is None else list(self.vectorizer.get_feature_names_out())
