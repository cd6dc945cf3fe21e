"""P-values as papers write them: 'P < 0.001', 'P=.02', 'P-value = < 0·0001', 'p ≤ 0.05', 'p for trend = 0.04', 'P for interaction < .01',
'P = 1.2 × 10⁻⁶', 'NS'. The one rule for reading a p-value: the store derives p_operator/p_value from a row's
p_text with it, and the extractor reads the p-values it finds with it."""

from __future__ import annotations

import re

from curator.domain.numbers import parse_number

_LABEL = (r"p(?:\s*[-‐]?\s*values?)?(?:\s*\((?:two|2)[- ]sided\))?(?:\s*(?:for\s+)?trend"
          r"|\s*for\s+(?:subgroup\s+)?(?:interaction|difference|heterogeneity))?")
_P = re.compile(
    rf"^\s*(?:{_LABEL})?\s*(?P<op>(?:[=<>≤≥⩽⩾]\s*){{0,2}})(?P<num>[0-9.,·∙×xX*\-−eE^⁰¹²³⁴⁵⁶⁷⁸⁹⁻\s]+?)\s*$",
    re.IGNORECASE,
)
_OPS = {"": "=", "<=": "≤", ">=": "≥", "⩽": "≤", "⩾": "≥"}
OPERATORS = ("=", "<", ">", "≤", "≥")


def p_operator(written: str) -> str | None:
    """The operator as stored: '<=' and '⩽' → '≤', '= <' (as in 'P-value = < 0·0001') → '<', nothing → '='."""
    o = re.sub(r"\s+", "", written)
    if len(o) == 2 and o[0] == "=":
        o = o[1]
    o = _OPS.get(o, o)
    return o if o in OPERATORS else None


def parse_p(text: str | None) -> tuple[str | None, float | None]:
    """('<', 0.001) for 'P < 0.001'; (None, None) when the text holds no p-value."""
    if not text or not text.strip():
        return None, None
    t = text.strip()
    if t.upper() in ("NS", "N.S.", "NOT SIGNIFICANT"):
        return ">", 0.05
    m = _P.match(t)
    if not m:
        return None, None
    op = p_operator(m.group("op"))
    value = parse_number(m.group("num"))
    if op is None or value is None:
        return None, None
    return op, value
