"""Units as papers write them, their UCUM-like codes, and the only conversions that are safe (pure).

    >>> parse_unit("pg mL-1").code, parse_unit("cell/μl").display, parse_unit("℃").code
    ('pg/mL', 'cells/µL', 'Cel')
    >>> convert(1.2, "mg/dL", "mg/L")
    (12.0, '× 10 (1 mg/dL = 10 mg/L)')
    >>> convert(1.0, "mg/L FEU", "ng/mL DDU")[0] is None
    True

Codes follow UCUM where it is simple (`pg/mL`, `Cel`, `10*9/L`, `/uL`, `{copies}/ug`, `%`); the display
form is what the app shows (`pg/mL`, `°C`, `×10⁹/L`, `cells/µL`, `copies/µg DNA`). Conversions are allowed
only when they are pure arithmetic on the same kind of quantity (pg/mL ↔ ng/L, mg/dL ↔ mg/L, g/L ↔ mg/dL,
10⁹/L ↔ 10³/µL, °F → °C) or when DOMAIN.md gives the analyte's factor (triglycerides mg/dL ↔ mmol/L);
everything else is refused with a reason: D-dimer FEU ↔ DDU, U/mL ↔ pg/mL (sCD25), copies/µg ↔ cells/µL,
mass ↔ molar without a known factor, % ↔ anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUP_OUT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


@dataclass(frozen=True)
class Unit:
    """A parsed unit: `code` (UCUM-like), `display`, the text `as_written`, the `kind` of quantity and the
    `factor` to that kind's base unit (g/L, mol/L, U/L, /L, ...). `basis` is FEU/DDU for D-dimer."""

    code: str
    display: str
    as_written: str
    kind: str
    factor: float = 1.0
    basis: str | None = None


# --------------------------------------------------------------------------- tables

