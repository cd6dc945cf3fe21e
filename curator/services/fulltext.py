"""Full texts from PDFs: what the reader, the CLI and the table mapping ask of a paper's PDF (its text,
pages, boxes, sections, tables), suggestions over its abstract and results with their pages, and links
from a value to words or a table cell on a page."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from curator.domain.fulltext import FULLTEXT, SUGGEST_SECTIONS, FullText, Table, TableCell
from curator.domain.outcomes import Span
from curator.extract import suggest as extract
from curator.extract.model import Suggestion
from curator.store import fulltext_queries


def load(lib, paper_id: int, with_pdf: bool = True) -> FullText | None:
    return fulltext_queries.load_fulltext(lib, paper_id, with_pdf=with_pdf)


def has_fulltext(lib, paper_id: int) -> bool:
    return fulltext_queries.has_fulltext(lib, paper_id)


def pdf_bytes(lib, paper_id: int) -> bytes | None:
    return fulltext_queries.load_pdf(lib, paper_id)


def tables(lib, paper_id: int) -> list[Table]:
    return fulltext_queries.load_tables(lib, paper_id)


def save_tables(lib, paper_id: int, edited: list[Table]) -> None:
    fulltext_queries.save_tables(lib, paper_id, edited)


def tables_json(lib, paper_id: int) -> dict[str, Any]:
    """`curator tables --json`: every table of the paper's full text, header rows first, cells as printed."""
    return {"paper_id": paper_id,
            "tables": [{"page": t.page, "caption": t.caption, "label": t.label, "header_rows": t.header_rows,
                        "rows": t.texts()} for t in tables(lib, paper_id)]}


def span_of(ft: FullText, start: int, end: int, made_by: str | None = "curator") -> Span:
    """A link to the full text's characters start..end: the quote as printed and the page it starts on."""
    return Span(start, end, ft.text[start:end], text_field=FULLTEXT, made_by=made_by, page=ft.page_of(start))


def cell_span(ft: FullText, cell: TableCell) -> Span | None:
    """A link to a table cell's words (None for a blank cell)."""
    if cell.start < 0 or cell.end <= cell.start:
        return None
    return Span(cell.start, cell.end, cell.text, text_field=FULLTEXT, made_by="curator", page=ft.page_of(cell.start))


def suggestions(ft: FullText) -> list[tuple[Suggestion, str, int]]:
    """The extractor over the full text's abstract and results (never its references): each suggestion
    with offsets into the full text, the section it came from and its 1-based page."""
    out: list[tuple[Suggestion, str, int]] = []
    if not ft.has_text:
        return out
    for sec in ft.sections:
        if sec.label not in SUGGEST_SECTIONS:
            continue
        text = ft.text[sec.start:sec.end]
        for s in extract(text):
            shifted = replace(s, start=s.start + sec.start, end=s.end + sec.start,
                              spans={k: (a + sec.start, b + sec.start) for k, (a, b) in s.spans.items()})
            shifted.anchor = s.anchor + sec.start if s.anchor >= 0 else -1
            out.append((shifted, sec.label, ft.page_of(shifted.start)))
    return out


def suggestions_json(ft: FullText) -> list[dict[str, Any]]:
    return [s.to_dict() | {"text_field": FULLTEXT, "section": label, "page": page}
            for s, label, page in suggestions(ft)]
