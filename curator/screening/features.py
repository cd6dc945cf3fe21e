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
    # Words and word pairs, sublinear term frequency, English stop words dropped; terms in fewer
    # than 2 records or in more than 90 % of them carry no ranking signal. float32 halves the matrix.
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=2, max_df=0.9,
                           dtype=np.float32, strip_accents="unicode",
                           token_pattern=r"(?u)\b[^\W_][\w-]*\b")


@dataclass
class Features:
    """A TF-IDF matrix with one row per record id. `fit` learns the vocabulary from the whole
    library (done once); `extend` adds rows for records imported later with that vocabulary."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0), dtype=np.float32))
    vectorizer: TfidfVectorizer | None = None
    _row: dict[int, int] = field(default_factory=dict, repr=False)

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

    def _index(self) -> None:
        self._row = {int(i): n for n, i in enumerate(self.ids)}

    def extend(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        """Rows for new records (words unknown to the vocabulary are ignored until the next fit)."""
        new = [(int(i), t) for i, t in zip(ids, texts) if int(i) not in self._row]
        if not new:
            return
        if self.vectorizer is None:
            m = sp.csr_matrix((len(new), self.matrix.shape[1] or 1), dtype=np.float32)
        else:
            m = self.vectorizer.transform([t for _, t in new]).astype(np.float32)
        self.matrix = sp.vstack([self.matrix, m], format="csr") if self.matrix.shape[0] else sp.csr_matrix(m)
        self.ids = np.concatenate([self.ids, np.array([i for i, _ in new], dtype=np.int64)])
        self._index()

    def rows(self, ids: Iterable[int]) -> np.ndarray:
        """Matrix rows of these record ids (ids the features do not know are left out)."""
        r = self._row
        return np.fromiter((r[i] for i in map(int, ids) if i in r), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def terms(self) -> list[str]:
        return [] if self.vectorizer is None else list(self.vectorizer.get_feature_names_out())
