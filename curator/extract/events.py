"""Timeline events (case reports): what happened on which day relative to CAR-T infusion (day 0).

Rules
  event.passive   Emapalumab was initiated on day +11          → "emapalumab initiated", 11
  event.phrase    ... and full neurological recovery by day +21  → "full neurological recovery", 21
  event.clause    CRS developed on day 7                         → "CRS developed", 7
  event.after     On day +8, while afebrile, he developed fever  → "he developed fever", 8 (the day heads its clause)
  event.value     ferritin rose from 2140 ng/mL on day +4 to ... → "ferritin 2140 ng/mL", 4 (a value read on a day
                  of a case's timeline, or on a signed day)
  event.same_day  ... on day +2, when he received tocilizumab    → "he received tocilizumab", 2; and in a sentence the
                  day heads, a further ', and X was started' with no time of its own
  event.days      Tocilizumab was given on days +32 and +33      → two points, 32 and 33; a list ('on days +2, +3 and
                  +4') likewise, in a case report only (a cohort's 'days 1, 8 and 15' or 'days +3, +7 and +14' is a schedule)
  event.window    fludarabine on days −5 to −3                   → its start and its end
  event.elapsed   12 days after infusion / on the 5th day        → 12 / 5
Days are stored as the paper states them (+11 → 11, −5 → -5). A signed day is a point of a case's timeline, never
a dosing schedule ('cyclophosphamide 1 g/m2 on day +61'); unsigned days after a dose outside a case report are a
schedule ("days 1 and 8", "mg/m2 on day 1"), and so is a frequency ending at a day ("daily through day 14").
Neither are the shapes of a cohort's assessment horizon or observation window (`horizon`): a day naming an outcome
measure ("CR rate at day 28", "Day-90 response", "non-relapse mortality at day 100"), a cohort statement with its
share ("infections occurred in 30% of patients by day 180"), a median or mean day ("median onset of CRS was day 3":
a median), or what the study did to observe ("followed up until day 90", "response was evaluated on day 28",
"evaluable at day 30"). An examination or a reading on a day ("a bone marrow examination on day +60 showed ...")
is an event in a case report or case series (the design as curator.extract.cohort.study_design decides it) and a
horizon in a cohort. A day written as a noun's modifier ("a day-3 IL-6", "the day 28 evaluation") is not an event.
"""

from __future__ import annotations

import itertools
import re

from curator.extract import cohort
from curator.extract.context import Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import NUMB, UNIT
from curator.extract.subjects import LOOKBACK, depth0

# (a day followed by another day is a range or a list, read by WINDOW or left alone; 'day 4 to 38 600 ng/mL' is a
# day followed by a value, not by a day: _NOT_VALUE follows a day number)
_NOT_VALUE = r"(?![.,·]?\d|\s?\d{3}\b|\s?(?:[pnµμmk]?g\b|[pnµμmk]?g/|U/|IU|copies|cells|[µμm]?mol|×|x\s?10))"
DAY = re.compile(
    r"[Dd](?<![\w][Dd])(?:ay\s*(?P<sign>[+\-−‐])?\s?(?P<d>\d{1,3})|\s?(?P<sign2>[+\-−])\s?(?P<d2>\d{1,3}))\b"
    rf"(?!\s*(?:and|or|,|-|–|to)\s*(?:day\s*)?[+\-−]?\d{{1,3}}{_NOT_VALUE})(?!\s*%)(?![.·]\d)")
PREP = re.compile(r"\b(?P<prep>on|by|at|from|until|through|till|since|starting|beginning|after|before|as\s+of|around)"
                  r"\s+(?:(?:post[- ]?[A-Za-z]+|pre[- ]?[A-Za-z]+|CAR[- ]?T|hospital|illness|disease|study|treatment)"
                  r"\s+)?$", re.IGNORECASE)
