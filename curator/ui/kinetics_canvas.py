"""The kinetics figure on a pyqtgraph layout: the course track on top, one data panel per unit below,
legends in a column on the right, one x axis for all (linked panels).

`Canvas` reconciles a layout with a `KineticsData`, it does not rebuild it: panels are kept by key
(group|unit) and series by key; an edit re-sets the data of the series that changed and nothing else; a
new series adds one curve; a new unit adds one panel. (Creating a pyqtgraph PlotItem costs ~10-20 ms;
re-setting one curve < 1 ms.) The live view keeps one canvas; an export draws a fresh one on an offscreen
layout, so the figure is drawn by exactly the same code.

Curves hold raw values (`getOriginalDataset()`); `getData()` returns what is drawn, i.e. log10 of the
values on a log panel (pyqtgraph's log mode).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import Qt

from curator.plotting.kinetics import KineticsData, KPanel, KPoint, KSeries
from curator.plotting.tooltips import band_tooltip, event_tooltip, exposure_tooltip, kinetics_tooltip
from curator.plotting.values import FLAG_ABOVE, FLAG_BELOW, FLAG_NONPOSITIVE
from curator.ui.base_plot import (
    EXPOSURE_COLOR,
    FLAG_COLOR,
    MUTED,
    TEXT,
    LogAxis,
    color,
    font,
    legend_add,
    legend_width,
    make_legend,
    qcolor,
    set_title,
    style_plot,
    symbol,
    syndrome_color,
    view_y,
)

if TYPE_CHECKING:
    from curator.ui.kinetics_plot import KineticsPlot

_PEN_CACHE: dict[tuple[str, float], Any] = {}
_BRUSH_CACHE: dict[str, Any] = {}
_QT_MAX = 16777215


def _pen(c: str, w: float = 1.0):
    k = (c, w)
    if k not in _PEN_CACHE:
        _PEN_CACHE[k] = pg.mkPen(c, width=w)
    return _PEN_CACHE[k]


def _brush(c: str):
    if c not in _BRUSH_CACHE:
        _BRUSH_CACHE[c] = pg.mkBrush(c)
    return _BRUSH_CACHE[c]


def point_style(points: list[KPoint], c: str, sym: str) -> dict[str, list]:
    """Per-point marker: filled (accepted) or hollow (suggestion); ▽ below a detection limit, △ above
    the upper limit, red ✕ for a value ≤ 0 drawn at the floor of a log axis."""
    symbols, brushes, pens, sizes = [], [], [], []
    for q in points:
        if q.flag == FLAG_NONPOSITIVE:
            symbols.append("x")
            brushes.append(_brush(FLAG_COLOR))
            pens.append(_pen(FLAG_COLOR, 1.5))
            sizes.append(12)
        elif q.flag in (FLAG_BELOW, FLAG_ABOVE):
            symbols.append("t" if q.flag == FLAG_BELOW else "t1")
            brushes.append(_brush("#FFFFFF"))
            pens.append(_pen(c, 1.8))
            sizes.append(11)
        else:
            symbols.append(sym)
            brushes.append(_brush("#FFFFFF" if q.suggested else c))
            pens.append(_pen(c, 1.4))
            sizes.append(7)
    return {"symbol": symbols, "symbolBrush": brushes, "symbolPen": pens, "symbolSize": sizes}


def _error_xy(points: list[KPoint], floor: float, log: bool) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for q in points:
        if q.low is None and q.high is None:
            continue
        lo = q.low if q.low is not None else q.value
        hi = q.high if q.high is not None else q.value
        if log:
            lo, hi = max(lo, floor), max(hi, floor)
        xs += [q.x, q.x]
        ys += [lo, hi]
    return xs, ys


def _series_sig(s: KSeries, k: int, pan: KPanel) -> tuple:
    return (k, pan.log, pan.floor, s.suggested, s.name,
            tuple((q.x, q.y, q.flag, q.suggested, q.low, q.high, q.ref) for q in s.points))


@dataclass
class PanelState:
    """The live items of one data panel."""

    key: str
    plot: pg.PlotItem
    legend: pg.LegendItem
    ring: pg.PlotDataItem
    curves: dict[str, pg.PlotDataItem] = field(default_factory=dict)
    errors: dict[str, pg.PlotDataItem] = field(default_factory=dict)
    sigs: dict[str, tuple] = field(default_factory=dict)
    limit_texts: list[pg.TextItem] = field(default_factory=list)
    limit_sig: Any = None
    regions: list[pg.LinearRegionItem] = field(default_factory=list)
    lines: list[pg.InfiniteLine] = field(default_factory=list)
    course_sig: Any = None
    head: Any = None  # (title, note, y label, log, is last)


class Canvas:
    """Reconciles a GraphicsLayout with a KineticsData: the live view keeps one; an export makes a fresh
    one on an offscreen layout (so the figure is drawn by exactly the same code)."""

    def __init__(self, view: KineticsPlot, layout: pg.GraphicsLayout, export: bool = False):
        self.view = view
        self.layout = layout
        self.grid = layout.layout  # QGraphicsGridLayout: managed here directly, items are kept between draws
        self.export = export
        self.panels: dict[str, PanelState] = {}
        self.order: list[str] = []
        self.track: pg.PlotItem | None = None
        self.track_filler: pg.LabelItem | None = None
        self.track_items: list[pg.GraphicsObject] = []
        self.track_lines: list[pg.InfiniteLine] = []
        self.track_texts: list[pg.TextItem] = []
        self.track_sig: Any = None
        self.message: pg.LabelItem | None = None
        self.auto_x: tuple[float, float] | None = None
        self.legend_w = 0
        self.compact = False
        self.track_rows: list = []

    # --- what tests and the view read
    @property
    def plots(self) -> list[pg.PlotItem]:
        return [self.panels[k].plot for k in self.order]

    def draw(self, d: KineticsData) -> None:
        keys = [p.key for p in d.panels]
        rows = d.course_rows
        structure_changed = keys != self.order or (self.track is None) == bool(rows) or \
            (self.message is None) == (not d.panels)
        # panels that went away
        for k in [k for k in self.panels if k not in keys]:
            st = self.panels.pop(k)
            self._drop(st.plot)
            self._drop(st.legend)
        # new panels
        for pan in d.panels:
            if pan.key not in self.panels:
                self.panels[pan.key] = self._new_panel()
        if rows and self.track is None:
            self.track = self._new_track()
            self.track_filler = pg.LabelItem("")
        elif not rows and self.track is not None:
            self._drop(self.track)
            self._drop(self.track_filler)
            self.track = self.track_filler = None
            self.track_sig = None
        if not d.panels and self.message is None:
            self.message = pg.LabelItem(d.message or "No measurements with a day to plot.", color=MUTED, size="10pt")
        elif d.panels and self.message is not None:
            self._drop(self.message)
            self.message = None
        width = legend_width([s.name for pan in d.panels for s in pan.series])
        if width != self.legend_w:
            # a fixed legend column: a legend that grows must not re-lay (and repaint) every panel
            self.grid.setColumnFixedWidth(1, width)
            self.legend_w = width
        if structure_changed:
            self._relayout(d, rows)
            plots = ([self.track] if self.track is not None else []) + [self.panels[k].plot for k in keys]
            for p in plots[1:]:
                p.setXLink(plots[0])
        self.order = keys
        if self.track is not None:
            self._draw_track(d, rows)
        for i, pan in enumerate(d.panels):
            self._draw_panel(self.panels[pan.key], pan, d, last=i == len(d.panels) - 1)
        self._set_x_range(d, force=structure_changed)

    def set_compact(self, compact: bool) -> None:
        if compact == self.compact:
            return
        self.compact = compact
        for st in self.panels.values():
            self._apply_head(st)
        if self.track is not None:
            self.track.showLabel("left", not compact)
            n = len(self.track_rows)
            self.grid.setRowMaximumHeight(0, (14 + 12 * n) if compact else (26 + 19 * n))
            self.grid.setRowPreferredHeight(0, (14 + 12 * n) if compact else (26 + 19 * n))

    def _apply_head(self, st: PanelState) -> None:
        title, note, y_label, _log, _last, _x, unit = st.head
        p = st.plot
        style = {"color": TEXT, "font-size": "11pt" if self.export else "10pt"}
        if self.compact:
            p.setTitle(None)
            p.setLabel("left", unit + (" ⚠" if note else ""), **style)
        else:
            set_title(p, title, note)
            p.setLabel("left", y_label, **style)

    # --- layout
    def _relayout(self, d: KineticsData, rows: list) -> None:
        g = self.grid
        while g.count():
            g.removeAt(g.count() - 1)
        for r in range(g.rowCount() + 2):
            g.setRowMinimumHeight(r, 0)
            g.setRowMaximumHeight(r, _QT_MAX)
            g.setRowStretchFactor(r, 1)
        r = 0
        self.track_rows = rows
        if self.track is not None:
            g.addItem(self.track, r, 0)
            g.addItem(self.track_filler, r, 1)
            # 19 px a row when there is room, down to 11 px in a small window; the panels get the rest
            full = (14 + 12 * len(rows)) if self.compact else (26 + 19 * len(rows))
            g.setRowMaximumHeight(r, full)
            g.setRowMinimumHeight(r, 14 + 11 * len(rows))
            g.setRowPreferredHeight(r, full)
            g.setRowStretchFactor(r, 0)
            self.track.setMinimumHeight(0)
            self.track_filler.setMinimumHeight(0)
            r += 1
        if self.message is not None:
            g.addItem(self.message, r, 0)
            r += 1
        for pan in d.panels:
            st = self.panels[pan.key]
            g.addItem(st.plot, r, 0)
            g.addItem(st.legend, r, 1)
            g.setRowMinimumHeight(r, 60)
            g.setRowStretchFactor(r, 3)
            g.setAlignment(st.legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            r += 1
        g.setColumnStretchFactor(0, 1)
        g.setColumnStretchFactor(1, 0)
        g.activate()

    def _drop(self, item: Any) -> None:
        if item is None:
            return
        for i in range(self.grid.count()):
            if self.grid.itemAt(i) is item:
                self.grid.removeAt(i)
                break
        sc = item.scene()
        if sc is not None:
            sc.removeItem(item)

    def _new_plot(self) -> pg.PlotItem:
        p = pg.PlotItem(axisItems={"left": LogAxis("left")})
        p.setParentItem(self.layout)
        return p

    def _new_panel(self) -> PanelState:
        p = self._new_plot()
        style_plot(p, export=self.export)
        legend = make_legend()
        legend.setParentItem(self.layout)
        ring = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=18, symbolBrush=None,
                               symbolPen=pg.mkPen("#000000", width=2.2))
        ring.setZValue(50)
        p.addItem(ring)
        st = PanelState("", p, legend, ring)
        if not self.export:
            p.ctrl.logYCheck.toggled.connect(lambda on, s=st: self.view.panel_log_toggled(s.key, on))
        return st

    def _new_track(self) -> pg.PlotItem:
        t = self._new_plot()
        style_plot(t, left="Course", export=self.export)
        t.showGrid(x=False, y=False)
        t.hideAxis("bottom")
        ax = t.getAxis("left")
        ax.setStyle(showValues=False, tickLength=0)
        ax.setPen(pg.mkPen(255, 255, 255, 0))
        ax.setTextPen(TEXT)
        t.setMouseEnabled(x=True, y=False)
        t.enableAutoRange(y=False)
        return t

    # --- a data panel
    def _draw_panel(self, st: PanelState, pan: KPanel, d: KineticsData, last: bool) -> None:
        st.key = pan.key
        p = st.plot
        head = (pan.title, pan.note, pan.y_label, pan.log, last, d.x_label if last else "", pan.unit)
        if head != st.head:
            old = st.head
            st.head = head
            self._apply_head(st)
            style = {"color": TEXT, "font-size": "11pt" if self.export else "10pt"}
            if old is None or old[3] != pan.log:
                with self.view.building():
                    p.setLogMode(x=False, y=pan.log)
            if last:
                p.setLabel("bottom", d.x_label, **style)
                p.getAxis("bottom").setStyle(showValues=True)
            else:
                p.setLabel("bottom", "")
                p.showLabel("bottom", False)
                p.getAxis("bottom").setStyle(showValues=False)
            st.head = head
        course = (tuple((b.x0, b.x1, b.syndrome, b.label, b.ref) for b in d.bands),
                  tuple((e.x_start, e.label, e.ref) for e in d.exposures))
        if course != st.course_sig:
            for it in (*st.regions, *st.lines):
                p.removeItem(it)
            st.regions, st.lines = self._course_items(p, d)
            st.course_sig = course
        # series: add, update what changed, remove
        keys = [s.key for s in pan.series]
        for k in [k for k in st.curves if k not in keys]:
            c = st.curves.pop(k)
            st.legend.removeItem(c.legend_proxy)  # type: ignore[attr-defined]
            p.removeItem(c)
            p.removeItem(st.errors.pop(k))
            st.sigs.pop(k, None)
        for s in pan.series:
            k = self.view.colour_index(pan, s.key)
            sig = _series_sig(s, k, pan)
            if s.key not in st.curves:
                self._add_series(st, pan, s, k)
            elif st.sigs.get(s.key) != sig:
                self._update_series(st, pan, s, k, sig)
            st.sigs[s.key] = sig
        limit = tuple((q.x, q.y, q.label, q.flag) for s in pan.series for q in s.points if q.flag in
                      (FLAG_BELOW, FLAG_ABOVE)) + (pan.log,)
        if limit != st.limit_sig:
            for t in st.limit_texts:
                p.removeItem(t)
            st.limit_texts = self._limit_labels(st, pan, d.x_extent())
            st.limit_sig = limit

    def _add_series(self, st: PanelState, pan: KPanel, s: KSeries, k: int) -> None:
        c = color(k)
        sym = symbol(k)
        pen = pg.mkPen(c, width=2.4 if self.export else 1.8,
                       style=Qt.PenStyle.DashLine if s.suggested else Qt.PenStyle.SolidLine)
        err = pg.PlotDataItem(*_error_xy(s.points, pan.floor, pan.log), connect="pairs", pen=pg.mkPen(c, width=1))
        st.plot.addItem(err)
        curve = pg.PlotDataItem(s.xs, s.ys, pen=pen, name=s.name, data=s.points, **point_style(s.points, c, sym))
        curve.curve.setClickable(True, width=6)
        st.plot.addItem(curve)
        legend_add(st.legend, curve, s.name, pen=pen, sym=sym, brush=_brush(c), sym_pen=_pen(c, 1.4), size=7)
        sc = curve.scatter
        sc.opts["hoverable"] = True
        sc.opts["tip"] = lambda x, y, data: kinetics_tooltip(data)
        sc.opts["hoverSize"] = 12
        curve.sigPointsClicked.connect(self.view.points_clicked)
        curve.visibleChanged.connect(lambda cv=curve, e=err, k=s.key: self._follow(st, k, cv.isVisible(), e))
        st.curves[s.key] = curve
        st.errors[s.key] = err
        hidden = s.key in self.view.hidden
        if self.export:
            curve.setVisible(not hidden)
        else:
            self.view._track_visibility(curve, s.key)
        err.setVisible(curve.isVisible())

    def _update_series(self, st: PanelState, pan: KPanel, s: KSeries, k: int, sig: tuple) -> None:
        c = color(k)
        curve = st.curves[s.key]
        old = st.sigs.get(s.key)
        if old is None or old[:5] != sig[:5]:  # colour, log, suggested or name changed: restyle
            pen = pg.mkPen(c, width=2.4 if self.export else 1.8,
                           style=Qt.PenStyle.DashLine if s.suggested else Qt.PenStyle.SolidLine)
            curve.setPen(pen)
        curve.setData(s.xs, s.ys, data=s.points, **point_style(s.points, c, symbol(k)))
        st.errors[s.key].setData(*_error_xy(s.points, pan.floor, pan.log))

    @staticmethod
    def _follow(st: PanelState, key: str, visible: bool, err: pg.PlotDataItem) -> None:
        """A series hidden (or shown again) from the legend takes its error bars and limit labels along."""
        err.setVisible(visible)
        for t in st.limit_texts:
            if t.series_key == key:  # type: ignore[attr-defined]
                t.setVisible(visible)

    def _limit_labels(self, st: PanelState, pan: KPanel, ext: tuple[float, float] | None) -> list[pg.TextItem]:
        """'<5' beside a value below its detection limit, '>5000' beside one above the upper limit (left of
        a point in the last fifth of the days, so the panel's edge does not cut it); shown only while its
        series is."""
        p = st.plot
        items = []
        for s in pan.series:
            k = self.view.colour_index(pan, s.key)
            for q in s.points:
                if q.flag not in (FLAG_BELOW, FLAG_ABOVE):
                    continue
                late = ext is not None and ext[1] > ext[0] and q.x > ext[1] - 0.2 * (ext[1] - ext[0])
                t = pg.TextItem(q.label, color=color(k), anchor=(1.3, 0.5) if late else (-0.3, 0.5),
                                fill=(255, 255, 255, 210))
                t.setFont(font(8))
                t.setZValue(30)
                t.setPos(q.x, view_y(p, q.y))
                t.series_key = s.key  # type: ignore[attr-defined]
                t.setVisible(st.curves[s.key].isVisible())
                p.addItem(t, ignoreBounds=True)
                items.append(t)
        return items

    def _course_items(self, p: pg.PlotItem, d: KineticsData) -> tuple[list, list]:
        regions, lines = [], []
        for band in d.bands:
            reg = pg.LinearRegionItem(values=(band.x0, band.x1), orientation="vertical", movable=False,
                                      brush=qcolor(syndrome_color(band.syndrome), 34),
                                      pen=pg.mkPen(qcolor(syndrome_color(band.syndrome), 90), width=1))
            reg.setZValue(-20)
            reg.band = band  # type: ignore[attr-defined]
            reg.setToolTip(band_tooltip(band))
            p.addItem(reg, ignoreBounds=True)
            regions.append(reg)
        for e in d.exposures:
            ln = pg.InfiniteLine(pos=e.x_start, angle=90, movable=False,
                                 pen=pg.mkPen(EXPOSURE_COLOR, width=1.1, style=Qt.PenStyle.DashLine))
            ln.exposure = e  # type: ignore[attr-defined]
            ln.setToolTip(exposure_tooltip(e))
            ln.setZValue(-10)
            p.addItem(ln, ignoreBounds=True)
            lines.append(ln)
        return regions, lines

    # --- the course track
    def _draw_track(self, d: KineticsData, rows: list[tuple[str, Any]]) -> None:
        ext = d.x_extent() or (0.0, 1.0)
        width = self.plot_width()
        sig = (tuple((k, repr(o)) for k, o in rows), ext, width // 40)
        if sig == self.track_sig:
            return
        self.track_sig = sig
        t = self.track
        for it in (*self.track_items, *self.track_lines, *self.track_texts):
            t.removeItem(it)
        self.track_items, self.track_lines, self.track_texts = [], [], []
        n = len(rows)
        t.setYRange(-0.6, n - 0.4, padding=0)
        pad = max(0.8, 0.03 * (ext[1] - ext[0]))
        split = (ext[0] - pad, ext[1] + pad, width / max(1e-9, ext[1] - ext[0] + 2 * pad))  # range, px per day
        emit = self.view.row_clicked.emit
        for r, (kind, obj) in enumerate(rows):
            y = n - 1 - r
            if kind == "band":
                c = syndrome_color(obj.syndrome)
                style = Qt.PenStyle.DashLine if obj.suggested else Qt.PenStyle.SolidLine
                bar = pg.PlotDataItem([obj.x0, obj.x1], [y, y], pen=pg.mkPen(qcolor(c, 200), width=9, style=style,
                                                                              cap=Qt.PenCapStyle.FlatCap))
                bar.curve.setClickable(True, width=10)
                bar.sigClicked.connect(lambda *_a, ref=obj.ref: emit(ref.table, ref.row))
                bar.setToolTip(band_tooltip(obj))
                bar.band = obj  # type: ignore[attr-defined]
                t.addItem(bar)
                self.track_items.append(bar)
                text = obj.label + (" (unresolved)" if obj.open_ended else "") + (
                    " (suggested)" if obj.suggested else "")
                self._track_label(text, obj.x0, obj.x1, y, c, split)
            elif kind == "exposure":
                ln = pg.InfiniteLine(pos=obj.x_start, angle=90, movable=False,
                                     pen=pg.mkPen(EXPOSURE_COLOR, width=1.1, style=Qt.PenStyle.DashLine))
                ln.exposure = obj  # type: ignore[attr-defined]
                ln.setToolTip(exposure_tooltip(obj))
                ln.setZValue(-10)
                t.addItem(ln, ignoreBounds=True)
                self.track_lines.append(ln)
                if obj.is_span:
                    bar = pg.PlotDataItem([obj.x_start, obj.x_end], [y, y],
                                          pen=pg.mkPen(qcolor(EXPOSURE_COLOR, 150), width=6,
                                                       cap=Qt.PenCapStyle.FlatCap))
                else:
                    bar = pg.PlotDataItem([obj.x_start], [y], pen=None, symbol="d", symbolSize=10,
                                          symbolBrush=EXPOSURE_COLOR, symbolPen=EXPOSURE_COLOR)
                bar.curve.setClickable(True, width=10)
                bar.sigClicked.connect(lambda *_a, ref=obj.ref: emit(ref.table, ref.row))
                bar.sigPointsClicked.connect(lambda *_a, ref=obj.ref: emit(ref.table, ref.row))
                bar.setToolTip(exposure_tooltip(obj))
                bar.exposure = obj  # type: ignore[attr-defined]
                t.addItem(bar)
                self.track_items.append(bar)
                text = obj.label + (f" · {obj.dose}" if obj.dose else "") + (" (suggested)" if obj.suggested else "")
                self._track_label(text, obj.x_start, obj.x_end if obj.is_span else obj.x_start, y, TEXT, split,
                                  pad=0.35)
            else:  # events
                evs = obj
                mk = pg.PlotDataItem([e.x for e in evs], [y] * len(evs), pen=None, symbol="star", symbolSize=12,
                                     symbolBrush="#E69F00", symbolPen="#7a5200", data=evs)
                mk.scatter.opts["hoverable"] = True
                mk.scatter.opts["tip"] = lambda x, y, data: event_tooltip(data)
                mk.sigPointsClicked.connect(self.view.points_clicked)
                t.addItem(mk)
                self.track_items.append(mk)
                if len(evs) <= 3:
                    for e in evs:
                        self._track_label(e.text, e.x, e.x, y, "#7a5200", split, pad=0.35)

    def plot_width(self) -> int:
        """Pixels of the plot area (without axis and legend): where track labels fit."""
        w = self.track.getViewBox().width() if self.track is not None else 0
        if w < 50:  # not laid out yet
            w = (self.view.glw.width() if not self.export else 1200) - 64 - 40 - (self.legend_w or 160)
        return int(max(100, w))

    def _track_label(self, text: str, x0: float, x1: float, y: float, c: str, split: tuple,
                     pad: float = 0.25) -> None:
        """Right of the bar when it fits, else left of it, else over the bar's middle (never cut at an edge
        when the plot is wide enough to hold it)."""
        lo, hi, px = split
        need = (len(text) * 6.4 + 8) / px  # 9 pt text, in days
        colour = c if c != "#999999" else TEXT
        if x1 + pad + need <= hi:
            item = pg.TextItem(text, color=colour, anchor=(0, 0.5))
            item.setPos(x1 + pad, y)
        elif x0 - pad - need >= lo:
            item = pg.TextItem(text, color=colour, anchor=(1, 0.5))
            item.setPos(x0 - pad, y)
        else:
            mid = min(max((x0 + x1) / 2, lo + need / 2), hi - need / 2)
            item = pg.TextItem(text, color=colour, anchor=(0.5, 0.5), fill=(255, 255, 255, 225))
            item.setPos(mid, y)
        item.setFont(font(9))
        self.track.addItem(item, ignoreBounds=True)
        self.track_texts.append(item)

    # --- x range
    def _set_x_range(self, d: KineticsData, force: bool = False) -> None:
        """Show all the data; after an edit, only if the curator has not zoomed or panned."""
        ext = d.x_extent()
        target = self.track or (self.panels[self.order[0]].plot if self.order else None)
        if ext is None or target is None:
            return
        x0, x1 = ext
        pad = max(0.8, 0.03 * (x1 - x0))
        want = (x0 - pad, x1 + pad)
        if want == self.auto_x and not force:
            return
        cur = tuple(target.getViewBox().viewRange()[0])
        if force or self.auto_x is None or all(abs(a - b) < 1e-6 for a, b in zip(cur, self.auto_x)):
            target.setXRange(*want, padding=0)
            self.auto_x = want


__all__ = ["Canvas", "PanelState", "point_style"]
