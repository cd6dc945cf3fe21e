"""Kinetics of one paper: every measurement series over time, one panel per unit, the clinical course on top.

Layout (one column of plots, legends in a column on the right so they never cover data):

    Course   toxicity episodes as bars with their grade, treatments as labelled marks / spans, events
    panel 1  cytokines (pg/mL), log scale
    panel …  other labs, one panel per unit
    panel n  CAR-T expansion (cells/µL or copies/µg), log scale
             x: day relative to CAR-T infusion, or to the start of a chosen treatment (linked panels)

Toxicity episodes are also shaded bands (LinearRegionItem) and treatment starts dashed lines
(InfiniteLine) across every panel, so a reader lines up the curves with the course.

The figure itself is drawn by `curator.ui.kinetics_canvas.Canvas`, which reconciles the view with each
new `KineticsData` instead of rebuilding it.

Curves hold raw values (`getOriginalDataset()`); `getData()` returns what is drawn, i.e. log10 of the
values on a log panel (pyqtgraph's log mode).
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox

from curator.domain.outcomes import Record
from curator.plotting.csv_rows import KINETICS_COLUMNS, kinetics_rows
from curator.plotting.kinetics import KineticsData, KPanel, anchors, kinetics
from curator.ui.base_plot import (
    EXPOSURE_COLOR,
    TEXT,
    PlotView,
    qcolor,
    rows_key,
    syndrome_color,
)
from curator.ui.kinetics_canvas import Canvas

PANEL_MIN_HEIGHT = 140  # a data panel with its title, unit and a few ticks
TRACK_ROW = 19  # a row of the course track: one line of 9 pt text


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
        self.show_plot()
        # in a small plot area the panels scroll rather than squeeze their labels into each other
        rows = len(d.course_rows) if d.has_course else 0
        self.set_content_height(PANEL_MIN_HEIGHT * len(d.panels) + (TRACK_ROW * rows + 30 if rows else 0) + 50)
        self.canvas.draw(d)
        self.plot_items = ([self.canvas.track] if self.canvas.track else []) + self.canvas.plots
        self._apply_compact()
        if self.selected:
            self.select_row(*self.selected)

    def _build(self, layout: pg.GraphicsLayout, export: bool = False) -> list[pg.PlotItem]:
        c = Canvas(self, layout, export=True)
        c.draw(self.data)
        return ([c.track] if c.track else []) + c.plots

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

    def panel_log_toggled(self, key: str, on: bool) -> None:
        """One panel's log axis toggled from its context menu (the canvas connects it)."""
        if self._building:
            return
        self.log_pref[key] = on
        self._key = None
        QTimer.singleShot(0, lambda: self.redraw(self.record, self.paper_title, self.paper_text))

    def points_clicked(self, _item, points, *_a) -> None:
        """A clicked point (or event star) selects its form row (the canvas connects it)."""
        if not len(points):
            return
        ref = getattr(points[0].data(), "ref", None)
        if ref is not None and ref.row >= 0:
            self.row_clicked.emit(ref.table, ref.row)


__all__ = ["KineticsPlot"]
