"""One span per field: the words inside a suggestion's evidence that state each of its fields.

A suggestion quotes its whole phrase ("IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)"); `field_spans` finds, inside
that quote, where each field is written: analyte "IL-2", value_a "32.35", value_b "11.94", unit "pg/ml",
p_value "P < 0.001". Numbers are read left to right (value_a before value_b, a CI's low before its high);
a name field points at its as-written words; a field that is not written inside the quote (a canonical name
spelled differently, a value the rule inferred) gets no span rather than a wrong one.
"""

from __future__ import annotations

import re
from typing import Any

from curator.domain.numbers import parse_number
from curator.extract.cohort import WORDNUM
from curator.extract.model import Suggestion

_NUMBER = re.compile(r"(?<![\w.·])(?:\d{1,3}(?:[ \u2009\u202f,]\d{3})+(?![\d])(?:[.·]\d+)?|\d+(?:[.·]\d+)?|[.·]\d+)"
                     rf"|\b(?i:{'|'.join(sorted(WORDNUM, key=len, reverse=True))})\b")
# a canonical field → the field holding the words it was read from
AS_WRITTEN = {"analyte": "analyte_as_written", "syndrome": "as_written", "drug": "as_written",
              "product": "as_written", "p_value": "p_text", "p_operator": "p_text", "grade": "grade_as_reported",
              "grade_operator": "grade_as_reported", "grade_max": "grade_as_reported", "value": "as_written",
              "target": "target", "unit_code": "unit"}
SKIP = {"mentions", "confidence", "negated", "study", "design_class", "not_reached", "statistic", "role",
        "direction", "costimulatory_domain", "ci_level"}


def _numbers(text: str, start: int, end: int, cache: dict[tuple[int, int], float | None]) -> list[tuple[int, int, float]]:
    """The numbers written in text[start:end] (each token read once per text: `cache`)."""
    out = []
    for m in _NUMBER.finditer(text, start, end):
        key = m.span()
        if key not in cache:
            tok = m.group()
            v = WORDNUM.get(tok.lower()) if tok[:1].isalpha() else parse_number(tok)
            cache[key] = float(v) if v is not None else None
        if cache[key] is not None:
            out.append((key[0], key[1], cache[key]))
    return out


def _find_words(text: str, start: int, end: int, words: str, after: int) -> tuple[int, int] | None:
    if not words:
        return None
    seg = text[start:end]
    for base in (max(after, start), start):
        i = seg.find(words, base - start)
        if i < 0:
            i = seg.lower().find(words.lower(), base - start)
        if i >= 0:
            return start + i, start + i + len(words)
    return None


def field_spans(text: str, s: Suggestion, cache: dict | None = None) -> dict[str, tuple[int, int]]:
    """{field: (start, end)} for the fields of `s` written inside text[s.start:s.end]."""
    spans: dict[str, tuple[int, int]] = {}
    nums = None
    cursor = s.start
    f: dict[str, Any] = s.fields
    # strings first (their words are found anywhere in the quote)
    for k, v in f.items():
        if k in SKIP or v is None or isinstance(v, bool) or k in ("p_operator", "grade_operator"):
            continue
        if isinstance(v, str):
            src = f.get(AS_WRITTEN.get(k, ""), None) if AS_WRITTEN.get(k) and AS_WRITTEN[k] != k else None
            sp = _find_words(text, s.start, s.end, v, s.start) or (
                _find_words(text, s.start, s.end, src, s.start) if isinstance(src, str) else None)
            if sp:
                spans[k] = sp
    # numbers left to right, a p-value and a grade through their written text
    taken: set[tuple[int, int]] = {sp for k, sp in spans.items() if k in ("p_text", "grade_as_reported")}
    for k, v in f.items():
        if k in SKIP or k in spans or v is None or isinstance(v, bool):
            continue
        if k in AS_WRITTEN and AS_WRITTEN[k] in spans and not isinstance(v, (int, float)) or \
                k in ("p_value", "p_operator", "grade", "grade_max", "grade_operator") and AS_WRITTEN[k] in spans:
            spans[k] = spans[AS_WRITTEN[k]]
            continue
        if not isinstance(v, (int, float)):
            continue
        if nums is None:
            nums = _numbers(text, s.start, s.end, {} if cache is None else cache)
        inside_taken = [(a, b) for a, b in taken]
        cand = [(a, b) for a, b, x in nums if abs(x - abs(float(v))) < 1e-9
                and not any(ta <= a < tb for ta, tb in inside_taken)]
        if not cand:
            continue
        after = [c for c in cand if c[0] >= cursor]
        a, b = (after or cand)[0]
        spans[k] = (a, b)
        if k not in ("percent",):
            cursor = b
    return spans


def fill(text: str, suggestions: list[Suggestion]) -> None:
    cache: dict[tuple[int, int], float | None] = {}
    for s in suggestions:
        s.spans = field_spans(text, s, cache)
