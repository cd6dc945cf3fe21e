"""Medians with their dispersion: range, IQR or CI, as written.

Rules
  median.value        the median follow-up was 15.4 months (IQR 12.0–20.1); median age 9 (range, 1-18) years
  median.header       median (IQR) age was 63 (56-70) years   (the dispersion named before the value)
  median.subject      time to first relapse was median 31.5 months (range 7-89mo)
  median.not_reached  the median EFS and OS were both not reached
A median followed by "vs" is a comparison, not a median; spelled-out numbers and "9y 10mo" are left alone.
"""

from __future__ import annotations

import re
from typing import Any

from curator.extract.context import Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import CI_HEAD, DASH, NB, NUM, SNUM, UNIT, num, to_float
from curator.extract.subjects import clause_subject

DISP_LABEL = rf"(?P<dlab>range|IQR|interquartile\s+range|{CI_HEAD.replace('(?P<lvl>', '(?:').replace('(?P<lvl2>', '(?:')})"
_HEAD = r"(?:\(\s*(?P<head>IQR|range|interquartile\s+range|95\s?%\s?CI)\s*\)|\[\s*(?P<head2>IQR|range)\s*\])"
# (blank runs read once: possessive — what follows each never opens with a blank)
DISP = (rf"(?:\s*+[(\[,;]\s*+|\s++)(?:{DISP_LABEL}(?:\s?\[[A-Za-z]+\]|\s?\([A-Za-z]+\))?\s*+[,:=]?\s*+(?:of\s++|from\s++)?)?(?P<lo>{SNUM})\s?(?:{UNIT})?{DASH}"
        rf"(?P<hi>{SNUM})\s?(?P<u2>{UNIT})?\s*[)\]]?")
MEDIAN = re.compile(
    # '\s*+': a run of blanks between the optional pieces (each starts with a non-blank) is read once;
    # with plain '\s*' every split of the run was tried (a long run after 'median' took minutes)
    rf"[Mm](?<![\w][Mm])edian\b\s*+{_HEAD}?\s*+(?P<qty>(?:(?:[A-Za-zαβγκ][\w/+\-’'.]*|\([A-Za-z][\w/ +-]{{0,15}}\)|\[[A-Za-z][\w/ +-]{{0,15}}\])\s+)"
    rf"{{0,12}}?)\s*+{_HEAD.replace('head', 'hd')}?\s*+"
    rf"(?:,\s*+)?(?:(?:was|were|is|are|of|reached|at|for|:|=)\s++|:\s*+|=\s*+)?(?:approximately\s++|about\s++)?"
    rf"(?P<v>{NB}{NUM})(?![\d/])\s?(?P<u>{UNIT})?(?:{DISP})?(?:\s?(?P<u3>{UNIT}))?")
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
                           r"(?=\s*(?:[,;.)]|$|\b(?:and|per|in|of|for|with|among|at|were|was)\b))")
_NOT_NOUN = {"was", "were", "is", "are", "had", "has", "who", "which", "that", "the", "a", "an", "after", "before",
             "vs", "versus", "respectively"}
_PREPOSITIONS = {"by", "in", "of", "to", "from", "for", "at", "with", "on", "than", "between", "among", "after",
                 "before", "during", "within", "and", "or"}
_BAD_QTY = re.compile(r"\b(?:vs|versus|and|or|than|difference)\b", re.IGNORECASE)


def _disp(m: re.Match[str], head: str | None) -> dict[str, Any]:
    f: dict[str, Any] = {"dispersion": None, "low": None, "high": None}
    if m.group("lo") is None:
        return f
    lab = (m.group("dlab") or head or "").lower()
    lo, hi = to_float(m.group("lo")), to_float(m.group("hi"))
    if "iqr" in lab or "interquartile" in lab:
        kind = "IQR"
    elif "range" in lab:
        kind = "range"
    elif "ci" in lab or "confidence" in lab:
        kind = "CI"
    else:
        kind = None
    f.update({"dispersion": kind, "low": lo, "high": hi})
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
    return lo <= hi and lo <= v <= hi


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    for m in MEDIAN.finditer(text):
        qty = m.group("qty").strip()
        tail = text[m.end():m.end() + 15]
        if _BAD_QTY.search(qty) or re.match(rf"\s*,?\s*(?:vs\.?|versus|v\.)\s*{NUM}", tail):
            continue  # 'median 1,200 vs 150 pg/mL': a comparison, not one median
        if m.group("lo") is None and re.match(r"\s*(?:\d|and\s+\d|to\s+\d|[-–]\s?\d)", tail):
            continue  # '9y 10mo', '12 and 14 months', '2.1 to 2.2 yrs'
        head = m.group("head") or m.group("head2") or m.group("hd") or m.group("hd2")
        v = num(m.group("v"))
        f = _disp(m, head)
        if not _plausible(float(v), f):
            continue
        unit = m.group("u") or m.group("u2") or m.group("u3")
        quantity = re.sub(r"\s+", " ", qty).strip(" ,")
        if quantity and quantity.split()[-1].lower() in _PREPOSITIONS:
            continue  # 'median survival by 2.1 ...': the number is not the median
        arm = None
        ep = next((h for h in doc.endpoints if m.start("qty") <= h.start and h.end <= m.end("qty")), None)
        if ep is not None:
            am = re.match(r"\s+(?:in|for|with|among)\s+(?:the\s+)?(.+)$", text[ep.end:m.end("qty")].rstrip())
            if am:
                arm = am.group(1).strip()
            if am or not text[ep.end:m.end("qty")].strip():
                quantity = ep.canonical
        rule = "median.header" if head else "median.value"
        end = m.end()
        if not quantity and not unit:
            # 'a median of 5 (range 3–13) prior regimens', 'a median of 3 grade ≥3 AEs': the counted thing follows
            qm = COUNTED_AFTER.match(text, m.end())
            if qm and qm.group("w").split()[0].lower() not in _PREPOSITIONS | _NOT_NOUN:
                quantity = " ".join(qm.group("w").split())
                end = qm.end("w")
                rule = "median.counted"
        if not quantity:
            s_start, _ = doc.sentence(m.start())
            anchor = m.start()
            if text[max(0, m.start() - 2):m.start()].strip() in ("(", "["):
                anchor = m.start() - (2 if text[m.start() - 1] == " " else 1)  # '(median 84mo, ...)': about the clause
            subj = clause_subject(doc, anchor, s_start)
            if subj is None:
                continue
            quantity = subj.analyte
            rule = "median.subject"
            start = subj.start
        else:
            start = m.start()
        fields = {"quantity": quantity, "value": v, "unit": unit.strip() if unit else None, **f}
        if arm:
            fields["arm"] = arm
        out.append(make("median", fields, text, start, end, 0.8 if f["low"] is not None else 0.7, rule))

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
