"""Full texts from PDFs: what the reader, the CLI and the table mapping ask of a paper's PDF (its text,
pages, boxes, sections, tables), suggestions over its abstract and results with their pages, and links
from a value to words or a table cell on a page."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from curator.domain import units
from curator.domain.fulltext import FULLTEXT, SUGGEST_SECTIONS, FullText, Table, TableCell
from curator.domain.numbers import parse_number
from curator.domain.outcomes import Measurement, Span
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
    """The paper's tables: those of its PDF full text, else those its JATS full text carried."""
    found = fulltext_queries.load_tables(lib, paper_id)
    if found or fulltext_queries.has_fulltext(lib, paper_id):
        return found
    paper = lib.get_paper(paper_id)
    return [Table.from_dict(t) for t in (paper.extra.get("tables") or [])] if paper is not None else []


def save_tables(lib, paper_id: int, edited: list[Table]) -> None:
    """The tables as the curator edited them: with the PDF full text, or in the paper (a JATS text's)."""
    if fulltext_queries.has_fulltext(lib, paper_id):
        fulltext_queries.save_tables(lib, paper_id, edited)
        return
    paper = lib.get_paper(paper_id)
    if paper is not None:
        paper.extra["tables"] = [t.to_dict() for t in edited]
        with lib.transaction():
            lib.update_paper(paper_id, paper)


def tables_json(lib, paper_id: int) -> dict[str, Any]:
    """`curator tables --json`: every table of the paper's full text, header rows first, cells as printed
    ("page" null for a JATS table: it has no pages)."""
    return {"paper_id": paper_id,
            "tables": [{"page": t.page or None, "caption": t.caption, "label": t.label, "header_rows": t.header_rows,
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


# --- a table's cells into form rows ------------------------------------------------------------------------

_OPERATOR = re.compile(r"^\s*(<=|>=|≤|≥|<|>|=)\s*")
_DAY = re.compile(r"\b(?:day|d)\s*[-+]?\s*(-?\d+)\b", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")


def _label_and_unit(label: str) -> tuple[str, str | None]:
    """'Free T4 (0.89–1.76 ng/dL)' → ('Free T4', 'ng/dL'): a unit in the label's last brackets (its last
    word when it reads as one: letters with a '/', '%', or a unit the vocabulary knows)."""
    m = _PAREN.search(label)
    if not m:
        return label.strip(), None
    words = m.group(1).split()
    last = words[-1] if words else ""
    if "/" in last and any(c.isalpha() for c in last) or last == "%" or units.parse_unit(last) is not None:
        return label[:m.start()].strip(), last
    return label.strip(), None


def _header_text(table: Table, col: int) -> tuple[str, TableCell | None]:
    """A column's heading: its header rows' distinct texts joined (a spanning heading once)."""
    texts, cell = [], None
    for r in table.rows[:table.header_rows]:
        c = r[col] if col < len(r) else None
        if c is not None and c.text and c.text not in texts:
            texts.append(c.text)
            cell = c
    return " ".join(texts), cell


def measurements_from_table(ft: FullText, table: Table, label_index: int = 0, analytes_in: str = "rows",
                            skip: tuple[int, ...] = ()) -> list[Measurement]:
    """Map a table of analyte × timepoint values to measurement rows, each value citing its cell (and the
    analyte and timepoint their heading cells).

    `analytes_in` "rows": each body row is an analyte named in column `label_index`, each other column a
    timepoint named by its heading; "columns": each column (but `label_index`) is an analyte named by its
    heading, each body row a timepoint named in column `label_index`. A heading 'Day 7' (or 'D7') also
    gives the day. A cell '<0.008' is operator '<' and value 0.008; a cell that is no number is left out.
    `skip`: indices of columns (rows mode) or body rows (columns mode) the curator left out."""
    body = table.rows[table.header_rows:]
    width = max((len(r) for r in table.rows), default=0)
    out: list[Measurement] = []

    def make(analyte_cell: TableCell | None, analyte_text: str, time_text: str, time_cell: TableCell | None,
             cell: TableCell) -> None:
        m = _OPERATOR.match(cell.text)
        op = {"<=": "≤", ">=": "≥"}.get(m.group(1), m.group(1)) if m else None
        value = parse_number(cell.text[m.end():] if m else cell.text)
        if value is None:
            return
        analyte, unit = _label_and_unit(analyte_text)
        if not analyte:
            return
        day = _DAY.search(time_text)
        row = Measurement(analyte=analyte, unit=unit, timepoint=time_text or None, operator=op,
                          value=value, day=int(day.group(1)) if day else None)
        for name, c in (("value", cell), ("analyte", analyte_cell), ("timepoint", time_cell)):
            span = cell_span(ft, c) if c is not None else None
            if span is not None and getattr(row, name) is not None:
                row.sources[name] = span
        out.append(row)

    if analytes_in == "rows":
        for r in body:
            if label_index >= len(r) or not r[label_index].text:
                continue
            for col in range(width):
                if col == label_index or col in skip or col >= len(r) or not r[col].text:
                    continue
                time_text, time_cell = _header_text(table, col)
                make(r[label_index], r[label_index].text, time_text, time_cell, r[col])
    else:
        for col in range(width):
            if col == label_index:
                continue
            analyte_text, analyte_cell = _header_text(table, col)
            for i, r in enumerate(body):
                if i in skip or col >= len(r) or not r[col].text or label_index >= len(r):
                    continue
                make(analyte_cell, analyte_text, r[label_index].text, r[label_index], r[col])
    return out
