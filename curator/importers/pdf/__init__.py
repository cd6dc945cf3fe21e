"""PDF full texts: the text layer in reading order with page numbers and character boxes (pypdfium2,
Apache-2.0/BSD; never PyMuPDF, whose AGPL would bind the app), the title and DOI from the first page,
the sections from headings and layout, the tables from the words' positions (pure: bytes in).

`read_pdf` gives a FullText (or raises ImportFormatError naming the file: not a PDF, encrypted,
corrupt, truncated); `parse_pdf` gives the import service a ParseResult whose one paper carries the
full text in `ParseResult.fulltexts`. A PDF with no text layer (a scan) gives no paper and one error
saying so (NO_TEXT_LAYER), and its FullText (the pages, for showing) in `fulltexts[0]`.
"""

from __future__ import annotations

import ctypes
import threading
import unicodedata
from array import array
from collections.abc import Callable
from pathlib import Path

from curator.domain.fulltext import NO_TEXT_LAYER, PAGE_BREAK, FullText, PageText
from curator.domain.paper import Paper, Section
from curator.importers import cancel as importers_cancel
from curator.importers.base import ImportFormatError, ParseResult, RecordError
from curator.pdfium_lock import LOCK

PDF_MAGIC = b"%PDF-"
_EOF_TAIL = 4096  # a complete PDF ends with %%EOF within its last few bytes

ProgressFn = Callable[[int, int, str], None]


def is_pdf(data: bytes, filename: str = "") -> bool:
    """What the import path treats as a PDF: a file starting with the PDF header (or, binary, holding it in
    its first kilobyte), or a .pdf name (which then gets a clear message when it is not one). A text export
    that merely mentions "%PDF-" is not one."""
    head = data[:1024]
    return (data.startswith(PDF_MAGIC) or PDF_MAGIC in head and b"\x00" in data[:4096]
            or Path(filename).suffix.lower() == ".pdf")


def _open(data: bytes, filename: str):
    import pypdfium2 as pdfium

    if PDF_MAGIC not in data[:1024]:
        start = data[:40].decode("latin-1", errors="replace")
        raise ImportFormatError(f"{filename}: not a PDF file (a PDF starts with %PDF-; this one starts with "
                                f"{start!r})")
    if b"%%EOF" not in data[-_EOF_TAIL:]:
        raise ImportFormatError(f"{filename}: the PDF is truncated (its end is missing: no %%EOF marker); "
                                "nothing was imported — download or copy the file again")
    try:
        with LOCK:
            doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == 4:  # FPDF_ERR_PASSWORD
            raise ImportFormatError(f"{filename}: the PDF is encrypted with a password; save an unprotected "
                                    "copy (print to PDF) and import that") from exc
        if code == 5:  # FPDF_ERR_SECURITY
            raise ImportFormatError(f"{filename}: the PDF uses an unsupported security handler") from exc
        raise ImportFormatError(f"{filename}: the PDF is damaged and cannot be read ({exc})") from exc
    if len(doc) == 0:
        with LOCK:
            doc.close()
        raise ImportFormatError(f"{filename}: the PDF has no pages")
    return doc


def _char(u: int) -> str:
    """The text of one character code of the text layer ('' for control codes)."""
    if u == 2 or u == 0xFFFE:  # a hyphen pdfium marks as a line-end break
        return "-"
    if u < 32 and u != 10:
        return ""
    c = chr(u)
    if 0x1D400 <= u <= 0x1D7FF or 0xFB00 <= u <= 0xFB06:  # math italic P, ligatures: the letters
        return unicodedata.normalize("NFKC", c)
    return c