RESTATED = re.compile(r"\b[Dd]ay\s*[+\-−‐]?\s?\d{1,3}\s*[(\[,]\s*$")
_VERBISH = re.compile(r"\b(?:was|were|is|are|had|has|have|been|developed|received|underwent|started|initiated|"
                      r"resolved|recovered|occurred|\w+ed|"
                      # the irregular past tenses a case's course is told in ('his blast count fell')
                      r"fell|rose|began|became|grew|went|led|took|gave|came|lost|kept|ran|fought)\b", re.IGNORECASE)
BOUNDARY = re.compile(r"(?:,(?!\d{3}(?!\d))\s*(?:resulting\s+in|leading\s+to|followed\s+by|with|and|which|while|after|before|"
                      r"when|but)?|;|\band\b|\bresulting\s+in\b|\bleading\s+to\b|\bfollowed\s+by\b|\bwith\b|"
                      r"\bwhich\b|\bwhile\b|\bwhen\b|\bbut\b|\bthen\b|:)\s*", re.IGNORECASE)
# (the subject ends at a non-blank and the blank run after it is read once: possessive)
PASSIVE = re.compile(r"^(?P<subj>.+?)(?<=\S)\s++(?:was|were|had\s++been|has\s++been|is|are|got)\s++(?:\w+ly\s++)?"
                     r"(?P<verb>[a-z]+(?:ed|en|un|iven|egun))\b(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
# (a mass per volume or a mass in a denominator is a concentration, not a dose: 'mg/dL', 'copies/µg DNA')
SCHEDULE_BEFORE = re.compile(r"(?:(?<![A-Za-z/])(?:mg|g|µg|μg|IU)\b(?!\s?/\s?[dmµμ]?[lL]\b)|/kg|/m2|m\(2\)|/m²|\bdose[sd]?|\bcycles?)\s*(?:\w+\s*){0,2}$",
                             re.IGNORECASE)
LEAD = re.compile(r"^(?:the|a|an|and|then|finally|subsequently|thereafter|however|his|her|their|its|"
                  r"patient's)\s+", re.IGNORECASE)


# 'developed grade III CRS 163 days after CART administration', 'on the 8th day after infusion': a day counted
# from the infusion, written as an elapsed time or an ordinal
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
        "ninth": 9, "tenth": 10}
INFUSION = r"(?:[^.;]{0,120}?\b(?:infusion|administration|reinfusion|CAR[- ]?T(?:[- ]cells?)?|CARTs?|cell\s+therapy)\b)"
_DAYW = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
         "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30}
# (a count of days in words too: 'Twelve days after CAR-T cell infusion')
DAYS_AFTER = re.compile(rf"(?<![\w.,·/-])(?:(?P<d>\d{{1,3}})|(?P<dw>(?i:{'|'.join(_DAYW)})))\s+days?\s+(?:after|post|following)"
                        rf"(?:\s++|-)"  # ('5 days post-infusion')
                        rf"(?P<ref>{INFUSION})",
                        re.IGNORECASE)
ORDINAL_DAY = re.compile(rf"\b(?P<prep>on|by|at)\s+(?:the\s+)?(?:(?P<d>\d{{1,3}})(?:st|nd|rd|th)|(?P<w>{'|'.join(_ORD)}))"
                         rf"\s+day\b(?:\s+(?:after|post|following)\s+(?P<ref>{INFUSION}))?", re.IGNORECASE)
WINDOW_BEFORE = re.compile(r"\b(?:within|first|by|at|until|up\s+to|between|to|through|over|beyond|than|median\s+of|"
                           r"mean\s+of|\d\s*(?:-|–|to|and))\s*$", re.IGNORECASE)


_D = r"(?P<{0}>[+\-−‐]?\s?\d{{1,3}})"
# 'on days −5 through −3', 'from day 0 (before axi-cel) through day 2', 'during day 6 and day 20': a stated window
WINDOW = re.compile(
    rf"\b(?P<pre>from\s+|between\s+|during\s+|on\s+)?(?:[Dd]ays?\s*|D(?=[+\-−‐]))"  # 'days −5 to −3', 'D-5 to D-3'
    rf"{_D.format('a')}(?![\d%]|[.·]\d)\s*"
    rf"(?:\((?P<note>[^()]{{0,40}})\)\s*)?(?P<join>through|to|until|and|[-–—])\s*(?:[Dd]ay\s*|D(?=[+\-−‐]))?{_D.format('b')}(?![\d%]|[.·]\d){_NOT_VALUE}")
