"""Who was studied and how: sample size, design, age group.

Rules
  sample_size.n_equals   (n = 21), N=120
  sample_size.count      38 pediatric patients, a total of 2,182 Chinese subjects, Two patients
  design.keyword         retrospective, prospective, case series, phase 1/2, randomized, registry, meta-analysis,
                         review ("future prospective studies" is not the design)
  design.case_report     "Case report", "we report a/an ... patient", "this case"
  age_group.keyword      pediatric / AYA / adult / mixed; cues in sentences about the study population win
Counts of outcomes are not sample sizes: "920 patients (58%)", "12 patients developed CRS", "5 of 38 patients".
"""

from __future__ import annotations

import re
from typing import Any

from curator.extract.context import LITERATURE, OWN, Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import NB, NOT_GROUP, NUM, balanced_close
from curator.extract.subjects import clause_start

_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
WORDNUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
           "seventeen": 17, "eighteen": 18, "nineteen": 19, **_TENS,
           **{f"{t}{sep}{u}": tv + uv for t, tv in _TENS.items() for u, uv in _UNITS.items() for sep in "- "}}
INT = rf"{NOT_GROUP}(?:\d{{1,3}}(?:[,\u2009\u202f\u00a0 ]\d{{3}})+(?!\d)|\d+)"
NOUNS = (r"patients|children|adults|subjects|participants|individuals|cases|controls|recipients|pts|adolescents|infants|"
         r"persons|people|volunteers|survivors|men|women|boys|girls|neonates|newborns")
N_EQUALS = re.compile(rf"[nN](?<![\w][nN])\s*=\s*(?P<n>{INT})(?![\d.,]\d)")
NOUN = re.compile(rf"(?:{NOUNS})(?![\w])", re.IGNORECASE)
_WORDS_ALT = "|".join(sorted(WORDNUM, key=len, reverse=True))
# a count in words with hundreds, as a sentence opens: 'Three hundred sixty patients', 'One hundred and five adults'
HUNDREDS = rf"\b(?:{'|'.join(_UNITS)})\s++hundred(?:\s++(?:and\s++)?(?:{_WORDS_ALT}))?"
COUNT_BEFORE = re.compile(
    rf"{NB}(?P<n>{INT}|(?i:{HUNDREDS})|\b(?:{_WORDS_ALT}))\s+(?P<adj>(?:(?!(?:{NOUNS})\b)[A-Za-z][\w\-/+]*\s+){{0,3}})$",
    re.IGNORECASE)
ANY_COUNT = re.compile(r"\d|(?i:\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                       r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                       r"ninety))")
ADJ_DENY = {"of", "with", "and", "or", "in", "who", "were", "was", "had", "the", "from", "at", "to", "for", "more",
            "than", "years", "year", "months", "month", "days", "day", "weeks", "old", "aged", "age", "per", "each",
            "times", "doses", "cycles", "mg", "kg", "g", "hours", "these", "those", "such", "other", "all", "are",
            "is", "vs", "versus", "by", "on", "out", "among", "between", "that", "which"}
NOT_SAMPLE_BEFORE = re.compile(
    r"(?:\d\s*(?:of|out\s+of)\s*$|%\s*[)\]]\s*of\s*$|/\s*$|\b(?:aged?|day|days|grade|dose|doses|cycle|cycles|week|weeks|month|months|"
    r"year|years|[<>≤≥=±])\s*$|(?:occurred|observed|developed|seen|reported|noted|documented|achieved|"
    r"experienced|found|identified|detected|died|relapsed)\s+(?:in|by|among)\s+(?:only\s+)?$)", re.IGNORECASE)
OUTCOME_VERB_AFTER = re.compile(
    r"^\s*+(?:\(|\[)?\s*(?:\d[\d.·]*\s?%|n\s*=)|^\s*+(?:who\s+)?(?:developed|experienced|achieved|died|relapsed|required|"
    r"needed|progressed|responded|presented\s+with|suffered|had\s+(?:grade|CRS|ICANS|a\s|an\s)|were\s+(?:alive|dead|"
    r"still|discharged|refractory|MRD))", re.IGNORECASE)

TOTAL_BEFORE = re.compile(r"(?:\b(?:in\s+total|a\s+total\s+of|overall)\s*+(?:,\s*+)?|(?:^|[.;]\s++|\n)The\s++"
                          # a series presented: 'We report three patients who developed parkinsonism'
                          r"|\bwe\s++(?:report|describe|present)(?:ed)?\s++(?:here\s++)?)$",
                          re.IGNORECASE)  # blank runs read once (possessive)
