"""The reader: the paper's metadata, abstract (in paragraphs), key findings, entities and full text.

It maps between character offsets in the paper's abstract (what provenance stores) and positions
in its document, highlights sources, and tells which source a click landed on.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextBrowser, QTextEdit

from curator.domain.outcomes import Span
from curator.domain.paper import Paper
from curator.domain.search import search_hits

SOURCE_BG = QColor(214, 234, 248)  # every linked source
ACTIVE_BG = QColor(255, 214, 102)  # the source of the selected value
SEARCH_BG = QColor(190, 235, 190)  # a word of the paper list's search


def _word_char(text: str, i: int) -> bool:
    """Part of a word: a letter or digit, or '-', '.', '/' between two of them ('IL-2', '32.35', 'pg/ml')."""
    if not 0 <= i < len(text):
        return False
    ch = text[i]
    if ch.isalnum():
        return True
    return ch in "-./" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def snap_to_words(text: str, s: int, e: int) -> tuple[int, int]:
    """A selection made with the mouse, snapped to whole words: a word cut at either end is completed;
    whitespace and trailing punctuation (',', ';', ':', a final '.', an unmatched bracket) are dropped."""
    while s > 0 and s < e and _word_char(text, s) and _word_char(text, s - 1):
        s -= 1
    while e < len(text) and e > s and _word_char(text, e - 1) and _word_char(text, e):
        e += 1
    while True:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and text[e - 1] in ",;:.!?" :
            e -= 1
            continue
        quote = text[s:e]
        if e > s and text[e - 1] in ")]" and quote.count("(") + quote.count("[") < quote.count(")") + quote.count("]"):
            e -= 1
            continue
        if e > s and text[s] in "([" and quote.count("(") + quote.count("[") > quote.count(")") + quote.count("]"):
            s += 1
            continue
        return s, e


class Reader(QTextBrowser):
    source_clicked = Signal(int)  # abstract offset a click landed on (inside a highlighted source)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("reader")
        self.setAccessibleName("Paper reader")
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.paper: Paper | None = None
        self._segments: list[tuple[int, int, int]] = []  # (abstract offset, doc position, length)
        self._spans: list[Span] = []
        self._active: list[Span] = []
        self._search = ""  # the paper list's search: its words are highlighted in every paper shown
        self._search_sels: list[QTextEdit.ExtraSelection] = []
        self._source_sels: list[QTextEdit.ExtraSelection] = []

    # --- building the document ---------------------------------------------------------------------
    def show_paper(self, paper: Paper | None) -> None:
        self.paper = paper
        self._segments = []
        self._spans, self._active = [], []
        self._search_sels, self._source_sels = [], []
        self.clear()
        self.setExtraSelections([])
        if paper is None:
            self.setHtml("<p>Select a paper in the list.</p>")
            return
        cur = QTextCursor(self.document())
        base = self.font()
        pal = self.palette()
        text_c, base_c = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)

        def muted(k: float) -> str:  # text colour faded towards the background: readable light or dark
            return QColor(round(text_c.red() * (1 - k) + base_c.red() * k),
                          round(text_c.green() * (1 - k) + base_c.green() * k),
                          round(text_c.blue() * (1 - k) + base_c.blue() * k)).name()

        def fmt(size_delta: float = 0, bold: bool = False, italic: bool = False, color: str | None = None):
            f = QTextCharFormat()
            font = QFont(base)
            font.setPointSizeF(max(6.0, base.pointSizeF() + size_delta))
            font.setBold(bold)
            font.setItalic(italic)
            f.setFont(font)
            if color:
                f.setForeground(QColor(color))
            return f

        def block(text: str, f: QTextCharFormat, first: bool = False, space_before: float = 6) -> None:
            if not first:
                cur.insertBlock()
            bf = cur.blockFormat()
            bf.setTopMargin(space_before)
            bf.setBottomMargin(2)
            cur.setBlockFormat(bf)
            cur.insertText(text, f)

        block(paper.title or "(untitled)", fmt(4, bold=True), first=True, space_before=0)
        if paper.authors:
            authors = ", ".join(paper.authors[:12]) + (f", … ({len(paper.authors)} authors)"
                                                       if len(paper.authors) > 12 else "")
            block(authors, fmt(0, color=muted(0.15)))
        where = " · ".join(x for x in (paper.journal or paper.journal_abbrev, paper.pub_date or
                                        (str(paper.year) if paper.year else None),
                                        f"{paper.volume}" + (f"({paper.issue})" if paper.issue else "")
                                        if paper.volume else None, paper.pages) if x)
        if where:
            block(where, fmt(0, italic=True, color=muted(0.22)))
        ids = " · ".join(x for x in (f"PMID {paper.pmid}" if paper.pmid else None,
                                      f"{paper.pmcid}" if paper.pmcid else None,
                                      f"DOI {paper.doi}" if paper.doi else None) if x)
        if ids:
            block(ids, fmt(-1, color=muted(0.3)))
        if paper.tldr:
            block("TL;DR", fmt(1, bold=True), space_before=10)
            block(paper.tldr, fmt())
        block("Abstract", fmt(1, bold=True), space_before=10)
        offset = 0
        if paper.abstract:
            for para in paper.abstract.split("\n\n"):
                block("", fmt(), space_before=4)
                self._segments.append((offset, cur.position(), len(para)))
                cur.insertText(para, fmt())
                offset += len(para) + 2
        else:
            block("No abstract.", fmt(italic=True, color=muted(0.42)))
        if paper.key_findings:
            block("Key findings", fmt(1, bold=True), space_before=10)
            for k in paper.key_findings:
                block("•  " + k, fmt(), space_before=2)
        if paper.contribution:
            block("Contribution", fmt(1, bold=True), space_before=10)
            block(paper.contribution, fmt())
        if paper.keywords:
            block("Keywords: " + "; ".join(paper.keywords), fmt(-0.5, color=muted(0.15)), space_before=10)
        if paper.mesh_terms:
            block("MeSH: " + "; ".join(m.descriptor + ("*" if m.major else "") for m in paper.mesh_terms),
                  fmt(-0.5, color=muted(0.15)))
        if paper.publication_types:
            block("Publication types: " + "; ".join(paper.publication_types), fmt(-0.5, color=muted(0.15)))
        if paper.entities:
            block("Entities", fmt(1, bold=True), space_before=10)
            for e in paper.entities:
                label = f" ({e.label})" if e.label else ""
                ident = f" [{e.identifier}]" if e.identifier else ""
                scope = " · full text" if e.scope == "full_text" else ""
                block(f"{e.kind}: {e.name}{label}{ident}{scope}", fmt(-0.5), space_before=1)
        for sec in paper.body_sections:
            block(sec.label, fmt(0.5, bold=True), space_before=10)
            for para in sec.text.split("\n\n"):
                block(para, fmt(), space_before=3)
        if paper.source_url:
            block(f"Source: {paper.source_url}", fmt(-1, color=muted(0.3)), space_before=10)
        self.moveCursor(QTextCursor.MoveOperation.Start)
        if self._search:
            self.set_search(self._search)

    # --- the paper list's search --------------------------------------------------------------------
    def set_search(self, search: str | None) -> None:
        """Highlight the words the paper list is searched for (title, abstract and the rest of the paper),
        by the rule the search itself uses (curator.domain.search); scroll to the first in the abstract."""
        self._search = (search or "").strip()
        self._search_sels = []
        if self.paper is not None:
            fmt = QTextCharFormat()
            fmt.setBackground(SEARCH_BG)
            fmt.setForeground(QColor(0, 0, 0))
            for a, b in search_hits(self.document().toPlainText(), self._search):
                cursor = QTextCursor(self.document())
                cursor.setPosition(a)
                cursor.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
                sel = QTextEdit.ExtraSelection()
                sel.cursor = cursor
                sel.format = fmt
                self._search_sels.append(sel)
        self.setExtraSelections(self._search_sels + self._source_sels)

    def search_hit_texts(self) -> list[str]:
        """The highlighted search words, in document order."""
        return [sel.cursor.selectedText() for sel in self._search_sels]

    # --- offsets ------------------------------------------------------------------------------------
    def doc_pos(self, offset: int) -> int | None:
        for a, d, n in self._segments:
            if a <= offset <= a + n:
                return d + (offset - a)
        return None

    def abstract_offset(self, pos: int) -> int | None:
        for a, d, n in self._segments:
            if d <= pos <= d + n:
                return a + (pos - d)
        return None

    def selected_span(self) -> Span | None:
        """The selection as a Span of the abstract, or None if nothing (or nothing in the abstract) is selected."""
        c = self.textCursor()
        if not c.hasSelection() or self.paper is None:
            return None
        s, e = self.abstract_offset(c.selectionStart()), self.abstract_offset(c.selectionEnd())
        if s is None or e is None or e <= s:
            return None
        s, e = snap_to_words(self.paper.abstract, s, e)
        return Span(s, e, self.paper.abstract[s:e]) if e > s else None

    # --- highlighting --------------------------------------------------------------------------------
    def set_sources(self, spans: list[Span], active: list[Span] | None = None, scroll: bool = True) -> None:
        self._spans = [s for s in spans if s.text_field == "abstract"]
        self._active = [s for s in (active or []) if s.text_field == "abstract"]
        sels = []
        for span, color in [(s, SOURCE_BG) for s in self._spans] + [(s, ACTIVE_BG) for s in self._active]:
            a, b = self.doc_pos(span.start), self.doc_pos(span.end)
            if a is None or b is None:
                continue
            cursor = QTextCursor(self.document())
            cursor.setPosition(a)
            cursor.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(color)
            fmt.setForeground(QColor(0, 0, 0))  # dark text on the light highlight, in light and dark themes
            sel = QTextEdit.ExtraSelection()
            sel.cursor = cursor  # assign whole objects: PySide hands out copies of these members
            sel.format = fmt
            sels.append(sel)
        self._source_sels = sels
        self.setExtraSelections(self._search_sels + sels)
        if scroll and self._active:
            pos = self.doc_pos(self._active[0].start)
            if pos is not None:  # scroll to it, keeping the curator's selection (words chosen to link)
                c = QTextCursor(self.document())
                c.setPosition(pos)
                rect = self.cursorRect(c)
                view = self.viewport().rect()
                bar = self.verticalScrollBar()
                if rect.top() < view.top():
                    bar.setValue(bar.value() + rect.top() - view.top() - 20)
                elif rect.bottom() > view.bottom():
                    bar.setValue(bar.value() + rect.bottom() - view.bottom() + 20)

    def highlighted_spans(self) -> list[Span]:
        return list(self._spans)

    def active_spans(self) -> list[Span]:
        return list(self._active)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().mouseReleaseEvent(event)
        if self.textCursor().hasSelection():
            return
        pos = self.cursorForPosition(event.position().toPoint()).position()
        off = self.abstract_offset(pos)
        if off is not None and any(s.start <= off < s.end for s in self._spans):
            self.source_clicked.emit(off)

    def click_offset(self, offset: int) -> None:
        """What a click at `offset` does (used by keyboard users and tests)."""
        if any(s.start <= offset < s.end for s in self._spans):
            self.source_clicked.emit(offset)


def escape(text: str) -> str:
    return html.escape(text)