# 'on days +2, +3 and +4': a list of days, points of a case's timeline (at most ten, read possessively)
_DL = r"[+\-−‐]?\s?\d{1,3}(?!\d|[.·]\d)"
DAY_LIST = re.compile(rf"\b(?P<pre>on\s+)?[Dd]ays\s*+(?P<items>{_DL}(?:\s*+,\s*+{_DL}){{1,8}}+\s*+,?\s*+and\s*+{_DL})"
                      rf"(?![\d%]|[.·]\d){_NOT_VALUE}")
# ('followed by CAR T cells' is what came next, not an observation: only 'followed up / for / until' observes)
OBSERVATION = re.compile(r"\b(?:evaluat\w*|assess\w*|analy[sz]\w*|monitor\w*|follow[- ]?ups?|followed\s+(?:up|for|until|through)|"
                         r"collect\w*|measur\w*|studied|"
                         r"examined|recorded|counted|censor\w*|window|period)\b", re.IGNORECASE)


# what a cohort measures at a horizon: the day names when it was read, not an event that happened on it
OUTCOME = re.compile(r"\b(?:rates?|response|responses|respond\w*|remission|CRs?|ORRs?|PRs?|VGPRs?|MRD|mortality|NRM|"
                     r"survival|OS|PFS|EFS|DFS|incidences?|cumulative|proportion|percentage|prevalence|landmark|"
                     r"assessment|evaluation|visit|follow[- ]?up)\b", re.IGNORECASE)
# 'Day 30 response', 'day-90 CR rate': the day written as a modifier of an outcome noun (the words between are
# the noun's own modifiers: not a verb, an article or a preposition — 'on day +60 showed an MRD-negative CR' is
# a day something was found)
# (a word starts after a non-letter and is read whole, possessively: a long run of letters is read once)
_MOD_WORD = (r"(?<![A-Za-z-])(?!(?:a|an|the|was|were|is|are|had|has|have|and|or|with|of|in|on|at|by|to|for|from|"
             r"showed|shows|revealed|confirmed|demonstrated|achieved|[A-Za-z-]+ed)\b)[A-Za-z-]++\s+")
DAY_MODIFIER = re.compile(rf"\s*(?:{_MOD_WORD}){{0,2}}?(?:rates?|response|responses|remission|CRs?|ORRs?|MRD|mortality|"
                          r"NRM|survival|OS|PFS|EFS|assessment|evaluation|visit|landmark)\b", re.IGNORECASE)
# an examination on a day: in a cohort the day it is read (a horizon: 'PET/CT at day 28', 'a bone marrow
# examination on day 28 showed MRD negativity in 80%'); in a case report, a point of the patient's timeline
EXAM = re.compile(r"\b(?:examinations?|biops(?:y|ies)|aspirat\w*|PET(?:[/-]CT)?|MRI|CT|imaging|scans?|restaging|"
                  r"bone\s+marrow|evaluations?|assessments?)\b", re.IGNORECASE)
DAY_EXAM = re.compile(rf"\s*(?:{_MOD_WORD}){{0,2}}?(?:PET(?:[/-]CT)?|bone\s+marrow|MRI|CT|imaging|biopsy)\b",
                      re.IGNORECASE)
COHORT_SHARE = re.compile(r"%|\bper\s*cent|\bpercent|\b\d+\s+(?:of\s+\d+\s+)?(?:patients|pts|subjects|children|adults|cases)\b|"
                          r"\b\d+\s*/\s*\d+\b|\b(?:median|mean|average)\b", re.IGNORECASE)
