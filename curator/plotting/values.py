"""How the plots read, name and place values (pure): flags, number and day formats, unit and analyte
names, and the log-axis rules shared by every plot."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

FLAG_BELOW = "below_limit"  # operator '<' / '≤': the value is a detection limit, the truth is below it
FLAG_ABOVE = "above_limit"  # operator '>' / '≥'
FLAG_NONPOSITIVE = "nonpositive"  # zero or negative on a log axis: drawn at the floor

FLAG_TEXT = {
    FLAG_BELOW: "below the detection limit",
    FLAG_ABOVE: "above the upper limit of quantification",
    FLAG_NONPOSITIVE: "zero or negative: drawn at the bottom of the log axis",
}



def limit_flag(operator: str | None) -> str:
    """The flag of a value written with an operator: '<' or '≤' below a detection limit, '>' or '≥' above
    the upper limit, '' for a plain value."""
    return FLAG_BELOW if operator in ("<", "≤") else FLAG_ABOVE if operator in (">", "≥") else ""


def flag_operator(flag: str) -> str:
    """'<' or '>' to write before a value with that flag, '' otherwise."""
    return "<" if flag == FLAG_BELOW else ">" if flag == FLAG_ABOVE else ""


def floor_note(n: int) -> str:
    """What a log panel says about its values ≤ 0 (drawn at the axis floor), '' when there are none."""
    return f"⚠ {n} value{'s' if n > 1 else ''} ≤ 0 drawn at the axis floor (✕)" if n else ""


@lru_cache(maxsize=512)
def unit_display(unit: str | None) -> str:
    """How a unit is shown on an axis: the display form of a known unit, else the text as written."""
    if not unit or not str(unit).strip():
        return "(no unit)"
    from curator.domain.units import parse_unit

    try:
        u = parse_unit(unit)
    except (ValueError, TypeError, re.error):  # a malformed unit must never break a redraw
        u = None
    return u.display if u is not None else str(unit).strip()


@lru_cache(maxsize=1024)
def analyte_info(text: str | None) -> tuple[str, str, str]:
    """(canonical name, entry id, category) of an analyte as written; the text itself when unknown."""
    if not text or not text.strip():
        return "(no analyte)", "", ""
    from curator.domain import vocabulary

    m = vocabulary.analytes().match(text)
    if m is None:
        return text.strip(), "", ""
    return m.canonical, m.entry_id, str(m.entry.get("category") or "")


def analyte_name(text: str | None) -> str:
    return analyte_info(text)[0]


def fmt_value(v: float | None) -> str:
    """A number as a curator wrote it: no trailing zeros, no thousands separator (2150, 32.35, 0.05)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6 or a < 1e-3:
        return f"{v:.3g}"
    return f"{v:.6g}"


def fmt_day(d: float | None) -> str:
    """Day relative to infusion the way CAR-T papers write it: d0, d+11, d-2."""
    if d is None:
        return "d?"
    n = int(d) if float(d).is_integer() else d
    if n == 0:
        return "d0"
    return f"d+{n}" if n > 0 else f"d{n}"


def as_number(v: Any) -> float | None:
    """A finite number as a float; None for anything else (None, text, NaN, a bool)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def log_floor(positives: Iterable[float]) -> float:
    """Where zero/negative values are drawn on a log axis: half a decade under the smallest positive."""
    pos = [p for p in positives if p > 0]
    if not pos:
        return 1.0
    return min(pos) / 10 ** 0.5


AFFINE_UNITS = {"°C", "°F"}


def log_suits(unit: str, positives: Sequence[float]) -> bool:
    """Log axis by default, but not where it misleads or helps nobody: temperatures (an affine scale),
    values that are not all positive-capable, or data spanning less than a factor of 3 (38.4-39.6 °C,
    haemoglobin 8-12 g/dL read better on a linear axis)."""
    if unit in AFFINE_UNITS or not positives:
        return False
    return max(positives) / min(positives) >= 3


_DAY_IN_TEXT = re.compile(r"\b(?:day|d)\s*([+\-−]?\s*\d+)\b", re.IGNORECASE)


def day_in_text(text: str | None) -> float | None:
    """A day written in a timepoint ('day 7', 'D+14', 'd -2'), or None."""
    if not text:
        return None
    hit = _DAY_IN_TEXT.search(text)
    return float(hit.group(1).replace("−", "-").replace(" ", "")) if hit else None
