"""The PDF reader: a paper's PDF pages beside the forms, rendered off the GUI thread (pypdfium2 to a QImage),
only the pages in view, kept in a small LRU cache; zoom, fit width, PgUp/PgDn, find; words selected on a
page become a link (a Span into the full text with its page) and linked values are highlighted on their
characters' boxes.

The text, pages and boxes come from the paper's FullText (services.fulltext); this widget only maps between
widget pixels and PDF points (origin bottom-left) and paints.
"""

from __future__ import annotations

import queue
from collections import OrderedDict

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPainterPath, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from curator.domain.fulltext import FULLTEXT, FullText
from curator.domain.outcomes import Span
from curator.pdfium_lock import LOCK
from curator.ui.reader import ACTIVE_BG, SOURCE_BG, snap_to_words

GAP = 10  # pixels between pages
CACHE_PAGES = 16  # rendered pages kept (a page at 1.5x is about 3 MB)
SELECT_BG = QColor(160, 200, 255)  # painted multiplied: the words stay dark


class RenderThread(QThread):
    """Renders pages of one PDF, one at a time, newest request first; a request no longer wanted (scrolled
    past) is skipped. pypdfium2 is used from this thread only."""

    rendered = Signal(int, float, QImage)  # page index (0-based), scale, image

    def __init__(self, data: bytes, parent=None):
        super().__init__(parent)
        self._data = data
        self._queue: queue.LifoQueue = queue.LifoQueue()
        self.wanted: set[tuple[int, float]] = set()

    def request(self, index: int, scale: float) -> None:
        self.wanted.add((index, scale))
        self._queue.put((index, scale))

    def stop(self) -> None:
        self._queue.put(None)
        self.wait(5000)

    def run(self) -> None:
        import pypdfium2 as pdfium

        try:
            with LOCK:
                doc = pdfium.PdfDocument(self._data)
        except Exception:  # the PDF was read at import: a failure here leaves the grey pages
            return
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                if item not in self.wanted:
                    continue
                self.wanted.discard(item)
                index, scale = item
                with LOCK:  # PDFium is not thread-safe: one call at a time in this process
                    page = doc[index]
                    try:
                        bitmap = page.render(scale=scale, rev_byteorder=True, may_draw_forms=False)
                        img = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                                     QImage.Format.Format_RGB888).copy()
                        bitmap.close()
                    finally:
                        page.close()
                self.rendered.emit(index, scale, img)
        finally:
            with LOCK:
                doc.close()