# what a study does to observe its patients ('followed up until day 90', 'samples were collected on day 7') ...
OBSERVE = re.compile(r"\b(?:analy[sz]\w*|monitor\w*|followed(?:[- ]up)?|follow[- ]up|collect\w*|censor\w*|enrolled|"
                     r"scheduled|planned)\b", re.IGNORECASE)
# ... and what it reads ('response was evaluated on day 28', 'evaluable at day 30'): outside a case report
READ = re.compile(r"\b(?:evaluat\w*|evaluable|assess\w*|measur\w*|examined|recorded)\b", re.IGNORECASE)


def horizon(text: str, clause_start: int, day_start: int, day_end: int, case: bool = False) -> bool:
    """The day phrase at [day_start, day_end) is a cohort's assessment horizon or observation window, not a
    day on which something happened: the clause before it (from clause_start) names an outcome measure with
    'at'/'by', a cohort's share or a median, or an act of observation; or the day modifies an outcome noun.
    Outside a case report (`case`: one patient's or a few patients' timeline) an examination on a day is
    read as a horizon too."""
    before = text[clause_start:day_start]
    if DAY_MODIFIER.match(text, day_end):
        return True
    if not case and (DAY_EXAM.match(text, day_end) or EXAM.search(before)):
        return True
    if COHORT_SHARE.search(before) or (re.match(r"\s*(?:,\s*)?(?:was|were|of|in)\b", text[day_end:day_end + 12])
                                       and COHORT_SHARE.search(text, day_end, min(len(text), day_end + 40))):
        return True
    if OBSERVE.search(before) or (not case and READ.search(before)):
        return True
    prep = re.search(r"\b(?:at|by|until|through|beyond|after)\s*$", text[max(clause_start, day_start - 12):day_start],
                     re.IGNORECASE)
    return bool(prep and OUTCOME.search(before))


def _windows(doc: Doc, case: bool = False) -> list[Suggestion]:
    """The first and last day of a stated window, each an event (not an observation window of the study); two
    days joined by 'and' ('given on days +32 and +33') are two points of a case's timeline (signed days, or any
    days in a case report). The event is named before the window, or after it when the window heads its clause
    ('On days +3 and +4 she received tocilizumab')."""
    text = doc.text
    out = []
    for m in (*WINDOW.finditer(text), *DAY_LIST.finditer(text)):
        listed = m.re is DAY_LIST
        written = re.findall(_DL, m.group("items")) if listed else [m.group("a"), m.group("b")]
        days = [int(re.sub(r"\s", "", w).replace("−", "-").replace("‐", "-")) for w in written]
        if any(b <= a for a, b in itertools.pairwise(days)):
            continue
        signed = any(re.match(r"[+\-−‐]", w) for w in written)
        timeline = signed or case
        points = (listed or m.group("join") == "and") and (m.group("pre") or "").strip().lower() in ("", "on") \
            and timeline
        if listed and not (points and case):
            continue  # 'on days 1, 8 and 15', '... measured on days +3, +7, +14 and +28' outside a case report: a schedule
        s_start, s_end = doc.sentence(m.start())
        if OBSERVATION.search(text, s_start, s_end) or (
                not timeline and SCHEDULE_BEFORE.search(text[max(0, m.start() - 40):m.start()])):
            continue
        lo = max(s_start, m.start() - LOOKBACK)
        w0 = m.start()
        pm = PREP.search(text, max(lo, w0 - 40), w0)
        w0 = pm.start() if pm else w0
        flat = depth0(text, lo, w0)
        cuts = [0] + [c.end() for c in BOUNDARY.finditer(flat) if c.end() < len(flat.rstrip())]
        if horizon(text, lo + cuts[-1], w0, m.end(), case):
            continue
        desc = _describe(doc, lo + cuts[-1], w0)
        end = m.end()
        if desc is None and not flat.strip() and (pm is not None or text.startswith(",", m.end())):
            after = _after(text, m.end(), case)
            if after:
                desc, end = (after[0], w0, "event.after"), after[2]
        if desc is None:
            continue
        event, start, _rule = desc
        if not timeline and re.search(r"\d", event):
            continue  # 'a density of 0.67 between days 29 and 90': a value over a period, not an event
        for k, (day, w) in enumerate(zip(days, written)):
            if points:
                fields = {"event": event, "day": day, "day_as_written": w.replace(" ", ""), "preposition": "on"}
                out.append(make("event", fields, text, start, end, 0.6, "event.days"))
                continue
            which = "start" if k == 0 else "end"
            fields = {"event": f"{event} ({which})", "day": day, "day_as_written": w.replace(" ", ""),
                      "preposition": "through", "window": which}
            out.append(make("event", fields, text, start, end, 0.55, "event.window"))
    return out


