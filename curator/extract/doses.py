"""Doses: a number with a dose unit, and the drug it belongs to when that is clear.

Rules
  dose.drug_before   tocilizumab 8 mg/kg, tocilizumab (8 mg/kg), dexamethasone 10 mg every 6 h
  dose.drug_after    8 mg/kg tocilizumab, 8 mg/kg of tocilizumab
  dose.unattributed  6 mg/kg, 2 × 10^6 CAR-T cells/kg   (weight/BSA-based units only)
Plain mass units (10 mg) are taken only next to a named drug; lab units (mg/dL, mg/L) are never doses.
"""

from __future__ import annotations

import re
from typing import Any

from curator.domain import vocabulary
from curator.domain.units import parse_unit
from curator.extract.context import Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import MULT, NB, NUM, NUMB, num

_PERKG = r"\s?/\s?(?:kg|m2|m²|m\(2\)|m\^2|day|d)(?![a-zA-Z])"
_CELLS = r"(?:(?:CAR[-+ ]?T|CAR\s?\+\s?T|CAR[- ]?positive\s+(?:viable\s+)?T|viable\s+T|T)[- ]?cells?|(?:CAR\s?\+\s?)?cells?)"
# '80 (N = 11) × 10^6 cells': the arm size between; '3 × 10^5 (dose level 1)': the level's name
_NOTE = r"(?:\s*+\((?:[nN]\s*+=\s*+\d++|\d++\s++patients?|(?i:dose\s++level|DL)\s*+\d++)\))"
# the power of ten as authors write it: '× 10^6', '× 10⁶', 'x 10e6', '× 10(6)', 'million'
_MULT = rf"(?:{MULT}|[×x*]\s?10\s?[eE]\s?\d{{1,2}}(?!\d)|[×x*]\s?10\s?\(\s?\d{{1,2}}\s?\)|\s?million)"
# the cells named by their target between the count and the unit: '1 × 10^6 CD19 CAR T cells/kg', 'anti-BCMA CAR T cells'
_TGT = r"(?:(?:CD\d{1,3}(?:/CD\d{1,3})?|BCMA|GPC3|anti-?[A-Za-z0-9]{2,8}|[A-Za-z0-9]{2,8}-(?:directed|targeted|specific))\s)"
_PER_KG = r"(?:/\s?kg|\s+per\s+kg\b)"
DOSE = re.compile(
    rf"(?P<v>{NUMB})(?:\s?(?:-|–|to)\s?(?P<v2>{NUM}))?{_NOTE}?\s?"
    rf"(?P<u>{_MULT}{_NOTE}?\s?(?:{_TGT}?{_CELLS}\s?)?{_PER_KG}"
    rf"|{_MULT}{_NOTE}?\s?{_TGT}?{_CELLS}(?![\w/])"
    rf"|(?:mg|[µμu]g|mcg|g|IU|U)(?:{_PERKG})(?:\s?/\s?(?:day|d|dose))?"
    rf"|(?:mg|[µμu]g|mcg|g)(?![\w/]))")
FREQ = re.compile(r"\s*(?:(?:every|q)\s?(?P<q>\d+)\s?(?:h|hr|hours?)\b|(?P<w>once|twice|three\s+times|four\s+times)"
                  r"\s+(?:daily|a\s+day|per\s+day)|(?P<d>daily|per\s+day|/day))", re.IGNORECASE)
DRUGLIKE = re.compile(r"^[A-Za-z][a-z]{3,}(?:mab|nib|cept|xel|taxel|platin|mycin|rubicin|sone|olone|amide|phamide|"
                      r"abine|arabine|stine|trexate|poside|zumab|ximab|umab|limus|tinib|ciclib|parin|azole|vir|cillin|"
                      r"ine|ide|ol|in)$")
NOT_DRUG = {"protein", "insulin", "medicine", "control", "baseline", "routine", "vaccine", "line", "guideline",
            "online", "decline", "cholesterol", "alcohol", "protocol", "ferritin", "fibrin", "bilirubin", "creatinine",
            "albumin", "hemoglobin", "haemoglobin", "toxin", "origin", "margin", "within", "begin", "examine",
            "determine", "define", "outside", "inside", "side", "wide", "provide", "include", "guide", "tide",
            "patrol", "combine", "discipline", "machine", "engine", "feminine", "doctrine"}


