"""Regex building blocks for how papers write numbers, units, p-values, CIs and ranges (compiled once).

Number writing handled: middle-dot decimals (14·8), thousands separators (21,984.11 / 21 984 / thin
spaces), leading-dot decimals (P=.02), Unicode minus, en/em dashes and "to" in ranges, ×10^6 / × 10⁶ /
× 106 (superscript lost in copy), Greek mu vs micro sign, ℃.
"""

from __future__ import annotations

import bisect
import re

from curator.domain.numbers import parse_number

# --------------------------------------------------------------------------- numbers

# a number that starts a value: not glued to a word, a decimal point or a slash before it
NBC = r"\w.·∙/^*±+\-−‐–"
NB = rf"(?<![{NBC}])"
_SEP = r"[,\u2009\u202f\u00a0 ]"  # thousands separators
# A number does not start at a thousands group that continues one ('1,234,567': not at '234' or '567').
# Starting there finds nothing the start of the run has not (its readings end at the same places), but
# a search that failed at the head re-read the rest of the run from every group: quadratic on a long
# run ('1,111,111,...', or a table of 3-digit numbers separated by spaces). A head is 1-3 digits not
# glued to a word (NBC) before it, or an earlier group. The first form sits before the number's first
# digit, the second right after it (NUMB opens with a digit).
_GROUP_AFTER = (rf"(?:(?<=(?<![{NBC}])\d{_SEP})|(?<=(?<![{NBC}])\d\d{_SEP})|(?<=(?<![{NBC}])\d\d\d{_SEP})"
                rf"|(?<=\d{_SEP}\d\d\d{_SEP}))")
NOT_GROUP = rf"(?!{_GROUP_AFTER}\d{{3}}(?!\d))"
NOT_GROUP_AFTER_DIGIT = (rf"(?!(?=\d\d(?!\d))(?:(?<=(?<![{NBC}])\d{_SEP}\d)|(?<=(?<![{NBC}])\d\d{_SEP}\d)"
                         rf"|(?<=(?<![{NBC}])\d\d\d{_SEP}\d)|(?<=\d{_SEP}\d\d\d{_SEP}\d)))")
# an unsigned number; thousands groups with ',' or (thin/no-break/plain) spaces; '.', '·' or '∙' decimals
# (digit runs are read possessively: a number never ends before a digit, so giving digits back finds nothing new,
# and on a long run of decimals every give-back re-tried what follows the number)
NUM = (rf"(?:{NOT_GROUP}(?:\d{{1,3}}(?:(?:,|[\u2009\u202f\u00a0 ])\d{{3}})+(?![\d])(?:[.·∙]\d++)?"
       r"|\d++(?:[.·∙]\d++)?(?![.·∙]?\d)|[.·∙]\d++))")
SIGN = r"(?:[-−‐–]\s?)"
SNUM = rf"(?:{SIGN}?{NUM})"
# the same, written so the pattern opens with a digit (lets the regex engine skip to digits quickly)
NUMB = (rf"(?:\d(?<![{NBC}]\d){NOT_GROUP_AFTER_DIGIT}(?:\d{{0,2}}(?:(?:,|[\u2009\u202f\u00a0 ])\d{{3}})+(?!\d)"
        rf"(?:[.·∙]\d++)?|\d*+(?:[.·∙]\d++)?(?![.·∙]?\d)))")
INTB = rf"(?:\d(?<![{NBC}]\d)\d*(?![.·∙]?\d))"
DASH = r"(?:\s*(?:-|–|—|‒|‑|‐|−|~)\s*|\s+to\s+)"


def to_float(s: str) -> float:
    """'21,984.11' → 21984.11, '14·8' → 14.8, '.02' → 0.02, '−3' → -3.0, '21 984' → 21984.0 (the domain's rule)."""
    v = parse_number(s)
    if v is None:
        raise ValueError(f"not a number: {s!r}")
    return v


def num(s: str | None) -> float | int | None:
    """A float, or an int when the text has no decimals (counts, days, n)."""
    if s is None:
        return None
    v = to_float(s)
    if v.is_integer() and not re.search(r"[.·∙]", s):
        return int(v)
    return v


# --------------------------------------------------------------------------- units