def _elapsed(doc: Doc, taken: list[tuple[int, int]], case: bool = False) -> list[Suggestion]:
    """Events on day N written as 'N days after infusion' or 'on the 8th day'."""
    text = doc.text
    out = []
    for rx in (DAYS_AFTER, ORDINAL_DAY):
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if rx is DAYS_AFTER and WINDOW_BEFORE.search(text, max(0, m.start() - 14), m.start()):
                continue  # 'within 28 days after infusion', 'a median of 6 days after': not a day of an event
            if rx is ORDINAL_DAY and m.group("ref") is None and not doc.has("infusion", "car-t", "car t", "cart"):
                continue
            if m.group("d"):
                day = int(m.group("d"))
            elif m.groupdict().get("dw"):
                day = _DAYW[m.group("dw").lower()]
            else:
                day = _ORD[m.group("w").lower()]
            s_start, _ = doc.sentence(m.start())
            s_start = max(s_start, m.start() - LOOKBACK)
            flat = depth0(text, s_start, m.start())
            cuts = [0] + [b.end() for b in BOUNDARY.finditer(flat) if b.end() < len(flat.rstrip())]
            if horizon(text, s_start + cuts[-1], m.start(), m.end(), case):
                continue
            desc = _describe(doc, s_start + cuts[-1], m.start())
            end = m.end()
            headed = False
            if desc is None and not text[s_start:m.start()].strip():
                # 'On the fifth day after infusion, she developed aphasia': the day opens the sentence, the event
                # follows it (as in event.after)
                tail = re.match(r"(?:\s++(?:cells?|infusion|administration|therapy|reinfusion)\b)*+", text[m.end():])
                after = _after(text, m.end() + tail.end(), case)
                if after:
                    desc, end, headed = (after[0], m.start(), "event.after"), after[2], True
            if desc is None:
                continue
            event, start, _rule = desc
            written = m.group("d") or m.groupdict().get("dw") or m.group("w")
            fields = {"event": event, "day": day, "day_as_written": written, "preposition": "after"}
            out.append(make("event", fields, text, start, end, 0.6, "event.elapsed"))
            if case:
                out += _same_day(doc, end, fields, headed)
    return out


def _lower_first(s: str) -> str:
    """'Emapalumab' → 'emapalumab', but 'IgG', 'CRS', 'IL-6' stay as written."""
    w = s.split(" ", 1)[0]
    if w[:1].isupper() and w[1:].islower() and w[1:].isalpha():
        return s[0].lower() + s[1:]
    return s


def _describe(doc: Doc, seg_start: int, seg_end: int) -> tuple[str, int, str] | None:
    """(event text, where it starts, rule) from the clause before the day phrase."""
    text = doc.text
    seg = text[seg_start:seg_end]
    seg_stripped = seg.rstrip(" ,")
    if not seg_stripped.strip():
        return None
    lead = len(seg) - len(seg.lstrip())
    start = seg_start + lead
    body = seg_stripped.strip()
    while True:
        m = LEAD.match(body)
        if not m:
            break
        body = body[m.end():]
        start += m.end()
    if not body:
        return None
    pm = PASSIVE.match(body)
    if pm and len(pm.group("subj").split()) <= 5 and not pm.group("rest").strip():
        subj = pm.group("subj").strip()
        for h in doc.drugs + doc.products:
            if h.start >= start and h.end <= start + len(subj) + 1:
                subj = h.canonical
                break
        else:
            subj = _lower_first(subj)
        return f"{subj} {pm.group('verb').lower()}", start, "event.passive"
    words = body.split()
    if len(words) > 8:
        return None
    ev = _lower_first(body)
    return ev, start, ("event.clause" if re.search(r"\b\w+ed\b", body) else "event.phrase")


