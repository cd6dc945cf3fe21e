"""Plots of the current record (pyqtgraph): before/after comparisons, one panel per unit, log scale."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from curator.domain.outcomes import Record
from curator.services.plot_data import Panel, comparison_panels

pg.setConfigOptions(antialias=True, background="w", foreground="k")

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22"]


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


class ComparisonPlot(QWidget):
    """Before → after for each analyte; series of different units on separate panels."""

    point_clicked = Signal(int)  # comparison row

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("comparison_plot")
        self.setAccessibleName("Before and after plot")
        self.stack = QStackedWidget()
        self.empty = QLabel("No comparisons with both values yet.\n"
                            "Add rows under Labs, or press Suggest (Ctrl+G).")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #666;")
        self.glw = pg.GraphicsLayoutWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.glw)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)
        self.panels: list[Panel] = []
        self.plot_items: list[pg.PlotItem] = []
        self.curves: dict[int, pg.PlotDataItem] = {}  # comparison row -> curve

    def redraw(self, rec: Record | None) -> None:
        self.panels = comparison_panels(rec)
        self.glw.clear()
        self.plot_items = []
        self.curves = {}
        if not self.panels:
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.glw)
        k = 0
        for col, panel in enumerate(self.panels):
            p: pg.PlotItem = self.glw.addPlot(row=0, col=col)
            p.setTitle(f"Before → after ({panel.unit})", size="9pt")
            log = panel.log_ok
            p.setLogMode(x=False, y=log)
            p.setLabel("left", "Value" + (" (log)" if log else ""), units=None)
            p.getAxis("left").setLabel(f"Value [{panel.unit}]" + (", log scale" if log else ""))
            labels_a = {s.label_a for s in panel.series}
            labels_b = {s.label_b for s in panel.series}
            la = labels_a.pop() if len(labels_a) == 1 else "before / A"
            lb = labels_b.pop() if len(labels_b) == 1 else "after / B"
            p.getAxis("bottom").setTicks([[(0, la), (1, lb)]])
            p.setXRange(-0.35, 1.6, padding=0)
            p.showGrid(x=False, y=True, alpha=0.25)
            legend = p.addLegend(offset=(-5, 5), labelTextSize="8pt")
            legend.setBrush(pg.mkBrush(255, 255, 255, 200))
            for s in panel.series:
                c = color(k)
                k += 1
                style = Qt.PenStyle.DashLine if s.suggested else Qt.PenStyle.SolidLine
                name = s.analyte + (f"  {s.p_text}" if s.p_text else "")
                curve = p.plot([0, 1], [s.value_a, s.value_b], pen=pg.mkPen(c, width=2, style=style),
                               symbol="o", symbolSize=8, symbolBrush=c, symbolPen=c, name=name)
                curve.sigClicked.connect(lambda *_a, r=s.row: self.point_clicked.emit(r))
                self.curves[s.row] = curve
                if s.p_text:
                    y = max(s.value_a, s.value_b)
                    ty = math.log10(y) if log and y > 0 else y
                    t = pg.TextItem(s.p_text, color=c, anchor=(0, 0.5))
                    t.setPos(1.04, ty)
                    p.addItem(t)
            if not log:
                warn = pg.TextItem("zero or negative values: linear scale", color="#b00", anchor=(0, 0))
                p.addItem(warn)
                vb = p.getViewBox()
                warn.setPos(-0.3, vb.viewRange()[1][1])
            self.plot_items.append(p)
