"""`suggest(text)`: run every rule over one text and return the suggestions in text order."""

from __future__ import annotations

import logging
import re

from curator.extract import cohort, comparisons, doses, entities, events, medians, proportions, rates, spans, toxicity
from curator.extract.context import SECTION, Doc
from curator.extract.model import Suggestion

log = logging.getLogger(__name__)

RULES = (comparisons.find, rates.find, medians.find, cohort.find, entities.find, toxicity.find, doses.find,
         events.find, proportions.find)
# blanks other than the space (no-break, thin, narrow, figure, em/en spaces), common in text pasted from web pages
# and PDFs: the rules read them as spaces. One character for one, so every offset holds for the text as given.
_BLANKS = str.maketrans(dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                                      "\u202f\u205f\u3000", " "))

# a line broken inside a sentence (a hard wrap of a PDF or a mail): the break is a blank to the rules. Kept: a break
# after a sentence's end or a colon, a blank line, a break before a heading ('RESULTS:') and after one alone on its
# line ('Results⏎').
_WRAP = re.compile(r"(?<=[^\s.!?:])[^\S\n]*+\n(?![^\S\n]*+\n)")


def _unwrap(text: str) -> str:
    if "\n" not in text:
        return text

    def heading(m: re.Match[str]) -> bool:  # the break opens a heading's line, or ends a heading alone on its line
        if SECTION.match(text, m.end() - 1):
            return True
        h = SECTION.match(text, max(0, text.rfind("\n", 0, m.start())))
        return h is not None and h.end() > m.start()

    return _WRAP.sub(lambda m: m.group() if heading(m) else m.group().replace("\n", " "), text)


# notations read as the symbol the rules know, each a rewrite that changes the text's length, so the offsets found
# are mapped back (`_Reading.at`): a share written out after its digits ('45 percent', '45 per cent' → '45%'), a
# bound typed in ASCII or as old PubMed exports spell it ('>=', '> or =', '>or=' → '≥'; '<=' … → '≤'), a letter in a
# web page's italic markup ('_N_ = 7', '_P_ < .001' → 'N = 7', 'P < .001'), a sentence's full stop the copy lost its
# blank after ('... of patients.Tocilizumab was ...' → '. T')
# (each branch opens with a character or a class, so a search skips ahead to the next candidate; what must stand
# before a candidate is checked by `_Reading`: a digit before 'percent', no letter around '_N_', two small letters
# before a full stop)
_REWRITE = re.compile(r"\d(?P<pct>\s?(?:per\s?cent|percent)\b)|(?P<ge>>\s?or\s?=|>=)|(?P<le><\s?or\s?=|<=)"
                      r"|(?P<mk>_(?P<letters>[A-Za-z]{1,3})_)|(?P<stop>\.)(?-i:(?=[A-Z][a-zA-Z]))"
                      # a PDF's ligatures ('signiﬁcantly'), a web page's soft hyphens and zero-width blanks inside words
                      "|(?P<lig>[\ufb00-\ufb04])|(?P<gone>[\u00ad\u200b\u200c\u200d\u2060\ufeff])", re.IGNORECASE)
_SYMBOL = {"pct": "%", "ge": "≥", "le": "≤"}
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
# one character for one: 'N = 17' read as 'n = 17'; a study's subjects as its patients (the rules' word for them)
_N_EQUALS = re.compile(r"N(?<![\w]N)(?=\s*+=\s*+\d)")  # (the letter first: a search skips ahead to it)
_SUBJECTS = re.compile(r"(?<![\w-])(?:(?P<s>s)|S)ubject(?=s?\b)")


class _Reading:
    """The text as the rules read it, and the way back from its offsets to the text as given."""

    def __init__(self, text: str) -> None:
        read = _one_for_one(text)  # one character for one: offsets unchanged
        self.map: list[int] | None = None
        self.blank: dict[int, int] = {}  # a rewrite's first character: where its words (and a blank before) began
        edits = [m for m in _REWRITE.finditer(read) if _applies(read, m)] if _may_rewrite(read) else []
        if edits:
            parts: list[str] = []
            back: list[int] = []
            last = 0
            for m in edits:
                kind = m.lastgroup or ""
                a, b = m.span(kind)
                if a < last:
                    continue
                if kind == "mk":  # the letters stand for themselves, the first with the markup before it
                    rep, src = m.group("letters"), [a, *range(m.start("letters") + 1, m.end("letters"))]
                elif kind == "stop":  # the full stop, then the blank the sentence after it opens with
                    rep, src = ". ", [a, b]
                elif kind == "lig":  # each letter of a ligature stands where it stood
                    rep, src = _LIGATURES[m.group()], [a] * len(_LIGATURES[m.group()])
                elif kind == "gone":  # nothing stands for it
                    rep, src = "", []
                else:  # the symbol stands for the words ('%' for 'percent')
                    rep, src = _SYMBOL[kind], [a + (b - a - len(read[a:b].lstrip()))]
                parts += [read[last:a], rep]
                back += range(last, a)
                self.blank[len(back)] = a
                back += src
                last = b
            parts.append(read[last:])
            back += range(last, len(read) + 1)  # ... and what follows, up to the end
            read, self.map = "".join(parts), back
        self.text = read

    def at(self, i: int, end: bool = False) -> int:
        """The offset in the text as given of offset `i` of the text as read; an end before a symbol read for words
        ends before the blank that preceded them ('82 percent': '82' is '82')."""
        if self.map is None:
            return i
        return self.blank.get(i, self.map[i]) if end else self.map[i]


