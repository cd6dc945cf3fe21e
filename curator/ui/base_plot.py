"""What every plot tab shares: style (white, 9-10 pt, colour-blind-safe palette), the empty-state label,
the toolbar (reset zoom, export), and export to PNG / SVG / CSV at publication size.

Export rebuilds the plot in an offscreen layout of a fixed logical size (1200 × 800 for the default
2400 × 1600 PNG), adds the title, copies the curator's zoom and hidden series, and renders it with
QPainter: PNG into a QImage at 2×, SVG with QtSvg's QSvgGenerator (pyqtgraph 0.14's SVGExporter fails with
PySide6 6.11+: Qt now closes paths with 'Z', which its parser does not read).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from pyqtgraph.exporters import Exporter
from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGraphicsItem,
    QGraphicsTextItem,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from curator.plotting.csv_rows import csv_text

pg.setConfigOptions(antialias=True, background="w", foreground="k")

# Okabe & Ito (2008) first, then Paul Tol's muted scheme: safe for the common colour-vision deficiencies
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#332288", "#882255",
           "#117733", "#999933", "#44AA99", "#AA4499", "#661100", "#6699CC", "#888888", "#000000"]
SYMBOLS = ["o", "s", "d", "t1", "p", "h", "star", "t2", "t3"]
FLAG_COLOR = "#C00000"
GRID_ALPHA = 0.18
TEXT = "#222222"
MUTED = "#666666"
SYNDROME_COLORS = {"CRS": "#D55E00", "ICANS": "#0072B2", "IEC-HS": "#CC79A7", "HLH/MAS": "#882255",
                   "ICAHT": "#009E73"}
EXPOSURE_COLOR = "#555555"

AXIS_FONT_PT = 9
LABEL_PT = "10pt"
TITLE_PT = "10pt"
LEFT_AXIS_WIDTH = 64


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def symbol(i: int) -> str:
    """A second channel after colour: series 1-16 differ by colour, 17+ also by marker shape."""
    return SYMBOLS[(i // len(PALETTE)) % len(SYMBOLS)]


def syndrome_color(s: str) -> str:
    return SYNDROME_COLORS.get(s, "#999999")


def qcolor(c: str, alpha: int = 255) -> QColor:
    q = QColor(c)
    q.setAlpha(alpha)
    return q


def font(pt: float = AXIS_FONT_PT, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(pt)
    f.setBold(bold)
    return f


def style_plot(p: pg.PlotItem, left: str = "", bottom: str = "", export: bool = False) -> None:
    """Readable axes: 9 pt ticks, 10 pt labels, dark text, light grid, no auto SI prefixes."""
    for name in ("left", "bottom"):
        ax = p.getAxis(name)
        ax.setTickFont(font(AXIS_FONT_PT + (1 if export else 0)))
        ax.setTextPen(TEXT)
        ax.setPen(pg.mkPen("#444444", width=1))
        ax.enableAutoSIPrefix(False)
    p.getAxis("left").setWidth(LEFT_AXIS_WIDTH + (10 if export else 0))
    if not export:  # an axis that did not change is blitted, not re-drawn (antialiased text is slow)
        for name in ("left", "bottom"):
            p.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    style = {"color": TEXT, "font-size": "11pt" if export else LABEL_PT}
    if left:
        p.setLabel("left", left, **style)
    if bottom:
        p.setLabel("bottom", bottom, **style)
    p.showGrid(x=False, y=True, alpha=GRID_ALPHA)
    p.hideButtons()
    p.setMenuEnabled(True)


def set_title(p: pg.PlotItem, text: str, note: str = "") -> None:
    """The panel's title (and a red note after it), shortened with '…' to the width of its panel: a long
    title must neither widen the plot past its column (pushing the legend out) nor run off its edge. The
    full text is the tooltip."""
    lab = p.titleLabel
    if not getattr(lab, "_fitted", False):
        update_min, resize_event = lab.updateMin, lab.resizeEvent

        def free_width() -> None:
            update_min()
            lab.setMinimumWidth(0)

        def resized(ev) -> None:
            resize_event(ev)
            if ev is not None:
                _fit_title(lab)

        lab.updateMin = free_width
        lab.resizeEvent = resized
        lab._fitted = True
    lab._title = (text, note)
    lab._html = None
    p.setTitle(_title_html(text, note), size=TITLE_PT)
    lab.setMinimumWidth(0)
    _fit_title(lab)
    p.titleLabel.setToolTip(text + (f"\n{note}" if note else ""))


def _title_html(text: str, note: str) -> str:
    html = f"<span style='color:{TEXT}; font-weight:600'>{_esc(text)}</span>"
    if note:
        html += f"&nbsp;&nbsp;<span style='color:{FLAG_COLOR}; font-size:8.5pt'>{_esc(note)}</span>"
    return html


def _fit_title(lab: pg.LabelItem) -> None:
    text, note = getattr(lab, "_title", ("", ""))
    avail = lab.width() - 10
    if avail < 30 or not lab.isVisible():
        return
    head = QFontMetrics(font(float(TITLE_PT[:-2]), bold=True))
    t = head.elidedText(text, Qt.TextElideMode.ElideRight, int(avail))
    rest = avail - head.horizontalAdvance(t) - 14
    n = QFontMetrics(font(8.5)).elidedText(note, Qt.TextElideMode.ElideRight, int(rest)) if note and rest > 40 \
        else ""
    html = _title_html(t, "" if n == "…" else n)
    if html != lab._html:
        lab._html = html
        lab.setText(html, size=TITLE_PT)
        lab.setMinimumWidth(0)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def log_y(p: pg.PlotItem) -> bool:
    return bool(p.ctrl.logYCheck.isChecked())


def view_y(p: pg.PlotItem, y: float, floor: float = 1e-12) -> float:
    """A data value in the view coordinates of `p` (log10 on a log axis): for TextItems and ranges."""
    if log_y(p):
        return math.log10(max(y, floor))
    return y


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def tick_text(v: float) -> str:
    """A tick label a reader takes in at once: 0.1, 1, 250, 1000, 10⁴, 2×10⁵."""
    if v == 0:
        return "0"
    a = abs(v)
    if 1e-2 <= a < 1e4:
        return f"{v:.4g}"
    e = math.floor(math.log10(a) + 1e-9)
    m = v / 10 ** e
    if abs(m - round(m)) < 1e-6:
        m = round(m)
    head = "" if m == 1 else (f"{m:g}×")
    return f"{head}10{str(e).translate(_SUPERSCRIPT)}"


class LogAxis(pg.AxisItem):
    """Log axis ticks a scientist expects: labelled decades (1, 10, 100…) with unlabelled 2-9 minors;
    1-2-5 steps under a decade and a half; plain linear steps when the data span less than half a
    decade (a temperature 38-40 °C on a log panel still gets readable ticks)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        lo, hi = sorted((float(minVal), float(maxVal)))
        span = hi - lo
        if not math.isfinite(span) or span <= 0:
            return stdTicks
        if span < 0.5:
            a, b = 10 ** lo, 10 ** hi
            raw = (b - a) / 4
            mag = 10 ** math.floor(math.log10(raw))
            step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
            vals = [v * step for v in range(math.ceil(a / step), math.floor(b / step) + 1)]
            return [(step, [math.log10(v) for v in vals if v > 0])]
        d0, d1 = math.floor(lo), math.ceil(hi)
        if span < 2.2:
            major = [d + math.log10(m) for d in range(d0, d1 + 1) for m in (1, 2, 5)]
            major = [x for x in major if lo <= x <= hi]
            minor = [d + math.log10(m) for d in range(d0, d1 + 1) for m in (3, 4, 6, 7, 8, 9)]
            return [(1.0, major), (None, [x for x in minor if lo <= x <= hi])]
        every = 1
        while (d1 - d0) / every * 18 > max(size, 1):
            every += 1
        major = [float(d) for d in range(d0, d1 + 1) if lo <= d <= hi and d % every == 0]
        minor = []
        if every == 1 and span < 6:
            minor = [d + math.log10(m) for d in range(d0, d1 + 1) for m in range(2, 10)]
            minor = [x for x in minor if lo <= x <= hi]
        return [(1.0, major), (None, minor)]

    def logTickStrings(self, values, scale, spacing):
        if spacing is None:
            return ["" for _ in values]
        return [tick_text(10 ** v * scale) for v in values]