_MASS = r"(?:pg|ng|[µμu]g|mcg|mg|g|kg)"
_SUBST = r"(?:pmol|nmol|[µμu]mol|mmol|mol)"
_ACT = r"(?:mIU|kIU|IU|mU|kU|U)"
_VOL = r"(?:[dmµμun]?[lL]|mm3|mm³|mm\(3\)|mm\^3)"
_SUPDIG = "⁰¹²³⁴⁵⁶⁷⁸⁹"
# ×10^9, × 10⁹, x10^6, × 106 (superscript lost: 10 followed by the exponent digits)
MULT = (rf"(?:[×x*]\s?10(?:\s?[\^*]\s?[-−]?\d{{1,2}}|[{_SUPDIG}⁻]++|\s?(?:[3-9]|1[0-2])(?!\d))"
        rf"|10(?:\s?\^\s?[-−]?\d{{1,2}}|[{_SUPDIG}]++))")
_COUNTW = (r"(?:CAR[-+ ]?T[- ]?cells?|CAR\+\s?T[- ]?cells?|CAR[- ]?positive\s+(?:viable\s+)?T[- ]cells?|"
           r"viable\s+T[- ]cells?|cells?|copies|copy|events)")
_DEN = (rf"(?:(?:micro|milli|deci)?lit(?:er|re)s?\b|{_VOL}|kg|m2|m²|m\(2\)|[µμu]g(?:\s?(?:of\s)?DNA)?|mg|g(?![a-zA-Z])|days?"
        r"|d(?![a-zA-Z])|h|hr|min|wk|week)")
# '/' or, after a unit, a written 'per' ('cells per microliter', 'copies per µg DNA'; the domain's parse_unit reads
# 'per' as '/'); one prefix for both, so a failed unit is tried once per position
_SLASH = (rf"(?:{MULT}\s?)?(?:(?:{_MASS}|{_SUBST}|{_ACT}|{_COUNTW})\s?)?(?:/|(?<=[a-zµμ]\s)per\s)\s?{_DEN}"
          rf"(?:\s?/\s?(?:days?|d|h|kg|m2|m²))?(?:\s?(?:FEU|DDU))?")
UNIT = (
    r"(?:%"
    r"|°\s?[CF](?![a-zA-Z])|℃|℉|º\s?C(?![a-zA-Z])"
    rf"|{_SLASH}"
    rf"|(?:{_MASS}|{_SUBST}|{_ACT})\s?{_VOL}\s?[-−]\s?1(?!\d)"
    rf"|{MULT}(?:\s?{_COUNTW})?(?:\s?/\s?(?:kg|m2|m²|{_VOL}))?"
    r"|mm\s?Hg|cm\s?H2O|cm\s?H₂O"
    r"|(?!and/|or/)[a-zA-Zµμ]{1,4}[23³²]?/[a-zA-Zµμ]{1,4}[23³²]?(?![\w/])"
    r"|(?:months?|mos?|years?|yrs?|y|days?|d|weeks?|wks?|hours?|hrs?|h|minutes?|min"
    rf"|{_MASS}|{_ACT}|cells|copies)(?![\w/])"
    r")"
)

# --------------------------------------------------------------------------- p-values

P_OP = r"(?:=\s*<|=\s*>|<\s*=|>\s*=|=<|=>|[=<>≤≥⩽⩾])"
P_VALUE = (rf"(?<![\w])(?P<ptext>[Pp](?:\s?[-‐]?\s?values?)?(?:\s?\((?:two|2)[- ]sided\))?(?:\s?(?:for\s)?trend|\s?for\s(?:subgroup\s)?(?:interaction|difference|heterogeneity))?"
           rf"\s*(?P<pop>{P_OP})\s*(?P<pval>{NUM}(?:\s?[×x]\s?10\s?\^?\s?[-−]\s?\d+|\s?[eE][-−]\d+)?))(?![\d])")
P_RE = re.compile(P_VALUE)  # what it finds is read by curator.domain.pvalues.parse_p


# --------------------------------------------------------------------------- confidence intervals

CI_HEAD = (r"(?:(?P<lvl>\d{2}(?:[.·]\d)?)\s?%\s?(?:CIs?|C\.I\.|Cl|confidence\s+intervals?)(?:\s?\[CI\]|\s?\(CI\))?"
           r"|CI\s?(?P<lvl2>\d{2})\s?%)")