def _page_text(doc, index: int) -> tuple[str, array, float, float]:
    """One page's text and a box per character (float32 l,b,r,t; 0,0,0,0 for a space or line end)."""
    import pypdfium2.raw as raw

    page = doc[index]
    try:
        width, height = page.get_size()
        tp = page.get_textpage()
        try:
            n = tp.count_chars()
            chars: list[str] = []
            boxes = array("f")
            left, right, bottom, top = (ctypes.c_double() for _ in range(4))
            h = tp.raw
            # one code a character index (FPDFText_GetText in one call leaves some characters out)
            get_unicode = raw.FPDFText_GetUnicode
            units = [get_unicode(h, k) for k in range(n)]
            empty = (0.0, 0.0, 0.0, 0.0)
            get_box = raw.FPDFText_GetCharBox
            for k in range(n):
                u = units[k]
                if u == 13 or 0xDC00 <= u <= 0xDFFF:  # a low surrogate: taken with its high one
                    continue
                if 0xD800 <= u <= 0xDBFF and k + 1 < n:  # UTF-16 pair: one character (math italic P)
                    lo = units[k + 1]
                    if 0xDC00 <= lo <= 0xDFFF:
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                c = chr(u) if 32 < u < 0xD800 and u != 0xFFFE else _char(u)
                if not c:
                    continue
                if u == 10 or u == 32 or not get_box(h, k, left, right, bottom, top):
                    box = empty
                else:
                    box = (left.value, bottom.value, right.value, top.value)
                if len(c) == 1:
                    chars.append(c)
                    boxes.extend(box)
                else:
                    for ch in c:
                        chars.append(ch)
                        boxes.extend(box)
        finally:
            tp.close()
    finally:
        page.close()
    return "".join(chars), boxes, width, height


def read_pdf(data: bytes, filename: str = "<pdf>", progress: ProgressFn | None = None,
             cancel: threading.Event | None = None, tables: bool = True) -> FullText:
    """The PDF's full text (pages, boxes, sections, tables, title, DOI). Raises ImportFormatError naming
    the file for anything that is not a readable PDF, importers.cancel.Cancelled when cancelled."""
    from curator.importers.pdf import layout

    doc = _open(data, filename)
    try:
        texts: list[str] = []
        pages: list[PageText] = []
        offset = 0
        n = len(doc)
        for i in range(n):
            if cancel is not None and cancel.is_set():
                raise importers_cancel.Cancelled()
            if progress and i % 10 == 0:
                progress(i, n, f"Reading page {i + 1} of {n} of {Path(filename).name}")
            with LOCK:  # PDFium takes turns with the reader's render thread
                text, boxes, width, height = _page_text(doc, i)
            pages.append(PageText(number=i + 1, width=width, height=height, start=offset, length=len(text),
                                  boxes=boxes.tobytes()))
            texts.append(text)
            offset += len(text) + len(PAGE_BREAK)
        ft = FullText(filename=Path(filename).name, pdf=data, text=PAGE_BREAK.join(texts), pages=pages)
        if not ft.has_text:
            return ft
        lines = layout.page_lines(ft)
        ft.title, title_end = layout.title(ft, lines)
        ft.doi = layout.doi(ft)
        ft.sections = layout.sections(ft, lines, after=title_end)
        if tables:
            from curator.importers.pdf import tables as pdf_tables

            ft.tables = pdf_tables.find_tables(ft, lines, doc)
        return ft
    except (importers_cancel.Cancelled, ImportFormatError):
        raise
    except Exception as exc:  # a page pdfium cannot read: the file is damaged
        raise ImportFormatError(f"{filename}: the PDF is damaged and cannot be read ({type(exc).__name__}: "
                                f"{exc})") from exc
    finally:
        with LOCK:
            doc.close()


def paper_of(ft: FullText) -> Paper:
    """The bibliographic record a PDF gives: its title, DOI, abstract and body sections."""
    abstract = " ".join(ft.section_text("abstract").split())
    body = [Section(label=s.heading or s.label, text=" ".join(ft.text[s.start:s.end].split()))
            for s in ft.sections if s.label not in ("abstract", "references")]
    return Paper(title=ft.title, doi=ft.doi, abstract=abstract, body_sections=body,
                 extra={"fulltext_file": ft.filename, "fulltext_pages": ft.page_count})


def parse_pdf(data: bytes, filename: str = "<pdf>", progress: ProgressFn | None = None,
              cancel: threading.Event | None = None) -> ParseResult:
    ft = read_pdf(data, filename, progress, cancel)
    if not ft.has_text:
        return ParseResult(format="pdf", errors=[RecordError(1, None, f"{filename} {NO_TEXT_LAYER}")],
                           fulltexts={0: ft})
    return ParseResult(format="pdf", papers=[paper_of(ft)], fulltexts={0: ft})
