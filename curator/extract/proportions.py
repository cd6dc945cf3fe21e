"""Percentages of patients that are not an endpoint rate: incidences, treatment use, cohort composition.

Every percentage the other rules leave unexplained is read as a share of patients unless its shape says
otherwise. Kind `proportion`, fields: percent, count / denominator when written, what (the words naming it
when they are clear: the phrase after "had / received / developed / achieving ...", or "of patients ...").

Shapes read (rule names)
  proportion.count        n (x%)   n patients (x%)   Six patients (5%)   (n = 17; 37.8%)
  proportion.fraction     n/N (x%)   n of N patients (x%)   (the three numbers must agree)
  proportion.percent      x% of patients ...   in x%   34% received X   (2% grade ≥3)
  proportion.respectively (94, 80, and 51%, respectively): a list of numbers sharing one trailing %
Not a percentage of patients (left alone): a CI level or a CI bound, a range (40–80%), a threshold
(≥ 5%, < 10%), a change or difference (decreased by 30%, a 20% reduction), a share of cells or of a lab
value (% of CD3+, 80% blasts), a percentage inside a comparison (the comparison rules own it).
"""

from __future__ import annotations

import re
from typing import Any

from curator.extract.cohort import WORDNUM
from curator.extract.context import LITERATURE, Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import CI_BODY, NUMB, share_agrees, to_float
from curator.extract.subjects import clause_start

_WORDS = "|".join(sorted((w for w in WORDNUM if " " not in w), key=len, reverse=True))
COUNT = rf"(?:\d+|(?i:\b(?:{_WORDS})))"
# 'x%', 'x percent', 'x per cent', and a number in words: 'Sixty-eight per cent'
_WORDS_ALL = "|".join(sorted(WORDNUM, key=len, reverse=True))
PCT_WORDS = re.compile(rf"(?:(?P<v>{NUMB})|(?P<w>(?i:\b(?:{_WORDS_ALL}))))(?:\s?%|\s(?i:per\s?cent|percent)\b)")
PCT = re.compile(rf"(?P<v>{NUMB})\s?%(?P<w>)")  # the common case, fast (no number words to try at each position)
CI_RE = re.compile(CI_BODY, re.IGNORECASE)
# 'n (x%)', 'n patients (x%)', 'n of N patients (x%)', 'n/N (x%)', '(n = 17; 37.8%)' — written before the %
BEFORE = re.compile(
    rf"(?:(?<![\d.·,])(?P<a>\d++|{COUNT})(?:\s*+(?:/|of|out\s+of)\s*+(?P<b>\d++))?(?:\s+(?:[A-Za-z-]+\s+){{0,2}}?"
    rf"(?:patients?|pts|children|adults|subjects|participants|cases|recipients|individuals))?\s*+[(\[]\s*+"
    rf"|\bn\s*=\s*(?P<a2>\d++)\s*[;,]\s*)$", re.IGNORECASE)
# ... or behind it: '27.1% of patients (n = 13)', '45% (9/20)'
AFTER = re.compile(r"\s*+(?:of\s++(?:the\s++)?(?:patients|pts|children|adults|subjects|participants|recipients)\s*+)?[(\[]\s*+"
                   r"(?:[nN]\s*+=\s*+(?P<a>\d++)|(?P<a2>\d++)\s*+/\s*+(?P<b>\d++))\s*+[)\]]")
NOT_PATIENTS_AFTER = re.compile(  # the blank run read once: only the last branch may open with one
    r"\s*+(?:CI\b|C\.I\.|confidence|credible|(?:of\s+)?(?:the\s+)?(?:cells?|CD\d|CAR\+|blasts?|lymphocytes|"
    r"T[- ]cells|predicted|pred\b|increase|decrease|reduction|decline|rise|higher|lower|more|less|greater|change|"
    r"sensitivity|specificity|accuracy|binding|of\s+(?:the\s+)?(?:all\s+)?"
    r"(?:baseline|normal|upper|ULN|maximum|dose|infections|events|AEs?|adverse\s+events|isolates|samples|strains|"
    r"specimens|genes|costs|sites|lesions|tissues?|it|them)\b|inhibition|yield|glucose|w/v|v/v|solution|"
    r"concentration|confluence|identity|homology|power)|vs\.?\b|versus\b|"
    r"v\.\s|compared\b|to\s+\d|[-–—]\s?\d|\s*(?:and|or)\s+\d[\d.]*\s?%\s*(?:vs|versus))", re.IGNORECASE)