# the blank run after the head is read once (possessive: what follows never opens with a blank)
CI_BODY = (rf"{CI_HEAD}\s*+(?:[,:=]\s*+)?(?:of\s++|from\s++)?(?:(?P<lo>{SNUM})\s?%?{DASH}(?P<hi>{SNUM})\s?%?"
           rf"|(?P<lo2>{SNUM})\s?%?\s*[,;]\s*(?P<hi2>{SNUM})\s?%?(?=\s*[)\]]))")


def ci_parts(m: re.Match[str]) -> tuple[float, float, float]:
    lvl = m.group("lvl") or m.group("lvl2")
    lo = m.group("lo") if m.group("lo") is not None else m.group("lo2")
    hi = m.group("hi") if m.group("hi") is not None else m.group("hi2")
    return to_float(lo), to_float(hi), to_float(lvl)


# --------------------------------------------------------------------------- sentences and clauses

_ABBREV = {"vs", "v", "e.g", "i.e", "al", "fig", "figs", "approx", "no", "dr", "ca", "cf", "resp", "ref", "refs",
           "mo", "mos", "yr", "yrs", "pts", "sd", "st", "min", "max", "incl", "nos"}
_SPLIT = re.compile(r"[.!?][\"'”’)]?\s+(?=[A-Z(\[“\"0-9])|\n\s*\n")
_WORD_BEFORE = re.compile(r"(?<![A-Za-z.])\.*+([A-Za-z][A-Za-z.]*)\.$")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: split after . ! ? before a capital/number/bracket, and at blank lines; not after
    'vs.', 'e.g.', 'et al.' and similar."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SPLIT.finditer(text):
        cut = m.start() if m.group()[0] == "\n" else m.start() + 1  # keep the full stop in the sentence
        if m.group()[0] != "\n" and not re.search(r"\n\s*\n", m.group()):
            w = _WORD_BEFORE.search(text[max(start, cut - 12): cut])
            if w and w.group(1).lower().rstrip(".") in _ABBREV:
                continue
        if cut > start:
            spans.append((start, cut))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [piece for s, e in spans if text[s:e].strip() for piece in _bounded(text, s, e)]


MAX_SENTENCE = 1200  # characters; a longer run without a full stop is cut (rules look back within a sentence)


def _bounded(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A 'sentence' longer than MAX_SENTENCE (a table flattened to text, a run without full stops) is cut at
    spaces into pieces of at most that length, so a rule's look-back stays bounded on any input."""
    out = []
    while e - s > MAX_SENTENCE:
        cut = text.rfind(" ", s + MAX_SENTENCE // 2, s + MAX_SENTENCE)
        cut = cut if cut > s else s + MAX_SENTENCE
        out.append((s, cut))
        s = cut
    out.append((s, e))
    return out


class SentenceIndex:
    def __init__(self, text: str) -> None:
        self.spans = sentences(text)
        self._starts = [s for s, _ in self.spans]

    def at(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return (0, self.spans[0][1] if self.spans else 0)
        return self.spans[i]


def balanced_close(text: str, open_pos: int, limit: int = 400) -> int | None:
    """Index of the bracket closing the one at `open_pos` ((, [), or None."""
    pairs = {"(": ")", "[": "]"}
    stack = [pairs.get(text[open_pos])]
    if stack[0] is None:
        return None
    i = open_pos + 1
    end = min(len(text), open_pos + limit)
    while i < end:
        c = text[i]
        if c in pairs:
            stack.append(pairs[c])
        elif c in ")]":
            if c != stack[-1]:
                return None
            stack.pop()
            if not stack:
                return i
        i += 1
    return None


# the participles an occurrence is told with ('CRS was observed / documented / diagnosed in ...', 'CR was achieved in'):
# one list for every pattern that reads 'X (was) <verb> in N'
OCCURRENCE_VERBS = (r"(?:observed|reported|occurred|developed|seen|noted|documented|present|experienced|recorded|found|"
                    r"diagnosed|identified|detected|persisted|appeared|arose|emerged|manifested|evident)")


def share_agrees(count: int, denominator: int | None, percent: float) -> bool:
    """A count and its denominator state the share written beside them (to one point: '17 of 27 (63%)'); a count
    alone agrees with any share."""
    return denominator is None or (0 < denominator and count <= denominator
                                   and abs(100 * count / denominator - percent) <= 1.0)
