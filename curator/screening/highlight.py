"""Where a record's text mentions the curator's inclusion and exclusion terms (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable

INCLUDE, EXCLUDE = "include", "exclude"

DEFAULT_INCLUDE_TERMS = ("CAR-T", "CAR T", "chimeric antigen receptor", "cytokine release", "CRS", "ICANS",
                         "neurotoxicity", "tocilizumab", "HLH", "toxicity")
DEFAULT_EXCLUDE_TERMS = ("mice", "murine", "in vitro", "xenograft", "review")


def parse_terms(text: str) -> list[str]:
    """Terms typed as a comma- or semicolon-separated list."""
    return list(dict.fromkeys(t.strip() for t in re.split(r"[,;\n]", text or "") if t.strip()))


def term_spans(text: str, include: Iterable[str], exclude: Iterable[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans of whole-word, case-insensitive matches, in text order.
    Where two terms overlap the longer wins; an include term wins a tie."""
    found: list[tuple[int, int, str]] = []
    for kind, terms in ((INCLUDE, include), (EXCLUDE, exclude)):
        for term in terms:
            if not term.strip():
                continue
            pat = re.compile(r"(?<!\w)" + re.escape(term.strip()) + r"(?!\w)", re.IGNORECASE)
            found += [(m.start(), m.end(), kind) for m in pat.finditer(text)]
    found.sort(key=lambda s: (s[0], -(s[1] - s[0]), s[2] != INCLUDE))
    out: list[tuple[int, int, str]] = []
    for s in found:
        if out and s[0] < out[-1][1]:
            continue
        out.append(s)
    return out