CASE_DESIGNS = ("case_report", "case_series")
# 'a day-3 IL-6 above 100 pg/mL', 'the day 28 evaluation': the day written as a modifier of the noun after it
DETERMINER_BEFORE = re.compile(r"\b(?:a|an|the|its|their|this|that|each|every)\s+$", re.IGNORECASE)
# 'measured daily through day 14', 'dexamethasone 10 mg every 6 hours until day 5': the end of a schedule
FREQUENCY_BEFORE = re.compile(r"\b(?:daily|weekly|nightly|(?:once|twice|thrice)\s+(?:a\s+)?(?:day|daily|weekly)|"
                              r"every\s+\d{1,2}\s*(?:h|hrs?|hours?|days?)|q\s?\d{1,2}\s?h|per\s+day|/day)\s*$",
                              re.IGNORECASE)
# 'ferritin rose from 2140 ng/mL on day +4 to 48900 ng/mL on day +9', '3100 copies/µg DNA on day 14': a value read
# on a day of a case's timeline (the preposition before the day is already left out of the searched text)
VALUE_BEFORE = re.compile(rf"(?P<v>{NUMB})\s?(?P<u>{UNIT})\s*$")
_TIME_UNIT = re.compile(r"^(?:months?|mos?|years?|yrs?|y|days?|d|weeks?|wks?|hours?|hrs?|h|minutes?|min|%)$",
                        re.IGNORECASE)
# a clause the day heads: a short aside first is skipped ('On day +8, while afebrile, he developed new fever')
ASIDE = re.compile(r"\s*+,\s*+(?:while|although|though|despite|still|once|as)\b[^.;,()]{1,50}(?=,)")
CLAUSE_AFTER = re.compile(r"\s*+,?\s*+(?P<ev>[A-Za-z][^.;,()]{3,160}?)(?=\s*(?:[.;,(]|$|\band\b))")
NAME_CUT = re.compile(r"(?<!\s)\s++(?:with|requiring|consistent\s+with|accompanied\s+by|despite|after|before|because)\s", re.IGNORECASE)
# 'on day +2, when he received tocilizumab 8 mg/kg': a treatment given at the time of the event, an event itself
WHEN_TREATED = re.compile(r"\s*+,\s*+when\s++(?P<ev>[A-Za-z][\w-]*+(?:\s++[a-z][\w-]*+)?\s++(?:received|was\s++given|"
                          r"were\s++given|was\s++started\s++on|underwent|required|was\s++treated\s++with)\b"
                          r"[^.;,()]{1,80}?)(?=\s*+(?:[.;,(]|$))", re.IGNORECASE)
# 'On the fifth day he developed aphasia, consistent with ICANS, and dexamethasone was started': a further clause of
# a sentence the day heads, with its own subject and passive verb and no time of its own, happened on that day
CO_CLAUSE = re.compile(r",\s*+and\s++(?P<ev>[A-Za-z][^.;,()]{0,80}?\s++(?:was|were)\s++(?:\w+ly\s++)?"
                       r"[a-z]+(?:ed|en|un|iven)\b)")
OWN_TIME = re.compile(r"\b(?:days?|hours?|weeks?|months?|later|after|afterwards|subsequently|then|until|by)\b|\d\s*h\b",
                      re.IGNORECASE)


