"""Medians with their dispersion: range, IQR or CI, as written.

Rules
  median.value        the median follow-up was 15.4 months (IQR 12.0–20.1); median age 9 (range, 1-18) years
  median.header       median (IQR) age was 63 (56-70) years   (the dispersion named before the value)
  median.subject      time to first relapse was median 31.5 months (range 7-89mo)
  median.not_reached  the median EFS and OS were both not reached
  median.timed        CRP peaked a median of 3 days after infusion (range, 1-9)  → time from infusion to CRP peak;
                      received tocilizumab a median of 2 days after infusion; lasted a median of 5 days (duration);
                      were followed for a median of 18 months (follow-up)
  median.list         ... 2 days (IQR, 1-4) with axi-cel and 4 days (IQR, 2-6) with tisa-cel: one median per subgroup
  median.respectively the median times to CRS and ICANS onset were 2 and 6 days, respectively: one per name
  median.counted      a median of 4 doses (range, 2-7)
  median.unnamed      ..., at a median of 4 days: a median the clause does not name (quantity None, lower confidence)
A range/IQR may follow words after the value ('4 days after infusion (range, 0-13)'). A median whose other side
shares its median word ('median X was 3 days for A compared with 12 days for B', 'median 1,200 vs 150 pg/mL') is
a comparison, and 'from a median of 14 ... to 2' a change, not a median; spelled-out numbers and "9y 10mo" are
left alone.
"""

from __future__ import annotations

import re
from typing import Any

from curator.extract.context import Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import CI_HEAD, DASH, NB, NUM, SNUM, UNIT, num, to_float
from curator.extract.subjects import clause_start, clause_subject, depth0, make_subject

DISP_LABEL = rf"(?P<dlab>range|IQR|interquartile\s+range|{CI_HEAD.replace('(?P<lvl>', '(?:').replace('(?P<lvl2>', '(?:')})"
_HEAD = r"(?:\(\s*(?P<head>IQR|range|interquartile\s+range|95\s?%\s?CI)\s*\)|\[\s*(?P<head2>IQR|range)\s*\])"
# (blank runs read once: possessive — what follows each never opens with a blank)
DISP = (rf"(?:\s*+[(\[,;]\s*+|\s++)(?:{DISP_LABEL}(?:\s?\[[A-Za-z]+\]|\s?\([A-Za-z]+\))?\s*+[,:=]?\s*+(?:of\s++|from\s++)?)?"
        # a day after infusion may carry its word and sign ('range, day 3–14', 'range +3 to +21'); a CI's upper bound
        # may be open ('95% CI, 14.7-not reached')
        rf"(?:[Dd]ays?\s*+)?\+?(?P<lo>{SNUM})\s?(?:{UNIT})?{DASH}(?:[Dd]ays?\s*+)?\+?"
        rf"(?:(?P<hi>{SNUM})\s?(?P<u2>{UNIT})?|(?P<nr>(?i:not\s++reached|not\s++estimable|NR|NE)\b))\s*[)\]]?")
MEDIAN = re.compile(
    # '\s*+': a run of blanks between the optional pieces (each starts with a non-blank) is read once;
    # with plain '\s*' every split of the run was tried (a long run after 'median' took minutes)
    # the quantity's words; a bracket that defines it, numbers and all, right before the verb ('duration of
    # severe neutropenia (ANC < 0.5 × 10⁹/L) was'); its last word may be followed by a comma, a colon or '='
    # ('median age, 12 years', 'median follow-up: 14.2 months').
    # The blanks after each word are read once ('\s++': only '\s*+' reads blanks after the quantity, so no split of
    # a run between the two differs; trying each split made a long run of blanks quadratic)
    rf"[Mm](?<![\w][Mm])edian\b\s*+{_HEAD}?\s*+(?P<qty>(?:(?:[A-Za-zαβγκ][\w/+\-’'.]*|\([A-Za-z][\w/ +-]{{0,15}}\)|\[[A-Za-z][\w/ +-]{{0,15}}\]"
    rf"|\((?=[A-Za-z])[^()\[\]]{{1,40}}\)(?=\s++(?:was|were|is|are)\b))\s++){{0,12}}?(?:[A-Za-z][\w/+\-’']*(?=[,:=]\s*+\d))?)"
    rf"\s*+{_HEAD.replace('head', 'hd')}?\s*+"
    rf"(?:,\s*+)?(?:(?:was|were|is|are|of|reached|at|for|:|=)\s++|:\s*+|=\s*+)?(?:approximately\s++|about\s++)?"
    # 'median day +8': the sign of a day after infusion
    rf"(?P<plus>(?<=[Dd]ay\s)\+\s?|(?<=[Dd]ay)\+)?(?P<v>(?(plus)|{NB}){NUM})(?![\d/])\s?(?P<u>{UNIT})?(?:{DISP})?"
    rf"(?:\s?(?P<u3>{UNIT}))?")