NEGATIVE_CONTEXT = re.compile(r"(?:future|further|larger|additional|more|warrant\w*|need\w*|require\w*|planned|"
                              r"ongoing|should|must|upcoming|confirmatory|well-designed)\s+(?:\w+[\s-]+){0,2}$",
                              re.IGNORECASE)
PREFILTER = {
    "meta-analysis": ("meta",), "randomized controlled trial": ("random", "rct"), "phase": ("phase",),
    "retrospective": ("retrospect", "records", "chart", "claims", "reviewed", "real-world", "real world"), "prospective": ("prospect",),
    "case series": ("case series", "we report", "we describe", "we present"),
    "case report": ("case", "we report", "we describe", "we present", "year-old", "year old"),
    "registry": ("regist", "cibmtr", "descar"), "review": ("review", "searched", "random"), "clinical trial": ("trial",),
    "registered trial": ("registered",),
}
DESIGNS: list[tuple[str, re.Pattern[str]]] = [
    ("meta-analysis", re.compile(r"\bmeta-?\s?analys[ie]s\b", re.IGNORECASE)),
    ("randomized controlled trial", re.compile(
        r"\brandomi[sz]ed(?:,)?\s+(?:[\w-]+\s+){0,3}?(?:trial|study)\b|\brandomly\s+(?:assigned|allocated)\b|"
        r"\bRCTs?\b|\brandomi[sz]ed\s+(?:to|in\s+a)\b|\b(?:were|was)\s+randomi[sz]ed\b", re.IGNORECASE)),
    # (blank runs read once, possessively, each inside an optional piece that is skipped as a whole when it fails)
    ("phase", re.compile(r"\bphase[\s-]*+(?P<a>I{1,3}V?|[1-4])(?:\s*+[ab])?(?:\s*+(?:/|-|–|and)\s*+(?P<b>I{1,3}|[1-3])"
                         r"(?:\s*+[ab])?)?\b", re.IGNORECASE)),
    # the design by its method when not named: records reviewed, a claims database ('We reviewed all adults ...')
    ("retrospective", re.compile(r"\bretrospective(?:ly)?\b|\b(?:medical|electronic\s+health|health|hospital)\s+records\b|"
                                 r"\bchart\s+review\b|\bclaims\s+(?:database|data)\b|\bwe\s+reviewed\s+(?:all\s+)?(?:the\s+)?"
                                 r"(?:consecutive\s+)?(?:adults|patients|pts|children|records|charts|cases)\b|"
                                 # treated in routine care and looked back on: 'a real-world study / analysis / cohort'
                                 # ('real-world data / evidence are lacking' is a gap, not the design)
                                 r"\breal[- ]world\s+(?:multicent(?:er|re)\s+)?(?:study|analysis|cohort|experience|series)\b",
                                 re.IGNORECASE)),
    ("prospective", re.compile(r"\bprospective(?:ly)?\b", re.IGNORECASE)),
    ("case series", re.compile(r"\bcase\s+series\b|\bwe\s+(?:report|describe|present)(?:ed|d)?\s+(?:on\s+)?"
                               r"(?:(?:our|the)\s+(?:[\w-]+\s+)?experience\s+with\s+)?(?:two|three|four|five|six|"
                               r"seven|eight|nine|ten|\d)\s+(?:[\w-]+\s+){0,4}?(?:patients|pts|cases|children|adults)\b",
                               re.IGNORECASE)),
    ("case report", re.compile(
        r"\bcase\s++report\b|\bwe\s++(?:report|describe|present)(?:ed|d)?\s++(?:a|an|the\s++case\s++of\s++(?:a|an)|one)\s++"
        r"(?:[^.;]{0,120}?)\b(?:patient|man|woman|boy|girl|child|case|infant|adolescent|male|female)\b|"
        r"\bthis\s++case\b(?!\s*+[-‐]?\s*+(?:series|study|studies|control|-control|mix))|\ba\s++case\s++of\b|"
        # a heading that presents one case, or a sentence that opens on one patient ('A 61-year-old man with ...')
        # (the heading may stand alone on its line: 'Case presentation⏎A 16-year-old boy ...')
        r"\bcase(?:\s++(?:presentation|description|summary))?(?:\s*+:|[^\S\n]*+\n)|(?:^|(?<=[.:])\s++|(?<=\n)[^\S\n]*+)"
        r"(?:A|An)\s++\d{1,3}[- ](?:years?|months?)"
        r"[- ]old\s++(?:[\w-]+\s++){0,2}?(?:man|woman|boy|girl|male|female|patient|child|infant|adolescent)\b",
        re.IGNORECASE)),
    ("clinical trial", re.compile(r"\b(?:this|the\s+present|our)\s+(?:[\w/-]+\s+){0,2}?trial\b"
                                  r"(?!\s+(?:was|is|has\s+been)\s+registered)(?!\s+registration)|"
                                  r"\b(?:we|was|were)\s+(?:conducted|performed|enrolled\s+\w+\s+in)\s+an?\s+"
                                  r"(?:[\w/-]+\s+){0,3}?(?:clinical\s+)?trial\b|\b(?:this|our)\s+pivotal\s+trial\b|"
                                  r"\b(?:single|multi)[- ]?(?:arm|cent(?:er|re))\s+(?:[\w/-]+\s+){0,2}?trial\b",
                                  re.IGNORECASE)),
    # a trial registration sentence: a weak sign of a trial (retrospective analyses of trial patients register too)
    ("registered trial", re.compile(r"\b(?:this|the)\s+(?:[\w/-]+\s+)?trial\s+(?:was|is|has\s+been)\s+registered\b",
                                    re.IGNORECASE)),
    ("registry", re.compile(r"(?<!Trials )(?<!Trial )\b(?:registry|register)[- ]based\b|"
                            r"(?<!Trials )(?<!Trial )\bregistry\b(?!\s+(?:number|identifier|no\b|of\s+India))|"
                            r"\bCIBMTR\b|\bDESCAR-T\b", re.IGNORECASE)),
    ("review", re.compile(r"\b(?:systematic|narrative|literature|scoping|comprehensive|critical)\s+review\b|"
                          r"\b(?:this|our|the\s+present)\s+review\b|\bwe\s+review\b|\breview\s+of\s+the\s+literature\b|"
                          r"\bhere,?\s+we\s+(?:summari[sz]e|review)\b|\b(?:will|this\s+article|this\s+paper)\s+reviews?\b|"
                          # the method of one: 'We searched MEDLINE, Embase ...', 'pooled with random-effects models'
                          r"\bwe\s+searched\s+(?:the\s+)?(?:MEDLINE|PubMed|Embase|Cochrane|CENTRAL|Web\s+of\s+Science|Scopus|"
                          r"(?:electronic\s+)?databases?)\b|\brandom[- ]effects?\s+(?:models?|meta)", re.IGNORECASE)),
]
NEEDED_AFTER = re.compile(r"[^.;]{0,40}?\b(?:is|are|was|were|would\s+be|will\s+be)\s+(?:still\s+)?(?:needed|warranted|"
                          r"required|necessary|planned|ongoing|underway)\b", re.IGNORECASE)