def _after(text: str, pos: int, case: bool) -> tuple[str, int, int] | None:
    """(event, start, end) of the clause a day phrase heads, read from `pos` (just after the day): its subject and
    verb come first ('On hospital day 5, the patient developed ARDS'); the name stops before a qualifier
    ('with hypotension requiring ...'). A clause that observes ('At day 28, patients were evaluated'), states a
    cohort's share or (outside a case report) an examination makes the day a horizon, not an event."""
    a = ASIDE.match(text, pos)
    am = CLAUSE_AFTER.match(text, a.end() if a else pos)
    if not am:
        return None
    ev = am.group("ev").strip()
    words = ev.split()
    if len(words) > 18 or not _VERBISH.search(" ".join(words[:6])):
        return None
    if COHORT_SHARE.search(ev) or OBSERVE.search(ev) or (not case and (READ.search(ev) or EXAM.search(ev))):
        return None
    ev = re.sub(r"^(?:the|a|an|his|her)\s+", "", ev, flags=re.IGNORECASE)
    cut = NAME_CUT.search(ev)
    if cut and _VERBISH.search(ev, 0, cut.start()):
        ev = ev[:cut.start()]
    return _lower_first(" ".join(ev.split()[:10])), am.start("ev"), am.end("ev")


def _same_day(doc: Doc, pos: int, fields: dict, headed: bool) -> list[Suggestion]:
    """Further events on the day of an event whose day phrase ends at `pos`: a treatment 'when' clause right after
    it, and (`headed`: the day opens the sentence) a coordinated passive clause later in the sentence that states no
    time of its own."""
    text = doc.text
    out = []
    wm = WHEN_TREATED.match(text, pos)
    if wm:
        out.append(make("event", {**fields, "event": _lower_first(wm.group("ev"))}, text, wm.start("ev"), wm.end("ev"),
                        0.6, "event.same_day"))
    if headed:
        _, s_end = doc.sentence(pos)
        for cm in CO_CLAUSE.finditer(text, pos, s_end):
            stop = re.compile(r"[.;]").search(text, cm.end(), s_end)
            if OWN_TIME.search(text, cm.end(), stop.start() if stop else s_end) or len(cm.group("ev").split()) > 10:
                continue
            desc = _describe(doc, cm.start("ev"), cm.end("ev"))
            if desc:
                out.append(make("event", {**fields, "event": desc[0]}, text, desc[1], cm.end("ev"), 0.55,
                                "event.same_day"))
    return out


def _value_event(doc: Doc, lab: re.Match, s_start: int) -> tuple[str, int, str]:
    """'ferritin 2140 ng/mL', 'cyclophosphamide 1 g/m2': the value with the analyte or drug named last before it in
    the sentence."""
    hits = [h for h in doc.analytes + doc.drugs if s_start <= h.start and h.end <= lab.start()]
    name = max(hits, key=lambda h: h.end).canonical if hits else None
    value = f"{lab.group('v')} {lab.group('u')}"
    return (f"{name} {value}" if name else value), lab.start(), "event.value"


