"""Before → after of the current record (pyqtgraph): each comparison a line from its first group to its
second, one panel per unit, p-values written at the line ends. Every number comes from
`curator.plotting.comparisons`."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

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


def _spread(ys: list[float], gap: float) -> list[float]:
    """Push label positions apart (keeping their order) so no two are closer than `gap`."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for a, b in itertools.pairwise(order):
        if out[b] - out[a] < gap:
            out[b] = out[a] + gap
    return out


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

    def _build_into(self, layout: pg.GraphicsLayout, export: bool, live: bool) -> list[pg.PlotItem]:
        plots = []
        k = 0
        ncols = min(len(self.panels), 3 if export else 2)  # a grid: each panel keeps a readable width
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
            legend = make_legend(cols=1 if len(panel.series) < 4 else 2)
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
                    t.setFont(font(9, bold=False))
                    p.addItem(t, ignoreBounds=True)
                    label_rows.append((s, "b", t))
                    if live:
                        self.p_texts[s.row] = t
                    curve.visibleChanged.connect(lambda cv=curve, tt=t: tt.setVisible(cv.isVisible()))
                    t.setVisible(curve.isVisible())
            self._place_p_labels(p, panel, label_rows)
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
        if not rows:
            return
        def vy(v: float) -> float:
            return math.log10(max(v, panel.floor)) if panel.log else v
        allv = [vy(v) for s in panel.series for v in (s.y_a, s.y_b)]
        span = (max(allv) - min(allv)) or 1.0
        ys = _spread([vy(s.y_b) for s, _w, _t in rows], 0.075 * span)
        for (_s, _w, t), y in zip(rows, ys):
            t.setPos(1.07, y)

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