SUBJ_MEDIAN = re.compile(rf"\b(?:was|were|is|are)\s+(?:a\s+)?median\s+(?:of\s+)?(?P<v>{NB}{NUM})\s?(?P<u>{UNIT})?"
                         rf"(?:{DISP})?")
# '(?:\s(?=\s\s))*+\s*': the blanks after 'median' with only the last two open to backtracking. The quantity
# may begin with blanks, but a reading that starts it earlier in the run is never the first one found
# (starting it at the run's last blank reaches every place those reach), and re-trying every split of a
# long run was quadratic; '\s*+' before the verb: each later run of blanks is read once.
NOT_REACHED = re.compile(r"[Mm](?<![\w][Mm])edian\b(?:\s(?=\s\s))*+\s*(?P<qty>[^\d;:()\[\].]{1,60}?)\s*+"
                         r"(?:(?:was|were|has|have)\s+)?"
                         r"(?:(?:both|all|still)\s+)?(?:not\s+(?:been\s+)?reached|NR\b)")
COUNTED_AFTER = re.compile(r"\s*(?P<w>(?:[≥≤<>]?\s?[A-Za-z][\w+/’'-]*(?:\s+\([A-Za-z]{1,8}\))?\s+){0,3}?[A-Za-z][\w+/’'-]*)"
                           r"(?=\s*(?:[,;.)]|[(\[]\s*(?:range|IQR|interquartile)|$|\b(?:and|per|in|of|for|with|among|at|were|was)\b))")
_NOT_NOUN = {"was", "were", "is", "are", "had", "has", "who", "which", "that", "the", "a", "an", "after", "before",
             "vs", "versus", "respectively"}
_PREPOSITIONS = {"by", "in", "of", "to", "from", "for", "at", "with", "on", "than", "between", "among", "after",
                 "before", "during", "within", "and", "or"}
_BAD_QTY = re.compile(r"\b(?:vs|versus|and|or|than|difference)\b", re.IGNORECASE)

# ---- what may follow a median's value (and its unit, and a range/IQR written right after it)
# the words that say for whom or from when: 'with axi-cel', 'in the high-risk group', 'overall', 'after infusion',
# 'from the first dose' (no digits, no clause punctuation; they end before 'and', 'compared', 'before', a bracket)
TRAIL_WORDS = re.compile(
    r"\s*+(?<!\w)(?P<w>(?:in|with|for|among|of|after|from|since|following|overall)\b[^\d,;:()\[\].]{0,60}?)"
    r"(?=\s*+(?:[,;:.)\]([]|$)|\s++(?:and|but|whereas|while|compared|vs|versus|before|during|respectively)\b)")
# a labelled range or IQR written after those words: 'a median of 4 days after infusion (range, 0-13)'
LATE_DISP = re.compile(rf"\s*+[(\[]\s*+(?P<dlab>range|IQR|interquartile\s+range)\s*+[,:=]?\s*+(?P<lo>{SNUM})\s?(?:{UNIT})?"
                       rf"{DASH}(?P<hi>{SNUM})\s?(?:{UNIT})?\s*+(?:[)\]]|(?=;))")
# the next median of a list by subgroup: '2 days (IQR 1-4) with axi-cel and 4 days (IQR, 2-6) with tisa-cel'
LIST_ITEM = re.compile(rf"(?:\s*+,\s*+(?:and\s++)?|\s++and\s++)(?P<v>{NB}{NUM})(?![\d/])\s?(?P<u>{UNIT})?(?:{DISP})?")
# two medians named together, their values in the same order: 'the median times to CRS and ICANS onset were 2
# (range, 1-9) and 6 days (range, 2-14), respectively'
RESPECTIVELY = re.compile(r"[Mm](?<![\w][Mm])edian\s++(?P<qa>[A-Za-z][^\d;:()\[\].,]{0,60}?)\s++and\s++"
                          r"(?P<qb>[A-Za-z][^\d;:()\[\].,]{0,40}?)\s++(?:were|was|of)\s++(?=\d)")
