"""A paper's full text read from a PDF: its text in reading order, page by page, with one box per
character, its sections and its tables (pure, no I/O).

Offsets: `FullText.text` is the pages' texts joined by a form feed ("\\f"); every offset into the full
text (a provenance span with text_field FULLTEXT, a section, a table cell) is an offset into that
string, and `page_of` tells the 1-based page it is on. `PageText.boxes` holds, for every character of
the page's text in order, its box (left, bottom, right, top) in PDF points, as little-endian float32
(4 numbers a character; a generated space or line end has an empty box 0,0,0,0).
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from typing import Any

FULLTEXT = "fulltext"  # the text_field of a span into a full text
PAGE_BREAK = "\f"
SECTION_LABELS = ("abstract", "introduction", "methods", "results", "discussion", "conclusion", "references")
SUGGEST_SECTIONS = ("abstract", "results")  # what suggestions read; never the references
NO_TEXT_LAYER = ("has no text layer (a scan): its pages can be shown, but suggestions and linking need text; "
                 "add a text layer with OCR, e.g. `ocrmypdf in.pdf out.pdf`, and import that file")


@dataclass
class PageText:
    number: int  # 1-based
    width: float  # PDF points
    height: float
    start: int  # offset of the page's first character in FullText.text
    length: int  # characters of this page's text
    boxes: bytes = b""  # float32 l, b, r, t per character

    def box_array(self) -> array:
        a = array("f")
        a.frombytes(self.boxes)
        return a

    def char_boxes(self, start: int, end: int) -> list[tuple[float, float, float, float]]:
        """Boxes of the page's characters start..end (page-relative offsets), empty ones left out."""
        a = self.box_array()
        out = []
        for i in range(max(0, start), min(end, self.length)):
            box = (a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3])
            if box[2] > box[0] and box[3] > box[1]:
                out.append(box)
        return out


@dataclass
class TextRange:
    """A labelled part of the full text (a section), as offsets into FullText.text."""

    label: str
    start: int
    end: int
    heading: str = ""


@dataclass
class TableCell:
    text: str
    start: int = -1  # offsets into FullText.text of the cell's words (-1: not on the page, e.g. a blank)
    end: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass
class Table:
    """A table as printed: header rows first, then the body rows; every cell's text as printed."""

    page: int  # 1-based
    caption: str
    rows: list[list[TableCell]]
    header_rows: int = 1
    label: str = ""  # "Table 1"

    def texts(self) -> list[list[str]]:
        return [[c.text for c in r] for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "caption": self.caption, "label": self.label, "header_rows": self.header_rows,
                "rows": [[c.to_dict() for c in r] for r in self.rows]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Table:
        return cls(page=d["page"], caption=d.get("caption", ""), label=d.get("label", ""),
                   header_rows=d.get("header_rows", 1),
                   rows=[[TableCell(**c) for c in r] for r in d.get("rows", [])])


@dataclass
class FullText:
    filename: str
    pdf: bytes
    text: str
    pages: list[PageText]
    sections: list[TextRange] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    title: str = ""
    doi: str | None = None

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def has_text(self) -> bool:
        return any(not c.isspace() for c in self.text)

    def page_of(self, offset: int) -> int:
        """The 1-based page the character at `offset` is on."""
        starts = [p.start for p in self.pages]
        return max(1, bisect.bisect_right(starts, offset))

    def page_text(self, number: int) -> str:
        p = self.pages[number - 1]
        return self.text[p.start:p.start + p.length]

    def section(self, label: str) -> TextRange | None:
        return next((s for s in self.sections if s.label == label), None)

    def section_text(self, label: str) -> str:
        s = self.section(label)
        return self.text[s.start:s.end] if s else ""

    def boxes(self, start: int, end: int) -> list[tuple[int, tuple[float, float, float, float]]]:
        """(page, box) of every character in start..end (offsets into the full text), across pages."""
        out = []
        for p in self.pages:
            lo, hi = max(start, p.start), min(end, p.start + p.length)
            if lo < hi:
                out += [(p.number, b) for b in p.char_boxes(lo - p.start, hi - p.start)]
        return out

    def offset_at(self, page: int, x: float, y: float) -> int | None:
        """The full-text offset of the character whose box holds (x, y) on `page` (PDF points), or the
        nearest one on its line; None on an empty page."""
        p = self.pages[page - 1]
        a = p.box_array()
        best: tuple[float, int] | None = None
        for i in range(p.length):
            x0, y0, x1, y1 = a[4 * i:4 * i + 4]
            if x1 <= x0 or y1 <= y0:
                continue
            if x0 <= x <= x1 and y0 <= y <= y1:
                return p.start + i
            dx = 0.0 if x0 <= x <= x1 else min(abs(x - x0), abs(x - x1))
            dy = 0.0 if y0 <= y <= y1 else min(abs(y - y0), abs(y - y1))
            d = dy * 4 + dx  # the same line first
            if best is None or d < best[0]:
                best = (d, i)
        return None if best is None else p.start + best[1]
