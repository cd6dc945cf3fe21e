"""Kinetics of one paper: every measurement series over time, one panel per unit, the clinical course on top.

Layout (one column of plots, legends in a column on the right so they never cover data):

    Course   toxicity episodes as bars with their grade, treatments as labelled marks / spans, events
    panel 1  cytokines (pg/mL), log scale
    panel …  other labs, one panel per unit
    panel n  CAR-T expansion (cells/µL or copies/µg), log scale
             x: day relative to CAR-T infusion, or to the start of a chosen treatment (linked panels)

Toxicity episodes are also shaded bands (LinearRegionItem) and treatment starts dashed lines
(InfiniteLine) across every panel, so a reader lines up the curves with the course.

Speed: the view is reconciled, not rebuilt. Panels are kept by key (group|unit) and series by key; an
edit re-sets the data of the series that changed and nothing else; a new series adds one curve; a new
unit adds one panel. (Creating a pyqtgraph PlotItem costs ~10-20 ms; re-setting one curve < 1 ms.)

Curves hold raw values (`getOriginalDataset()`); `getData()` returns what is drawn, i.e. log10 of the
values on a log panel (pyqtgraph's log mode).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox

from curator.domain.outcomes import Record
from curator.services.plot_data import (
    FLAG_ABOVE,
    FLAG_BELOW,
    FLAG_NONPOSITIVE,
    KINETICS_COLUMNS,
    KineticsData,
    KPanel,
    KPoint,
    KSeries,
    anchors,
    band_tooltip,
    event_tooltip,
    exposure_tooltip,
    kinetics,
    kinetics_rows,
    kinetics_tooltip,
)
from curator.ui.base_plot import (
    EXPOSURE_COLOR,
    FLAG_COLOR,
    MUTED,
    TEXT,
    LogAxis,
    PlotView,
    color,
    font,
    legend_add,
    legend_width,
    make_legend,
    qcolor,
    rows_key,
    set_title,
    style_plot,
    symbol,
    syndrome_color,
    view_y,
)

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
            p.ctrl.logYCheck.toggled.connect(lambda on, s=st: self.view._panel_log_toggled(s.key, on))
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
            st.limit_texts = self._limit_labels(p, pan)
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
        curve.sigPointsClicked.connect(self.view._points_clicked)
        curve.visibleChanged.connect(lambda cv=curve, e=err: e.setVisible(cv.isVisible()))
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

    def _limit_labels(self, p: pg.PlotItem, pan: KPanel) -> list[pg.TextItem]:
        """'<5' beside a value below its detection limit, '>5000' beside one above the upper limit."""
        items = []
        for s in pan.series:
            k = self.view.colour_index(pan, s.key)
            for q in s.points:
                if q.flag not in (FLAG_BELOW, FLAG_ABOVE):
                    continue
                t = pg.TextItem(q.label, color=color(k), anchor=(-0.3, 0.5), fill=(255, 255, 255, 210))
                t.setFont(font(8))
                t.setZValue(30)
                t.setPos(q.x, view_y(p, q.y))
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
                mk.sigPointsClicked.connect(self.view._points_clicked)
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


class KineticsPlot(PlotView):
    """Every measurement series of the current record over time."""

    def __init__(self, parent=None):
        super().__init__("kinetics_plot", "No measurements in this paper yet.", parent)
        self.setAccessibleName("Kinetics plot")
        self.anchor_combo = QComboBox()
        self.anchor_combo.setObjectName("kinetics_anchor")
        self.anchor_combo.setAccessibleName("x relative to")
        self.anchor_combo.setToolTip("Day 0 of the x axis: the CAR-T infusion, or the start of a treatment")
        self.anchor_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.anchor_combo.currentIndexChanged.connect(self._anchor_changed)
        self.add_control(self.anchor_combo, "x relative to:")
        self.log_check = QCheckBox("Log scale")
        self.log_check.setObjectName("kinetics_log")
        self.log_check.setChecked(True)
        self.log_check.setToolTip("Log y axes (values ≤ 0 are then drawn at the bottom of the axis and flagged)")
        self.log_check.toggled.connect(self._log_toggled)
        self.add_control(self.log_check)
        self.anchor_key = "infusion"
        self.log_pref: dict[str, bool] = {}  # per panel key, from each panel's context menu
        self.record: Record | None = None
        self.paper_text: str | None = None
        self.canvas = Canvas(self, self.glw.ci)
        self.colours: dict[str, int] = {}  # series key -> palette index, for the current paper
        self.selected: tuple[str, int] | None = None
        self._filling_combo = False
        self._key: Any = None

    # --- colours ---------------------------------------------------------------------------------------
    def colour_index(self, pan: KPanel, key: str) -> int:
        """A series keeps its colour while the paper is edited: a new series takes the first colour not
        used in its panel, so adding IL-18 does not repaint IL-6 in another colour."""
        k = self.colours.get(key)
        if k is None:
            used = {self.colours[s.key] for s in pan.series if s.key in self.colours}
            k = next(i for i in range(len(pan.series) + len(used) + 1) if i not in used)
            self.colours[key] = k
        return k

    # --- what tests read ---------------------------------------------------------------------------
    @property
    def panels(self) -> list[pg.PlotItem]:
        """Data panels, top to bottom (the course track is `track`)."""
        return self.canvas.plots

    @property
    def track(self) -> pg.PlotItem | None:
        return self.canvas.track

    @property
    def curves(self) -> dict[str, pg.PlotDataItem]:
        """Series key ('IL-6|patient 1||pg/mL') → its curve."""
        return {k: c for st in self.canvas.panels.values() for k, c in st.curves.items()}

    @property
    def regions(self) -> list[pg.LinearRegionItem]:
        return [r for k in self.canvas.order for r in self.canvas.panels[k].regions]

    @property
    def lines(self) -> list[pg.InfiniteLine]:
        return self.canvas.track_lines + [ln for k in self.canvas.order for ln in self.canvas.panels[k].lines]

    @property
    def texts(self) -> list[pg.TextItem]:
        return self.canvas.track_texts + [t for k in self.canvas.order for t in self.canvas.panels[k].limit_texts]

    @property
    def track_items(self) -> list[pg.GraphicsObject]:
        return self.canvas.track_items

    @property
    def legends(self) -> list[pg.LegendItem]:
        return [self.canvas.panels[k].legend for k in self.canvas.order]

    def figure_title(self) -> str:
        return "Kinetics" + (f" — {self.paper_title}" if self.paper_title else "")

    # --- drawing ---------------------------------------------------------------------------------
    def redraw(self, rec: Record | None, paper_title: str | None = None, paper_text: str | None = None) -> None:
        key = (rows_key(rec, ("measurements", "exposures", "toxicities", "events")), paper_title, paper_text,
               self.anchor_key, self.log_check.isChecked(), tuple(sorted(self.log_pref.items())))
        if key == self._key and rec is self.record:
            return  # nothing this plot shows has changed (e.g. a comparison was edited)
        self._key = key
        if (rec.paper_id if rec else None) != (self.record.paper_id if self.record else None):
            self.colours = {}  # another paper: colours in its own series order
        self.record = rec
        self.paper_title = paper_title or ""
        self.paper_text = paper_text
        self._fill_anchor_combo()
        log: bool | dict[str, bool] = self.log_pref if self.log_check.isChecked() else False
        self.data = kinetics(rec, self.anchor_key, paper_title, paper_text, log=log)
        d: KineticsData = self.data
        if not d.panels and not d.has_course:
            self.show_message(d.message)
            self.plot_items = []
            return
        self.stack.setCurrentWidget(self.glw)
        self.canvas.draw(d)
        self.plot_items = ([self.canvas.track] if self.canvas.track else []) + self.canvas.plots
        self._apply_compact()
        if self.selected:
            self.select_row(*self.selected)

    def _build(self, layout: pg.GraphicsLayout, export: bool = False) -> list[pg.PlotItem]:
        c = Canvas(self, layout, export=True)
        c.draw(self.data)
        return ([c.track] if c.track else []) + c.plots

    def has_plot(self) -> bool:
        return self.stack.currentWidget() is self.glw

    def resizeEvent(self, event) -> None:  # Qt API
        super().resizeEvent(event)
        self._apply_compact()

    def _apply_compact(self) -> None:
        c = self.canvas
        if c.track is not None and self.data is not None and c.track_sig is not None \
                and c.track_sig[2] != c.plot_width() // 40:
            c.track_sig = None  # re-place the course labels for the new width
            c._draw_track(self.data, self.data.course_rows)
        self._compact_labels()

    def _compact_labels(self) -> None:
        """In a small plot area (the main window's lower right corner) panel titles and long y-axis titles
        leave no room for data: there each panel keeps only its unit on the y axis. The export is never
        compact."""
        n = len(self.canvas.order)
        compact = n > 0 and self.glw.height() < 140 * n + (100 if self.canvas.track is not None else 0)
        self.canvas.set_compact(compact)

    def select_row(self, table: str, row: int) -> bool:
        """Ring the point of a measurement row (or deepen a band, thicken a line); False when not drawn."""
        self.selected = (table, row)
        d = self.data
        found = False
        if d is None:
            return False
        for pan in d.panels:
            st = self.canvas.panels.get(pan.key)
            if st is None:
                continue
            pts = [q for q in pan.points if q.ref.row == row] if table == "measurements" else []
            st.ring.setData([q.x for q in pts], [q.y for q in pts])
            found = found or bool(pts)
        for reg in self.regions:
            band = reg.band  # type: ignore[attr-defined]
            on = table == "toxicities" and band.ref.row == row
            reg.setBrush(qcolor(syndrome_color(band.syndrome), 90 if on else 34))
            found = found or on
        for ln in self.lines:
            e = ln.exposure  # type: ignore[attr-defined]
            on = table == "exposures" and e.ref.row == row
            ln.setPen(pg.mkPen(TEXT if on else EXPOSURE_COLOR, width=2.2 if on else 1.1,
                               style=Qt.PenStyle.DashLine))
            found = found or on
        return found

    def reset_zoom(self) -> None:
        for p in self.canvas.plots:
            p.enableAutoRange(y=True)
        if self.data is not None:
            self.canvas._set_x_range(self.data, force=True)

    def csv(self):
        return (kinetics_rows(self.data) if self.data is not None else []), KINETICS_COLUMNS

    # --- controls --------------------------------------------------------------------------------
    def _fill_anchor_combo(self) -> None:
        opts = anchors(self.record)
        keys = [a.key for a in opts]
        labels = [a.label for a in opts]
        if self.anchor_key not in keys:
            self.anchor_key = "infusion"
        current = [self.anchor_combo.itemData(i) for i in range(self.anchor_combo.count())]
        texts = [self.anchor_combo.itemText(i) for i in range(self.anchor_combo.count())]
        if current == keys and texts == labels:
            return
        self._filling_combo = True
        try:
            self.anchor_combo.clear()
            for a in opts:
                self.anchor_combo.addItem(a.label, a.key)
            self.anchor_combo.setCurrentIndex(keys.index(self.anchor_key))
        finally:
            self._filling_combo = False

    def set_anchor(self, key: str) -> None:
        """x relative to 'infusion' or to the exposure with this uid."""
        i = self.anchor_combo.findData(key)
        if i >= 0:
            self.anchor_combo.setCurrentIndex(i)

    def _anchor_changed(self, i: int) -> None:
        if self._filling_combo or i < 0:
            return
        self.anchor_key = self.anchor_combo.itemData(i) or "infusion"
        self._key = None
        self.redraw(self.record, self.paper_title, self.paper_text)
        self.reset_zoom()

    def _log_toggled(self, _on: bool) -> None:
        self.log_pref = {}
        self._key = None
        self.redraw(self.record, self.paper_title, self.paper_text)

    def _panel_log_toggled(self, key: str, on: bool) -> None:
        if self._building:
            return
        self.log_pref[key] = on
        self._key = None
        QTimer.singleShot(0, lambda: self.redraw(self.record, self.paper_title, self.paper_text))

    def _points_clicked(self, _item, points, *_a) -> None:
        if not len(points):
            return
        ref = getattr(points[0].data(), "ref", None)
        if ref is not None and ref.row >= 0:
            self.row_clicked.emit(ref.table, ref.row)


__all__ = ["Canvas", "KineticsPlot", "PanelState", "point_style"]