class PagesWidget(QWidget):
    """The pages one under the other, at the current zoom; paints the cached renders and the highlights."""

    selection_changed = Signal()
    source_clicked = Signal(int)  # full-text offset of a click inside a linked source

    def __init__(self, view: PdfView):
        super().__init__()
        self.view = view
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # page keys and Ctrl+F act on the pages
        self.setCursor(Qt.CursorShape.IBeamCursor)
        self._press: tuple[int, int] | None = None  # (page, offset) where a drag began

    # geometry
    def page_rect(self, index: int) -> QRectF:
        return self.view.page_rects[index]

    def page_at(self, y: float) -> int | None:
        for i, r in enumerate(self.view.page_rects):
            if r.top() - GAP / 2 <= y <= r.bottom() + GAP / 2:
                return i
        return None

    def to_pdf(self, index: int, pt: QPointF) -> tuple[float, float]:
        r = self.page_rect(index)
        p = self.view.ft.pages[index]
        s = r.width() / p.width
        return (pt.x() - r.left()) / s, p.height - (pt.y() - r.top()) / s

    def to_widget(self, index: int, box: tuple[float, float, float, float]) -> QRectF:
        r = self.page_rect(index)
        p = self.view.ft.pages[index]
        s = r.width() / p.width
        x0, y0, x1, y1 = box
        return QRectF(r.left() + x0 * s, r.top() + (p.height - y1) * s, (x1 - x0) * s, (y1 - y0) * s)

    def sizeHint(self) -> QSize:  # noqa: N802
        rects = self.view.page_rects
        return QSize(int(max((r.right() for r in rects), default=0) + GAP),
                     int(rects[-1].bottom() + GAP) if rects else 0)

    # painting
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(128, 128, 128))
        view = self.view
        exposed = QRectF(event.rect())
        for i, r in enumerate(view.page_rects):
            if not r.intersects(exposed):
                continue
            img = view.cached(i)
            if img is None:
                painter.fillRect(r, QColor(250, 250, 250))
                view.want(i)
            else:
                painter.drawImage(r, img)
            # highlights multiply the page: the background takes their colour, the ink stays dark
            # (each colour's boxes united first: words cited by several values are not darkened twice)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
            painter.setPen(Qt.PenStyle.NoPen)
            areas: dict[tuple[int, int, int], QPainterPath] = {}
            done: set[tuple[int, int, tuple[int, int, int]]] = set()
            for start, end, color in view.highlights():
                key = color.getRgb()[:3]
                if (start, end, key) in done:
                    continue
                done.add((start, end, key))
                path = areas.setdefault(key, QPainterPath())
                for page, box in view.ft.boxes(start, end):
                    if page == i + 1:
                        path.addRect(self.to_widget(i, box).adjusted(-0.5, -0.5, 0.5, 0.5))
            for key, path in areas.items():
                painter.setBrush(QColor(*key))
                painter.drawPath(path.simplified())
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        painter.end()

    # Ctrl+F on the pages: find in the PDF (the window's own Ctrl+F searches the paper list); Ctrl+C
    # copies the selected words (to paste into a field, as from the abstract)
    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and (
                event.matches(QKeySequence.StandardKey.Find) or event.matches(QKeySequence.StandardKey.Copy)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Find):
            self.view.find_edit.setFocus()
            self.view.find_edit.selectAll()
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            self.view.copy_selection()
            return
        super().keyPressEvent(event)

    # selecting words
    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.setFocus()
        pos = event.position()
        i = self.page_at(pos.y())
        off = self.view.ft.offset_at(i + 1, *self.to_pdf(i, pos)) if i is not None and self.view.ft.has_text else None
        self._press = (i, off) if off is not None else None
        self.view.set_selection(None)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._press is None:
            return
        pos = event.position()
        i = self.page_at(pos.y())
        if i is None:
            return
        off = self.view.ft.offset_at(i + 1, *self.to_pdf(i, pos))
        if off is not None:
            a, b = sorted((self._press[1], off))
            self.view.set_selection((a, b + 1))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        press, self._press = self._press, None
        if press is None or self.view.selection is not None:
            return
        off = press[1]
        if any(s.start <= off < s.end for s in self.view.spans):
            self.source_clicked.emit(off)


