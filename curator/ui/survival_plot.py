"""Survival / time-to-event rates of one paper: each rate a point at its horizon with its CI bar."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from curator.domain.outcomes import Record
from curator.plotting.csv_rows import SURVIVAL_COLUMNS, survival_rows
from curator.plotting.survival import SurvivalData, survival
from curator.plotting.tooltips import survival_tooltip
from curator.plotting.values import fmt_value
from curator.ui.base_plot import (
    FLAG_COLOR,
    NoteText,
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


def _month_label(m: float) -> str:
    if m >= 12 and float(m / 12).is_integer():
        y = int(m / 12)
        return f"{y} year" + ("s" if y > 1 else "")
    return f"{fmt_value(m)} mo"


class SurvivalPlot(PlotView):
    """Rates (%) at their horizon (months), CI as error bars, one colour per endpoint and arm."""

    def __init__(self, parent=None):
        super().__init__("survival_plot", "No survival rate with a horizon in this paper yet.", parent)
        self.setAccessibleName("Survival plot")
        self.curves: dict[str, pg.PlotDataItem] = {}  # series key (endpoint|arm) -> points
        self.error_bars: dict[str, pg.ErrorBarItem] = {}
        self.rate_texts: list[pg.TextItem] = []
        self.ring: pg.PlotDataItem | None = None
        self.notes: NoteText | None = None
        self.selected: int | None = None
        self.record: Record | None = None
        self._key: object = None
        self._sig: object = None
        self._texts: dict[str, list[pg.TextItem]] = {}

    @staticmethod
    def _structure(d: SurvivalData) -> object:
        return (tuple(d.medians), len(d.undrawn), tuple((s.key, s.suggested, tuple(
            (pt.months, pt.suggested, bool(pt.flag), pt.ci_level, pt.ref) for pt in s.points)) for s in d.series))

    def _update(self) -> None:
        """Same rows at the same horizons: move the rates, CIs and their labels."""
        for s in self.data.series:
            curve = self.curves[s.key]
            xs = [float(x) for x in curve.getOriginalDataset()[0]]
            ys = [pt.rate for pt in s.points]
            curve.setData(xs, ys, data=s.points)
            lo = [pt.rate - pt.ci_low if pt.ci_low is not None else 0.0 for pt in s.points]
            hi = [pt.ci_high - pt.rate if pt.ci_high is not None else 0.0 for pt in s.points]
            self.error_bars[s.key].setData(x=np.array(xs), y=np.array(ys), top=np.array(hi), bottom=np.array(lo))
            for t, pt, x in zip(self._texts.get(s.key, []), s.points, xs):
                t.setText(f"{fmt_value(pt.rate)}%")
                t.setPos(x, pt.rate)

    def figure_title(self) -> str:
        return "Survival rates" + (f" — {self.paper_title}" if self.paper_title else "")

    def redraw(self, rec: Record | None, paper_title: str | None = None, paper_text: str | None = None) -> None:
        key = (rows_key(rec, ("time_to_event",)), paper_title, paper_text)
        if key == self._key and rec is self.record:
            return  # the survival rows did not change
        self._key = key
        self.record = rec
        self.paper_title = paper_title or ""
        self.data = survival(rec, paper_title, paper_text)
        sig = self._structure(self.data)
        if sig == self._sig and self.plot_items:
            self._update()
            return
        self._sig = sig
        self.glw.ci.clear()
        self.plot_items, self.curves, self.error_bars, self.rate_texts, self.ring = [], {}, {}, [], None
        self._texts = {}
        if not self.data.series:
            self.show_message(self.data.message)
            return
        self._draw_live("time_to_event")

    def _build(self, layout: pg.GraphicsLayout, export: bool = False) -> list[pg.PlotItem]:
        return self._build_into(layout, export, live=False)

    def _build_into(self, layout: pg.GraphicsLayout, export: bool, live: bool) -> list[pg.PlotItem]:
        d: SurvivalData = self.data
        p = add_plot(layout, 0, 0)
        style_plot(p, left="Rate (%)", bottom="Months after CAR-T infusion", export=export)
        note = "; ".join(d.medians)
        if d.undrawn:
            note = (note + " · " if note else "") + f"⚠ {len(d.undrawn)} rate(s) without a readable horizon"
        levels = {pt.ci_level for pt in d.points if pt.ci_level}
        ci = f"{fmt_value(levels.pop())}% CI" if len(levels) == 1 else "CI"
        set_title(p, f"Rates at their horizon, with {ci}")
        # the notes (medians, undrawn rates) wrap in a row of their own under the plot and its legend
        notes = NoteText(note)
        layout.addItem(notes, row=1, col=0, colspan=2)
        if live:
            self.notes = notes
        p.showGrid(x=True, y=True, alpha=0.15)
        months = sorted({pt.months for pt in d.points})
        p.getAxis("bottom").setTicks([[(m, _month_label(m)) for m in months]])
        xmax = max(months)
        p.setXRange(0, xmax * 1.12 + 1, padding=0)
        p.setYRange(-3, 105, padding=0)
        p.setLimits(yMin=-5, yMax=110)
        legend = make_legend()
        add_legend(layout, legend, 0, 1)
        n = len(d.series)
        dodge = 0.012 * (xmax + 1)
        for k, s in enumerate(d.series):
            c = color(k)
            off = (k - (n - 1) / 2) * dodge
            xs = [pt.months + off for pt in s.points]
            ys = [pt.rate for pt in s.points]
            style = Qt.PenStyle.DashLine if s.suggested else Qt.PenStyle.DotLine
            brushes = [pg.mkBrush(FLAG_COLOR if pt.flag else ("#FFFFFF" if pt.suggested else c)) for pt in s.points]
            pens = [pg.mkPen(FLAG_COLOR if pt.flag else c, width=1.6) for pt in s.points]
            lo = [pt.rate - pt.ci_low if pt.ci_low is not None else 0.0 for pt in s.points]
            hi = [pt.ci_high - pt.rate if pt.ci_high is not None else 0.0 for pt in s.points]
            err = pg.ErrorBarItem(x=np.array(xs), y=np.array(ys), top=np.array(hi),
                                  bottom=np.array(lo), beam=0.018 * (xmax + 1), pen=pg.mkPen(c, width=1.6))
            p.addItem(err)
            curve = pg.PlotDataItem(xs, ys, pen=pg.mkPen(c, width=1.2, style=style), symbol="o", symbolSize=10,
                                    symbolBrush=brushes, symbolPen=pens, name=s.name, data=s.points)
            curve.scatter.opts["hoverable"] = True
            curve.scatter.opts["tip"] = lambda x, y, data: survival_tooltip(data)
            p.addItem(curve)
            legend_add(legend, curve, s.name, pen=pg.mkPen(c, width=1.2, style=style), sym="o",
                       brush=pg.mkBrush(c), sym_pen=pg.mkPen(c, width=1.6))
            curve.visibleChanged.connect(lambda cv=curve, e=err: e.setVisible(cv.isVisible()))
            texts = []
            for pt, x in zip(s.points, xs):
                # series dodged to the left of a horizon label to the left, so labels never sit on a neighbour's CI
                t = pg.TextItem(f"{fmt_value(pt.rate)}%", color=c, anchor=(1.25, 0.5) if off < 0 else (-0.25, 0.5),
                                fill=(255, 255, 255, 200))
                t.setFont(font(9))
                t.setPos(x, pt.rate)
                p.addItem(t, ignoreBounds=True)
                texts.append(t)
                curve.visibleChanged.connect(lambda cv=curve, tt=t: tt.setVisible(cv.isVisible()))
            if live:
                self.curves[s.key] = curve
                self.error_bars[s.key] = err
                self.rate_texts.extend(texts)
                self._texts[s.key] = texts
                curve.sigPointsClicked.connect(self._points_clicked)
                self._track_visibility(curve, f"survival|{s.key}")
            elif f"survival|{s.key}" in self.hidden:
                curve.setVisible(False)
        ring = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=19, symbolBrush=None,
                               symbolPen=pg.mkPen("#000000", width=2.2))
        p.addItem(ring)
        if live:
            self.ring = ring
        return [p]

    def _points_clicked(self, _item, points, *_a) -> None:
        if len(points):
            ref = points[0].data().ref
            self.row_clicked.emit(ref.table, ref.row)

    def select_row(self, table: str, row: int) -> bool:
        if table != "time_to_event":
            return False
        self.selected = row
        if self.ring is None or self.data is None:
            return False
        for key, curve in self.curves.items():
            xs, ys = curve.getData()
            pts = [pt for s in self.data.series if s.key == key for pt in s.points]
            for pt, x, y in zip(pts, xs, ys):
                if pt.ref.row == row:
                    self.ring.setData([x], [y])
                    return True
        self.ring.setData([], [])
        return False

    def csv(self):
        return (survival_rows(self.data) if self.data is not None else []), SURVIVAL_COLUMNS