INFUSED = re.compile(r"\b(?:infus\w*|CAR[- ]?T|CAR-positive|cells?/kg)", re.IGNORECASE)


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    if not doc.has("day", "d+", "d-", "d−"):  # 'on day +6', 'on D+6'
        return out
    design = cohort.study_design(doc)
    case, cohort_design = design in CASE_DESIGNS, design is not None and design not in CASE_DESIGNS
    windows = [(w.start(), w.end()) for w in WINDOW.finditer(text)]
    for m in DAY.finditer(text):
        if m.group("d2") and text[m.start()] != "D":
            continue  # 'd+11' is not a day
        if any(a <= m.start() < b for a, b in windows):
            continue  # a day that opens or closes a window: read by _windows
        pm = PREP.search(text, max(0, m.start() - 40), m.start())
        m_start = pm.start() if pm else m.start()
        d = m.group("d") or m.group("d2")
        sign = m.group("sign") or m.group("sign2") or ""
        day = int(d) * (-1 if sign in "-−‐" and sign else 1)
        if pm is None and DETERMINER_BEFORE.search(text, max(0, m.start() - 8), m.start()):
            continue
        # a dose before a day is a schedule ('25 mg/m2 on day 1'), but not in a case's timeline, nor before a signed
        # day ('cyclophosphamide 1 g/m2 on day +61': the day it was given)
        if not (sign or case) and day != 0 and SCHEDULE_BEFORE.search(text[max(0, m_start - 40):m_start]):
            continue  # (day 0 is the infusion itself: '1 × 10^6 cells/kg on day 0' is when, not a schedule)
        if not sign and FREQUENCY_BEFORE.search(text, max(0, m_start - 40), m_start):
            continue
        if RESTATED.search(text, max(0, m_start - 20), m_start):
            continue  # 'day 4 (day 9 after symptom onset)': the same event counted another way
        s_start, _ = doc.sentence(m.start())
        s_start = max(s_start, m_start - LOOKBACK)  # an event is named within a bounded distance before its day
        flat = depth0(text, s_start, m_start)
        cuts = [0] + [b.end() for b in BOUNDARY.finditer(flat) if b.end() < len(flat.rstrip())]
        cut = cuts[-1]
        # 'Maternal IgM and IgG were positive on day 4': 'and' joined two subjects, not two clauses
        vb = _VERBISH.search(flat, cut)
        if len(cuts) > 1 and flat[cut - 4:cut].strip().lower() == "and" and vb \
                and not re.search(r"\b(?:that|which|who)\s++$", flat[cut:vb.start()]) \
                and not _VERBISH.search(flat, cuts[-2], cut - 4):
            cut = cuts[-2]
        if horizon(text, s_start + cut, m_start, m.end(), case):
            continue
        lab = VALUE_BEFORE.search(text, max(s_start, m_start - 40), m_start)
        if lab and _TIME_UNIT.match(lab.group("u").strip()):
            lab = None
        if lab and day == 0 and INFUSED.search(text, s_start + cut, m_start):
            lab = None  # '... a single infusion of 1 × 10^6 CAR-T cells/kg on day 0': the dose names the infusion
        if lab and not (case or sign):
            if cohort_design:
                continue  # a cohort's measure on a day ('IL-6 above 500 pg/mL on day 3 predicted ICANS'): not an event
            lab = None  # the design is not named: the clause before is read as before
        # the day opens the sentence or a clause ('...; by day +52 she had ...', ', and on day +3 he ...')
        heads = not flat.strip() or bool(re.search(r"(?:[;:]|,\s*(?:and|but|then)|\band|\bthen)\s*$", flat))
        desc = None
        if lab:
            # the clause before names the event when it is short and about this day only, else the value does
            desc = _describe(doc, s_start + cut, m_start)
            if desc is None or re.search(r"(?i)\bday", text[desc[1]:m_start]):
                desc = _value_event(doc, lab, s_start)
        end = m.end()
        # (the day heads a clause as an adverbial: after a preposition or before a comma; 'Day 90 was the landmark'
        # makes the day the subject)
        adverbial = pm is not None or text.startswith(",", m.end())
        after = _after(text, m.end(), case) if desc is None and heads and adverbial else None
        if after:
            desc, end = (after[0], m_start, "event.after"), after[2]
        if desc is None:
            desc = _describe(doc, s_start + cut, m_start)
        if desc is None and not heads and adverbial:
            # 'On hospital day 5, the patient developed ARDS': the event follows the day
            after = _after(text, m.end(), case)
            if after:
                desc, end = (after[0], m_start, "event.after"), after[2]
        if desc is None:
            continue
        event, start, rule = desc
        fields = {"event": event, "day": day, "day_as_written": f"{sign}{d}" if sign else d,
                  "preposition": pm.group("prep").lower() if pm else None}
        out.append(make("event", fields, text, start, end,
                        0.75 if rule not in ("event.clause", "event.after", "event.value") else 0.6, rule))
        if case or sign:
            out += _same_day(doc, end if rule == "event.after" else m.end(), fields, rule == "event.after")
    out += _elapsed(doc, [(s.start, s.end) for s in out], case)
    out += _windows(doc, case)
    return out