NOT_PATIENTS_BEFORE = re.compile(
    r"(?:[<>≤≥⩽⩾=±~≈≃]|\byields?\s*+(?:of\s++)?|\bvs\.?|\bversus|\bv\.|\bby|\bof\s++(?:about\s++)?(?:a\s++)?(?:median\s++)?|\bwithin|\bthan|"
    # 'rose to 40%' is a level; 'was given to 58%' is the share of patients given it
    r"(?<!given\s)(?<!administered\s)(?<!offered\s)(?<!provided\s)(?<!delivered\s)\bto|\bfrom|\bup\s+to|"
    r"\d\s?%?\s?(?:[-–—]|to)|\bCI\b[^)]{0,12}|\bIQR\b[^)]{0,12}|\brange\b[^)]{0,12}|"
    # a lab or tissue measure right before it: '(marrow blasts 62%)', 'LVEF 35%', 'CD19 expression 80%'
    r"\b(?:blasts?|cells?|expression|chimerism|saturation|SpO2|LVEF|EF|h(?:a)?ematocrit|positivity|involvement|"
    r"infiltration|cellularity))\s*+$", re.IGNORECASE)  # blank runs read once
CHANGE_BEFORE = re.compile(r"\b(?:reduc\w*|decreas\w*|increas\w*|declin\w*|drop\w*|rose|fell|improv\w*|chang\w*|"
                           # HR/OR/RR in capitals only: the word 'or' is no odds ratio ('VGPR or better in 70%')
                           r"differen\w*|ratio|(?-i:HR|OR|RR)|sensitivity|specificity|accuracy|AUC|PPV|NPV|"
                           r"(?:positive|negative)\s+predictive\s+value)\b[^%;()]{0,20}$", re.IGNORECASE)
# a diagnostic accuracy or a variability is a percentage of tests, not of patients
ACCURACY_BEFORE = re.compile(r"\b(?:sensitivit(?:y|ies)|specificit(?:y|ies)|accuracy|AUC|PPV|NPV|predictive\s+values?|"
                             r"coefficients?\s+of\s+variation|CV)\b[^.;%]*$", re.IGNORECASE)
ONLY_NUMBERS_LIST = re.compile(
    rf"(?<!,)(?<!,\s)(?P<items>(?:{NUMB}\s*+%?\s*+,\s*+)++(?:(?:and|or)\s+)?{NUMB})\s?%\s*,?\s*respectively",
    re.IGNORECASE)
WHAT_AFTER = re.compile(
    r"\s*+(?:(?:\)|\])\s*+)?(?:of\s++(?:the\s++)?(?:patients|pts|children|adults|subjects|participants|cases|recipients)"
    r"\s*+)?(?:who\s++)?(?P<verb>had|received|developed|experienced|achieved|achieving|required|were\s+treated\s+with|"
    r"treated\s+with|underwent|presented\s+with|died|were|was)\s+(?P<what>[^,;.()]{2,60}?)(?=\s*(?:[,;.()]|$|\band\b))",
    re.IGNORECASE)


# an agent named before the count it was given to: 'Tocilizumab was given to 38 patients (63%)', '... and
# corticosteroids to 21 (35%)' (the second after a first in the same sentence); the words are read once (possessive)
GIVEN_TO = re.compile(r"(?<![\w-])(?!(?:and|or|but|while|whereas|then)\b)(?P<agent>[A-Za-z][\w-]*+(?:\s++[A-Za-z][\w-]*+){0,2}?)\s++(?:was|were)\s++(?:\w+ly\s++)?"
                      r"(?:given|administered|used|required)\s++(?:to|in|by)\s++(?:a\s++total\s++of\s++|all\s++(?:the\s++)?"
                      r"(?:[\w-]++\s++)?(?:patients|pts|children|adults)\s*+[(\[]\s*+)?$", re.IGNORECASE)
