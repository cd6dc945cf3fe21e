"""Toxicities: a syndrome (via the syndromes vocabulary), its grade as written, and how many had it.

Rules
  toxicity.graded     grade ≥3 CRS in 12%, grade 3-4 ICANS, CRS (grade ≥3, 13%), severe CRS, high-grade CRS
  toxicity.frequency  CRS occurred in 30 (79%) patients, 12% of patients developed ICANS, no grade ≥3 CRS
  toxicity.mention    the syndrome is named (first mention), without grade or frequency
Grades keep what was written (`grade_as_reported`) and give `grade` (the lower bound, int), `grade_operator`
('=', '≥', '≤' or 'range' with `grade_max`). "grade ≥3 CRS and ICANS" gives the grade to both. Percentages in
lists ("CRS and ICANS occurred in 12% and 18%") are assigned only with "respectively", else left out.
Ambiguous words ("neurotoxicity", "CRS", "HLH") count only in a CAR-T / immune-effector context; a syndrome
named as a point of reference ("resembling HLH", "adapted from primary HLH") is not a toxicity.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from curator.domain.vocabulary import normalize_key
from curator.extract.context import Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import NB, NUM, to_float
from curator.extract.subjects import clause_start

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
G = r"(?:[0-5](?![\d.])|IV|V|III|II|I)(?![a-z])"
_OPS = {"≥": "≥", ">=": "≥", "⩾": "≥", ">": ">", "≤": "≤", "<=": "≤", "⩽": "≤", "<": "<"}
_PLUS = (r"(?P<plus>\s?\+|\s+or\s+(?:higher|greater|above|more|worse)|\s+and\s+(?:higher|above|greater)"
         r"|\s+or\s+more|\s+(?:or\s+)?above)")
GRADE_PRE = re.compile(
    rf"(?:(?P<pre_op>≥|>=|⩾|>|≤|<=|<)\s*(?:grades?|G)\s*(?P<a1>{G})"
    rf"|\b(?:[Gg]rades?|G)\s*(?P<op>≥|>=|⩾|>|≤|<=|<)?\s*(?P<a2>{G})(?:\s*(?:-|–|—|to|or|and|/)\s*(?:G|grade\s*)?"
    rf"(?P<b2>{G}))?{_PLUS}?"
    r"|(?P<word>\bany[- ]grade|\ball[- ]grades?|\bhigh[- ]grade|\blow[- ]grade|\bsevere|\bmild|\bmoderate"
    r"|\blife[- ]threatening|\bfatal))"
    r"\s*$")
GRADE_POST = re.compile(
    rf"\s*+(?:\(\s*+|,\s*+)?(?:of\s+)?(?:(?:[Gg]rades?|G)\s*+(?P<op>≥|>=|⩾|>|≤|<=|<)?\s*(?P<a>{G})"
    rf"(?:\s*(?:-|–|—|to|or)\s*(?P<b>{G}))?{_PLUS}?|(?P<word>any[- ]grade|all[- ]grades?))")
FREQ_POST = re.compile(
    rf"\s*+(?:[,:(]\s*+)?(?:(?:was|were|has\s+been|had\s+been)\s+)?"
    r"(?:(?:observed|reported|occurred|developed|seen|noted|documented|present|experienced|recorded|found)\s+)?"
    r"(?:(?:in|among|for)\s+)?"
    rf"(?:n\s*=\s*)?(?:{NB}(?P<n>\d+)(?:\s*(?:/|of|out\s+of)\s*(?P<d>\d+))?\s*+(?:patients?|pts|children|adults|"
    rf"subjects|cases)?\s*[(\[,]\s*(?P<p>{NUM})\s?%|{NB}(?P<p2>{NUM})\s?%|{NB}(?P<n2>\d+)\s*(?:/|of|out\s+of)\s*"
    rf"(?P<d2>\d+)|{NB}(?P<n3>\d+)\s+(?:patients?|pts|children|adults|subjects|cases)\b)")
FREQ_PRE = re.compile(
    rf"(?:{NB}(?P<n>\d+)\s*(?:/\s*(?P<d>\d+))?\s*(?:[(\[]\s*(?P<p>{NUM})\s?%\s*[)\]])?\s*"
    r"(?:patients?|pts|children|adults|subjects)?\s*(?:[(\[]\s*(?P<p3>[\d.·]+)\s?%\s*[)\]])?"
    rf"|{NB}(?P<p2>{NUM})\s?%\s*(?:of\s+(?:the\s+)?(?:patients|pts|children|adults|subjects|cases|recipients))?)"
    r"\s*(?:developed|had|experienced|presented\s+with|suffered(?:\s+from)?|showed)\s+(?:any\s+)?$",
    re.IGNORECASE)
NEGATION = re.compile(r"(?:\bno\b|\bwithout\b|\babsence\s+of|\bfree\s+of|\bnone\s+(?:of\s+the\s+\w+\s+)?"
                      r"(?:developed|had|experienced))\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
REFERENCE = re.compile(r"(?:resembl\w*|mimic\w*|similar\s+to|adapted\s+from|distinct\s+from|differ\w*\s+from|"
                       r"unlike|primary|familial|versus|vs\.?)\s+(?:\w+\s+){0,1}$", re.IGNORECASE)
LIST_JOIN = re.compile(r"^\s*+(?:,\s*+(?:and\s++|or\s++)?|and\s++|or\s++|/|&\s*+)\s*$")
GRADED_PAREN = re.compile(
    rf"\s*+(?:of\s+(?:the\s+)?(?:patients|pts|children|adults|subjects|recipients)\s*+)?[(\[]\s*(?P<g>(?:[Gg]rades?|G)\s*+"
    rf"(?P<op>≥|>=|⩾|>|≤|<=|<)?\s*(?P<a>{G})(?:\s*(?:-|–|—|to|or)\s*(?P<b>{G}))?{_PLUS}?)\s*[,:;]?\s*"
    rf"(?:(?P<n>\d+)\s*[(\[]\s*)?(?P<p>{NUM})\s?%\s*\)?\s*[)\]]")
PCT_LIST_AFTER = re.compile(rf"\s*(?:%\s*)?(?:,|and|or)\s*{NUM}\s?%")
SYSTEMS = [
    ("ASTCT_2019", re.compile(r"\bASTCT\b|\bASBMT\b|American Society (?:for|of) Transplantation and Cellular "
                              r"Therapy|\bLee\b[^.;]{0,20}\b2019\b", re.IGNORECASE)),
    ("LEE_2014", re.compile(r"\bLee\b[^.;]{0,20}\b2014\b|Lee (?:criteria|scale|grading)", re.IGNORECASE)),
    ("PENN", re.compile(r"\bPenn(?:sylvania)? (?:grading|criteria|scale|system)|\bPenn\b(?=[^.;]{0,15}grad)",
                        re.IGNORECASE)),
    ("CTCAE_V5", re.compile(r"\bCTCAE\s*(?:v(?:ersion)?\s*)?5", re.IGNORECASE)),
    ("CTCAE_V4", re.compile(r"\bCTCAE\s*(?:v(?:ersion)?\s*)?4", re.IGNORECASE)),
    ("MSKCC", re.compile(r"\bMSKCC\b|Memorial Sloan Kettering (?:grading|criteria)", re.IGNORECASE)),
    ("CARTOX", re.compile(r"\bCARTOX\b|\bCRES\b", re.IGNORECASE)),
    ("HINES_2023", re.compile(r"\bHines\b", re.IGNORECASE)),
]


@dataclass
class Phrase:
    syndrome: str
    as_written: str
    start: int  # whole phrase (grade words + syndrome + post grade)
    end: int
    m_start: int  # the syndrome mention itself
    m_end: int
    grade: int | None = None
    grade_max: int | None = None
    operator: str | None = None
    grade_as_reported: str | None = None

    @property
    def graded(self) -> bool:
        return self.grade_as_reported is not None

    @property
    def endpoint(self) -> str:
        if self.grade is None:
            if self.grade_as_reported:
                return f"{self.grade_as_reported} {self.syndrome}"
            return self.syndrome
        if self.operator == "range":
            return f"grade {self.grade}-{self.grade_max} {self.syndrome}"
        if self.operator in ("≥", "≤"):
            return f"grade {self.operator}{self.grade} {self.syndrome}"
        return f"grade {self.grade} {self.syndrome}"


def _g(s: str | None) -> int | None:
    if s is None:
        return None
    return int(s) if s.isdigit() else _ROMAN.get(s.upper())


def _grade(m: re.Match[str], a: str, b: str | None, op: str | None, plus: str | None) -> tuple:
    g1, g2 = _g(a), _g(b)
    o = _OPS.get(op or "", None)
    if plus:
        o = "≥"
    if o == ">":
        o, g1 = "≥", (g1 + 1 if g1 is not None else None)
    elif o == "<":
        o, g1 = "≤", (g1 - 1 if g1 is not None else None)
    if g2 is not None and g1 is not None:
        if g2 == 5 or (o == "≥"):
            return g1, None, "≥"
        if g2 < g1:
            return None, None, None
        return g1, g2, "range"
    return g1, None, o or "="


def phrases(doc: Doc) -> list[Phrase]:
    """Syndrome mentions with their grade words, in text order (cached on the doc)."""
    cached = getattr(doc, "_tox_phrases", None)
    if cached is not None:
        return cached
    text = doc.text
    out: list[Phrase] = []
    for h in doc.syndromes:
        free_terms = {normalize_key(t) for t in h.entry.get("context_free", [])}
        if not doc.car_t and normalize_key(h.as_written) not in free_terms:
            continue
        if h.entry_id == "other":
            continue
        p = Phrase(h.canonical, h.as_written, h.start, h.end, h.start, h.end)
        win = text[max(0, h.start - 45):h.start]
        m = GRADE_PRE.search(win)
        if m:
            p.start = h.start - (len(win) - m.start())
            p.grade_as_reported = m.group(0).strip()
            if m.group("word"):
                w = m.group("word").lower().replace(" ", "-")
                p.grade_as_reported = w
            else:
                a = m.group("a1") or m.group("a2")
                p.grade, p.grade_max, p.operator = _grade(m, a, m.group("b2"), m.group("pre_op") or m.group("op"),
                                                          m.group("plus"))
        else:
            m = GRADE_POST.match(text, h.end, min(len(text), h.end + 45))
            if m:
                p.end = m.end()
                if m.group("word"):
                    p.grade_as_reported = m.group("word").lower().replace(" ", "-")
                else:
                    p.grade_as_reported = re.sub(r"^of\s+", "", text[m.start():m.end()].strip(" (,"))
                    p.grade, p.grade_max, p.operator = _grade(m, m.group("a"), m.group("b"), m.group("op"),
                                                              m.group("plus"))
        out.append(p)
    # "grade ≥3 CRS and ICANS": the grade applies to both
    for prev, cur in itertools.pairwise(out):
        if prev.graded and not cur.graded and LIST_JOIN.match(text[prev.m_end:cur.m_start]):
            cur.grade, cur.grade_max, cur.operator = prev.grade, prev.grade_max, prev.operator
            cur.grade_as_reported = prev.grade_as_reported
    doc._tox_phrases = out  # type: ignore[attr-defined]
    return out


def _system(doc: Doc, syndrome: str) -> str | None:
    from curator.domain import vocabulary

    found = [sid for sid, rx in SYSTEMS if rx.search(doc.text)]
    applicable = [s for s in found if vocabulary.grades_for(syndrome, s)]
    return applicable[0] if len(applicable) == 1 else None


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    ps = phrases(doc)
    out: list[Suggestion] = []
    freq: dict[int, dict[str, Any]] = {}

    # ---- respectively: "grade ≥3 CRS and ICANS occurred in 12% and 18% of patients, respectively"
    for i, p in enumerate(ps):
        if i in freq:
            continue
        group = [i]
        j = i
        while j + 1 < len(ps) and LIST_JOIN.match(text[ps[j].end:ps[j + 1].start]):
            j += 1
            group.append(j)
        if len(group) < 2:
            continue
        s_start, s_end = doc.sentence(p.start)
        tail = text[ps[j].end:s_end]
        rm = re.search(r"\brespectively\b", tail)
        if not rm:
            continue
        pcts = list(re.finditer(rf"{NB}(?P<n>\d+\s*[(\[]\s*)?(?P<p>{NUM})\s?%", tail[:rm.start()]))
        if len(pcts) == len(group):
            for k, pm in zip(group, pcts):
                f: dict[str, Any] = {"percent": to_float(pm.group("p")), "_end": ps[j].end + pm.end()}
                if pm.group("n"):
                    f["count"] = int(re.match(r"\d+", pm.group("n")).group())
                freq[k] = f
        else:
            for k in group:
                freq[k] = {}

    for i, p in enumerate(ps):
        if i in freq:
            continue
        s_start, s_end = doc.sentence(p.start)
        f: dict[str, Any] = {}
        m = FREQ_POST.match(text, p.end, min(s_end, p.end + 70))
        if m and not PCT_LIST_AFTER.match(text, m.end()):
            if m.group("p") or m.group("p2"):
                f["percent"] = to_float(m.group("p") or m.group("p2"))
            n = m.group("n") or m.group("n2") or m.group("n3")
            d = m.group("d") or m.group("d2")
            if n:
                f["count"] = int(n)
            if d:
                f["denominator"] = int(d)
            if (not f.get("percent") and f.get("count") is not None and "denominator" not in f
                    and not m.group("n3")):
                f = {}
            if f:
                f["_end"] = m.end()
        if not f:
            cs = clause_start(text, p.start, s_start)
            pm = FREQ_PRE.search(text[cs:p.start])
            if pm:
                f["_start"] = cs + pm.start()
                if pm.group("p") or pm.group("p2") or pm.group("p3"):
                    f["percent"] = to_float(pm.group("p") or pm.group("p2") or pm.group("p3"))
                if pm.group("n"):
                    f["count"] = int(pm.group("n"))
                if pm.group("d"):
                    f["denominator"] = int(pm.group("d"))
            elif NEGATION.search(text[max(cs, p.start - 30):p.start]):
                f = {"count": 0, "negated": True, "_start": p.start - len(NEGATION.search(
                    text[max(cs, p.start - 30):p.start]).group(0))}
        freq[i] = f

    # 'CRS occurred in 93% (grade ≥3, 11%)': the parenthesis after the frequency is a second, graded row
    extra: list[tuple[Phrase, dict[str, Any]]] = []
    for i, p in enumerate(ps):
        f = freq.get(i) or {}
        if "_end" not in f:
            continue
        gm = GRADED_PAREN.match(text, f["_end"])
        if gm:
            q = Phrase(p.syndrome, p.as_written, p.start, gm.end(), p.m_start, p.m_end)
            q.grade, q.grade_max, q.operator = _grade(gm, gm.group("a"), gm.group("b"), gm.group("op"), gm.group("plus"))
            q.grade_as_reported = gm.group("g").strip()
            ef: dict[str, Any] = {"percent": to_float(gm.group("p")), "_end": gm.end()}
            if gm.group("n"):
                ef["count"] = int(gm.group("n"))
            extra.append((q, ef))
    for q, ef in extra:
        ps = ps + [q]
        freq[len(ps) - 1] = ef
    seen_bare: set[str] = set()
    seen_keys: set[tuple[Any, ...]] = set()
    syndromes_with_detail = {p.syndrome for i, p in enumerate(ps) if p.graded or freq.get(i)}
    for i, p in enumerate(ps):
        f = freq.get(i) or {}
        detail = p.graded or any(k in f for k in ("percent", "count"))
        if not detail:
            if p.syndrome in seen_bare or p.syndrome in syndromes_with_detail:
                continue
            if REFERENCE.search(text[max(0, p.m_start - 30):p.m_start]):
                continue
            # the abbreviation right after a skipped reference mention ("resembling HLH syndrome (HLH)")
            if i > 0 and re.fullmatch(r"\s*\(\s*", text[ps[i - 1].m_end:p.m_start]) and \
                    ps[i - 1].syndrome == p.syndrome and p.syndrome not in seen_bare:
                continue
            seen_bare.add(p.syndrome)
        fields: dict[str, Any] = {
            "syndrome": p.syndrome,
            "as_written": p.as_written,
            "grade": p.grade,
            "grade_operator": p.operator if p.grade is not None else None,
            "grade_as_reported": p.grade_as_reported,
            "percent": f.get("percent"),
            "count": f.get("count"),
        }
        if p.grade_max is not None:
            fields["grade_max"] = p.grade_max
        if "denominator" in f:
            fields["denominator"] = f["denominator"]
        if f.get("negated"):
            fields["negated"] = True
        system = _system(doc, p.syndrome) if p.graded else None
        if system:
            fields["grading_system"] = system
        key = (p.syndrome, p.grade, p.grade_max, fields["grade_operator"], p.grade_as_reported, fields["percent"],
               fields["count"], bool(f.get("negated")))
        if key in seen_keys:
            continue
        seen_keys.add(key)
        start = min(p.start, f.get("_start", p.start))
        end = max(p.end, f.get("_end", p.end))
        if text.count("(", start, end) > text.count(")", start, end) and text[end:end + 1] == ")":
            end += 1
        rule = "toxicity.graded" if p.graded else ("toxicity.frequency" if detail else "toxicity.mention")
        conf = 0.85 if detail else 0.7
        out.append(make("toxicity", fields, text, start, end, conf, rule))
    # ints for counts
    for s in out:
        for k in ("count", "denominator"):
            if s.fields.get(k) is not None:
                s.fields[k] = int(s.fields[k])
    return out