def _unit_text(unit: str) -> str:
    """A cell-dose unit in the shape the unit parser reads: '× 10e6' / '× 10(6)' / 'million' → '× 10^6', the target
    named inside dropped ('CD19 CAR T cells/kg' → 'CAR T cells/kg')."""
    u = re.sub(r"10\s?[eE]\s?(\d{1,2})|10\s?\(\s?(\d{1,2})\s?\)", lambda m: "10^" + (m.group(1) or m.group(2)), unit)
    u = re.sub(r"^\s?million", "× 10^6", u)
    u = re.sub(_NOTE, "", u)
    return re.sub(_TGT, "", u)


def _druglike(word: str) -> bool:
    return (bool(DRUGLIKE.match(word)) and word.lower() not in NOT_DRUG
            and vocabulary.analytes().match(word, fuzzy=False) is None)


def _drug_near(doc: Doc, start: int, end: int) -> tuple[Any, str, int] | None:
    """(match-or-None, how, evidence start/end) of the drug a dose at [start, end) belongs to."""
    text = doc.text
    best = None
    for h in doc.drugs:
        if h.end <= start and start - h.end <= 28:
            gap = text[h.end:start]
            # each connector read once (atomic, the longest first; the list possessive)
            if re.fullmatch(r"\s*+(?:(?>at\s+(?:a\s+)?(?:dose|doses)\s+of|\(|,|:|was\s+(?:given|administered|dosed)\s+"
                            r"at|dosed\s+at|(?:at\s+)?(?:a\s+)?(?:single\s+)?dose\s+of|at"
                            # a cap after the weight-based dose: 'tocilizumab (8 mg/kg; maximum 800 mg)'
                            r"|\d[\d.]*+\s?(?:mg|g)/kg\s*+[;,]?\s*+(?:maximum|max\.?|not\s+exceeding|up\s+to)(?:\s+(?:dose|of))*+"
                            r")\s*+)*+", gap):
                best = (h, "before", h.start)
        elif h.start >= end and h.start - end <= 8 and re.fullmatch(r"\s*(?:of\s+)?", text[end:h.start]):
            return h, "after", h.end
    return best


# dose levels listed before one shared unit: '50, 150 and 450 × 10^6 CAR+ T cells', '20 (N = 7), 40 (N = 24), or 80'
# (read once: the list starts at its first item — never right after 'n, ' — and each item with its separator is
# taken possessively, so a long list that does not end at the unit is given up in one pass, not re-read from
# every item)
_SEP_ITEM = r"(?:,\s*+(?:(?:and|or)\s++)?|(?:and|or)(?:\s++|$))"
LEVELS_BEFORE = re.compile(rf"(?<!\d,)(?<!\d,\s)(?P<items>(?:{NUMB}{_NOTE}?+\s*+{_SEP_ITEM})++)$")


# ... and levels each with its own power of ten: '1 × 10^6, 3 × 10^6 and 1 × 10^7 cells/kg'
LEVELS_MULT_BEFORE = re.compile(rf"(?<!\d,)(?<!\d,\s)(?P<items>(?:{NUMB}\s?{_MULT}{_NOTE}?+\s*+(?:{_SEP_ITEM}|to\s++))++)$")


