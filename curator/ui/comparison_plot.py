"""Before → after of the current record (pyqtgraph): each comparison a line from its first group to its
second, one panel per unit, p-values written at the line ends. Every number comes from
`curator.plotting.comparisons`."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics

from curator.domain.outcomes import Record
from curator.plotting.comparisons import PairSeries, Panel, comparison_panels, tick_labels
from curator.plotting.csv_rows import COMPARISON_COLUMNS, comparison_rows
from curator.plotting.tooltips import comparison_tooltip
from curator.ui.base_plot import (
    FLAG_COLOR,
    PlotView,
    add_legend,
    add_plot,
    color,
    font,
    legend_add,
    make_legend,
    rows_key,
    set_title,
    style_plot,
)

P_PT = 9
PANEL_MIN_WIDTH = 260  # a live panel narrower than this loses its tick or p-value labels
PLOT_MIN_HEIGHT = 150  # the data area of a panel: room for a rotated unit and a few ticks
HEAD_HEIGHT = 24  # the panel's title
FOOT_HEIGHT = 46  # the group labels and the words they share
LEGEND_ROW = 18


def _spread(ys: list[float], gap: float, lo: float | None = None, hi: float | None = None) -> list[float]:
    """Push label positions apart (keeping their order) so no two are closer than `gap`, and, given
    bounds, keep them within [lo, hi] as far as there is room."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    if lo is not None and order:
        out[order[0]] = max(out[order[0]], lo)
    for a, b in itertools.pairwise(order):
        if out[b] - out[a] < gap:
            out[b] = out[a] + gap
    if hi is not None and order:
        out[order[-1]] = min(out[order[-1]], hi)
        for a, b in itertools.pairwise(reversed(order)):  # from the top down
            if out[a] - out[b] < gap:
                out[b] = out[a] - gap
    return out


def _legend_cols(n: int, width: float) -> int:
    return 2 if n >= 4 and width >= 2 * PANEL_MIN_WIDTH else 1


