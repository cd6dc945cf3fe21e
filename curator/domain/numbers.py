"""Numbers as papers write them: '14·8', '21,984.11', '1.2 × 10^6', '−3', '.02'."""

from __future__ import annotations

import re

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SCI = re.compile(r"^([-+]?\d*\.?\d+)\s*[x×*]\s*10\s*\^?\s*([-+]?\d+)$")


def parse_number(text: str | None) -> float | None:
    """A float from a number as written, or None when it is not a number."""
    if text is None:
        return None
    t = str(text).strip().replace("·", ".").replace("−", "-").replace("–", "-").replace("\u2009", "")
    t = t.translate(_SUPERSCRIPTS).replace(" ", "")
    if not t:
        return None
    m = _SCI.match(t.replace("E", "e") if "10" in t else t)
    if m:
        return float(m.group(1)) * 10 ** int(m.group(2))
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    elif re.fullmatch(r"[-+]?\d+,\d+", t):
        t = t.replace(",", ".")  # decimal comma
    try:
        return float(t)
    except ValueError:
        return None