GIVEN_TO_NEXT = re.compile(r"\band\s++(?P<agent>[A-Za-z][\w-]*+(?:\s++[A-Za-z][\w-]*+){0,2}?)\s++(?:to|in)\s++$",
                           re.IGNORECASE)


def _given_to(doc: Doc, start: int, given: set[tuple[int, int]]) -> re.Match[str] | None:
    text = doc.text
    s0, _ = doc.sentence(start)
    gm = GIVEN_TO.search(text, max(s0, start - 90), start)
    if gm is not None:
        given.add(doc.sentence(start))
        return gm
    if doc.sentence(start) in given:
        return GIVEN_TO_NEXT.search(text, max(s0, start - 60), start)
    return None


# the clause is about one agent's use: 'Corticosteroid use (n = 48, 40%)', 'Use of tocilizumab: 72 patients (60%)',
# 'the proportion of patients receiving dexamethasone was 45%'; or the agent follows a share in a list whose first
# share was received ('60 (50%) received corticosteroids and 72 (60%) tocilizumab')
USE_CUE = re.compile(r"\b(?:use|used|usage|receiv\w*|given|administ\w*|required|requiring|exposure|treated\s+with)\b",
                     re.IGNORECASE)


def _agent_of_clause(doc: Doc, start: int, end: int) -> str | None:
    text = doc.text
    s0, s1 = doc.sentence(start)
    nxt = next((h for h in doc.drugs if end <= h.start <= end + 3 and h.start < s1), None)
    if nxt is not None and re.search(r"\breceived\b", text[s0:start]) and re.search(r"\band\s++[^,;.]{0,25}$", text[s0:start]):
        return nxt.as_written  # '... and 72 (60%) tocilizumab'
    cs = clause_start(text, start, s0)
    if cs > s0 and text[cs - 1:cs] in "([":
        cs = clause_start(text, cs - 1, s0)  # the share in the bracket after its agent ('Corticosteroid use (n = 48, 40%)')
    hits = [h for h in doc.drugs if cs <= h.start < start and h.entry.get("role") != "lymphodepletion"]
    if len({h.entry_id for h in hits}) == 1 and USE_CUE.search(text, cs, end):
        return hits[0].as_written
    return None


