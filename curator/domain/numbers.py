"""Numbers as papers write them: '14·8', '21,984.11', '21 984', '1.2 × 10^6', '−3', '.02', '0,5'.

The one rule for reading a written number: the forms coerce typed text with it, and the extractor reads
the numbers its patterns find with it (`curator.extract.patterns.to_float`)."""

from __future__ import annotations

import math
import re

# decimal points, minus signs and superscripts as papers write them, to plain ASCII
_CHARS = str.maketrans({"·": ".", "∙": ".", "−": "-", "–": "-", "‐": "-",
                        **{s: d for s, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-", strict=True)}})
# thousands in groups of three, with ',' or a (thin, narrow no-break, no-break or plain) space
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:[,\u2009\u202f\u00a0 ]\d{3})+(?:\.\d+)?")
_SEPARATORS = re.compile(r"[,\s]")
_SCI = re.compile(r"^([-+]?\d*\.?\d+)\s*[x×*]\s*10\s*\^?\s*([-+]?\d+)$")


def parse_number(text: str | None) -> float | None:
    """A float from a number as written, or None when it is not a (finite) number."""
    if text is None:
        return None
    t = str(text).strip().translate(_CHARS)
    if _GROUPED.fullmatch(t):
        return float(_SEPARATORS.sub("", t))
    t = re.sub(r"\s", "", t)
    if not t:
        return None
    m = _SCI.match(t.replace("E", "e") if "10" in t else t)
    if m:
        return float(m.group(1)) * 10 ** int(m.group(2))
    if re.fullmatch(r"[-+]?\d+,\d+", t):
        t = t.replace(",", ".")  # decimal comma
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None  # 'nan', 'inf' are words, not numbers a paper reports


def format_number(value: float) -> str:
    """Exactly the number entered (21984.11 stays 21984.11; 38.0 shows as 38)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text