def _levels(doc: Doc, m: re.Match[str], fields: dict[str, Any], conf: float, rule: str) -> list[Suggestion]:
    """The other dose levels of a list sharing the unit of dose `m` (one suggestion each)."""
    text = doc.text
    mm = LEVELS_MULT_BEFORE.search(text, max(0, m.start() - 160), m.start())
    tail = re.match(rf"{_MULT}{_NOTE}?", m.group("u"))
    if mm is not None and tail is not None:
        out = []
        for it in re.finditer(rf"(?P<v>{NUMB})\s?(?P<m>{_MULT})", mm.group("items")):
            unit = (it.group("m") + m.group("u")[tail.end():]).strip()
            pu = parse_unit(_unit_text(unit))
            if pu is None:
                continue
            a = mm.start("items") + it.start()
            f = dict(fields, dose=num(it.group("v")), unit=unit, unit_code=pu.code, level_of_list=True)
            f.pop("dose_max", None)
            out.append(make("dose", f, text, a, m.end(), conf - 0.05, rule + "+list"))
        return out
    lm = LEVELS_BEFORE.search(text, max(0, m.start() - 120), m.start())
    if lm is None or not fields.get("unit_code", "").startswith("10*"):
        return []
    out = []
    items = re.sub(r"\([^()]*\)", lambda b: " " * len(b.group()), lm.group("items"))  # not the arm sizes
    for it in re.finditer(rf"{NB}{NUMB}", items):
        a = lm.start("items") + it.start()
        f = dict(fields, dose=num(it.group()), level_of_list=True)
        f.pop("dose_max", None)
        out.append(make("dose", f, text, a, m.end(), conf - 0.05, rule + "+list"))
    return out


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    for m in DOSE.finditer(text):
        unit = m.group("u")
        pu = parse_unit(_unit_text(unit))
        if pu is None:
            continue
        weight_based = "/kg" in pu.code or "/m2" in pu.code or pu.kind.startswith("count")
        hit = _drug_near(doc, m.start(), m.end())
        if hit is None and pu.kind.startswith("count"):
            s_start, s_end = doc.sentence(m.start())
            prods = [h for h in doc.products if s_start <= h.start < s_end]
            if len({h.entry_id for h in prods}) == 1:
                hit = (prods[0], "product", prods[0].start if prods[0].start < m.start() else prods[0].end)
        fields: dict[str, Any] = {"drug": None, "as_written": None, "dose": num(m.group("v")),
                                  "unit": re.sub(_NOTE, "", unit).strip(),
                                  "unit_code": pu.code}
        if m.group("v2"):
            fields["dose_max"] = num(m.group("v2"))
        start, end = m.start(), m.end()
        rule = "dose.unattributed"
        conf = 0.6
        if hit is not None:
            h, how, ev = hit
            fields.update({"drug": h.canonical, "as_written": h.as_written,
                           "role": "CAR-T" if how == "product" else h.entry.get("role")})
            if how != "product":
                start, end = min(start, ev), max(end, ev)
            rule, conf = f"dose.drug_{how}", 0.85 if how != "product" else 0.65
        else:
            after = re.match(r"\s+(?:of\s+)?([A-Za-z][A-Za-z-]{3,})\b", text[m.end():m.end() + 30])
            win = text[max(0, m.start() - 45):m.start()]
            before = re.search(r"(?<![A-Za-z-])([A-Za-z][A-Za-z-]{3,}+)(?:\s+(?:monotherapy|alone|therapy|treatment|group|arm))?"
                               r"\s*(?:\(\s*)?$", win)
            if after and _druglike(after.group(1)):
                fields.update({"drug": after.group(1).lower(), "as_written": after.group(1), "role": None})
                end = m.end() + after.end(1)
                rule, conf = "dose.drug_after", 0.6
            elif before and _druglike(before.group(1)):
                fields.update({"drug": before.group(1).lower(), "as_written": before.group(1), "role": None})
                start = m.start() - (len(win) - before.start(1))
                rule, conf = "dose.drug_before", 0.6
            else:
                # the only drug named earlier in the sentence ('an azithromycin dosage in ball pythons of 10 mg/kg')
                s_start, _ = doc.sentence(m.start())
                named = [h for h in doc.drugs if s_start <= h.start and h.end <= m.start()]
                words = [w for w in re.finditer(r"[A-Za-z][A-Za-z-]{3,}", text[s_start:m.start()])
                         if _druglike(w.group())]
                if len({h.entry_id for h in named}) == 1 and not words:
                    h = named[-1]
                    fields.update({"drug": h.canonical, "as_written": h.as_written, "role": h.entry.get("role")})
                    rule, conf = "dose.drug_sentence", 0.5
                elif not named and len({w.group().lower() for w in words}) == 1:
                    w = words[-1]
                    fields.update({"drug": w.group().lower(), "as_written": w.group(), "role": None})
                    rule, conf = "dose.drug_sentence", 0.45
                elif not weight_based:
                    continue
        fm = FREQ.match(text, m.end())
        if fm:
            fields["frequency"] = fm.group(0).strip()
            end = max(end, fm.end())
        out.append(make("dose", fields, text, start, end, conf, rule))
        out += _levels(doc, m, fields, conf, rule)
    return out