def _int(s: str) -> int | None:
    s = s.strip().lower()
    if s.isdigit():
        return int(s)
    return WORDNUM.get(s)


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans that hold percentages that are not shares of patients: CIs."""
    return [(m.start(), m.end()) for m in CI_RE.finditer(text)] if "ci" in text.lower() or "confidence" in text.lower() \
        else []


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    if "%" not in text and not doc.has("percent", "per cent"):
        return []
    if not doc.has("patient", "participant", "subject", "case", "child", "adult", "recipient", "people", "women",
                   "men ", "individuals", "cohort", "pts"):
        return []  # a percentage of patients needs patients: yields, isolates and concentrations are not
    out: list[Suggestion] = []
    prot = _protected(text)
    done: set[int] = set()
    given: set[tuple[int, int]] = set()  # sentences where an agent was named before the count it was given to

    # (94, 80, and 51%, respectively): one % for a list of numbers
    if "respectively" in doc.lower:
        for m in ONLY_NUMBERS_LIST.finditer(text):
            items = list(re.finditer(NUMB, m.group("items")))
            if len(items) < 2:
                continue
            base = m.start("items")
            for k, it in enumerate(items):
                s, e = base + it.start(), base + it.end()
                if k == len(items) - 1:
                    e = m.end("items") + (text[m.end("items"):m.end()].index("%") + 1)  # the shared '%'
                f = {"percent": to_float(it.group()), "count": None, "denominator": None, "what": None}
                sug = make("proportion", f, text, s, e, 0.6, "proportion.respectively")
                sug.anchor = base + it.end()
                done.add(base + it.end())
                out.append(sug)
            done.add(m.end("items"))

    for m in (PCT_WORDS if doc.has("percent", "per cent") else PCT).finditer(text):
        vg = "v" if m.group("v") else "w"
        vs, ve = m.start(vg), m.end()
        if m.end(vg) in done or any(s <= vs < e for s, e in prot):
            continue
        if NOT_PATIENTS_AFTER.match(text, ve):
            continue
        before = text[max(0, vs - 40):vs]
        tail = before.rstrip()[-1:]
        bm = BEFORE.search(before) if tail in ("(", "[", ";", ",") else None  # the count sits before '(' or ';'
        if bm is None and NOT_PATIENTS_BEFORE.search(text[max(0, vs - 25):vs]):
            continue
        if CHANGE_BEFORE.search(text[max(0, vs - 30):vs]) or ACCURACY_BEFORE.search(text, max(0, vs - 70), vs):
            continue
        if (lm := LITERATURE.search(text, ve, min(len(text), ve + 60))) and not re.search(r"[,;.]", text[ve:lm.start()]):
            continue  # 'the low rate (2%) of grade 4 CRS in other series': another study's share
        v = to_float(m.group("v")) if m.group("v") else float(WORDNUM[m.group("w").lower()])
        if v > 100:
            continue
        f: dict[str, Any] = {"percent": v, "count": None, "denominator": None, "what": None}
        start, rule, conf = vs, "proportion.percent", 0.55
        if bm is not None:
            a = _int(bm.group("a") or bm.group("a2") or "")
            b = int(bm.group("b")) if bm.group("b") else None
            if a is not None and share_agrees(a, b, v) \
                    and (b is not None or a == 0 or v == 0 or a * 100 / v < 1e6):
                f["count"], f["denominator"] = a, b
                start = vs - (len(before) - bm.start())
                rule, conf = ("proportion.fraction" if b else "proportion.count"), 0.7
        end = ve
        am = AFTER.match(text, ve) if bm is None else None
        if am is not None:
            a, b = int(am.group("a") or am.group("a2")), int(am.group("b")) if am.group("b") else None
            if share_agrees(a, b, v):
                f["count"], f["denominator"] = a, b
                end, rule, conf = am.end(), ("proportion.fraction" if b else "proportion.count"), 0.7
        wm = WHAT_AFTER.match(text, ve) if end == ve else None
        if wm:
            f["what"] = f"{wm.group('verb').lower()} {wm.group('what').strip()}"
            end = wm.end()
        elif (gm := _given_to(doc, start, given)) is not None:
            # 'Tocilizumab was given to 38 patients (63%) and corticosteroids to 21 (35%)', 'Tocilizumab was required
            # in 58% of patients': the agent comes first
            f["what"] = f"received {gm.group('agent').strip()}"
            start = gm.start("agent")
        elif (agent := _agent_of_clause(doc, start, end)) is not None:
            f["what"] = f"received {agent}"  # 'Corticosteroid use (n = 48, 40%)', '... and 72 (60%) tocilizumab'
        if not wm and text[ve:ve + 1] in ")]" and text.count("(", start, ve) > text.count(")", start, ve):
            end = ve + 1
        kind = "proportion"
        if wm:
            # '46% achieving complete responses': a response (or survival) rate is kind rate, with its endpoint
            ep = next((h for h in doc.endpoints if wm.start("what") <= h.start and h.end <= wm.end("what")), None)
            if ep is not None:
                kind = "rate"
                f = {"endpoint": ep.canonical, "value": v, "unit": "%", "ci_low": None, "ci_high": None,
                     "ci_level": None, "horizon": None, "percent": v, "count": f["count"],
                     "denominator": f["denominator"], "what": f["what"]}
                rule = rule.replace("proportion.", "rate.")
        sug = make(kind, f, text, start, end, conf, rule)
        sug.anchor = m.end(vg)
        out.append(sug)
    return out
