"""What a curator's search words are, and where a text holds them (pure): the store builds its full-text
query from `search_words`, the reader highlights `search_hits` with the same rule."""

from __future__ import annotations

import re

WORD = re.compile(r"[\w\u0370-\u03ff]+")


def search_words(text: str | None) -> list[str]:
    """The words of a search as typed ('IFN-γ storm' -> ['IFN', 'γ', 'storm']): every one must appear, the
    last as a prefix (it may still be being typed)."""
    return WORD.findall(text or "")


def search_hits(text: str, search: str | None) -> list[tuple[int, int]]:
    """(start, end) of each word of `text` a search matches: equal to one of its words (case ignored), or
    starting with its last word."""
    words = [w.casefold() for w in search_words(search)]
    if not words:
        return []
    exact, prefix = set(words[:-1]), words[-1]
    out = []
    for m in WORD.finditer(text):
        tok = m.group().casefold()
        if tok in exact or tok.startswith(prefix):
            out.append((m.start(), m.end()))
    return out