VALUE = re.compile(rf"(?P<v>{NB}{NUM})(?![\d/])\s?(?P<u>{UNIT})?(?:{DISP})?")
AND_NEXT = re.compile(r"\s*+,?\s*+and\s++")
RESPECTIVELY_END = re.compile(rf"(?:\s?(?P<u>{UNIT}))?\s*+,?\s*+respectively\b")  # ('... 6 (range, 2-14) days, respectively')
# one side of a comparison whose other side shares the median word: '3 days for outpatients (IQR, 0-7) compared
# with 12 days for inpatients' (a side written with its own 'median', 'vs median mRS 5, range 3-5', is a median)
CONTRAST_AFTER = re.compile(r"\s*+,?\s*+(?:compared\s+(?:with|to)|vs\.?|versus|v\.)\s*+[-−]?\d")
# one side of a change: 'fell from a median of 14 (IQR, 10-18) before treatment to 2 (IQR, 0-4)'
FROM_BEFORE = re.compile(r"\bfrom\s++(?:(?:a|the)\s++)?$", re.IGNORECASE)
TO_AFTER = re.compile(rf"[^;.]{{0,80}}?\bto\s++(?:a\s++median\s++of\s++)?{NB}[-−]?\d")
# the words that lead to a median with no quantity of its own: 'at a median of', 'after a median of'
LEAD_IN = re.compile(r"(?:\b(?:at|after|for|within|by|over|in|with)\s++)?\ba\s++$")
_TIME_UNIT = re.compile(r"(?:months?|mos?|years?|yrs?|y|days?|d|weeks?|wks?|hours?|hrs?|h|minutes?|min)", re.IGNORECASE)
# the verb a time leads up to: 'CRP peaked a median of 3 days after infusion', 'received tocilizumab a median of
# 1.5 days after infusion', 'lasted a median of 5 days', 'B-cell reconstitution occurred after a median of 112 days'
EVENT_VERB = re.compile(
    r"\b(?:peak(?:ed|ing)|occurr(?:ed|ing)|began|beginning|start(?:ed|ing)|initiated|resolv(?:ed|ing)|recover(?:ed|ing)|"
    r"last(?:ed|ing)|persist(?:ed|ing)|develop(?:ed|ing)|appear(?:ed|ing)|emerg(?:ed|ing)|relapsed|progressed|died|"
    r"receiv(?:ed|ing)|requir(?:ed|ing)|achiev(?:ed|ing)|underwent|undergoing|experienc(?:ed|ing)|given|administered|"
    r"admitted|discharged|normali[sz]ed|clear(?:ed|ing))\b", re.IGNORECASE)
# what the verb says happened to its subject ('CRS developed' → CRS onset); a verb taking an object names the event
# by its object ('patients developed CRS', 'received tocilizumab', 'required hospital admission')
_VERB_NOUN = (("peak", "peak"), ("occur", "onset"), ("began", "onset"), ("beginning", "onset"), ("start", "start"),
              ("initiated", "start"), ("resolv", "resolution"), ("recover", "recovery"), ("develop", "onset"),
              ("appear", "onset"), ("emerg", "onset"), ("relapsed", "relapse"), ("progressed", "progression"),
              ("died", "death"), ("given", "start"), ("administered", "start"), ("admitted", "admission"),
              ("discharged", "discharge"), ("normali", "normalisation"), ("clear", "clearance"))
# 'were followed for a median of 18 months', 'were hospitalized for a median of 12 days': how long, by the verb
_FOR_VERB = (("follow", "follow-up"), ("hospitali", "hospital stay"), ("admitted", "hospital stay"),
             ("treated", "treatment duration"), ("observed", "observation"), ("monitored", "monitoring"))
FOR_VERB_BEFORE = re.compile(r"\b(?P<verb>followed(?:\s+up)?|hospitali[sz]ed|admitted|treated|observed|monitored)"
                             r"(?:\s++(?:up|in\s+hospital|as\s+inpatients))?\s++for\s++a\s++$", re.IGNORECASE)
