"""One analyte across every verified paper of the library, in one unit where conversion is safe.

Top panel: before → after of each comparison (and undated measurements), one column per paper.
Next: measurements with a day, over time, joined per paper and group. Values in units that cannot be
converted safely (DOMAIN.md: e.g. sCD25 U/mL vs pg/mL) get panels of their own unit. Clicking a point
emits `paper_clicked(paper_id)`; hovering shows value, unit as reported and the conversion used.

For 10,000 points: each panel is a handful of PlotDataItems (one per kind of point, one for all the
connecting segments with connect='pairs'), never one item per paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from curator.domain.outcomes import Record
from curator.plotting.csv_rows import LIBRARY_COLUMNS, library_rows
from curator.plotting.library import LIB_AFTER, LIB_BEFORE, LIB_MEASURE, LibraryPanel, LibraryPlotData
from curator.plotting.tooltips import library_tooltip
from curator.plotting.values import FLAG_ABOVE, FLAG_BELOW, FLAG_NONPOSITIVE, analyte_name
from curator.services.plots import library_analytes, load_library_plot
from curator.ui.base_plot import (
    FLAG_COLOR,
    TEXT,
    LogAxis,
    PlotView,
    legend_add,
    legend_width,
    make_legend,
    set_title,
    style_plot,
)


def _item(p: pg.PlotItem, x: np.ndarray, y: np.ndarray, **kw) -> pg.PlotDataItem:
    """Add an empty item first, then set its data once: pyqtgraph re-lays a 10,000-point scatter on every
    setData / log-mode change, and (with a dynamic range limit) on every zoom; none of that is needed."""
    item = pg.PlotDataItem(dynamicRangeLimit=None, skipFiniteCheck=True)
    p.addItem(item)
    item.setData(x, y, **kw)
    return item


MARKS = {  # point layers of a panel: name -> (symbol, size, brush, pen colour)
    "before / A": ("o", 7, "#0072B2", "w"),
    "after / B": ("s", 7, "#D55E00", "w"),
    "measurement": ("d", 7, "#009E73", "w"),
    "below detection limit": ("t", 10, "w", "#333333"),
    "above upper limit": ("t1", 10, "w", "#333333"),
    "≤ 0 (at the axis floor)": ("x", 10, FLAG_COLOR, FLAG_COLOR),
}
_KIND_OF = {"before / A": LIB_BEFORE, "after / B": LIB_AFTER, "measurement": LIB_MEASURE}
_FLAG_OF = {"below detection limit": FLAG_BELOW, "above upper limit": FLAG_ABOVE,
            "≤ 0 (at the axis floor)": FLAG_NONPOSITIVE}


@dataclass
class _PanelState:
    plot: pg.PlotItem
    legend: pg.LegendItem
    items: dict[str, pg.PlotDataItem] = field(default_factory=dict)
    shown: set[str] = field(default_factory=set)
    log: bool | None = None
    legend_names: tuple = ()


class _LibCanvas:
    """Panels kept by key between draws: switching analyte or refreshing re-sets data, it does not
    re-create PlotItems (each costs ~15 ms). The export draws a fresh canvas with the same code."""

    def __init__(self, view: LibraryPlot, layout: pg.GraphicsLayout, export: bool = False):
        self.view, self.layout, self.grid, self.export = view, layout, layout.layout, export
        self.states: dict[str, _PanelState] = {}
        self.order: list[str] = []

    @property
    def plots(self) -> list[pg.PlotItem]:
        return [self.states[k].plot for k in self.order]

    def draw(self, d: LibraryPlotData) -> None:
        keys = [p.key for p in d.panels]
        for k in [k for k in self.states if k not in keys]:
            st = self.states.pop(k)
            for it in (st.plot, st.legend):
                self._drop(it)
        for k in keys:
            if k not in self.states:
                self.states[k] = self._new_state()
        if keys != self.order:
            g = self.grid
            while g.count():
                g.removeAt(g.count() - 1)
            for r, k in enumerate(keys):
                st = self.states[k]
                g.addItem(st.plot, r, 0)
                g.addItem(st.legend, r, 1)
                g.setAlignment(st.legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                g.setRowStretchFactor(r, 1)
            g.setColumnStretchFactor(0, 1)
            g.setColumnFixedWidth(1, legend_width(list(MARKS)[:3] + ["≤ 0 (at the axis floor)"]))
            first_time: pg.PlotItem | None = None
            for pan in d.panels:  # days line up across units; paper columns differ per panel: not linked
                p = self.states[pan.key].plot
                if pan.layout == "time" and first_time is not None:
                    p.setXLink(first_time)
                else:
                    p.setXLink(None)
                    if pan.layout == "time":
                        first_time = p
            g.activate()
            self.order = keys
        for pan in d.panels:
            self._draw_panel(self.states[pan.key], pan, d)

    def _drop(self, item) -> None:
        for i in range(self.grid.count()):
            if self.grid.itemAt(i) is item:
                self.grid.removeAt(i)
                break
        if item.scene() is not None:
            item.scene().removeItem(item)

    def _new_state(self) -> _PanelState:
        p = pg.PlotItem(axisItems={"left": LogAxis("left")})
        p.setParentItem(self.layout)
        style_plot(p, export=self.export)
        legend = make_legend()
        legend.setParentItem(self.layout)
        st = _PanelState(p, legend)
        seg = pg.PlotDataItem(dynamicRangeLimit=None, skipFiniteCheck=True, connect="pairs", antialias=False,
                              pen=pg.mkPen((120, 120, 120, 110), width=1.6 if self.export else 1))
        p.addItem(seg)
        st.items["segments"] = seg
        for name, (sym, size, brush, pen) in MARKS.items():
            it = pg.PlotDataItem(dynamicRangeLimit=None, skipFiniteCheck=True, pen=None, symbol=sym,
                                 symbolSize=size, symbolBrush=pg.mkBrush(brush),
                                 symbolPen=pg.mkPen(pen, width=1.5 if pen != "w" else 0.6), name=name)
            p.addItem(it)
            sc = it.scatter
            sc.opts["hoverable"] = True
            sc.opts["hoverSize"] = 11
            if not self.export:
                it.sigPointsClicked.connect(lambda _it, pts, *_a, n=name: self.view._clicked(n, pts))
            st.items[name] = it
        return st

    def _draw_panel(self, st: _PanelState, pan: LibraryPanel, d: LibraryPlotData) -> None:
        p = st.plot
        bottom = "Paper" if pan.layout == "paper" else "Day relative to CAR-T infusion"
        style = {"color": TEXT, "font-size": "11pt" if self.export else "10pt"}
        p.setLabel("left", pan.unit + (" (log)" if pan.log else ""), **style)
        p.setLabel("bottom", bottom, **style)
        note = []
        if not pan.converted and pan.reason:
            short = pan.reason.split(":")[0] if ":" in pan.reason else pan.reason
            note.append(f"not converted ({short if len(short) < 48 else short[:46] + '…'})")
        if pan.n_flagged:
            note.append(f"⚠ {pan.n_flagged} value(s) ≤ 0 at the axis floor (✕)")
        set_title(p, f"{d.analyte}: {pan.title[0].lower()}{pan.title[1:]}", " · ".join(note))
        if st.log != pan.log:
            p.setLogMode(x=False, y=pan.log)
            st.log = pan.log
        x = np.asarray(pan.x, dtype=float)
        y = np.asarray(pan.y, dtype=float)
        idx = np.asarray(pan.pairs, dtype=int).ravel()
        st.items["segments"].setData(x[idx], y[idx])
        st.items["segments"].setVisible(len(idx) > 0)
        kind = np.asarray(pan.kind, dtype=int)
        flag = np.asarray(pan.flag, dtype=object)
        plain = flag == ""
        shown = []
        for name in MARKS:
            sel = np.nonzero(((kind == _KIND_OF[name]) & plain) if name in _KIND_OF else (flag == _FLAG_OF[name]))[0]
            it = st.items[name]
            it.scatter.opts["tip"] = lambda x, y, data, pan=pan: library_tooltip(pan, int(data), d.analyte)
            it.setData(x[sel], y[sel], data=sel)
            if len(sel):
                shown.append(name)
        st.shown = set(shown)
        for name in MARKS:
            key = f"library|{name}"
            visible = name in st.shown and key not in self.view.hidden
            st.items[name].setVisible(visible)
        if tuple(shown) != st.legend_names:
            st.legend.clear()
            for name in shown:
                sym, _size, brush, pen = MARKS[name]
                legend_add(st.legend, st.items[name], name, pen=None, sym=sym, brush=pg.mkBrush(brush),
                           sym_pen=pg.mkPen(pen if pen != "w" else "#555555", width=1.2), size=8)
                if not self.export:
                    self.view._track_visibility(st.items[name], f"library|{name}")
            st.legend_names = tuple(shown)
        if pan.layout == "paper":
            self.view._paper_ticks(p, pan)
        else:
            p.getAxis("bottom").setTicks(None)
            p.enableAutoRange(x=True)
        p.enableAutoRange(y=True)


class LibraryPlot(PlotView):
    def __init__(self, parent=None):
        super().__init__("library_plot", "Open a library to compare papers.", parent)
        self.setAccessibleName("Across-library plot")
        self.analyte_combo = QComboBox()
        self.analyte_combo.setObjectName("library_analyte")
        self.analyte_combo.setAccessibleName("Analyte")
        self.analyte_combo.setEditable(True)
        self.analyte_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.analyte_combo.setMinimumContentsLength(14)
        self.analyte_combo.setToolTip("Analyte to compare across verified papers (any spelling: IFN-γ, "
                                      "IFN-gamma, interferon gamma)")
        self.analyte_combo.activated.connect(lambda _i: self.set_analyte(self.analyte_combo.currentText()))
        self.analyte_combo.lineEdit().returnPressed.connect(
            lambda: self.set_analyte(self.analyte_combo.currentText()))
        self.add_control(self.analyte_combo, "Analyte:")
        self.summary = QLabel()
        self.summary.setObjectName("library_summary")
        self.summary.setStyleSheet("color: #555;")
        self.add_control(self.summary)
        self.lib: Any = None
        self.analyte: str | None = None
        self.stale = True
        self.user_chose = False
        self.record_analytes: list[str] = []
        self.canvas = _LibCanvas(self, self.glw.ci)

    def figure_title(self) -> str:
        d: LibraryPlotData | None = self.data
        if d is None:
            return "Across the library"
        return f"{d.analyte} across {d.n_papers} verified paper{'s' if d.n_papers != 1 else ''}"

    # --- data ------------------------------------------------------------------------------------
    def set_library(self, lib: Any) -> None:
        self.lib = lib
        self.stale = True
        self.user_chose = False
        self._fill_combo()

    def suggest_analytes(self, rec: Record | None) -> None:
        """Remember the current record's analytes: the default choice when the curator has not picked one."""
        names = []
        if rec is not None:
            for row in (*rec.comparisons, *rec.measurements):
                if row.analyte:
                    names.append(analyte_name(row.analyte))
        self.record_analytes = list(dict.fromkeys(names))

    def _fill_combo(self) -> list[tuple[str, int]]:
        counts = library_analytes(self.lib) if self.lib is not None else []
        current = self.analyte_combo.currentText()
        self.analyte_combo.blockSignals(True)
        self.analyte_combo.clear()
        for name, n in counts:
            self.analyte_combo.addItem(name, name)
            self.analyte_combo.setItemData(self.analyte_combo.count() - 1, f"{n} value(s) in verified papers",
                                           Qt.ItemDataRole.ToolTipRole)
        self.analyte_combo.setEditText(current)
        self.analyte_combo.blockSignals(False)
        return counts

    def set_analyte(self, name: str) -> None:
        name = (name or "").strip()
        if not name:
            return
        self.user_chose = True
        self.analyte = name
        self.analyte_combo.setEditText(analyte_name(name))
        self.refresh(fill=False)

    def refresh_if_stale(self) -> None:
        if self.stale or self.data is None:
            self.refresh()

    def refresh(self, fill: bool = True) -> None:
        """Read the analyte's rows from the library and redraw (`fill`: re-list the analytes too)."""
        self.stale = False
        if self.lib is None:
            self.data = None
            self.show_message("Open a library to compare papers.")
            return
        counts = self._fill_combo() if fill or not self.analyte_combo.count() else []
        if not self.user_chose or not self.analyte:
            present = [n for n, _c in counts] or [self.analyte_combo.itemText(i)
                                                  for i in range(self.analyte_combo.count())]
            pick = next((a for a in self.record_analytes if a in present), present[0] if present else None)
            self.analyte = pick
        if not self.analyte:
            self.data = None
            self.summary.setText("")
            self.show_message("No verified paper reports a measurement or comparison yet.\n"
                              "Verify a record (Ctrl+Enter) and its values appear here.")
            return
        self.analyte_combo.setEditText(analyte_name(self.analyte))
        self.draw(load_library_plot(self.lib, self.analyte))

    # --- drawing -----------------------------------------------------------------------------------
    def draw(self, data: LibraryPlotData) -> None:
        self.data = data
        convs = data.conversions
        n_conv = sum(n for c, n in convs.items() if c not in ("same unit", "not converted"))
        bits = [f"{data.n_points} values · {data.n_papers} papers"]
        if n_conv:
            bits.append(f"{n_conv} converted to {data.unit}")
        if convs.get("not converted"):
            bits.append(f"{convs['not converted']} not convertible")
        self.summary.setText(" · ".join(bits))
        self.summary.setToolTip("Conversions used (DOMAIN.md: only safe ones):\n" + "\n".join(
            f"{c}: {n} value(s)" for c, n in convs.items()))
        if not data.panels:
            self.show_message(data.message)
            return
        self.show_plot()
        with self.building():
            self.canvas.draw(data)
        self.plot_items = self.canvas.plots

    @property
    def items(self) -> dict[str, dict[str, pg.PlotDataItem]]:
        """Panel key → {'segments' | 'before / A' | 'after / B' | 'measurement' | flag name: item} (shown)."""
        return {k: {n: it for n, it in st.items.items() if it.isVisible() or n in st.shown}
                for k, st in self.canvas.states.items() if k in self.canvas.order}

    def _build(self, layout: pg.GraphicsLayout, export: bool = False) -> list[pg.PlotItem]:
        c = _LibCanvas(self, layout, export=True)
        c.draw(self.data)
        return c.plots

    def _paper_ticks(self, p: pg.PlotItem, pan: LibraryPanel) -> None:
        n = len(pan.paper_labels)
        width = max(200, self.glw.width() - 260)  # the plot area, without axis and legend
        step = max(1, math.ceil(n * 95 / width))  # ~95 px per 'Author 2021' label
        major = [(i, pan.paper_labels[i]) for i in range(0, n, step)]
        minor = [(i, "") for i in range(n) if i % step]
        p.getAxis("bottom").setTicks([major, minor])
        p.setXRange(-0.6, n - 0.4, padding=0)

    def _clicked(self, name: str, points) -> None:
        """A point of layer `name` was clicked: open its paper."""
        if not len(points) or self.data is None:
            return
        item = points[0]
        for pan in self.data.panels:
            st = self.canvas.states.get(pan.key)
            if st is not None and item in st.items[name].scatter.points():
                pid = pan.refs[int(item.data())].paper_id
                if pid is not None:
                    self.paper_clicked.emit(int(pid))
                return

    def csv(self):
        return (library_rows(self.data) if self.data is not None else []), LIBRARY_COLUMNS