NOT_REVIEW = re.compile(r"(?:chart|record|records|medical|retrospective|case)\s+$", re.IGNORECASE)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

MIXED = re.compile(
    r"\b(?:children|pediatric|paediatric|child)(?:\s+(?:patients|pts))?\s+(?:and|or|&)\s+(?:young\s+)?adults?\b|"
    r"\badults?(?:\s+(?:patients|pts))?\s+(?:and|or|&)\s+(?:pediatric|paediatric|children|child)\b|"
    r"\bpediatric\s+and\s+adult\b|\ball\s+ages\b", re.IGNORECASE)
AYA = re.compile(r"\badolescents?\s+and\s+young\s+adults?\b|\bAYAs?\b", re.IGNORECASE)
PEDIATRIC = re.compile(r"\b(?:pediatric|paediatric|children|child|childhood|infants?|adolescents?|juvenile|"
                       r"neonat\w+)\b|\baged?\s*(?:<|≤|under|below|younger\s+than)\s*(?:18|21)\b", re.IGNORECASE)
ADULT = re.compile(r"(?<!young )(?<!and young )\badults?\b(?!-onset)|\belderly\b|"
                   r"\baged?\s*(?:≥|>=|>|over|above|older\s+than)\s*(?:1[89]|[2-9]\d)\b|"
                   r"\b(?:patients|pts|individuals|people|subjects)\s+(?:aged\s+)?(?:≥|>=|>|over|above|older\s+than)\s*"
                   r"(?:1[89]|[2-9]\d)\s*(?:years|yrs|y)\b|\bover\s+the\s+age\s+of\s+(?:1[89]|[2-9]\d)\b",
                   re.IGNORECASE)
