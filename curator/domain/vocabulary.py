"""Controlled vocabularies: CAR-T products, management drugs, analytes, toxicity syndromes (pure, cached).

Every spelling a paper may use normalises to one entry; the text as written is always kept.

    >>> analytes().match("Interferon-γ").canonical
    'IFN-γ'

Matching is exact on normalised keys (`normalize_key`), then a conservative fuzzy match for typos
(rapidfuzz, long terms only, never codes, digits and Greek letters must agree). `Vocabulary.find_all`
scans running text for every term with one precompiled regex (a trie of all spellings), which is
what the extractor uses.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from curator import paths

# --------------------------------------------------------------------------- normalisation

GREEK_NAMES = {
    "α": "alpha", "β": "beta", "γ": "gamma", "ɣ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa",
    "λ": "lambda", "ω": "omega",
}
_GREEK_CHAR_OF = {"alpha": "α", "beta": "β", "gamma": "γɣ", "delta": "δ", "kappa": "κ"}
_MU = {"µ": "u", "μ": "u"}  # micro sign U+00B5 and Greek mu U+03BC
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―.·_'’]+")
_TRANSLATE = str.maketrans({**GREEK_NAMES, **_MU})


def _norm(text: str, fold: bool = True) -> str:
    t = unicodedata.normalize("NFKC", text)
    if fold:
        t = t.casefold()
    t = t.translate(_TRANSLATE)
    return _SEPARATORS.sub("", t)


def normalize_key(text: str) -> str:
    """Lookup key: casefolded, Greek letters spelled out (γ → gamma), µ/μ → u, hyphens/spaces/dots removed.

    >>> normalize_key("IFN-γ") == normalize_key("IFN gamma") == normalize_key("ifn.Gamma")
    True
    """
    return _norm(text, True)


_DIGITS = re.compile(r"\d+")
_GREEK_WORD = re.compile(r"alpha|beta|gamma|delta|kappa|epsilon|lambda|omega")


# --------------------------------------------------------------------------- match

@dataclass(frozen=True)
class Match:
    """One vocabulary hit: which entry, its canonical name, and the text exactly as written."""

    entry_id: str
    canonical: str
    as_written: str
    start: int = 0
    end: int = 0
    score: float = 100.0
    method: str = "exact"  # exact | fuzzy
    entry: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class _Term:
    text: str
    entry_id: str
    code: bool  # a development code / short abbreviation: exact only, never fuzzy
    case_sensitive: bool


def _is_short_code(term: str) -> bool:
    """Short upper-case abbreviations ('CRS', 'TG', 'GOT') are matched case-sensitively in running text."""
    letters = [c for c in term if c.isalpha()]
    return len(_norm(term)) <= 4 and bool(letters) and not any(c.islower() for c in letters)


class Vocabulary:
    """A set of entries, each with a canonical name and spellings (terms)."""

    def __init__(self, name: str, entries: list[dict[str, Any]], term_fields: Iterable[str],
                 code_fields: Iterable[str] = (), meta: dict[str, Any] | None = None,
                 scan_exclude: Iterable[str] = ()) -> None:
        self.name = name
        self._scan_exclude = {normalize_key(t) for t in scan_exclude}
        self.meta = meta or {}
        self.entries: dict[str, dict[str, Any]] = {}
        self._terms: list[_Term] = []
        code_fields = set(code_fields)
        for e in entries:
            self.entries[e["id"]] = e
            for f in term_fields:
                v = e.get(f)
                values = v if isinstance(v, list) else [v]
                for t in values:
                    if t:
                        is_code = f in code_fields or len(_norm(t)) < 5
                        self._terms.append(_Term(t, e["id"], is_code, _is_short_code(t)))
        self._ci: dict[str, str] = {}
        self._cs: dict[str, str] = {}
        self._cs_folded: dict[str, str] = {}  # short codes, case-insensitively, for single-string lookups
        for t in self._terms:
            if t.case_sensitive:
                self._cs.setdefault(_norm(t.text, fold=False), t.entry_id)
                self._cs_folded.setdefault(normalize_key(t.text), t.entry_id)
                continue
            self._ci.setdefault(normalize_key(t.text), t.entry_id)
        self._fuzzy_keys = sorted({normalize_key(t.text) for t in self._terms
                                   if not t.code and not t.case_sensitive and len(normalize_key(t.text)) >= 6})
        self._codes = {normalize_key(t.text) for t in self._terms if t.code}

    # ---- entries
    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.match(text) is not None

    def get(self, entry_id: str) -> dict[str, Any] | None:
        return self.entries.get(entry_id)

    def ids(self) -> list[str]:
        return list(self.entries)

    def canonical(self, text: str) -> str | None:
        m = self.match(text)
        return m.canonical if m else None

    def terms(self, entry_id: str) -> list[str]:
        return [t.text for t in self._terms if t.entry_id == entry_id]

    def _hit(self, entry_id: str, as_written: str, start: int = 0, end: int = 0, score: float = 100.0,
             method: str = "exact") -> Match:
        e = self.entries[entry_id]
        return Match(entry_id, e.get("name") or entry_id, as_written, start, end, score, method, e)

    # ---- single strings
    def match(self, text: str | None, fuzzy: bool = True) -> Match | None:
        """The entry `text` names: exact on the normalised key, else a conservative fuzzy match."""
        if not text or not text.strip():
            return None
        written = text.strip()
        k = normalize_key(written)
        eid = self._lookup_ci(k)
        if eid is not None:
            return self._hit(eid, written, 0, len(written))
        cs = _norm(written, fold=False)
        if cs in self._cs:
            return self._hit(self._cs[cs], written, 0, len(written))
        if k in self._cs_folded:
            return self._hit(self._cs_folded[k], written, 0, len(written), 99.0)
        if not fuzzy or len(k) < 6 or not self._fuzzy_keys:
            return None
        found = process.extractOne(k, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=88)
        if not found:
            return None
        cand, score, _ = found
        if (_DIGITS.findall(cand) != _DIGITS.findall(k) or _GREEK_WORD.findall(cand) != _GREEK_WORD.findall(k)
                or cand[0] != k[0] or abs(len(cand) - len(k)) > 2):
            return None
        return self._hit(self._ci[cand], written, 0, len(written), float(score), "fuzzy")

    def _lookup_ci(self, key: str) -> str | None:
        """Entry id for a casefolded key, accepting a plural ('-s', '-es') of a term that is not a code."""
        eid = self._ci.get(key)
        if eid is None and len(key) >= 5 and key.endswith("s"):
            for stem in (key[:-1], key[:-2] if key.endswith("es") else None):
                if stem and stem in self._ci and stem not in self._codes:
                    return self._ci[stem]
        return eid

    # ---- running text
    def find_all(self, text: str) -> list[Match]:
        """Every term occurrence in `text` (exact spellings, separator- and Greek-tolerant, plurals),
        longest first, without overlaps, in text order. No fuzzy matching: it scans whole abstracts."""
        return find_all_many(text, (self,))[0]

    def scan_keys(self) -> tuple[set[str], set[str]]:
        """(casefolded keys, case-sensitive keys) the text scanner looks for."""
        return set(self._ci) - self._scan_exclude, set(self._cs) - self._scan_exclude


# --------------------------------------------------------------------------- scanning several vocabularies

class _Scanner:
    """One trie regex (casefolded terms) plus one for short upper-case codes, over several vocabularies."""

    def __init__(self, vocabs: tuple[Vocabulary, ...]) -> None:
        self.vocabs = vocabs
        ci: set[str] = set()
        cs: set[str] = set()
        for v in vocabs:
            a, b = v.scan_keys()
            ci |= a
            cs |= b
        self.rci = _compile_trie(ci, re.IGNORECASE, plurals=True)
        self.rcs = _compile_trie(cs, 0, plurals=False)

    def scan(self, text: str) -> list[list[Match]]:
        out: list[list[Match]] = [[] for _ in self.vocabs]
        for rx, fold in ((self.rci, True), (self.rcs, False)):
            if rx is None:
                continue
            for m in rx.finditer(text):
                g = m.group()
                for i, v in enumerate(self.vocabs):
                    eid = v._lookup_ci(_norm(g)) if fold else v._cs.get(_norm(g, fold=False))
                    if eid is not None and _norm(g) not in v._scan_exclude:
                        out[i].append(v._hit(eid, g, m.start(), m.end()))
        if self.rcs is not None:
            for i, hits in enumerate(out):
                hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
                kept: list[Match] = []
                for h in hits:
                    if kept and h.start < kept[-1].end:
                        continue
                    kept.append(h)
                out[i] = kept
        return out


_SCANNERS: dict[tuple[int, ...], _Scanner] = {}


def find_all_many(text: str, vocabs: tuple[Vocabulary, ...] | list[Vocabulary]) -> list[list[Match]]:
    """`Vocabulary.find_all` for several vocabularies in one pass (one compiled regex for all of them)."""
    key = tuple(id(v) for v in vocabs)
    sc = _SCANNERS.get(key)
    if sc is None:
        sc = _SCANNERS[key] = _Scanner(tuple(vocabs))
    return sc.scan(text)


# --------------------------------------------------------------------------- trie regex

_SEP_CLASS = r"[\s\-‐‑‒–—.·_'’]?"


def _atoms(key: str) -> list[str]:
    """Split a key into regex atoms: Greek names become one atom matching the letter or the name."""
    out: list[str] = []
    i = 0
    while i < len(key):
        for name, chars in _GREEK_CHAR_OF.items():
            if key.startswith(name, i):
                out.append(f"(?:[{chars}]|{name})")
                i += len(name)
                break
        else:
            c = key[i]
            out.append("[uµμ]" if c == "u" else re.escape(c))
            i += 1
    return out


def _compile_trie(keys: set[str], flags: int, plurals: bool = False) -> re.Pattern[str] | None:
    if not keys:
        return None
    trie: dict[str, Any] = {}
    for k in keys:
        node = trie
        for a in _atoms(k):
            node = node.setdefault(a, {})
        node[""] = {}

    plural = "(?:e?s)?" if plurals else ""

    def render(node: dict[str, Any]) -> str:
        parts = []
        for a in sorted((a for a in node if a), key=lambda s: -len(s)):
            sub = node[a]
            if any(sub):
                cont = _SEP_CLASS + "(?:" + render(sub) + ")"
                parts.append(a + ("(?:" + cont + ("|e?s" if plurals else "") + ")?" if "" in sub else cont))
            else:
                parts.append(a + plural)
        return "|".join(parts)

    pattern = r"(?<![\w])(?:" + render(trie) + r")(?![\w+])"
    return re.compile(pattern, flags)


# --------------------------------------------------------------------------- loaders

def _load(filename: str) -> dict[str, Any]:
    with open(paths.vocabularies() / filename, encoding="utf-8") as f:
        return json.load(f)


@cache
def products() -> Vocabulary:
    d = _load("car_t_products.json")
    return Vocabulary("products", d["entries"], ("name", "generic", "brand", "short", "codes", "synonyms"),
                      code_fields=("codes",), meta=d,
                      scan_exclude=("investigational",))


@cache
def drugs() -> Vocabulary:
    d = _load("management_drugs.json")
    return Vocabulary("drugs", d["entries"], ("name", "brands", "synonyms"), meta=d)


@cache
def analytes() -> Vocabulary:
    d = _load("analytes.json")
    return Vocabulary("analytes", d["entries"], ("name", "full_name", "synonyms"), meta=d)


@cache
def syndromes() -> Vocabulary:
    d = _load("syndromes.json")
    return Vocabulary("syndromes", d["entries"], ("name", "full_name", "synonyms"), meta=d,
                      scan_exclude=("other",))


@cache
def endpoints() -> Vocabulary:
    """Efficacy / time-to-event endpoints (OS, EFS, ORR, CR...), used to name rates and medians."""
    d = _load("endpoints.json")
    return Vocabulary("endpoints", d["entries"], ("name", "full_name", "synonyms"), meta=d)


def by_name(name: str) -> Vocabulary:
    """'products' | 'drugs' | 'analytes' | 'syndromes' | 'endpoints'."""
    return {"products": products, "drugs": drugs, "analytes": analytes, "syndromes": syndromes,
            "endpoints": endpoints}[name]()


# --------------------------------------------------------------------------- helpers

def grading_systems() -> dict[str, dict[str, Any]]:
    return dict(syndromes().meta.get("grading_systems", {}))


def _system_id(system: str) -> str | None:
    k = normalize_key(system)
    for sid in grading_systems():
        if normalize_key(sid) == k:
            return sid
    return None


def grades_for(syndrome: str | None, system: str | None) -> list[int] | None:
    """Grades `system` allows for `syndrome`; [] when the system has no grades (criteria, score) or does not
    apply to the syndrome; None when the syndrome or the system is unknown (nothing to check against)."""
    if not syndrome or not system:
        return None
    m = syndromes().match(syndrome)
    sid = _system_id(system)
    if m is None or sid is None:
        return None
    spec = m.entry.get("grading", {}).get(sid)
    if spec is None:
        return []
    return list(spec.get("grades", []))


def allowed_units(analyte: str | None) -> set[str] | None:
    """UCUM-like codes allowed for `analyte` (any spelling), or None when the analyte is unknown."""
    if not analyte:
        return None
    m = analytes().match(analyte)
    if m is None:
        return None
    return set(m.entry.get("allowed_units", []))


def default_unit(analyte: str | None) -> str | None:
    m = analytes().match(analyte) if analyte else None
    return m.entry.get("default_unit") if m else None