_DOT_CAP = re.compile(r"\.[A-Z]")
_ODD = re.compile("[\ufb00-\ufb04\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def _may_rewrite(read: str) -> bool:
    """Whether _REWRITE can find anything: cheap checks first, as most texts need none of it."""
    low = read.lower()
    return ("percent" in low or "per cent" in low or ">=" in read or "<=" in read or "or =" in low or "or=" in low
            or "_" in read or _DOT_CAP.search(read) is not None or _ODD.search(read) is not None)


def _applies(read: str, m: re.Match[str]) -> bool:
    """A candidate of _REWRITE in its surroundings: '_N_' not inside a word, a full stop after two small letters."""
    if m.lastgroup == "mk":
        a, b = m.span()
        return (a == 0 or not read[a - 1].isalnum()) and (b == len(read) or not read[b].isalnum())
    if m.lastgroup == "stop":
        return m.start() >= 2 and read[m.start() - 2:m.start()].isalpha() and read[m.start() - 2:m.start()].islower()
    return True


def _one_for_one(text: str, fragment: bool = False) -> str:
    """The rewrites of one character for one: blanks, line breaks inside a sentence ('fragment': every break, the
    sentence's context being gone), 'N =', subjects."""
    text = text.translate(_BLANKS)
    text = text.replace("\n", " ") if fragment else _unwrap(text)
    if "N" in text:
        text = _N_EQUALS.sub("n", text)
    if "ubject" in text:
        text = _SUBJECTS.sub(lambda m: "patient" if m.group("s") else "Patient", text)
    return text


def _same_words(as_given: str, read: str) -> bool:
    """`read` is `as_given` as the rules read it (not words of the rule's own, like '%' for 'percent')."""
    return _one_for_one(as_given, fragment=True) == _one_for_one(read, fragment=True)


def suggest(text: str) -> list[Suggestion]:
    """Explainable suggestions (comparisons, rates, medians, n, design, age group, products, drugs,
    toxicities, doses, timeline events) found in `text`, each with exact offsets into `text`.

    A rule that fails on an unusual text is logged and skipped: the others still answer."""
    if not text or not text.strip():
        return []
    reading = _Reading(text)
    read = reading.text
    doc = Doc(read)
    out: list[Suggestion] = []
    for rule in RULES:
        try:
            out.extend(rule(doc))
        except Exception:  # pragma: no cover - a defect in one rule must not cost the curator the rest
            log.exception("extract rule %s failed", getattr(rule, "__module__", rule))
    out = [s for s in out if s.end > s.start and read[s.start:s.end] == s.text]
    out = _drop_explained_proportions(out)
    out = _cite_results_once(doc, out)
    for s in out:
        if s.kind == "rate" and s.fields.get("unit", "%") == "%" and "percent" not in s.fields:
            s.fields["percent"] = s.fields.get("value")
    spans.fill(read, out)
    if read != text:
        at = reading.at
        for s in out:  # offsets into the text as given; the evidence, and every field copied from it, quote it
            seen, a = read[s.start:s.end], s.start
            s.start, s.end = at(s.start), at(s.end, end=True)
            s.text = text[s.start:s.end]
            s.spans = {k: (at(x), at(y, end=True)) for k, (x, y) in s.spans.items()}
            if s.anchor >= 0:
                s.anchor = at(s.anchor, end=True)
            for k, v in s.fields.items():  # (a field the rule wrote in its own words, '%' for 'percent', stays)
                if isinstance(v, str) and (i := seen.find(v)) >= 0 and \
                        _same_words(as_given := text[at(a + i):at(a + i + len(v), end=True)], v):
                    s.fields[k] = as_given
    out.sort(key=lambda s: (s.start, s.end, s.kind))
    return out


_MAIN = {"proportion": ("percent",), "toxicity": ("syndrome", "grade", "percent"), "rate": ("value",),
         "comparison": ("value_a", "value_b"), "median": ("value", "low", "high")}


def _cite_results_once(doc: Doc, out: list[Suggestion]) -> list[Suggestion]:
    """A value stated twice (results, then again in a conclusion or a background sentence) is suggested once,
    citing the better sentence (Doc.evidence_rank: results / own-study sentences first)."""
    groups: dict[tuple, list[Suggestion]] = {}
    for s in out:
        keys = _MAIN.get(s.kind)
        if keys and any(isinstance(s.fields.get(k), (int, float)) for k in keys):
            groups.setdefault((s.kind, *(s.fields.get(k) for k in keys)), []).append(s)
    drop: set[int] = set()
    for ss in groups.values():
        if len(ss) < 2:
            continue
        ranks = [doc.evidence_rank(s.start) for s in ss]
        best = min(ranks)
        drop.update(id(s) for s, r in zip(ss, ranks) if r > best)
    return [s for s in out if id(s) not in drop]


def _drop_explained_proportions(out: list[Suggestion]) -> list[Suggestion]:
    """A percentage another rule already explains (a rate, a toxicity's incidence, a value of a comparison,
    a median or a dose) is not suggested a second time as a bare proportion; a rate that is one side of a
    comparison is the comparison's."""
    others = [s for s in out if s.kind in ("rate", "toxicity", "comparison", "median", "dose")]
    keep = []
    comparisons = [o for o in others if o.kind == "comparison"]
    for s in out:
        if s.kind == "rate" and any(o.start < s.end and s.start < o.end and s.fields.get("value") is not None
                                    and s.fields.get("value") in (o.fields.get("value_a"), o.fields.get("value_b"))
                                    for o in comparisons):
            continue  # 'PFS was 47% (95% CI ...) versus 34% (...)': the comparison holds both values
        if s.kind == "proportion" or (s.kind == "rate" and s.anchor >= 0):
            v = s.fields.get("percent")
            if any(o is not s and o.start < s.anchor <= o.end and (
                    o.kind in ("comparison", "median", "dose")
                    or v in (o.fields.get("percent"), o.fields.get("value"))) for o in others):
                continue
        keep.append(s)
    return keep
