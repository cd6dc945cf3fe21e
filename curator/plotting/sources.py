"""Where a drawn thing comes from (pure): the `Ref` every point carries, and the source sentence a
hover shows for a value quoted from the abstract."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from curator.domain.outcomes import Record


class Ref(NamedTuple):
    """Where a drawn thing comes from: the form row (or library row) and its evidence."""

    table: str  # measurements | comparisons | exposures | toxicities | time_to_event | timeline_events
    row: int  # index in the record's list (current paper) or position in the paper (library)
    uid: str = ""
    paper_id: int | None = None
    paper: str = ""  # title (or "paper 12")
    quote: str = ""  # the source sentence, '' when the value has no provenance


_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def sentence_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _SENT_END.finditer(text)]


def source_sentence(span_start: int, span_end: int, quote: str, text: str | None,
                    starts: list[int] | None = None) -> str:
    """The sentence of `text` that holds the span [start, end); the quote itself without text."""
    if not text or span_start < 0 or span_end > len(text) or span_start >= span_end:
        return quote or ""
    if quote and text[span_start:span_end] != quote:
        return quote  # offsets refer to another version of the text: trust the quote
    if starts is None:
        starts = sentence_starts(text)
    k = bisect.bisect_right(starts, span_start) - 1
    s = starts[max(k, 0)]
    j = bisect.bisect_left(starts, span_end)
    e = starts[j] if j < len(starts) else len(text)
    return text[s:e].strip() or quote


def _quote(row: Any, fields: Sequence[str], text: str | None) -> str:
    sources = getattr(row, "sources", None) or {}
    for f in (*fields, *sources.keys()):
        sp = sources.get(f)
        if sp is not None:
            if getattr(sp, "text_field", "abstract") != "abstract":
                return sp.quote
            return source_sentence(sp.start, sp.end, sp.quote, text)
    return ""


def row_ref(rec: Record, table: str, i: int, row: Any, fields: Sequence[str], paper: str,
            text: str | None) -> Ref:
    """The `Ref` of row `i` of `table` in `rec`, quoting the sentence of the first of `fields` with a source."""
    return Ref(table, i, getattr(row, "uid", ""), rec.paper_id, paper, _quote(row, fields, text))


def paper_label(rec: Record | None, title: str | None) -> str:
    """The paper as points name it: its title, else 'paper 12'."""
    if title:
        return title
    return f"paper {rec.paper_id}" if rec is not None else ""