# (not the tail of '47.5 years old'; the digits first, so a search skips ahead to them)
YEAR_OLD = re.compile(r"\b(\d{1,2})(?<![.,·]\d)(?<![.,·]\d\d)[- ](?:year|yr)s?[- ]old\b", re.IGNORECASE)
POPULATION = re.compile(r"\b(?:we|our|this\s+(?:study|trial|analysis|cohort|case|report)|enrolled|included|"
                        r"retrospective|prospective|treated|received|report|describe|underwent|consecutive)\b",
                        re.IGNORECASE)


def _int(s: str) -> int:
    s = s.strip()
    if s.lower() in WORDNUM:
        return WORDNUM[s.lower()]
    hm = re.fullmatch(r"(\w+)\s+hundred(?:\s+(?:and\s+)?(.+))?", s, re.IGNORECASE)
    if hm and hm.group(1).lower() in _UNITS:  # 'Three hundred sixty' → 360
        return 100 * _UNITS[hm.group(1).lower()] + (WORDNUM.get(hm.group(2).lower(), 0) if hm.group(2) else 0)
    return int(re.sub(r"[,\u2009\u202f\u00a0 ]", "", s))


# 'Of 71 patients enrolled, 64 were infused': the count that reached the cell infusion, after the enrolled one
INFUSED = re.compile(rf"\b(?:of|among)\s++(?:the\s++|all\s++)?{INT}\s++(?:{NOUNS})\s++(?:\w+\s++)?(?:enrolled|screened|"
                     rf"registered|apheresed|leukapheresed|included|consented|infused|treated)\s*+,\s*+{NB}(?P<n>{INT})\s++"
                     rf"(?:patients\s++)?(?:were\s++|was\s++)?(?P<verb>infused|treated|dosed|evaluable|assessable|analy[sz]ed|"
                     rf"received\s++(?:CAR|the\s++infusion|an?\s++infusion)\w*)",
                     re.IGNORECASE)
# ... or the enrolled count first: 'Twenty-eight patients were enrolled; 25 received CAR T cells'
INFUSED_LATER = re.compile(rf"\b(?:enrolled|screened|registered|apheresed|leukapheresed|consented)\s*+[;,]\s*+"
                           rf"(?:and\s++|of\s++whom\s++|of\s++these,?\s++)?{NB}(?P<n>{INT})\s++(?:patients\s++)?"
                           rf"(?:were\s++|was\s++)?(?P<verb>infused|treated|dosed|received\s++(?:CAR|the\s++infusion|"
                           rf"an?\s++infusion)\w*)", re.IGNORECASE)