_MASS = {"pg": 1e-12, "ng": 1e-9, "ug": 1e-6, "mg": 1e-3, "g": 1.0, "kg": 1e3}
_SUBST = {"pmol": 1e-12, "nmol": 1e-9, "umol": 1e-6, "mmol": 1e-3, "mol": 1.0}
_ACT_U = {"U": 1.0, "mU": 1e-3, "kU": 1e3}
_ACT_IU = {"IU": 1.0, "mIU": 1e-3, "kIU": 1e3}
_VOL = {"L": 1.0, "dL": 0.1, "mL": 1e-3, "uL": 1e-6, "nL": 1e-9, "mm3": 1e-6}
_TIME_D = {"min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0}
_TIME_M = {"mo": 1.0, "a": 12.0}
_TIME_WORDS = {
    "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "wk": "wk", "wks": "wk", "week": "wk", "weeks": "wk",
    "mo": "mo", "mos": "mo", "month": "mo", "months": "mo",
    "y": "a", "yr": "a", "yrs": "a", "year": "a", "years": "a",
}
_TIME_DISPLAY = {"min": "min", "h": "h", "d": "days", "wk": "weeks", "mo": "months", "a": "years"}
_COUNT_WORD = re.compile(r"^(?:car[-+]?t?[-+]?cells?|car\+?t?cells?|car-?positive(?:viable)?t-?cells?|viablet-?cells?|"
                         r"t-?cells?|cells?|\{cells\}|events?|)$", re.IGNORECASE)
_COPIES_WORD = re.compile(r"^(?:copies|copy|\{copies\}|vectorcopies|transgenecopies)$", re.IGNORECASE)


def _vol_key(s: str) -> str | None:
    t = s.replace("µ", "u").replace("μ", "u")
    low = t.lower()
    if low in ("l", "dl", "ml", "ul", "nl"):
        return {"l": "L", "dl": "dL", "ml": "mL", "ul": "uL", "nl": "nL"}[low]
    if low in ("mm3", "mm^3", "mm(3)", "cumm"):
        return "mm3"
    return None


def _mass_key(s: str) -> str | None:
    t = s.replace("µ", "u").replace("μ", "u")
    if t == "mcg":
        return "ug"
    if t in _MASS:
        return t
    return t.lower() if t.lower() in ("pg", "ng", "ug", "mg", "kg") else None


def _num_u(code: str) -> str:
    """UCUM 'u' prefix → 'µ' for display."""
    return re.sub(r"(?<![A-Za-z])u(?=(?:g|L|mol)\b)", "µ", code)


def _exp_display(e: int) -> str:
    return "×10" + str(e).translate(_SUP_OUT)


# --------------------------------------------------------------------------- parsing

def _clean(text: str) -> tuple[str, str | None]:
    t = unicodedata.normalize("NFKC", text).strip()
    t = t.translate(_SUP).replace("μ", "u").replace("µ", "u").replace("−", "-").replace("–", "-")
    basis = None
    m = re.search(r"[\s(\[]*\b(FEU|DDU)\b[)\]]?\s*$", t, re.IGNORECASE)
    if m:
        basis = m.group(1).upper()
        t = t[: m.start()].strip()
    t = re.sub(r"\s*(?:of\s+)?DNA$", "", t, flags=re.IGNORECASE)
    t = re.sub(r"\bper\b", "/", t, flags=re.IGNORECASE)
    # volumes written out ('cells per microliter' → cells/uL)
    for word, sym in (("microlit(?:er|re)s?", "uL"), ("millilit(?:er|re)s?", "mL"), ("decilit(?:er|re)s?", "dL"),
                      ("lit(?:er|re)s?", "L")):
        t = re.sub(rf"(?<=/)\s*{word}\b", sym, t, flags=re.IGNORECASE)
    m = re.fullmatch(r"(.*?)\s*([A-Za-z]+)\s*-\s*1", t)  # 'pg mL-1' → 'pg/mL'
    if m and m.group(1):
        t = f"{m.group(1)}/{m.group(2)}"
    t = re.sub(r"\s+", "", t)
    return t, basis


_MULT = re.compile(r"^(?:[x×*])?10(?:\^|\*\*?)?(-?\d{1,2})")


def parse_unit(text: str | None) -> Unit | None:
    """Parse a unit as written ('pg/ml', 'pg mL-1', 'cell/μl', '×10^9/L', '℃', 'copies/µg DNA', '%' ...).

    Returns None for text that is not a unit this module knows."""
    if text is None or not str(text).strip():
        return None
    written = str(text).strip()
    t, basis = _clean(written)
    if not t:
        return None
    low = t.lower()
    if low in ("%", "percent", "percentage", "pct"):
        return Unit("%", "%", written, "fraction")
    if low in ("°c", "ºc", "c°", "°", "degc", "degreesc", "degreec", "celsius", "degreescelsius", "cel"):
        return Unit("Cel", "°C", written, "temperature")
    if low in ("°f", "ºf", "degf", "degreesf", "fahrenheit", "degreesfahrenheit", "[degf]"):
        return Unit("[degF]", "°F", written, "temperature")
    if low in _TIME_WORDS:
        code = _TIME_WORDS[low]
        if code in _TIME_D:
            return Unit(code, _TIME_DISPLAY[code], written, "time:days", _TIME_D[code])
        return Unit(code, _TIME_DISPLAY[code], written, "time:months", _TIME_M[code])
    if low in ("mmhg", "mm[hg]"):
        return Unit("mm[Hg]", "mmHg", written, "pressure:mmHg")
    if low in ("cmh2o", "cm[h2o]"):
        return Unit("cm[H2O]", "cm H₂O", written, "pressure:cmH2O")
    if low in ("bpm", "beats/min", "/min"):
        return Unit("/min", "/min", written, "frequency")

    vk = _vol_key(t)
    if vk is not None:
        return Unit(vk, _num_u(vk), written, "volume", _VOL[vk])
    exp = 0
    m = _MULT.match(t)
    if m:
        exp = int(m.group(1))
        t = t[m.end():]
    parts = t.split("/")
    num, dens = parts[0], parts[1:]
    if len(dens) > 2:
        return None

    # ---- numerator
    nkind, nfactor, ncode = None, 1.0, None
    mk = _mass_key(num)
    if mk is not None and not exp:
        nkind, nfactor, ncode = "mass", _MASS[mk], mk
    elif num.replace("µ", "u") in _SUBST and not exp:
        k = num.replace("µ", "u")
        nkind, nfactor, ncode = "substance", _SUBST[k], k
    elif num in _ACT_U and not exp:
        nkind, nfactor, ncode = "activity:U", _ACT_U[num], num
    elif num in _ACT_IU and not exp:
        nkind, nfactor, ncode = "activity:IU", _ACT_IU[num], num
    elif _COPIES_WORD.match(num):
        nkind, nfactor, ncode = "copies", 10.0 ** exp, (f"10*{exp}" if exp else "") + "{copies}"
    elif _COUNT_WORD.match(num):
        nkind, nfactor, ncode = "count", 10.0 ** exp, (f"10*{exp}" if exp else "")
    else:
        return None

    if not dens:
        if nkind == "count" and exp:
            return Unit(ncode, _exp_display(exp) + " cells", written, "count", nfactor)
        if nkind in ("mass", "activity:U", "activity:IU"):
            return Unit(ncode, _num_u(ncode), written, nkind, nfactor)
        return None

    # ---- denominator(s)
    d0 = dens[0]
    vk = _vol_key(d0)
    extra = ""
    if len(dens) == 2:
        d1 = _TIME_WORDS.get(dens[1].lower())
        if d1 not in ("d", "h", "wk") and dens[1].lower() not in ("kg", "m2"):
            return None
        extra = "/" + (d1 or dens[1].lower())
    if vk is not None:
        dfactor, dcode, dkind = _VOL[vk], vk, "volume"
    elif d0.lower() in ("kg",):
        dfactor, dcode, dkind = 1e3, "kg", "body mass"
    elif d0.lower() in ("m2", "m^2", "m(2)"):
        dfactor, dcode, dkind = 1.0, "m2", "area"
    elif _mass_key(d0) is not None:
        k = _mass_key(d0)
        dfactor, dcode, dkind = _MASS[k], k, "mass"
    elif d0.lower() in _TIME_WORDS and _TIME_WORDS[d0.lower()] in _TIME_D:
        k = _TIME_WORDS[d0.lower()]
        dfactor, dcode, dkind = _TIME_D[k], k, "time"
    else:
        return None

    code = f"{ncode}/{dcode}{extra}"
    kind = f"{nkind}/{dkind}{extra}"
    factor = nfactor / dfactor
    if nkind == "count":
        display = (_exp_display(exp) if exp else "cells") + "/" + _num_u(dcode).replace("mm3", "mm³") + extra
    elif nkind == "copies":
        display = ("copies" if not exp else _exp_display(exp) + " copies") + "/" + _num_u(dcode)
        if dkind == "mass":
            display += " DNA"
    else:
        display = _num_u(code)
    display = display.replace("/m2", "/m²")
    if basis:
        display += f" {basis}"
    return Unit(code, display, written, kind, factor, basis)


def canonical(text: str | None) -> str | None:
    """The UCUM-like code of a unit as written, or None."""
    u = parse_unit(text)
    return u.code if u else None


def display(text: str | None) -> str | None:
    u = parse_unit(text)
    return u.display if u else None


# --------------------------------------------------------------------------- conversion

_TRIGLYCERIDE_MG_DL_PER_MMOL_L = 88.57  # DOMAIN.md: mmol/L = mg/dL ÷ 88.57
_ENZYMES = {"LDH", "ALT", "AST"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def _round(x: float) -> float:
    return float(f"{x:.12g}")


def _analyte_id(analyte: str | None) -> str | None:
    if not analyte:
        return None
    from curator.domain import vocabulary

    m = vocabulary.analytes().match(analyte)
    return m.entry_id if m else None


def convert(value: float | None, from_unit: str, to_unit: str,
            analyte: str | None = None) -> tuple[float | None, str]:
    """Convert `value` between units when it is safe; returns (new value, description of the factor) or
    (None, reason it was refused)."""
    a, b = parse_unit(from_unit), parse_unit(to_unit)
    if a is None:
        return None, f"unknown unit '{from_unit}'"
    if b is None:
        return None, f"unknown unit '{to_unit}'"
    aid = _analyte_id(analyte)
    if a.basis and b.basis and a.basis != b.basis:
        return None, f"D-dimer {a.basis} and {b.basis} are different reporting bases: never converted"
    if a.code == b.code:
        return (None if value is None else float(value)), "same unit"
    if a.kind == "temperature" and b.kind == "temperature":
        if value is None:
            return None, "no value"
        if a.code == "[degF]":
            return _round((value - 32) * 5 / 9), "°F → °C: (°F − 32) × 5/9"
        return _round(value * 9 / 5 + 32), "°C → °F: °C × 9/5 + 32"
    kinds = {a.kind, b.kind}
    # triglycerides: the one mass <-> molar factor DOMAIN.md gives
    if kinds == {"mass/volume", "substance/volume"}:
        if aid != "triglycerides":
            return None, "mass ↔ molar units need the analyte's molar mass; only triglycerides have a factor here"
        if a.kind == "mass/volume":
            in_mmol_l = a.factor * 100 / _TRIGLYCERIDE_MG_DL_PER_MMOL_L  # 1 unit of `a`: g/L → mg/dL → mmol/L
            f = in_mmol_l / (b.factor * 1e3)
        else:
            in_mg_dl = a.factor * 1e3 * _TRIGLYCERIDE_MG_DL_PER_MMOL_L  # 1 unit of `a`: mol/L → mmol/L → mg/dL
            f = in_mg_dl / (b.factor * 100)
        v = None if value is None else _round(value * f)
        return v, f"triglycerides: × {_fmt(_round(f))} (1 mmol/L = 88.57 mg/dL)"
    if a.kind != b.kind:
        if {"activity:U", "activity:IU"} == {a.kind.split("/")[0], b.kind.split("/")[0]} and aid in _ENZYMES:
            f = a.factor / b.factor
            return (None if value is None else _round(value * f)), f"× {_fmt(_round(f))} (enzyme U = IU)"
        if "copies" in a.kind or "copies" in b.kind:
            return None, "transgene copies (qPCR) and cell counts (flow) measure different things: never converted"
        ak, bk = a.kind.split("/")[0], b.kind.split("/")[0]
        if ak.startswith("activity") and bk.startswith("activity"):
            return None, "arbitrary assay units (U) and international units (IU) are not interchangeable"
        if ak.startswith("activity") or bk.startswith("activity"):
            return None, "activity units (U/mL) and mass units (pg/mL) are assay-dependent: never converted"
        if "fraction" in kinds:
            return None, "a percentage cannot be converted to an absolute unit"
        return None, f"'{from_unit}' and '{to_unit}' measure different kinds of quantity"
    f = a.factor / b.factor
    v = None if value is None else _round(value * f)
    if abs(f - 1) < 1e-12:
        desc = f"× 1 (1 {a.display} = 1 {b.display})"
    elif f > 1:
        desc = f"× {_fmt(_round(f))} (1 {a.display} = {_fmt(_round(f))} {b.display})"
    else:
        desc = f"÷ {_fmt(_round(1 / f))} (1 {b.display} = {_fmt(_round(1 / f))} {a.display})"
    return v, desc


def standardize(value: float | None, unit: str | None, analyte: str | None
                ) -> tuple[float | None, str | None, str]:
    """(standard value, standard unit code, what was done) for a value in the analyte's default unit.

    Refusals return (None, None, reason): the as-reported value stays the record of truth."""
    from curator.domain import vocabulary

    if not analyte:
        return None, None, "no analyte"
    target = vocabulary.default_unit(analyte)
    if target is None:
        return None, None, f"unknown analyte '{analyte}'"
    if not unit:
        return None, None, "no unit"
    u = parse_unit(unit)
    if u is None:
        return None, None, f"unknown unit '{unit}'"
    v, desc = convert(value, unit, target, analyte)
    if v is None and value is not None:
        return None, None, desc
    return v, target, desc