class ComparisonPlot(PlotView):
    """Before → after for each comparison; one panel per unit; p-values written at the line ends.

    `curves[row]` is the PlotDataItem of comparison `row`: x = [0, 1]; getData() y = log10 of the two
    values on a log panel (getOriginalDataset() gives them raw)."""

    point_clicked = Signal(int)  # comparison row

    def __init__(self, parent=None):
        super().__init__("comparison_plot", "No comparisons with both values yet.\n"
                                            "Add rows under Comparisons, or press Suggest (Ctrl+G).", parent)
        self.setAccessibleName("Before and after plot")
        self.panels: list[Panel] = []
        self.curves: dict[int, pg.PlotDataItem] = {}  # comparison row -> curve
        self.p_texts: dict[int, pg.TextItem] = {}  # comparison row -> its p-value label
        self.rings: list[pg.PlotDataItem] = []
        self.legends: list[pg.LegendItem] = []
        self.selected: int | None = None
        self.record: Record | None = None
        self._key: Any = None
        self._sig: Any = None
        self._labels: list[list[tuple[PairSeries, str, pg.TextItem]]] = []

    @staticmethod
    def _structure(panels: list[Panel]) -> Any:
        return tuple((p.unit, p.log, p.labels, p.note, tuple(
            (s.row, s.name, s.suggested, s.p_text, s.ref, p.log and s.value_a <= 0, p.log and s.value_b <= 0)
            for s in p.series)) for p in panels)

    def _update(self) -> None:
        for panel, p, rows in zip(self.panels, self.plot_items, self._labels):
            by_row = {s.row: s for s in panel.series}
            for s in panel.series:
                self.curves[s.row].setData([0, 1], [s.y_a, s.y_b], data=[(s, "a"), (s, "b")])
                self.curves[s.row].setToolTip(comparison_tooltip(s))
            fresh = [(by_row[s.row], w, t) for s, w, t in rows]
            rows[:] = fresh
            self._place_p_labels(p, panel, fresh)

    def figure_title(self) -> str:
        return "Before → after" + (f" — {self.paper_title}" if self.paper_title else "")

    def redraw(self, rec: Record | None, paper_title: str | None = None, paper_text: str | None = None) -> None:
        key = (rows_key(rec, ("comparisons",)), paper_title, paper_text)
        if key == self._key and rec is self.record:
            return  # the comparisons did not change
        self._key = key
        self.record = rec
        self.paper_title = paper_title or ""
        self._paper_text = paper_text
        self.panels = comparison_panels(rec, paper_title, paper_text)
        self.data = self.panels
        sig = self._structure(self.panels)
        if sig == self._sig and self.plot_items:
            self._update()  # same panels and rows, new numbers: move the points
            if self.selected is not None:
                self.select_row("comparisons", self.selected)
            return
        self._sig = sig
        self.glw.ci.clear()
        self.plot_items, self.curves, self.p_texts, self.rings, self.legends = [], {}, {}, [], []
        self._labels = []
        if not self.panels:
            self.show_message("No comparisons with both values yet.\n"
                              "Add rows under Comparisons, or press Suggest (Ctrl+G).")
            return
        self._draw_live("comparisons")

    def _build(self, layout: pg.GraphicsLayout, export: bool = False) -> list[pg.PlotItem]:
        return self._build_into(layout, export=export, live=False)

    def _ncols(self, export: bool) -> int:
        """A grid: each panel keeps a readable width (in the window, as many columns as fit)."""
        if export:
            return min(len(self.panels), 3)
        return max(1, min(len(self.panels), 3, self.area_width() // PANEL_MIN_WIDTH))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.panels and self.plot_items and self._ncols(False) != self._live_cols:
            self._sig = None  # another number of columns fits: lay the panels out again
            self._key = None
            self.redraw(self.record, self.paper_title, getattr(self, "_paper_text", None))

    _live_cols = 0

    def _content_height(self, ncols: int) -> int:
        """The least height of the live grid: each row of panels as tall as its tallest panel needs."""
        fm = QFontMetrics(font(P_PT))
        width = self.area_width() / max(1, ncols)
        total = 0
        for r in range(0, len(self.panels), ncols):
            need = 0
            for panel in self.panels[r:r + ncols]:
                labels = sum(1 for s in panel.series if s.p_text)
                plot = max(PLOT_MIN_HEIGHT, labels * (fm.height() + 1) + 16)
                cols = _legend_cols(len(panel.series), width)
                legend = math.ceil(len(panel.series) / cols) * LEGEND_ROW + 6
                need = max(need, HEAD_HEIGHT + plot + FOOT_HEIGHT + legend)
            total += need
        return total + 16

    def _build_into(self, layout: pg.GraphicsLayout, export: bool, live: bool) -> list[pg.PlotItem]:
        plots = []
        k = 0
        ncols = self._ncols(export)
        if live:
            self._live_cols = ncols
            self.set_content_height(self._content_height(ncols))
        col_width = (self.export_logical_size[0] if export else self.area_width()) / ncols
        for i, panel in enumerate(self.panels):
            row, col = 2 * (i // ncols), i % ncols
            p: pg.PlotItem = add_plot(layout, row, col)
            style_plot(p, left=panel.unit + (" (log scale)" if panel.log else ""), export=export)
            set_title(p, panel.title, panel.note)
            p.setLogMode(x=False, y=panel.log)
            la, lb, shared = tick_labels(*panel.labels)
            ax = p.getAxis("bottom")
            ax.setTicks([[(0, la), (1, lb)]])
            if shared:
                p.setLabel("bottom", shared)
            ax.setStyle(tickTextOffset=6)
            p.setXRange(-0.45, 1.95, padding=0)  # room on the right for the p-value labels
            p.setMouseEnabled(x=False, y=True)
            legend = make_legend(cols=_legend_cols(len(panel.series), col_width))
            add_legend(layout, legend, row + 1, col)
            if live:
                self.legends.append(legend)
            label_rows: list[tuple[PairSeries, str, pg.TextItem]] = []
            for s in panel.series:
                c = color(k)
                k += 1
                style = Qt.PenStyle.DashLine if s.suggested else Qt.PenStyle.SolidLine
                syms, brushes, pens, sizes = [], [], [], []
                for v in (s.value_a, s.value_b):
                    bad = panel.log and v <= 0
                    syms.append("x" if bad else "o")
                    brushes.append(pg.mkBrush(FLAG_COLOR if bad else ("#FFFFFF" if s.suggested else c)))
                    pens.append(pg.mkPen(FLAG_COLOR if bad else c, width=1.5))
                    sizes.append(12 if bad else 9)
                curve = p.plot([0, 1], [s.y_a, s.y_b], pen=pg.mkPen(c, width=2.6 if export else 2, style=style),
                               symbol=syms, symbolSize=sizes, symbolBrush=brushes, symbolPen=pens, name=s.name,
                               data=[(s, "a"), (s, "b")])
                curve.curve.setClickable(True, width=8)
                curve.scatter.opts["hoverable"] = True
                curve.scatter.opts["tip"] = lambda x, y, data: comparison_tooltip(*data)
                curve.setToolTip(comparison_tooltip(s))
                legend_add(legend, curve, s.name, pen=pg.mkPen(c, width=2, style=style), sym="o",
                           brush=pg.mkBrush("#FFFFFF" if s.suggested else c), sym_pen=pg.mkPen(c, width=1.5))
                if live:
                    curve.sigClicked.connect(lambda *_a, r=s.row: self._clicked(r))
                    self.curves[s.row] = curve
                    self._track_visibility(curve, f"comparison|{s.ref.uid}")
                elif f"comparison|{s.ref.uid}" in self.hidden:
                    curve.setVisible(False)
                if s.p_text:
                    t = pg.TextItem(s.p_text, color=c, anchor=(0, 0.5))
                    t.setFont(font(P_PT, bold=False))
                    p.addItem(t, ignoreBounds=True)
                    label_rows.append((s, "b", t))
                    if live:
                        self.p_texts[s.row] = t
                    curve.visibleChanged.connect(lambda cv=curve, tt=t: tt.setVisible(cv.isVisible()))
                    t.setVisible(curve.isVisible())
            self._place_p_labels(p, panel, label_rows)
            vb = p.getViewBox()
            place = (lambda *_a, pp=p, j=i, rows=label_rows:
                     self._place_p_labels(pp, self.panels[j], rows) if j < len(self.panels) else None)
            vb.sigResized.connect(place)
            vb.sigYRangeChanged.connect(place)
            if live:
                self._labels.append(label_rows)
            ring = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=18, symbolBrush=None,
                                   symbolPen=pg.mkPen("#000000", width=2.2))
            p.addItem(ring)
            if live:
                self.rings.append(ring)
            plots.append(p)
        return plots

    @staticmethod
    def _place_p_labels(p: pg.PlotItem, panel: Panel, rows: list[tuple[PairSeries, str, pg.TextItem]]) -> None:
        """Each p-value right of its line's end, in pixels: no two closer than a line of text, all inside
        the panel (the x range widened to hold the longest)."""
        if not rows:
            return
        vb = p.getViewBox()
        fm = QFontMetrics(font(P_PT))
        h = fm.height() + 1
        width = max(fm.horizontalAdvance(t.toPlainText()) for _s, _w, t in rows) + 12
        W, H = vb.width(), vb.height()  # noqa: N806

        def vy(v: float) -> float:
            return math.log10(max(v, panel.floor)) if panel.log else v
        if W < 40 or H < 20:  # not laid out yet: spread in data units, placed again once it is
            allv = [vy(v) for s in panel.series for v in (s.y_a, s.y_b)]
            span = (max(allv) - min(allv)) or 1.0
            for (_s, _w, t), y in zip(rows, _spread([vy(s.y_b) for s, _w, _t in rows], 0.075 * span)):
                t.setPos(1.07, y)
            return
        right = 1.95
        if W - width > 40:
            right = max(right, (1.07 * W + 0.45 * width) / (W - width))
        (x0, x1), (y0, y1) = vb.viewRange()
        if abs(x1 - right) > 1e-3 or abs(x0 + 0.45) > 1e-3:
            p.setXRange(-0.45, right, padding=0)
        if y1 <= y0:
            return
        per_px = (y1 - y0) / H
        px = [(vy(s.y_b) - y0) / per_px for s, _w, _t in rows]
        placed = _spread(px, h, lo=h / 2 + 1, hi=H - h / 2 - 1)
        for (_s, _w, t), y in zip(rows, placed):
            t.setPos(1.07, y0 + y * per_px)

    def _clicked(self, row: int) -> None:
        self.point_clicked.emit(row)
        self.row_clicked.emit("comparisons", row)

    def select_row(self, table: str, row: int) -> bool:
        if table != "comparisons":
            return False
        self.selected = row
        found = False
        for panel, ring in zip(self.panels, self.rings):
            hit = [s for s in panel.series if s.row == row]
            if hit:
                ring.setData([0, 1], [hit[0].y_a, hit[0].y_b])
                found = True
            else:
                ring.setData([], [])
        return found

    def csv(self):
        return comparison_rows(self.panels), COMPARISON_COLUMNS