_TRANSITIVE = re.compile(r"(?:receiv|requir|achiev|underw|undergo|experienc|develop)", re.IGNORECASE)
_DURATION = re.compile(r"(?:last|persist)", re.IGNORECASE)
_EVENT_NOUNS = {"onset", "peak", "resolution", "recovery", "reconstitution", "admission", "discharge", "death", "relapse",
                "progression", "response", "start", "initiation", "engraftment", "normalisation", "normalization",
                "clearance", "nadir", "expansion", "recurrence", "occurrence"}
_NP_STOP = {"at", "after", "within", "in", "on", "by", "for", "during", "from", "over", "a", "an", "starting", "before",
            "and", "with", "than", "mostly", "mainly", "all", "which", "that", "who", "median"}
_AUX = {"was", "were", "is", "are", "had", "has", "have", "been", "being", "first", "then", "later", "subsequently"}
_NUMBER_WORD = re.compile(r"(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                          r"fifty|sixty|seventy|eighty|ninety|all|both|most|half|none)\b)", re.IGNORECASE)


def _disp(m: re.Match[str] | None, head: str | None) -> dict[str, Any]:
    f: dict[str, Any] = {"dispersion": None, "low": None, "high": None}
    if m is None or m.group("lo") is None:
        return f
    lab = (m.group("dlab") or head or "").lower()
    lo = to_float(m.group("lo"))
    hi = to_float(m.group("hi")) if m.group("hi") else None  # an open upper bound ('14.7-not reached')
    if "iqr" in lab or "interquartile" in lab:
        kind = "IQR"
    elif "range" in lab:
        kind = "range"
    elif "ci" in lab or "confidence" in lab:
        kind = "CI"
    else:
        kind = None
    f.update({"dispersion": kind, "low": lo, "high": hi})
    if m.groupdict().get("nr"):
        f["high_not_reached"] = True
    if kind == "IQR":
        f["iqr_low"], f["iqr_high"] = lo, hi
    elif kind == "range":
        f["range_low"], f["range_high"] = lo, hi
    elif kind == "CI":
        f["ci_low"], f["ci_high"] = lo, hi
    return f


def _plausible(v: float, f: dict[str, Any]) -> bool:
    lo, hi = f.get("low"), f.get("high")
    if lo is None:
        return True
    if hi is None:
        return lo <= v  # an open upper bound
    return lo <= hi and lo <= v <= hi


def _trail(text: str, pos: int, has_disp: bool) -> tuple[str | None, re.Match[str] | None, int]:
    """After a median's value: the words naming its subgroup or its starting point ('with axi-cel', 'after
    infusion'), and, when no range/IQR came right after the value, a labelled one written after those words.
    Returns (words, the late dispersion's match, where the reading ends)."""
    words, late, end = None, None, pos
    wm = TRAIL_WORDS.match(text, pos)
    if wm:
        words, end = " ".join(wm.group("w").split()), wm.end()
    if not has_disp:
        late = LATE_DISP.match(text, end)
        if late:
            end = late.end()
            if words is None and (wm2 := TRAIL_WORDS.match(text, end)):
                words, end = " ".join(wm2.group("w").split()), wm2.end()  # '4 doses (range, 2-7) after ...'
    return words, late, end


def _subgroup(words: str | None) -> str | None:
    """'in the high-risk group' → 'high-risk group'; 'overall' → 'overall'; a starting point is not a subgroup."""
    if not words:
        return None
    m = re.match(r"(?:in|with|for|among)\s+(?:the\s+|those\s+)?(.+)$|(overall)$", words, re.IGNORECASE)
    return (m.group(1) or m.group(2)).strip() if m else None


def _origin(words: str | None) -> str | None:
    """'after infusion' → 'infusion'; 'from the first dose' → 'first dose' (what a time is counted from)."""
    m = re.match(r"(?:after|from|since|following)\s+(?:the\s+|their\s+|a\s+)?(.+)$", words or "", re.IGNORECASE)
    return m.group(1).strip() if m and len(m.group(1).split()) <= 5 else None


def _before_aux(text: str, start: int, end: int) -> int:
    """The end of text[start:end] without its trailing auxiliaries ('G-CSF was' → 'G-CSF')."""
    while True:
        while end > start and text[end - 1].isspace():
            end -= 1
        cut = text.rfind(" ", start, end)
        if text[max(cut + 1, start):end].lower() not in _AUX:
            return end
        end = max(cut, start)


