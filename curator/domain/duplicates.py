"""When two bibliographic records are the same paper: the one duplicate rule of every import path (pure).

The rule, in order:

1. The same PMID: the same paper.
2. The same DOI: the same paper, unless the two carry different PMIDs.
3. The same title (its key: lower-case alphanumerics, at least MIN_TITLE_KEY characters), with years that
   agree (equal, or one unknown), or a near-identical title (``fuzz.ratio`` of the keys at least
   FUZZY_TITLE_THRESHOLD) of the same year: the same paper, but only when neither carries an identifier the
   other contradicts.

4. A record without a title (imported as UNTITLED because it has an abstract) is keyed by its abstract
   instead: the abstract's key (as a title's: lower-case alphanumerics, accents stripped), hashed, under a
   prefix no title key can have. The same abstract is then the same paper (re-importing a file does not
   add its untitled records again), by the exact rule of 3 only: such keys are never compared fuzzily.

Two records with different PMIDs, or with different DOIs, are two papers, always.

`DuplicateIndex` holds the identifiers of the papers already in a library (the store hands them over; see
services.importing) and of those added during an import, and answers `find(keys)`. The fuzzy search looks
only at papers of the same year whose identifiers cannot conflict (the index keeps them in separate
buckets) and whose key length allows the threshold, through rapidfuzz's ``process.extractOne``: at
100,000 papers a lookup compares against a few hundred keys at most, never against the whole library.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process

UNTITLED = "[untitled]"  # the title of a record imported without one (it has an abstract)
ABSTRACT_KEY = "#abstract "  # the start of a key made from an abstract ('#' is in no title key)
FUZZY_TITLE_THRESHOLD = 95.0  # fuzz.ratio (0-100) of two title keys of the same year
MIN_TITLE_KEY = 20  # a shorter title ("Correction.", "Editorial") is not trusted to identify a paper

_NON_KEY = re.compile(r"[^0-9a-z\u0370-\u03ff]+")
# Bytes that are not part of a key become a space (the ASCII fast path of title_key).
_ASCII_KEY_BYTES = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))


def title_key(title: str | None) -> str:
    """Lower-case alphanumerics of a title, accents stripped, words separated by one space: the key that
    titles are compared by (the store keeps it in papers.title_key)."""
    if not title:
        return ""
    if title.isascii():  # bytes.translate + split: several times faster than the regex below
        return b" ".join(title.encode("ascii").lower().translate(_ASCII_KEY_BYTES).split()).decode("ascii")
    t = unicodedata.normalize("NFKD", title)
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    return _NON_KEY.sub(" ", t).strip()


def record_key(title: str | None, abstract: str | None = None) -> str:
    """The key a record is compared by (rule 3, and rule 4 for a record without a title): its title's key;
    for an untitled record (no title, or UNTITLED) with an abstract, ABSTRACT_KEY + a hash of the abstract's
    key (whitespace, case, accents and punctuation do not change it). The store keeps it in
    papers.title_key."""
    if (not title or title == UNTITLED) and abstract:
        words = title_key(abstract)
        if words:
            return ABSTRACT_KEY + hashlib.sha256(words.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return title_key(title)


def _fuzzy(key: str) -> bool:
    """Whether a key takes part in the fuzzy search (a title's; an abstract's hash never)."""
    return not key.startswith(ABSTRACT_KEY)


class Keys(NamedTuple):
    """What the duplicate rule reads of a record."""

    pmid: str | None
    doi: str | None
    title_key: str
    year: int | None

    @classmethod
    def of(cls, paper: Any) -> Keys:
        """The keys of a Paper (its DOI is already normalised by Paper)."""
        return cls(paper.pmid or None, paper.doi or None, record_key(paper.title, paper.abstract), paper.year)


class Match(NamedTuple):
    paper_id: int
    fingerprint: str | None  # what the index was told of the paper's content (None: unknown or changed)


def _years_agree(a: int | None, b: int | None) -> bool:
    return a is None or b is None or a == b


class DuplicateIndex:
    """The papers of a library (and of the import under way) by PMID, DOI and title; see the module doc."""

    def __init__(self, threshold: float | None = None):
        self.threshold = FUZZY_TITLE_THRESHOLD if threshold is None else threshold
        self._entries: dict[int, tuple[Keys, str | None]] = {}
        self._pmids: dict[str, int] = {}
        self._dois: dict[str, list[int]] = {}
        self._titles: dict[str, list[int]] = {}
        # year -> (has PMID, has DOI) -> key length -> (keys, paper ids), for the fuzzy search
        self._fuzzy: dict[int, dict[tuple[bool, bool], dict[int, tuple[list[str], list[int]]]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    # --- answering ---------------------------------------------------------------------------------
    def find(self, keys: Keys) -> Match | None:
        """The paper `keys` duplicates, or None."""
        pmid, doi, key, year = keys
        if pmid:
            pid = self._pmids.get(pmid)
            if pid is not None:
                return self._match(pid)
        if doi:
            for pid in self._dois.get(doi, ()):
                other = self._entries[pid][0].pmid
                if not (pmid and other):  # (a paper with this PMID was looked for above)
                    return self._match(pid)
        if len(key) < MIN_TITLE_KEY:
            return None
        # From here on a paper is a candidate only if it carries no identifier that contradicts the
        # record's: any PMID when the record has one (the record's own was not found), likewise DOIs.
        for pid in self._titles.get(key, ()):
            other = self._entries[pid][0]
            if not (pmid and other.pmid) and not (doi and other.doi) and _years_agree(year, other.year):
                return self._match(pid)
        if year is None or self.threshold > 100 or not _fuzzy(key):
            return None
        by_class = self._fuzzy.get(year)
        if not by_class:
            return None
        best: tuple[float, int] | None = None
        for has_pmid in (False, True) if not pmid else (False,):
            for has_doi in (False, True) if not doi else (False,):
                by_length = by_class.get((has_pmid, has_doi))
                if not by_length:
                    continue
                for length in self._lengths(len(key)):
                    bucket = by_length.get(length)
                    if bucket is None:
                        continue
                    choices, ids = bucket
                    found = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=self.threshold)
                    if found is not None and (best is None or found[1] > best[0]):
                        best = (found[1], ids[found[2]])
        return self._match(best[1]) if best is not None else None

    def _lengths(self, m: int) -> range:
        """The key lengths l that can reach the threshold against a key of length m: fuzz.ratio is at most
        100 * (1 - |m - l| / (m + l))."""
        f = 1.0 - self.threshold / 100.0
        if f >= 1:
            return range(0, 1 << 20)
        lo = m * (1 - f) / (1 + f)
        hi = m * (1 + f) / (1 - f)
        return range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)

    def _match(self, pid: int) -> Match:
        return Match(pid, self._entries[pid][1])

    # --- learning ----------------------------------------------------------------------------------
    def add(self, paper_id: int, keys: Keys, fingerprint: str | None = None) -> None:
        """Enter a paper (a paper already entered is replaced)."""
        if paper_id in self._entries:
            self._remove(paper_id)
        self._entries[paper_id] = (keys, fingerprint)
        pmid, doi, key, year = keys
        if pmid:
            self._pmids[pmid] = paper_id
        if doi:
            self._dois.setdefault(doi, []).append(paper_id)
        if len(key) >= MIN_TITLE_KEY:
            self._titles.setdefault(key, []).append(paper_id)
            if year is not None and _fuzzy(key):
                by_length = self._fuzzy.setdefault(year, {}).setdefault((bool(pmid), bool(doi)), {})
                choices, ids = by_length.setdefault(len(key), ([], []))
                choices.append(key)
                ids.append(paper_id)

    def merged(self, paper_id: int, keys: Keys) -> None:
        """`paper_id` was merged with a record of `keys`: it gains the identifiers, title and year it lacked
        (as merge_papers fills empty fields); its content is no longer known."""
        old = self._entries[paper_id][0]
        self.add(paper_id, Keys(old.pmid or keys.pmid, old.doi or keys.doi, old.title_key or keys.title_key,
                                old.year if old.year is not None else keys.year))

    def _remove(self, paper_id: int) -> None:
        (pmid, doi, key, year), _fp = self._entries.pop(paper_id)
        if pmid and self._pmids.get(pmid) == paper_id:
            del self._pmids[pmid]
        if doi:
            self._dois[doi].remove(paper_id)
        if len(key) >= MIN_TITLE_KEY:
            self._titles[key].remove(paper_id)
            if year is not None and _fuzzy(key):
                choices, ids = self._fuzzy[year][(bool(pmid), bool(doi))][len(key)]
                i = ids.index(paper_id)
                del choices[i], ids[i]