def sample_sizes(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    seen: set[int] = set()
    for m in N_EQUALS.finditer(text):
        after = text[m.end():m.end() + 14]
        if re.match(rf"\s*(?:[,;]\s*{NUM}\s?%|%|\s*\()", after):
            continue  # (n = 5, 13%): a count of an outcome
        if re.search(r"(?:%(?:\s*+of\s++(?:the\s++)?[\w-]++)?|\d)\s*+[(\[]\s*+$", text[max(0, m.start() - 40):m.start()]):
            continue  # '27.1% of patients (n = 13)', 'doses of 20 (n = 7) and 40 (n = 24)': the count behind a value
        n = _int(m.group("n"))
        s_start, _ = doc.sentence(m.start())
        cs = clause_start(text, m.start(), s_start)
        pop = None
        pstart = m.start()
        if cs > s_start and text[cs - 1] == "(":
            close = balanced_close(text, cs - 1)
            if close is not None:
                pm = re.search(r"(?<![\w\-+/])((?:[A-Za-z][\w\-+/]*+\s++){0,3}[A-Za-z][\w\-+/]*+)\s*$",
                               text[s_start:cs - 1])  # from a word's start, each read once
                if pm:
                    pop = pm.group(1)
                    words = pop.split()
                    while words and words[0].lower() in ADJ_DENY | {"compared", "between", "among"}:
                        words.pop(0)
                    pop = " ".join(words) or None
        fields: dict[str, Any] = {"n": n, "population": pop}
        key = n
        if key in seen:
            continue
        seen.add(key)
        out.append(make("sample_size", fields, text, pstart, m.end(), 0.8, "sample_size.n_equals"))
    later = INFUSED_LATER.finditer(text) if doc.has("enrolled", "screened", "registered", "apheresed", "consented") else ()
    for im in [*INFUSED.finditer(text), *later]:
        n = _int(im.group("n"))
        if n not in seen:
            seen.add(n)
            out.append(make("sample_size", {"n": n, "population": im.group("verb")}, text, im.start("n"), im.end(), 0.8,
                            "sample_size.infused"))
    for nm in NOUN.finditer(text):
        if nm.start() and (text[nm.start() - 1].isalnum() or text[nm.start() - 1] == "-"):
            continue
        lo = max(0, nm.start() - 70)
        if not ANY_COUNT.search(text, lo, nm.start()):
            continue  # no digit and no number word before the noun: the big pattern cannot match (speed)
        m = COUNT_BEFORE.search(text, lo, nm.start())
        if m is None:
            continue
        adj = m.group("adj").split()
        if any(w.lower() in ADJ_DENY for w in adj):
            continue
        before = text[max(0, m.start() - 25):m.start()]
        if NOT_SAMPLE_BEFORE.search(before):
            continue
        if OUTCOME_VERB_AFTER.match(text[nm.end():nm.end() + 40]) and not (
                TOTAL_BEFORE.search(before) and not re.match(r"\s*[(\[]\s*[\d.·]+\s?%\s*[)\]]", text[nm.end():nm.end() + 20])):
            continue  # 'In total, 101 patients (91% ...)' and 'The 65 participants had ...' are the cohort
        if re.match(r"\s*[-‐]\s*(?:year|month|day)", text[m.end("n"):m.end("n") + 8]):
            continue
        n = _int(m.group("n"))
        if n == 0 or (re.fullmatch(r"(?:19|20)\d\d", m.group("n")) and not adj):
            continue
        prev = text[max(0, m.start() - 25):m.start()]
        if nm.group().lower() in ("controls", "cases") and (
                not m.group("n")[0].isdigit()
                or (re.search(r"[,:;]\s*$", prev) and not re.search(rf"(?:{NOUNS})\s*[,;]\s*$", prev, re.IGNORECASE))):
            continue  # 'two non-irradiated controls', 'UIP, 15 cases; NSIP, 16 cases': groups, not a sample
        if n in seen:
            continue
        seen.add(n)
        pop = " ".join(adj + [nm.group()])
        out.append(make("sample_size", {"n": n, "population": pop}, text, m.start(), nm.end(), 0.75,
                        "sample_size.count"))
    return out


def designs(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    seen: set[str] = set()
    for value, rx in DESIGNS:
        if not doc.has(*PREFILTER[value]):
            continue
        for m in rx.finditer(text):
            before = text[max(0, m.start() - 40):m.start()]
            if NEGATIVE_CONTEXT.search(before) or NEEDED_AFTER.match(text, m.end(), m.end() + 60):
                continue
            ss, se = doc.sentence(m.start())
            if (doc.general(m.start()) and not OWN.search(text, ss, se)) or LITERATURE.search(text, ss, se):
                continue  # 'up to 30% may develop ICANS, according to registry data': not this study's design
            v = value
            if value == "phase":
                a = m.group("a").lower()
                b = m.group("b").lower() if m.group("b") else None
                ai = int(a) if a.isdigit() else _ROMAN.get(a)
                bi = (int(b) if b.isdigit() else _ROMAN.get(b)) if b else None
                if ai is None:
                    continue
                v = f"phase {ai}" if not bi else f"phase {ai}/{bi}"
            if value == "review" and NOT_REVIEW.search(before):
                continue
            if v in seen:
                break
            if any(o.start < m.end() and m.start() < o.end for o in out):
                continue  # 'this phase II trial': one design statement, read once
            seen.add(v)
            conf = 0.85 if value in ("retrospective", "case report", "meta-analysis", "phase") else 0.75
            out.append(make("design", {"value": v, "as_written": m.group(0).strip()}, text, m.start(), m.end(), conf,
                            "design.case_report" if value == "case report" else "design.keyword"))
            break
    return out


def age_group(doc: Doc) -> list[Suggestion]:
    text = doc.text
    hits: list[tuple[int, int, int, str]] = []  # (weight, start, end, category)
    taken: list[tuple[int, int]] = []
    weights: dict[tuple[int, int], int] = {}
    has_adult = doc.has("adult")
    has_ped = doc.has("pediatric", "paediatric", "child", "infant", "adolesc", "juvenile", "neonat")
    passes = []
    if has_adult and (has_ped or doc.has("all ages")):
        passes.append(("mixed", MIXED))
    if doc.has("young adult", "aya"):
        passes.append(("AYA", AYA))
    if has_ped or doc.has("aged", "age <", "age ≤", "age under"):
        passes.append(("pediatric", PEDIATRIC))
    if has_adult or doc.has("aged", "age ≥", "age >", "age over", "elderly", "age of", " ≥", " >", " over "):
        passes.append(("adult", ADULT))
    for cat, rx in passes:
        for m in rx.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            span = doc.sentence(m.start())
            w = weights.get(span)
            if w is None:
                s, e = span
                w = weights[span] = 2 if POPULATION.search(text, s, e) or re.search(
                    r"(?<!\d)\d+\s+(?:\w+\s+){0,2}(?:patients|pts|children|adults)", text[s:e]) else 1
            hits.append((w, m.start(), m.end(), cat))
    for m in YEAR_OLD.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            age = int(m.group(1))
            hits.append((3, m.start(), m.end(), "pediatric" if age < 18 else "adult" if age >= 25 else "AYA"))
    if not hits:
        return []
    top = max(h[0] for h in hits)
    best = sorted(h for h in hits if h[0] == top and True)
    best.sort(key=lambda h: h[1])
    cats = {h[3] for h in best}
    if "mixed" in cats or len(cats - {"mixed"}) >= 2:
        value = "mixed"
    else:
        value = next(iter(cats))
    first = next(h for h in best if h[3] == value) if value in cats else best[0]
    return [make("age_group", {"value": value, "as_written": text[first[1]:first[2]]}, text, first[1], first[2],
                 0.8 if top == 2 else 0.6, "age_group.keyword")]


# the closed list of study designs a curator records, and how the design words map onto it
DESIGN_CLASS = {"case report": "case_report", "case series": "case_series", "randomized controlled trial": "clinical_trial",
                "clinical trial": "clinical_trial", "registered trial": "clinical_trial", "phase": "clinical_trial", "prospective": "prospective_cohort",
                "retrospective": "retrospective_cohort", "registry": "retrospective_cohort", "review": "review",
                "meta-analysis": "review"}
DESIGN_ORDER = ("case_report", "case_series", "clinical_trial", "prospective_cohort", "retrospective_cohort", "review")
OWN_STUDY = re.compile(r"\b(?:we|our|here(?:in)?|this|the\s+present|current)\b", re.IGNORECASE)
OTHERS_STUDIES = re.compile(r"\b(?:trials|studies)\b\s+(?:that|which|have|led|showed|demonstrated)|\bprevious(?:ly)?\b|"
                            r"\bwere\s+(?:excluded|approved)|\bled\s+to\b", re.IGNORECASE)
# the cohort the study treated / analysed: 'In total, 101 patients ... were analyzed', 'The 65 participants',
# 'We examined 96 patients receiving ...', '38 patients treated with ...'
COHORT_CUE = re.compile(r"\b(?:treated|received|receiving|(?:re-?)?infused|underwent|undergoing|enrolled|included|analy[sz]ed|"
                        r"randomi[sz]ed|randomly\s+assigned|"
                        r"we\s+(?:describe|report|present)|"
                        r"evaluated|examined|reviewed|studied|identified|assessed|consecutive|a\s+total\s+of|in\s+total)\b",
                        re.IGNORECASE)
COHORT_PAREN = re.compile(r"\b(?:treated|infused|enrolled|included|analy[sz]ed|evaluated|studied|identified)\s*+\(\s*+$",
                          re.IGNORECASE)
SUBGROUP_CUE = re.compile(r"\b(?:additional|remaining|other|of\s+whom|of\s+these|among\s+them|subgroup|subset|"
                          r"cohort\s+[A-Z0-9]|part\s+[AB12]|arm)\b", re.IGNORECASE)


def _design_class(v: str) -> str | None:
    return DESIGN_CLASS.get("phase" if v.startswith("phase") else v)


def _enumerates_groups(text: str, pos: int) -> bool:
    """`pos` lies in a bracket that holds two or more 'n =' counts."""
    o = text.rfind("(", max(0, pos - 80), pos)
    if o < 0 or ")" in text[o:pos]:
        return False
    c = balanced_close(text, o)
    return c is not None and len(N_EQUALS.findall(text, o, c)) >= 2


def study_level(doc: Doc, sizes: list[Suggestion], design_sugg: list[Suggestion]) -> None:
    """Mark the study's one design (closed list, `design_class`) and its one sample size (`study: True`):
    design words in a sentence about the study itself ("we", "this trial") beat words about other studies;
    then a case report before a case series before a trial before a cohort. The sample size is 1 in a case
    report; else the count with a cohort verb ('treated', 'analyzed', 'a total of') that is not a subgroup,
    the earliest of the best."""
    text = doc.text
    best: tuple[int, int, Suggestion] | None = None
    for s in design_sugg:
        cls = _design_class(str(s.fields.get("value", "")))
        if cls is None:
            continue
        s.fields["design_class"] = cls
        s0, s1 = doc.sentence(s.start)
        own = 0 if OTHERS_STUDIES.search(text, s0, s1) else (2 if OWN_STUDY.search(text, s0, s1) else 1)
        if cls == "case_report" and YEAR_OLD.search(s.text):
            own = 2  # 'A 19-year-old woman ... previously exposed to ...': the case itself, whatever else it says
        if s.fields.get("value") == "registered trial":
            own = min(own, 1)  # weaker than design words the study uses about itself
        rank = (-own, DESIGN_ORDER.index(cls))
        if cls == "review" and own == 2:
            rank = (-own, -1)  # 'We performed a systematic review and meta-analysis of prospective trials': the review
        if best is None or rank < best[:2]:
            best = (rank[0], rank[1], s)
    if best is not None and best[0] == 0:
        best = None  # design words only about other studies ('the phase 1/2 trials that led to approval')
    if best is not None:
        best[2].fields["study"] = True
        best[2].confidence = max(best[2].confidence, 0.85)
    design = best[2].fields["design_class"] if best else None
    if design == "case_report":
        one = next((s for s in sizes if s.fields.get("n") == 1), None)
        if one is None:
            b = best[2]
            one = make("sample_size", {"n": 1, "population": "case report"}, text, b.start, b.end, 0.8,
                       "sample_size.case_report")
            sizes.append(one)
        one.fields["study"] = True
        return
    scored = []
    first_results = next((s for s in sorted(sizes, key=lambda s: s.start) if doc.section(s.start) == "results"), None)
    for i, s in enumerate(sorted(sizes, key=lambda s: s.start)):
        s0, s1 = doc.sentence(s.start)
        win = text[max(s0, s.start - 60):min(s1, s.end + 80)]
        score = 2 * bool(COHORT_CUE.search(win)) - 2 * bool(SUBGROUP_CUE.search(text, max(s0, s.start - 40), s.end))
        if re.search(r"(?i)\bthe\s+$", text[max(0, s.start - 4):s.start]) \
                and not re.search(r"(?i)\b(?:of|in|among)\s+the\s+$", text[max(0, s.start - 12):s.start]):
            score += 1  # 'The 65 participants had ...' ('8 of the 10 affected patients' is a subgroup's)
        if s.rule == "sample_size.n_equals" and _enumerates_groups(text, s.start):
            score -= 2  # '6 centres (US n=4, Spain n=2)': the counts of groups, enumerated in one bracket
        if s.rule == "sample_size.n_equals" and re.search(r"[;,(]\s*$", text[max(0, s.start - 3):s.start]) \
                and not COHORT_PAREN.search(text, max(s0, s.start - 30), s.start):
            score -= 2  # '(ALL; n = 47)': a subgroup of the cohort ('were included (n = 346)' is the cohort)
        if s.rule == "sample_size.infused":
            score += 1  # 'Of 71 patients enrolled, 64 were infused': the treated cohort, not the enrolled one
        scored.append((-score, i, s))
    chosen = None
    if scored:
        scored.sort(key=lambda x: (x[0], x[1]))
        opens = first_results is not None and doc.sentence(first_results.start)[0] <= \
            doc.section_start(first_results.start) + 2
        if -scored[0][0] > 0 or len(scored) == 1 or (opens and -scored[0][0] == 0):
            # no count has a cohort's cue: 'Results: n=58 pts; ...' — the count that opens the results is the cohort's
            chosen = scored[0][2] if -scored[0][0] > 0 or len(scored) == 1 else first_results
            chosen.fields["study"] = True
            chosen.confidence = max(chosen.confidence, 0.85)
            total = _enumerated(doc, chosen)
            if total is not chosen:  # the enumerated total is the study's; the group's own count stays a group
                chosen.fields["study"] = False
                sizes.append(total)
                chosen = total
    if design is None and chosen is not None:
        # the design is not named: an analysis of the study's own treated patients is a retrospective cohort
        # (a handful the authors 'report' or 'describe' is a case series)
        s0, s1 = doc.sentence(chosen.start)
        n = chosen.fields.get("n") or 0
        if n <= 10 and REPORTED.search(text, s0, s1):
            value, cls = "case series", "case_series"
        elif ANALYSIS.search(text, s0, s1):
            value, cls = "retrospective", "retrospective_cohort"
        else:
            return
        design_sugg.append(make("design", {"value": value, "as_written": None, "design_class": cls, "study": True},
                                text, chosen.start, chosen.end, 0.5, "design.not_named"))


# 'a patient with myeloma and three patients with ALL': the study's patients enumerated by group, summed
# (blank runs read once, possessively; a group's words open and end with a non-blank, so a run of blanks is not
# re-split between them and the blanks around 'with'/'and')
_ENUM_ITEM = rf"(?:\b(?:a|an|one)\s++patient|{NB}(?P<{{0}}>\d++|\b(?:{'|'.join(sorted(WORDNUM, key=len, reverse=True))}))\s++(?:patients|pts))"
_ENUM_GROUP = r"(?=[^\s,;.()\d])[^,;.()\d]{1,80}?(?<=\S)"
ENUM_BEFORE = re.compile(_ENUM_ITEM.format("k") + rf"\s++with\s++{_ENUM_GROUP}\s++and\s++$", re.IGNORECASE)
ENUM_AFTER = re.compile(rf"\s++with\s++{_ENUM_GROUP}\s++and\s++" + _ENUM_ITEM.format("k") + r"\s++with\b",
                        re.IGNORECASE)


def _enumerated(doc: Doc, chosen: Suggestion) -> Suggestion:
    """The chosen sample size plus the other groups enumerated beside it in the same phrase."""
    text = doc.text
    s0, s1 = doc.sentence(chosen.start)
    if not re.match(r"\s+with\b", text[chosen.end:chosen.end + 6]):
        return chosen
    bm = ENUM_BEFORE.search(text, max(s0, chosen.start - 100), chosen.start)
    am = ENUM_AFTER.match(text, chosen.end, s1)
    m = bm or am
    if m is None:
        return chosen
    k = _int(m.group("k")) if m.group("k") else 1
    start, end = (m.start(), chosen.end) if bm else (chosen.start, m.end() - len(" with"))
    return make("sample_size", {**chosen.fields, "n": chosen.fields["n"] + k}, text, start, end, chosen.confidence,
                "sample_size.enumerated")


REPORTED = re.compile(r"\bwe\s+(?:report|describe|present)(?:ed|d)?\b", re.IGNORECASE)
ANALYSIS = re.compile(r"\b(?:analy[sz]\w*|studied|examined|evaluated|reviewed|investigated|assessed|cohort|pooled|"
                      r"consecutive)\b", re.IGNORECASE)


def find(doc: Doc) -> list[Suggestion]:
    sizes, design_sugg = sample_sizes(doc), designs(doc)
    study_level(doc, sizes, design_sugg)
    doc._design_class = next((s.fields["design_class"] for s in design_sugg if s.fields.get("study")), None)  # type: ignore[attr-defined]
    return sizes + design_sugg + age_group(doc)


def study_design(doc: Doc) -> str | None:
    """The study's one design on the closed list (what `find` marks with `study`), read once per text: other rules
    read a case's timeline and complications differently from a cohort's."""
    if not hasattr(doc, "_design_class"):
        find(doc)
    return doc._design_class  # type: ignore[attr-defined]


def one_case(doc: Doc) -> bool:
    """The text reports one patient (a case report)."""
    return study_design(doc) == "case_report"