def _named(doc: Doc, start: int, end: int) -> str | None:
    """A quantity or event written in text[start:end], not a count of patients ('Six of eight patients')."""
    text = doc.text
    while end > start and text[end - 1].isspace():
        end -= 1
    end = _before_aux(text, start, end)
    phrase = text[start:end].strip()
    if not phrase or _NUMBER_WORD.match(phrase):
        return None
    subj = make_subject(doc, start, end, "np", max_words=6)
    return subj.analyte if subj is not None else None


def _event(doc: Doc, at: int, floor: int) -> tuple[str | None, bool, int] | None:
    """What the time before `at` leads up to, read from the clause's verb: 'CRP peak' ('CRP peaked a median of'),
    'tocilizumab' ('received tocilizumab, a median of'), 'grade 4 neutropenia' with duration True ('... lasted a
    median of'); None as the name when the verb names no subject or object. Also returns where the words
    stating it start (the evidence opens there). None without such a verb."""
    text = doc.text
    cs = clause_start(text, at, floor)
    flat = depth0(text, cs, at)
    verb = None
    for verb in EVENT_VERB.finditer(flat):  # noqa: B007 (keeps the last verb before the median)
        pass
    if verb is None:
        return None
    w = verb.group().lower()
    noun = next((n for stem, n in _VERB_NOUN if w.startswith(stem)), None)
    duration = bool(_DURATION.match(w))
    after = flat[verb.end():]
    # gapping: 'CRP peaked a median of 3 days after infusion, and ferritin a median of 6 days': the verb is shared
    gap = None
    for gap in re.finditer(r"(?:,\s*+|\s)and\s++", after):  # noqa: B007
        pass
    if gap is not None and "median" in after[:gap.start()] and "," not in after[gap.end():]:
        g0 = cs + verb.end() + gap.end()
        name = _named(doc, g0, at)
        if name:
            event = name if duration or name.split()[-1].lower() in _EVENT_NOUNS or not noun else f"{name} {noun}"
            return event, duration, g0
    if _TRANSITIVE.match(w):
        toks = []
        for t in re.finditer(r"[^\s,;]+|[,;]", after):
            if t.group() in ",;" or t.group().lower() in _NP_STOP:
                break
            toks.append(t)
        if toks:
            return (_named(doc, cs + verb.end() + toks[0].start(), cs + verb.end() + toks[-1].end()), False,
                    cs + verb.start())
    # the subject: the words before the verb in its own segment, or (a participle after a comma: ', starting a
    # median of'; a second verb: 'and lasted') the clause's subject
    seg = flat.rfind(",", 0, verb.start())
    if (a := flat.rfind(" and ", 0, verb.start())) >= 0:
        seg = max(seg, a + 4)
    name, start = None, cs + verb.start()
    if flat[seg + 1:_before_aux(flat, seg + 1, verb.start())].strip():
        name = _named(doc, cs + seg + 1, cs + verb.start())
        start = cs + seg + 1
    else:
        subj = clause_subject(doc, cs + max(seg, 0), floor)
        if subj is not None and not _NUMBER_WORD.match(subj.as_written):
            name = subj.analyte
    if name is None:
        return ((noun, False, start) if noun and not duration else (None, duration, start))
    if duration or not noun or name.split()[-1].lower() in _EVENT_NOUNS:
        return name, duration, start
    return f"{name} {noun}", False, start


def _timed_quantity(doc: Doc, at: int, floor: int, unit: str | None, origin: str | None) -> tuple[str, int] | None:
    """The quantity of a median written without one ('at a median of 4 days after infusion'), read from the
    clause, and where the words that state it start."""
    ev = _event(doc, at, floor)
    if ev is None or ev[0] is None:
        return None
    event, duration, start = ev
    if event[:1].isupper() and event[1:2].islower():
        event = event[0].lower() + event[1:]  # 'Grade 4 neutropenia lasted': the name as it reads mid-phrase
    if unit == "day of":
        return f"day of {event}", start
    if not unit or not _TIME_UNIT.fullmatch(unit):
        # 'CAR T cells peaked ... at a median of 88 cells/µL': the peak level
        return (f"peak {event[:-5]}", start) if event.endswith(" peak") else None
    if duration:
        return f"duration of {event}", start
    return (f"time from {origin} to {event}" if origin else f"time to {event}"), start


