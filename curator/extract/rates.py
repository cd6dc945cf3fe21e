"""Rates: an endpoint's percentage, with its CI, horizon and n/N when given.

Rules
  rate.endpoint_ci     an EFS rate of 76.9% (95%CI, 63.8-92.6)       endpoint + % + CI
  rate.endpoint        ORR was 82%                                    endpoint + connector + %
  rate.ci              1287 (99% [95% CI, 98%-99%])                   % + CI, endpoint looked up in the clause
  rate.fraction        CR in 14/38 (36.8%), 14 of 38 patients (36.8%) n/N checked against the %
  rate.respectively    the 6-month EFS and OS rates were 76.9% and 80.1%, respectively
Horizons: "6-month EFS", "1-year OS", "OS at 12 months was ...", and a trailing "at 6 months" later in the
sentence, shared by every rate of the sentence before it that has none ("an EFS rate of ... and an OS
rate of ... at 6 months").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from curator.extract import toxicity as tox
from curator.extract.context import Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import CI_BODY, INTB, NUM, NUMB, OCCURRENCE_VERBS, ci_parts, num, share_agrees, to_float
from curator.extract.subjects import clause_start

_WORDNUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "twelve": 12, "eighteen": 18, "twenty-four": 24, "thirty": 30, "hundred": 100}
_HUNIT = r"(?:months?|mos?|years?|yrs?|y|weeks?|wks?|days?|d)"
HORIZON_PREFIX = re.compile(rf"(?P<n>(?<!\d)\d++|one|two|three|four|five|six|ten|twelve|eighteen|twenty-four|thirty|hundred)"
                            rf"\s?[-‐‑ ]\s?(?P<u>{_HUNIT})\b\s*$", re.IGNORECASE)
HORIZON_AT = re.compile(rf"\b(?:at|by|after)\s+(?:(?P<n>\d+|one|two|three|five|six|twelve)\s?[-‐ ]?\s?(?P<u>{_HUNIT})"
                        rf"|(?P<u2>day|month|year)\s?(?P<n2>\d+))\b", re.IGNORECASE)
PCT = rf"(?P<v>{NUMB})\s?%"
# (the count out of its denominator may come first inside the bracket: '95.8% (46/48; 95% CI, 85.7-99.5)')
PCT_CI = re.compile(rf"{PCT}\s*(?:[(\[]\s*+(?:(?P<fa>\d++)\s*+(?:/|of)\s*+(?P<fb>\d++)(?:\s++(?:patients|pts))?\s*+[;,]\s*+)?|,\s*|;\s*)(?:{CI_BODY})\s*[)\]]?",
                    re.IGNORECASE)
PCT_ONLY = re.compile(PCT)
CONNECTOR = re.compile(
    # '\s*+': each run of blanks is read once (the optional pieces between them start with a non-blank)
    r"^\s*+(?:\([A-Za-z/ -]{1,12}\)\s*+)?(?:rates?|probabilit(?:y|ies)|estimates?|incidence)?\s*+"
    r"(?:(?:at|by)\s+\d+\s?[-‐ ]?\s?(?:months?|years?|mos?|yrs?|days?)\s*+)?"
    r"(?:was|were|is|are|of|reached|achieved|remained|amounted\s+to|estimated\s+at|:|=|,)?\s*+"
    r"(?:estimated\s+(?:at|to\s+be)\s*+|approximately\s*+|about\s*+|only\s*+|\w+ly\s+)?$", re.IGNORECASE)
FRACTION = re.compile(
    rf"(?P<a>{INTB})\s*(?:/|\s(?:of|out\s+of)\s)\s*(?P<b>\d+)(?:\s(?:patients?|pts|children|subjects|adults|"
    rf"cases|participants|evaluable\s+patients|infused\s+(?:patients|pts)))?\s*[(\[]\s*(?P<v>{NUM})\s?%\s*[)\]]",
    re.IGNORECASE)
# ... or the share before its denominator: '135 (83%) of 162 patients' (Lancet's order)
FRACTION_AFTER = re.compile(
    rf"(?P<a>{INTB})\s*+[(\[]\s*+(?P<v>{NUM})\s?%\s*+[)\]]\s*+of\s++(?:the\s++)?(?P<b>\d++)"
    rf"(?=\s++(?:[\w-]++\s++)?(?:patients?|pts|children|subjects|adults|cases|participants|recipients)\b)",
    re.IGNORECASE)
# (HR / OR / RR in capitals only: 'grade 3 or higher in 21%' is no odds ratio)
DIFFERENCE = re.compile(r"(?:difference|reduction|ratio|(?-i:\b(?:HR|OR|RR))|change|increase|decrease)\b[^%()]{0,12}$",
                        re.IGNORECASE)
COUNT_PCT = re.compile(rf"(?P<a>{INTB})\s+(?:(?:patients?|pts|children|adults|subjects)\s*)?[(\[]\s*(?P<v>{NUMB})\s?%\s*[)\]]")
ACHIEVED = re.compile(r"\s*(?:\([A-Za-z/ -]{1,12}\)\s*)?(?:(?:was|were|had\s+been|has\s+been)\s+)?(?:(?:achieved|attained|"
                      rf"obtained|{OCCURRENCE_VERBS})\s+(?:in|by|among)|affected)\s+$", re.IGNORECASE)
RESP = re.compile(r"\brespectively\b", re.IGNORECASE)
PCT_LIST = re.compile(rf"(?P<v>{NUMB})\s?%(?:\s*[(\[][^()\[\]]{{0,60}}[)\]])?")


def _horizon(n: str, u: str) -> str:
    k = int(n) if n.isdigit() else _WORDNUM.get(n.lower(), 0)
    ul = u.lower()
    unit = ("month" if ul.startswith("mo") else "year" if ul.startswith("y") else "week" if ul.startswith("w")
            else "day")
    return f"{k} {unit}{'s' if k != 1 else ''}"


def _endpoint_before(doc: Doc, pos: int, floor: int, max_gap: int = 70) -> tuple[str, int, int] | None:
    """(name, start, end) of the nearest endpoint (vocabulary, or a graded toxicity phrase) ending before
    `pos` in the clause."""
    best: tuple[str, int, int] | None = None
    for h in doc.endpoints:
        if floor <= h.start and h.end <= pos and pos - h.end <= max_gap and (best is None or h.end > best[2]):
            best = (h.canonical, h.start, h.end)
    for t in tox.phrases(doc):
        if floor <= t.start and t.end <= pos and pos - t.end <= max_gap and (best is None or t.end > best[2]):
            best = (t.endpoint, t.start, t.end)
    return best


HORIZON_LEAD = re.compile(rf"\b(?:at|by)\s+(?P<n>\d+|one|two|three|five|six|twelve)\s?[-‐ ]?\s?(?P<u>{_HUNIT})"
                          r"\b(?:\s+of\s+follow-?up)?\s*,[^.;:%()]{0,40}$", re.IGNORECASE)


def _prefix_horizon(text: str, start: int) -> str | None:
    """'6-month OS …' or, leading the clause, 'At 12 months, the PFS rate …'."""
    m = HORIZON_PREFIX.search(text[max(0, start - 25):start]) or HORIZON_LEAD.search(text[max(0, start - 70):start])
    return _horizon(m.group("n"), m.group("u")) if m else None


def _fields(endpoint: str | None, v: float, horizon: str | None, ci: tuple[float, float, float] | None = None,
            a: int | None = None, b: int | None = None) -> dict[str, Any]:
    f: dict[str, Any] = {"endpoint": endpoint, "value": v, "unit": "%", "ci_low": None, "ci_high": None,
                         "ci_level": None, "horizon": horizon}
    if ci:
        f["ci_low"], f["ci_high"], f["ci_level"] = ci[0], ci[1], num(str(ci[2]).rstrip("0").rstrip(".")) or ci[2]
    if a is not None:
        f["numerator"] = a
    if b is not None:
        f["denominator"] = b
    return f


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    used: list[tuple[int, int]] = []  # value spans already explained

    def free(s: int, e: int) -> bool:
        return not any(s < ue and us < e for us, ue in used)

    # ---- respectively: "EFS and OS rates were 76.9% and 80.1%, respectively"
    for rm in RESP.finditer(text):
        s_start, _ = doc.sentence(rm.start())
        cs = clause_start(text, rm.start(), s_start)
        eps = [h for h in doc.endpoints if cs <= h.start and h.end <= rm.start()]
        if eps:
            eps = _elided(doc, eps[0], cs) + eps
        if len(eps) < 2:
            continue
        tail = text[eps[-1].end:rm.start()]
        pcts = [p for p in PCT_LIST.finditer(text, eps[-1].end, rm.start())]
        if len(pcts) != len(eps) or re.search(r"\bvs\b|versus", tail):
            continue
        between = text[eps[0].start:eps[-1].end]
        if re.search(r"\d", re.sub(r"(?<!\d)\d+\s?[-‐ ]?(?:months?|years?|mo|yr)", "", between)):
            continue
        horizon = _prefix_horizon(text, eps[0].start)
        for h, p in zip(eps, pcts):
            ci = None
            cm = re.search(CI_BODY, p.group(), re.IGNORECASE)
            if cm:
                ci = ci_parts(cm)
            out.append(make("rate", _fields(h.canonical, to_float(p.group("v")), horizon, ci), text, eps[0].start,
                            p.end(), 0.75, "rate.respectively"))
            used.append((p.start(), p.end()))

    # ---- % with a CI
    for m in PCT_CI.finditer(text):
        if not free(m.start(), m.end()):
            continue
        s_start, _ = doc.sentence(m.start())
        cs = clause_start(text, m.start(), s_start)
        ep = _endpoint_before(doc, m.start(), cs)
        # the nested "(99% [95% CI ...])" form: a count before the parenthesis
        if DIFFERENCE.search(text[max(s_start, m.start() - 30):m.start()]):
            continue  # a difference or a ratio with its CI, not a rate
        count = None
        cm = re.search(r"(?<![\w.])(\d+)\s*(?:(?:patients?|pts)\s*|pts\s*)?[(\[]\s*$", text[max(0, m.start() - 22):m.start()])
        if cm:
            count = int(cm.group(1))
        start = ep[1] if ep else (m.start() - len(cm.group(0)) if cm else m.start())
        if ep and not CONNECTOR.match(_gap(text, ep, m.start())) and re.search(r"\d\s?%", _gap(text, ep, m.start())):
            # the endpoint is further away with other percentages in between: not this rate's endpoint
            ep = None
            start = m.start()
        horizon = _prefix_horizon(text, ep[1]) if ep else None
        if ep and horizon is None:
            hm = HORIZON_AT.search(text, ep[1], m.start())
            if hm and hm.group("n"):
                horizon = _horizon(hm.group("n"), hm.group("u"))
        if m.group("fa"):  # '63% (17 of 27 patients; 95% CI, 42 to 81)': the count and its denominator inside
            count = int(m.group("fa"))
        f = _fields(ep[0] if ep else None, to_float(m.group("v")), horizon, ci_parts(m), a=count,
                    b=int(m.group("fb")) if m.group("fb") else None)
        conf = 0.9 if ep else 0.6
        out.append(make("rate", f, text, start, m.end(), conf, "rate.endpoint_ci" if ep else "rate.ci"))
        used.append((m.start(), m.end()))

    # ---- n/N (%)
    lancet = FRACTION_AFTER.finditer(text) if re.search(r"%\s*+[)\]]\s*+of\s", text) else ()
    for m in sorted([*FRACTION.finditer(text), *lancet], key=lambda m: m.start()):
        if not free(m.start(), m.end()):
            continue
        a, b, v = int(m.group("a")), int(m.group("b")), to_float(m.group("v"))
        if not share_agrees(a, b, v):
            continue  # the three numbers must agree
        s_start, s_end = doc.sentence(m.start())
        cs = clause_start(text, m.start(), s_start)
        ep = _endpoint_before(doc, m.start(), cs, 60)
        start = ep[1] if ep else m.start()
        if ep is None:
            ep2 = next((h for h in doc.endpoints if m.end() <= h.start <= m.end() + 40 and h.end <= s_end), None)
            if ep2 is not None and not re.search(r"[;,]", text[m.end():ep2.start]):
                ep = (ep2.canonical, ep2.start, ep2)
        f = _fields(ep[0] if ep else None, v, _prefix_horizon(text, start) if ep else None, a=a, b=b)
        out.append(make("rate", f, text, start, m.end(), 0.85 if ep else 0.6, "rate.fraction"))
        used.append((m.start(), m.end()))

    # ---- endpoint achieved in N (patients) (P%)
    for m in COUNT_PCT.finditer(text):
        if not free(m.start(), m.end()):
            continue
        s_start, _ = doc.sentence(m.start())
        cs = clause_start(text, m.start(), s_start)
        ep = _endpoint_before(doc, m.start(), cs, 60)
        if ep is None or not ACHIEVED.match(text[ep[2]:m.start()]):
            continue
        f = _fields(ep[0], to_float(m.group("v")), _prefix_horizon(text, ep[1]), a=int(m.group("a")))
        out.append(make("rate", f, text, ep[1], m.end(), 0.75, "rate.count"))
        used.append((m.start(), m.end()))

    # ---- endpoint + connector + % (no CI)
    for m in PCT_ONLY.finditer(text):
        if not free(m.start(), m.end()):
            continue
        s_start, _ = doc.sentence(m.start())
        cs = clause_start(text, m.start(), s_start)
        ep = _endpoint_before(doc, m.start(), cs, 45)
        if ep is None or not CONNECTOR.match(_gap(text, ep, m.start())):
            continue
        after = text[m.end():m.end() + 14]
        if re.match(r"\s*(?:vs\.?|versus|v\.?|and\s+\d|to\s+\d|-\s?\d|–\s?\d)", after):
            continue  # part of a comparison or a list
        horizon = _prefix_horizon(text, ep[1])
        if horizon is None:
            hm = HORIZON_AT.search(text, ep[1], m.start())
            if hm and hm.group("n"):
                horizon = _horizon(hm.group("n"), hm.group("u"))
        f = _fields(ep[0], to_float(m.group("v")), horizon)
        out.append(make("rate", f, text, ep[1], m.end(), 0.75, "rate.endpoint"))
        used.append((m.start(), m.end()))

    _inherit(doc, out)
    _trailing_horizons(doc, out)
    for r in out:
        am = ARM.match(text, r.end)
        if am:
            r.fields["arm"] = am.group("arm").strip()
    return out


ARM = re.compile(r"\s*(?:for|in|with|among)\s+(?:the\s+)?(?P<arm>[A-Za-z][^,;.()%\d]{0,40}?)"
                 r"(?=\s*(?:,|;|\.|\)|\(|\band\b|\bversus\b|\bvs\b|\bcompared\b|$))")
LIST_GAP = re.compile(r"^[^.;%\d]{0,60}\b(?:and|whereas|while|vs\.?|versus|compared\s+with)\s*$|^\s*,\s*$")


# 'Objective and complete response rates', 'event-free and overall survival': modifiers sharing one head noun
ELIDED = re.compile(r"(?<![\w-])(?P<w>[A-Za-z][\w-]*+)\s*+(?:,\s*+)?(?:and|or)\s++$")


@dataclass
class _Elided:
    canonical: str
    start: int
    end: int


def _elided(doc: Doc, ep: Any, floor: int) -> list[Any]:
    """The endpoint(s) named by a modifier before `ep` that shares `ep`'s head noun ('Objective and complete
    response rates' → ORR, then CR), looked up in the endpoints vocabulary; [] when there is none."""
    from curator.domain import vocabulary

    m = ELIDED.search(doc.text, max(floor, ep.start - 40), ep.start)
    if m is None:
        return []
    words = ep.as_written.split()
    voc = vocabulary.endpoints()
    for k in range(1, len(words)):
        hit = voc.match(f"{m.group('w')} {' '.join(words[k:])}", fuzzy=False)
        if hit is not None and hit.canonical != ep.canonical:
            return [_Elided(hit.canonical, m.start("w"), m.end("w"))]
    return []