class NoteText(pg.GraphicsWidget):
    """A note in a layout cell of its own (below a plot, across its columns), wrapped to the cell's width
    and as tall as its lines: it never runs under a legend or off the figure."""

    def __init__(self, text: str = "", colour: str = FLAG_COLOR, pt: float = 9) -> None:
        super().__init__()
        self.item = QGraphicsTextItem(self)
        self.item.document().setDocumentMargin(2)
        self.item.setDefaultTextColor(QColor(colour))
        self.item.setFont(font(pt))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setPreferredWidth(10)
        self.setMinimumWidth(0)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.item.setPlainText(text)
        self.setVisible(bool(text))
        self._fit()

    def text(self) -> str:
        return self.item.toPlainText()

    def _fit(self) -> None:
        if self.width() > 20:
            self.item.setTextWidth(self.width())
        h = self.item.document().size().height() if self.text() else 0.0
        if abs(h - self.minimumHeight()) > 0.5:
            self.setMinimumHeight(h)
            self.setMaximumHeight(h)
            self.setPreferredHeight(h)
            self.updateGeometry()

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self._fit()


def legend_width(names: Sequence[str], lo: int = 110, hi: int = 240) -> int:
    """Width of a legend column that fits these entries (sample + 9 pt text), rounded so small edits
    do not change it."""
    fm = QFontMetrics(font(9))
    w = max((fm.horizontalAdvance(n) for n in names), default=0) + 48
    return max(lo, min(hi, (w + 19) // 20 * 20))


class Legend(pg.LegendItem):
    """A legend that lives in a layout cell. pyqtgraph's own moves itself to (0, 0) whenever an entry is
    added or removed (setGeometry), which dirties the whole view from the corner to the cell: every
    panel is then repainted. This one only resizes in place, and scales with the figure on export
    (pyqtgraph's ignores transformations, to keep its size inside a zoomed view)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, False)

    def updateSize(self):
        if self.size is not None:
            return
        height = width = 0.0
        for row in range(self.layout.rowCount()):
            row_height = col_width = 0.0
            for col in range(self.layout.columnCount()):
                item = self.layout.itemAt(row, col)
                if item:
                    col_width += item.width() + 3
                    row_height = max(row_height, item.height())
            width = max(width, col_width)
            height += row_height
        self.setPreferredSize(width, height)
        self.resize(width, height)


def make_legend(cols: int = 1) -> pg.LegendItem:
    lg = Legend(labelTextSize="9pt", colCount=cols, verSpacing=-4, horSpacing=12)
    lg.setBrush(pg.mkBrush(255, 255, 255, 0))
    lg.setPen(pg.mkPen(None))
    lg.layout.setContentsMargins(2, 2, 2, 2)
    lg.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    return lg


def add_legend(layout: pg.GraphicsLayout, legend: pg.LegendItem, row: int, col: int) -> None:
    """Put a legend in its own layout cell, at the top left (never over the data)."""
    layout.addItem(legend, row=row, col=col)
    layout.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)


def add_plot(layout: pg.GraphicsLayout, row: int, col: int, **kw: Any) -> pg.PlotItem:
    """A PlotItem whose left axis labels log scales the way scientists read them (see LogAxis)."""
    return layout.addPlot(row=row, col=col, axisItems={"left": LogAxis("left")}, **kw)


def legend_add(legend: pg.LegendItem, target: pg.GraphicsObject, name: str, pen: Any = None, sym: str | None = "o",
               brush: Any = None, sym_pen: Any = None, size: int = 8) -> pg.PlotDataItem:
    """A legend entry for `target` drawn from a one-style proxy (pyqtgraph's legend sample cannot draw
    per-point symbol lists). Clicking the entry toggles the target, as pyqtgraph legends do."""
    proxy = pg.PlotDataItem([], [], pen=pen, symbol=sym, symbolBrush=brush, symbolPen=sym_pen, symbolSize=size)
    proxy.target = target  # type: ignore[attr-defined]
    if sym is not None:  # the legend draws the sample from the scatter's opts, unset while it is empty
        proxy.scatter.opts.update(pen=pg.mkPen(sym_pen if sym_pen is not None else pen),
                                  brush=pg.mkBrush(brush if brush is not None else "#888888"), size=size,
                                  symbol=sym)
    proxy.setVisible(target.isVisible())
    legend.addItem(proxy, _esc(name))  # legend labels are HTML: 'P < 0.001' must not open a tag
    proxy.visibleChanged.connect(lambda: target.setVisible(proxy.isVisible()))
    target.visibleChanged.connect(lambda: proxy.setVisible(target.isVisible()))
    target.legend_proxy = proxy  # type: ignore[attr-defined]
    return proxy


def rows_key(rec: Any, lists: Sequence[str]) -> tuple:
    """What a plot of these record lists depends on, as one comparable value: a redraw whose key has
    not changed is skipped (editing a comparison does not redraw the kinetics)."""
    if rec is None:
        return ()
    out: list[Any] = [rec.paper_id]
    for name in lists:
        for r in getattr(rec, name):
            out.append((r.uid, r.row_status, tuple(r.values().values()),
                        tuple((k, v.start, v.end, v.quote) for k, v in r.sources.items()) if r.sources else ()))
        out.append(name)
    return tuple(out)


# --------------------------------------------------------------------------- export

class _Render(Exporter):
    """Render an item (and its children) onto any paint device, the way pyqtgraph's exporters do (export
    mode: cosmetic pens scaled, symbols drawn as paths), but with our own device: a QImage for PNG (the
    ImageExporter shrinks legend text when scaling) and QSvgGenerator for SVG (pyqtgraph's SVGExporter
    cannot parse Qt 6.11+ paths)."""

    def parameters(self):  # pragma: no cover - no parameter dialog
        return None

    def render_to(self, device, target: QRectF, scale: float) -> None:
        src = self.getSourceRect()
        painter = QPainter(device)
        try:
            self.setExportMode(True, {"antialias": True, "background": QColor("white"), "painter": painter,
                                      "resolutionScale": scale})
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            painter.fillRect(target, QColor("white"))
            self.getScene().render(painter, target, QRectF(src))
        finally:
            self.setExportMode(False)
            painter.end()

    def png(self, path: str, size: tuple[int, int]) -> None:
        img = QImage(size[0], size[1], QImage.Format.Format_ARGB32)
        img.fill(QColor("white"))
        scale = size[0] / max(1.0, self.getSourceRect().width())
        self.render_to(img, QRectF(0, 0, size[0], size[1]), scale)
        if not img.save(path, "PNG"):
            raise OSError(f"could not write {path}")

    def svg(self, path: str, title: str) -> None:
        src = self.getSourceRect()
        w, h = round(src.width()), round(src.height())
        gen = QSvgGenerator()
        gen.setFileName(path)
        gen.setSize(QSize(w, h))
        gen.setViewBox(QRect(0, 0, w, h))
        gen.setTitle(title)
        gen.setDescription("Curator plot")
        self.render_to(gen, QRectF(0, 0, w, h), 1.0)


class PlotView(QWidget):
    """Base of the plot tabs: controls row + stacked (message | plots). Subclasses implement
    `_build(layout, export)` (create the items for `self.data`), `csv()` and `figure_title()`."""

    row_clicked = Signal(str, int)  # (table, row index) of the current record
    paper_clicked = Signal(int)
    export_logical_size = (1200, 800)

    def __init__(self, name: str, empty_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.stack = QStackedWidget()
        self.empty = QLabel(empty_text)
        self.empty.setObjectName(f"{name}_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #555; font-size: 10pt; padding: 24px;")
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.glw.ci.setContentsMargins(6, 6, 10, 6)
        self.glw.ci.setSpacing(2)
        # the plots scroll (vertically) rather than shrink past legibility in a small window: a view
        # asks for the height its panels need with set_content_height()
        self.plot_area = QScrollArea()
        self.plot_area.setObjectName(f"{name}_area")
        self.plot_area.setWidgetResizable(True)
        self.plot_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.plot_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.plot_area.setWidget(self.glw)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.plot_area)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(6, 2, 6, 0)
        self.controls.setSpacing(8)
        self.controls.addStretch(1)
        self.reset_button = QPushButton("Reset zoom")
        self.reset_button.setObjectName(f"{name}_reset")
        self.reset_button.setToolTip("Show all the data again (double-click the plot does the same)")
        self.reset_button.clicked.connect(self.reset_zoom)
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName(f"{name}_export")
        self.export_button.setToolTip("Save this plot as PNG or SVG (publication size, with title) or its data "
                                      "as CSV")
        self.export_button.clicked.connect(self.export_dialog)
        self.controls.addWidget(self.reset_button)
        self.controls.addWidget(self.export_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(self.controls)
        lay.addWidget(self.stack, 1)
        self.plot_items: list[pg.PlotItem] = []
        self.data: Any = None
        self.paper_title = ""
        self.hidden: set[str] = set()  # legend-toggled series keys, kept across redraws

    # --- to implement
    def _build(self, layout: pg.GraphicsLayout, export: bool = False) -> list[pg.PlotItem]:
        raise NotImplementedError

    def csv(self) -> tuple[list[dict[str, Any]], Sequence[str]]:
        raise NotImplementedError

    def figure_title(self) -> str:
        return self.objectName()

    def select_row(self, table: str, row: int) -> bool:
        """Highlight what a form row drew; False when this plot does not draw that row."""
        return False

    def has_plot(self) -> bool:
        return self.stack.currentWidget() is self.plot_area

    def show_plot(self) -> None:
        self.stack.setCurrentWidget(self.plot_area)

    def area_width(self) -> int:
        """The width the plots get (the plot area less a vertical scroll bar), known even while the
        empty-state message is showing."""
        return max(0, self.stack.width() - self.plot_area.verticalScrollBar().sizeHint().width())

    def set_content_height(self, height: int) -> None:
        """The least height the plots need to stay legible (text neither overlapping nor cut): below it
        the plot area scrolls."""
        height = max(0, int(height))
        if height != self.glw.minimumHeight():
            self.glw.setMinimumHeight(height)
            self.glw.resize(self.glw.width(), max(height, self.plot_area.viewport().height()))

    # --- shared behaviour
    def add_control(self, widget: QWidget, label: str | None = None) -> None:
        """Put a control at the left of the toolbar (before the stretch)."""
        i = self.controls.count() - 3  # stretch, reset, export stay at the end
        if label:
            lab = QLabel(label)
            lab.setBuddy(widget)
            self.controls.insertWidget(i, lab)
            i += 1
        self.controls.insertWidget(i, widget)

    def show_message(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def reset_zoom(self) -> None:
        for p in self.plot_items:
            p.enableAutoRange()
            p.autoRange()

    def _track_visibility(self, item: pg.GraphicsObject, key: str) -> None:
        """Remember legend toggles so a redraw after an edit keeps the series hidden."""
        if key in self.hidden:
            item.setVisible(False)
        item.visibleChanged.connect(lambda it=item, k=key: self._visibility_changed(it, k))

    def _visibility_changed(self, item: pg.GraphicsObject, key: str) -> None:
        if self._building:
            return
        if item.isVisible():
            self.hidden.discard(key)
        else:
            self.hidden.add(key)

    _building = False

    @contextmanager
    def building(self):
        """Items created (and hidden again) inside are not legend toggles by the curator."""
        self._building = True
        try:
            yield
        finally:
            self._building = False

    def _draw_live(self, table: str) -> None:
        """Show the plot area, build the live items into it and keep the selected row highlighted."""
        self.show_plot()
        with self.building():
            self.plot_items = self._build_into(self.glw.ci, export=False, live=True)
        if self.selected is not None:
            self.select_row(table, self.selected)

    # --- export
    def _offscreen(self, size: tuple[int, int]) -> tuple[pg.GraphicsLayoutWidget, list[pg.PlotItem]]:
        w = pg.GraphicsLayoutWidget()
        w.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        w.setBackground("w")
        w.ci.setContentsMargins(14, 10, 22, 12)
        w.ci.setSpacing(4)
        w.resize(*size)
        title = self.figure_title()
        w.ci.addLabel(f"<span style='font-size:13pt; font-weight:600; color:{TEXT}'>{_esc(title)}</span>",
                      row=0, col=0, colspan=4)
        inner = w.ci.addLayout(row=1, col=0, colspan=4)
        inner.setSpacing(4)
        with self.building():
            plots = self._build(inner, export=True)
        # the curator's zoom, where it was changed
        for src, dst in zip(self.plot_items, plots):
            if not all(src.getViewBox().autoRangeEnabled()):
                (x0, x1), (y0, y1) = src.getViewBox().viewRange()
                dst.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        w.show()
        QApplication.processEvents()
        return w, plots

    def export_png(self, path: str | Path, size: tuple[int, int] = (2400, 1600)) -> Path:
        """Write a PNG of `size` pixels: the plot laid out at half that size (publication proportions,
        9-13 pt text) and rendered at 2× so text and lines stay sharp."""
        path = Path(path)
        scale = 2.0 if size[0] >= 1600 else 1.0
        w, _plots = self._offscreen((round(size[0] / scale), round(size[1] / scale)))
        try:
            _Render(w.ci).png(str(path), (int(size[0]), int(size[1])))
        finally:
            w.close()
            w.deleteLater()
        return path

    def export_svg(self, path: str | Path, size: tuple[int, int] | None = None) -> Path:
        path = Path(path)
        w, _plots = self._offscreen(size or self.export_logical_size)
        try:
            _Render(w.ci).svg(str(path), self.figure_title())
        finally:
            w.close()
            w.deleteLater()
        return path

    def export_csv(self, path: str | Path) -> Path:
        path = Path(path)
        rows, cols = self.csv()
        path.write_text(csv_text(rows, cols), encoding="utf-8")
        return path

    def export_dialog(self) -> None:
        base = self.objectName().replace("_plot", "")
        path, flt = QFileDialog.getSaveFileName(
            self, "Export plot", f"{base}.png", "PNG image (*.png);;SVG vector image (*.svg);;CSV data (*.csv)")
        if not path:
            return
        self.export_to(path, flt)

    def export_to(self, path: str, flt: str = "") -> Path | None:
        ext = Path(path).suffix.lower()
        if not ext:
            ext = ".svg" if "svg" in flt.lower() else ".csv" if "csv" in flt.lower() else ".png"
            path += ext
        fn: Callable[[str], Path] = {".svg": self.export_svg, ".csv": self.export_csv}.get(ext, self.export_png)
        try:
            return fn(path)
        except OSError as exc:
            QMessageBox.warning(self, "Not exported", f"Could not write {path}:\n{exc}")
            return None