class PdfView(QWidget):
    """The reader of a paper with a PDF: tool bar (page, zoom, fit width, find) over the pages."""

    source_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("pdf_view")
        self.setAccessibleName("PDF reader")
        self.ft: FullText | None = None
        self.paper_id: int | None = None
        self.zoom = 1.0  # 1.0 = 72 dpi (PDF points as pixels) times the fit-width factor when fitting
        self.fit_width = True
        self.page_rects: list[QRectF] = []
        self.selection: tuple[int, int] | None = None
        self.spans: list[Span] = []
        self.active: list[Span] = []
        self._cache: OrderedDict[int, tuple[float, QImage]] = OrderedDict()
        self._thread: RenderThread | None = None
        self._find_from = 0
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:  # no render thread may outlive the application
            app.aboutToQuit.connect(self.close_document)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        self.page_label = QLabel()
        self.page_label.setObjectName("pdf_page_label")

        def button(text: str, tip: str, slot, name: str) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setObjectName(name)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        button("◀", "Previous page (PgUp)", lambda: self.go_page(self.current_page() - 1), "pdf_prev")
        bar.addWidget(self.page_label)
        button("▶", "Next page (PgDn)", lambda: self.go_page(self.current_page() + 1), "pdf_next")
        button("−", "Zoom out", lambda: self.set_zoom(self.scale() / 1.2), "pdf_zoom_out")
        button("+", "Zoom in", lambda: self.set_zoom(self.scale() * 1.2), "pdf_zoom_in")
        button("↔", "Fit width", self.fit, "pdf_fit")
        self.find_edit = QLineEdit()
        self.find_edit.setObjectName("pdf_find")
        self.find_edit.setPlaceholderText("Find in the PDF…")
        self.find_edit.setClearButtonEnabled(True)
        self.find_edit.returnPressed.connect(self.find_next)
        bar.addWidget(self.find_edit, 1)
        self.note = QLabel()
        self.note.setObjectName("pdf_note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #a33; padding: 2px 6px;")
        self.note.hide()

        self.pages = PagesWidget(self)
        self.pages.source_clicked.connect(self.source_clicked)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("pdf_scroll")
        self.scroll.setWidget(self.pages)
        self.scroll.setWidgetResizable(False)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.note)
        lay.addWidget(self.scroll, 1)
        for key, slot in ((QKeySequence.StandardKey.MoveToPreviousPage, lambda: self.go_page(self.current_page() - 1)),
                          (QKeySequence.StandardKey.MoveToNextPage, lambda: self.go_page(self.current_page() + 1))):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

    # --- the document ----------------------------------------------------------------------------------
    def show_fulltext(self, paper_id: int | None, ft: FullText | None) -> None:
        self.close_document()
        self.paper_id, self.ft = paper_id, ft
        self.selection = None
        self.spans, self.active = [], []
        self._find_from = 0
        if ft is None:
            self.page_rects = []
            self.pages.resize(0, 0)
            return
        if not ft.has_text:
            self.note.setText(f"{ft.filename} has no text layer (a scan): its pages are shown, but suggestions "
                              "and linking need text. Add one with OCR (ocrmypdf in.pdf out.pdf) and attach that.")
            self.note.show()
        else:
            self.note.hide()
        self._thread = RenderThread(ft.pdf, self)
        self._thread.rendered.connect(self._rendered)
        self._thread.start()
        self._layout()
        self.scroll.verticalScrollBar().setValue(0)
        self._update_label()

    def close_document(self) -> None:
        if self._thread is not None:
            self._thread.rendered.disconnect(self._rendered)
            self._thread.stop()
            self._thread.deleteLater()
            self._thread = None
        self._cache.clear()

    def scale(self) -> float:
        """Pixels per PDF point."""
        if self.ft is None or not self.ft.pages:
            return 1.0
        if self.fit_width:
            width = max(p.width for p in self.ft.pages)
            bar = self.scroll.verticalScrollBar().sizeHint().width()
            return max(0.2, (self.scroll.width() - bar - 2 * GAP - 4) / width)
        return self.zoom

    def set_zoom(self, scale: float) -> None:
        self.fit_width = False
        self.zoom = min(6.0, max(0.2, scale))
        self._relayout_keeping_page()

    def fit(self) -> None:
        self.fit_width = True
        self._relayout_keeping_page()

    def _relayout_keeping_page(self) -> None:
        page = self.current_page()
        self._layout()
        self.go_page(page)

    def _layout(self) -> None:
        s = self.scale()
        y = GAP
        self.page_rects = []
        for p in self.ft.pages if self.ft else []:
            self.page_rects.append(QRectF(GAP, y, p.width * s, p.height * s))
            y += p.height * s + GAP
        self.pages.resize(self.pages.sizeHint())
        self.pages.update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.ft is not None and self.fit_width:
            QTimer.singleShot(0, self._relayout_keeping_page)

    # --- rendering: only the pages in view, cached -----------------------------------------------------
    def cached(self, index: int) -> QImage | None:
        hit = self._cache.get(index)
        if hit is None:
            return None
        self._cache.move_to_end(index)
        return hit[1]  # a render at another zoom is shown scaled until the new one arrives

    def want(self, index: int) -> None:
        hit = self._cache.get(index)
        scale = round(self.scale() * self.devicePixelRatioF(), 3)
        if (hit is None or hit[0] != scale) and self._thread is not None:
            self._thread.request(index, scale)

    def _rendered(self, index: int, scale: float, img: QImage) -> None:
        self._cache[index] = (scale, img)
        self._cache.move_to_end(index)
        while len(self._cache) > CACHE_PAGES:
            self._cache.popitem(last=False)
        if index < len(self.page_rects):
            self.pages.update(self.page_rects[index].toAlignedRect())

    def visible_pages(self) -> list[int]:
        top = self.scroll.verticalScrollBar().value()
        bottom = top + self.scroll.viewport().height()
        return [i for i, r in enumerate(self.page_rects) if r.bottom() >= top and r.top() <= bottom]

    def _scrolled(self, _value: int) -> None:
        if self._thread is not None:  # what scrolled out of view is no longer wanted
            keep = {(i, s) for i, s in self._thread.wanted if i in self.visible_pages()}
            self._thread.wanted.intersection_update(keep)
        self._update_label()

    # --- pages -----------------------------------------------------------------------------------------
    def current_page(self) -> int:
        """1-based: the page at the top of the view."""
        vis = self.visible_pages()
        if not vis:
            return 1
        top = self.scroll.verticalScrollBar().value()
        for i in vis:
            if self.page_rects[i].bottom() - top > self.scroll.viewport().height() * 0.3:
                return i + 1
        return vis[0] + 1

    def go_page(self, number: int, y_points: float | None = None) -> None:
        """Scroll to page `number` (1-based), to `y_points` on it (PDF points from its bottom) when given."""
        if not self.page_rects:
            return
        i = min(max(number, 1), len(self.page_rects)) - 1
        r = self.page_rects[i]
        y = r.top() - GAP / 2
        if y_points is not None and self.ft is not None:
            s = r.width() / self.ft.pages[i].width
            y = r.top() + (self.ft.pages[i].height - y_points) * s - self.scroll.viewport().height() / 3
        self.scroll.verticalScrollBar().setValue(int(max(0, y)))
        self._update_label()

    def _update_label(self) -> None:
        n = len(self.page_rects)
        self.page_label.setText(f"{self.current_page()} / {n}" if n else "")

    # --- selection, links, highlights ------------------------------------------------------------------
    def set_selection(self, sel: tuple[int, int] | None) -> None:
        self.selection = sel
        self.pages.update()

    def select_range(self, start: int, end: int) -> None:
        """Select the full text's characters start..end (as a drag over them does) and show them."""
        self.set_selection((start, end))
        self.scroll_to(start, end)

    def copy_selection(self) -> bool:
        """The selected words (snapped to whole words) to the clipboard."""
        from PySide6.QtWidgets import QApplication

        span = self.selected_span()
        if span is None:
            return False
        QApplication.clipboard().setText(" ".join(span.quote.split()))
        return True

    def selected_span(self) -> Span | None:
        """The words selected on the page as a link into the full text (snapped to whole words), with the
        page; None when nothing is selected."""
        if self.ft is None or self.selection is None or not self.ft.has_text:
            return None
        s, e = snap_to_words(self.ft.text, *self.selection)
        if e <= s:
            return None
        return Span(s, e, self.ft.text[s:e], text_field=FULLTEXT, page=self.ft.page_of(s))

    def set_sources(self, spans: list[Span], active: list[Span] | None = None, scroll: bool = True) -> None:
        self.spans = [s for s in spans if s.text_field == FULLTEXT]
        self.active = [s for s in (active or []) if s.text_field == FULLTEXT]
        self.pages.update()
        if scroll and self.active:
            self.scroll_to(self.active[0].start, self.active[0].end)

    def scroll_to(self, start: int, end: int) -> None:
        if self.ft is None:
            return
        boxes = self.ft.boxes(start, end)
        if boxes:
            page, box = boxes[0]
            self.go_page(page, box[3])

    def highlights(self) -> list[tuple[int, int, QColor]]:
        out = [(s.start, s.end, SOURCE_BG) for s in self.spans]
        out += [(s.start, s.end, ACTIVE_BG) for s in self.active]
        if self.selection is not None:
            out.append((self.selection[0], self.selection[1], SELECT_BG))
        return out

    def highlight_rects(self) -> list[tuple[int, QRectF]]:
        """The widget rectangles (page index, rect) of the active sources: what a test checks is painted."""
        out = []
        for s in self.active:
            for page, box in self.ft.boxes(s.start, s.end) if self.ft else []:
                out.append((page - 1, self.pages.to_widget(page - 1, box)))
        return out

    # --- find ------------------------------------------------------------------------------------------
    def find_next(self) -> bool:
        needle = self.find_edit.text().strip()
        if not needle or self.ft is None:
            return False
        hay = self.ft.text.casefold()
        i = hay.find(needle.casefold(), self._find_from)
        if i < 0:
            i = hay.find(needle.casefold())
        if i < 0:
            self.note.setText(f"“{needle}” is not in the text")
            self.note.show()
            return False
        if self.ft.has_text:
            self.note.hide()
        self._find_from = i + 1
        self.select_range(i, i + len(needle))
        return True


def wait_rendered(view: PdfView, timeout_ms: int = 3000) -> bool:
    """Process events until every page in view is rendered at the current zoom (snapshots, tests)."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        QApplication.processEvents()
        scale = round(view.scale() * view.devicePixelRatioF(), 3)
        if all(view._cache.get(i, (None,))[0] == scale for i in view.visible_pages()):
            return True
        for i in view.visible_pages():
            view.want(i)
        time.sleep(0.01)
    return False