def _inherit(doc: Doc, rates: list[Suggestion]) -> None:
    """'Response rate was 22.6% (95% CI ...) for A and 10.0% (95% CI ...) for B': the second rate has the
    first one's endpoint (only across a plain list joint, no other number in between)."""
    text = doc.text
    rates.sort(key=lambda r: r.start)
    for prev, cur in itertools.pairwise(rates):
        if cur.fields.get("endpoint") is None and prev.fields.get("endpoint") is not None \
                and doc.sentence(prev.start) == doc.sentence(cur.start) and prev.end <= cur.start \
                and LIST_GAP.match(text[prev.end:cur.start]):
            cur.fields["endpoint"] = prev.fields["endpoint"]
            if cur.fields.get("horizon") is None:
                cur.fields["horizon"] = prev.fields.get("horizon")
            cur.rule += "+inherited"
            cur.confidence = 0.7


def _gap(text: str, ep: tuple[str, int, int], pos: int) -> str:
    return text[ep[2]:pos]


def _trailing_horizons(doc: Doc, rates: list[Suggestion]) -> None:
    """'... EFS rate of 76.9% (...) and an OS rate of 80.1% (...) at 6 months': the trailing horizon goes to
    every earlier rate of the sentence that has none."""
    text = doc.text
    by_sentence: dict[tuple[int, int], list[Suggestion]] = {}
    for r in rates:
        by_sentence.setdefault(doc.sentence(r.start), []).append(r)
    for (s, e), rs in by_sentence.items():
        rs.sort(key=lambda r: r.start)
        for hm in HORIZON_AT.finditer(text, s, e):
            if not hm.group("n"):
                continue
            before = [r for r in rs if r.end <= hm.start()]
            if not before:
                continue
            # only when the horizon follows the last rate closely (nothing but words in between)
            gap = text[before[-1].end:hm.start()]
            if len(gap) > 40 or re.search(r"\d", gap):
                continue
            h = _horizon(hm.group("n"), hm.group("u"))
            for r in before:
                if r.fields.get("horizon") is None and r.fields.get("endpoint") is not None:
                    r.fields["horizon"] = h