def _respectively(doc: Doc) -> list[Suggestion]:
    """'the median times to CRS and ICANS onset were 2 and 6 days, respectively': one median per name."""
    text, out = doc.text, []
    for m in RESPECTIVELY.finditer(text):
        v1 = VALUE.match(text, m.end())
        a = v1 and AND_NEXT.match(text, v1.end())
        v2 = a and VALUE.match(text, a.end())
        r = v2 and RESPECTIVELY_END.match(text, v2.end())
        if not r:
            continue
        qa, qb = (re.sub(r"^times\b", "time", " ".join(g.split())) for g in (m.group("qa"), m.group("qb")))
        if _BAD_QTY.search(qa) or _BAD_QTY.search(qb):
            continue
        head = re.match(r"(.*\b(?:to|of|from|in|for)\s)", qa)
        if head and not re.search(r"\b(?:to|of|from|in|for)\b", qb):
            qb = head.group(1) + qb  # 'times to CRS and ICANS onset': the second is a time to ICANS onset too
        u2 = v2.group("u") or v2.group("u2") or r.group("u")
        for vm, q, s0, e0 in ((v1, qa, m.start(), v1.end()), (v2, qb, v2.start(), v2.end())):
            f = _disp(vm, None)
            v = num(vm.group("v"))
            if not _plausible(float(v), f):
                break
            unit = vm.group("u") or vm.group("u2") or u2
            fields = {"quantity": q, "value": v, "unit": unit.strip() if unit else None, **f}
            out.append(make("median", fields, text, s0, e0, 0.8 if f["low"] is not None else 0.7, "median.respectively"))
    return out


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = _respectively(doc) if "respectively" in doc.lower else []
    for m in MEDIAN.finditer(text):
        qty = m.group("qty").strip()
        tail = text[m.end():m.end() + 15]
        if _BAD_QTY.search(qty) or re.match(rf"\s*,?\s*(?:vs\.?|versus|v\.)\s*{NUM}", tail):
            continue  # 'median 1,200 vs 150 pg/mL': a comparison, not one median
        if m.group("lo") is None and re.match(r"\s*(?:\d|and\s+\d|to\s+\d|[-–]\s?\d)", tail):
            continue  # '9y 10mo', '12 and 14 months', '2.1 to 2.2 yrs'
        if FROM_BEFORE.search(text, max(0, m.start() - 12), m.start()) and TO_AFTER.match(text, m.end()):
            continue  # 'fell from a median of 14 before treatment to 2': one side of a change
        head = m.group("head") or m.group("head2") or m.group("hd") or m.group("hd2")
        v = num(m.group("v"))
        unit = m.group("u") or m.group("u2") or m.group("u3")
        unit = unit.strip() if unit else None
        day = re.fullmatch(r"(?:of\s+|on\s+)?day", qty, re.IGNORECASE)
        if day:
            qty, unit = "", "day"  # 'at a median of day 24': a day after infusion (not a number of days)
        quantity = re.sub(r"\s+", " ", qty).strip(" ,")
        if quantity and quantity.split()[-1].lower() in _PREPOSITIONS:
            continue  # 'median survival by 2.1 ...': the number is not the median
        end = m.end()
        rule = "median.header" if head else "median.value"
        if not quantity and not unit:
            # 'a median of 5 (range 3–13) prior regimens', 'a median of 3 grade ≥3 AEs': the counted thing follows
            qm = COUNTED_AFTER.match(text, m.end())
            if qm and qm.group("w").split()[0].lower() not in _PREPOSITIONS | _NOT_NOUN:
                quantity = " ".join(qm.group("w").split())
                end = qm.end("w")
                rule = "median.counted"
        words, late, end = _trail(text, end, m.group("lo") is not None)
        f = _disp(late or m, head)
        if not _plausible(float(v), f):
            continue
        # more medians of the same quantity, one per subgroup: '..., 14 days (IQR, 8-24) in the high-risk group
        # and 5 days (IQR, 2-9) in the low-risk group'
        items: list[tuple[Any, str | None, dict[str, Any], str, int, int]] = []
        pos = end
        while len(items) < 8 and (im := LIST_ITEM.match(text, pos)):
            iu = im.group("u") or im.group("u2")
            iu = iu.strip() if iu else None
            if iu != unit and not (iu is None and im.group("lo") is not None):
                break  # '..., and 20 in the control arm': not a median of the same quantity
            iwords, ilate, iend = _trail(text, im.end(), im.group("lo") is not None)
            isub = _subgroup(iwords)
            fi = _disp(ilate or im, None)
            if isub is None or not _plausible(float(num(im.group("v"))), fi):
                break
            items.append((num(im.group("v")), iu or unit, fi, isub, im.start("v"), iend))
            pos = iend
        if CONTRAST_AFTER.match(text, pos):
            continue  # '3 days for outpatients (IQR, 0-7) compared with 12 days for inpatients': a comparison
        arm = None
        ep = next((h for h in doc.endpoints if m.start("qty") <= h.start and h.end <= m.end("qty")), None)
        if ep is not None:
            am = re.match(r"\s+(?:in|for|with|among)\s+(?:the\s+)?(.+)$", text[ep.end:m.end("qty")].rstrip())
            if am:
                arm = am.group(1).strip()
            if am or not text[ep.end:m.end("qty")].strip():
                quantity = ep.canonical
        conf = 0.8 if f["low"] is not None else 0.7
        start = m.start()
        s_start, _ = doc.sentence(m.start())
        if not quantity:
            anchor = m.start()
            if text[max(0, m.start() - 2):m.start()].strip() in ("(", "["):
                anchor = m.start() - (2 if text[m.start() - 1] == " " else 1)  # '(median 84mo, ...)': about the clause
            lead = LEAD_IN.search(text, max(s_start, m.start() - 16), m.start())
            if lead:
                anchor = lead.start()
                if lead.group().startswith("with") and text[max(0, anchor - 2):anchor].strip() == ",":
                    anchor -= 2  # '..., with a median of 5': about the clause before the comma
            fv = FOR_VERB_BEFORE.search(text, max(s_start, m.start() - 40), m.start())
            if fv and unit and _TIME_UNIT.fullmatch(unit):
                w = fv.group("verb").lower()
                timed = next(n for stem, n in _FOR_VERB if w.startswith(stem)), fv.start()
            else:
                timed = _timed_quantity(doc, anchor, s_start, "day of" if day else unit, _origin(words))
            if timed:
                quantity, start = timed
                rule = "median.timed"
                lead_at = lead.start() if lead else m.start()
                if re.search(r"\d|\bpercent\b", text[start:lead_at]) or _NUMBER_WORD.search(text, start, lead_at):
                    start = lead_at  # the evidence quotes no other number of the clause (a share, a count)
            else:
                subj = clause_subject(doc, anchor, s_start)
                if subj is not None and not (unit and _TIME_UNIT.fullmatch(unit) and _NUMBER_WORD.match(subj.as_written)):
                    quantity, rule, start = subj.analyte, "median.subject", subj.start
                else:
                    # a median the clause does not name ('..., at a median of 4 days'): offered, its quantity left
                    # for the curator
                    quantity, rule, conf = None, "median.unnamed", conf - 0.2
        first_sub = _subgroup(words)
        fields = {"quantity": f"{quantity}, {first_sub}" if items and quantity and first_sub else quantity,
                  "value": v, "unit": unit, **f}
        if arm:
            fields["arm"] = arm
        out.append(make("median", fields, text, start, end, conf, rule))
        for iv, iu, fi, isub, istart, iend in items:
            ifields = {"quantity": f"{quantity}, {isub}" if quantity else None, "value": iv, "unit": iu, **fi}
            out.append(make("median", ifields, text, istart, iend, conf, "median.list"))

    taken = [(s.start, s.end) for s in out]
    for m in (SUBJ_MEDIAN.finditer(text) if "median" in doc.lower else ()):
        if any(s <= m.start() < e for s, e in taken):
            continue
        s_start, _ = doc.sentence(m.start())
        subj = clause_subject(doc, m.end(), s_start)
        if subj is None:
            continue
        f = _disp(m, None)
        v = num(m.group("v"))
        if not _plausible(float(v), f):
            continue
        unit = m.group("u") or m.group("u2")
        fields = {"quantity": subj.analyte, "value": v, "unit": unit.strip() if unit else None, **f}
        out.append(make("median", fields, text, subj.start, m.end(), 0.7, "median.subject"))

    for m in NOT_REACHED.finditer(text):
        qs, qe = m.start("qty"), m.end("qty")
        eps = [h for h in doc.endpoints if qs <= h.start and h.end <= qe]
        if not eps:
            continue
        for h in eps:
            fields = {"quantity": h.canonical, "value": None, "unit": None, "not_reached": True, "dispersion": None,
                      "low": None, "high": None}
            out.append(make("median", fields, text, m.start(), m.end(), 0.75, "median.not_reached"))
    return out
