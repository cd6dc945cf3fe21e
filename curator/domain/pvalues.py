"""P-values as papers write them: 'P < 0.001', 'P=.02', 'P-value = < 0·0001', 'p ≤ 0.05', 'NS'."""

from __future__ import annotations

import re

from curator.domain.numbers import parse_number

_P = re.compile(
    r"^\s*(?:p(?:\s*-?\s*values?)?)?\s*(?P<op1>[=<>≤≥]|<=|>=)?\s*(?P<op2>[<>≤≥]|<=|>=)?\s*(?P<num>[0-9.,·×\-−eE^ ]+?)\s*$",
    re.IGNORECASE,
)
_OPS = {"<=": "≤", ">=": "≥"}


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
    op = m.group("op2") or m.group("op1") or "="
    op = _OPS.get(op, op)
    value = parse_number(m.group("num"))
    if value is None:
        return None, None
    return op, value
