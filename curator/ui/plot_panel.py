"""The plots of the current record and of the library (pyqtgraph), as one embeddable tab widget.

`PlotPanel` holds four tabs — Kinetics, Before / after, Survival, Across library — and is all the main
window talks to:

    panel = PlotPanel()
    panel.set_library(lib)                       # the across-library tab reads verified papers from it
    panel.redraw(record, paper_title, paper_text)  # after each (debounced) form edit; no save needed
    panel.select_row("measurements", 3)          # the form's current row → ring its point
    panel.row_clicked.connect(...)               # (table, row) a point / band / line was clicked
    panel.paper_clicked.connect(...)             # paper id of a point in the across-library tab
    panel.show_tab("before_after")               # 'kinetics' | 'before_after' | 'survival' | 'library'
    panel.export_png(path) / export_svg(path) / export_csv(path)   # the current tab, no dialog

Log axes: curves keep the raw values (`curve.getOriginalDataset()`); `curve.getData()` returns what
is drawn, which on a log panel is log10(value) (pyqtgraph's log mode).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget

from curator.domain.outcomes import Record
from curator.ui.base_plot import PlotView
from curator.ui.comparison_plot import ComparisonPlot
from curator.ui.kinetics_plot import KineticsPlot
from curator.ui.library_plot import LibraryPlot
from curator.ui.survival_plot import SurvivalPlot

TAB_TITLES = {"kinetics": "Kinetics", "before_after": "Before / after", "survival": "Survival",
              "library": "Across library"}
_TABLE_TAB = {"measurements": "kinetics", "exposures": "kinetics", "toxicities": "kinetics",
              "timeline_events": "kinetics", "comparisons": "before_after", "time_to_event": "survival"}


class PlotPanel(QTabWidget):
    """Kinetics | Before / after | Survival | Across library: the plots of the current record and of the
    library. Thin: every number it draws comes from `curator.plotting`."""

    row_clicked = Signal(str, int)  # (table, row index in the record) of a clicked point, band or line
    paper_clicked = Signal(int)  # paper id of a clicked point in the across-library plot

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("plot_panel")
        self.setDocumentMode(True)
        self.kinetics_plot = KineticsPlot()
        self.comparison_plot = ComparisonPlot()
        self.survival_plot = SurvivalPlot()
        self.library_plot = LibraryPlot()
        self.views: dict[str, PlotView] = {
            "kinetics": self.kinetics_plot, "before_after": self.comparison_plot,
            "survival": self.survival_plot, "library": self.library_plot,
        }
        for key, view in self.views.items():
            self.addTab(view, TAB_TITLES[key])
            view.row_clicked.connect(self.row_clicked)
        self.library_plot.paper_clicked.connect(self.paper_clicked)
        self.record: Record | None = None
        self.currentChanged.connect(self._tab_changed)

    # --- API -------------------------------------------------------------------------------------
    def set_library(self, lib: Any) -> None:
        self.library_plot.set_library(lib)
        if self.current_key() == "library":
            self.library_plot.refresh()

    def redraw(self, record: Record | None, paper_title: str | None = None, paper_text: str | None = None) -> None:
        """Redraw the plots of the current record (the across-library tab is not touched: it shows
        verified papers only, refreshed with `refresh_library()` or when its tab is shown)."""
        self.record = record
        self.kinetics_plot.redraw(record, paper_title, paper_text)
        self.comparison_plot.redraw(record, paper_title, paper_text)
        self.survival_plot.redraw(record, paper_title, paper_text)
        self.library_plot.suggest_analytes(record)

    def refresh_library(self) -> None:
        """The library changed (a record was verified, a paper imported): re-read the across-library plot
        now if its tab is showing, else when it is next shown."""
        if self.current_key() == "library":
            self.library_plot.refresh()
        else:
            self.library_plot.stale = True

    def select_row(self, table: str, row: int) -> bool:
        """Highlight the drawn point (band, line) of a form row; False when that row is not drawn."""
        view = self.views.get(_TABLE_TAB.get(table, ""))
        return bool(view and view.select_row(table, row))

    def show_tab(self, key: str) -> None:
        self.setCurrentWidget(self.views[key])

    def current_key(self) -> str:
        for k, v in self.views.items():
            if v is self.currentWidget():
                return k
        return "kinetics"

    def current_view(self) -> PlotView:
        return self.views[self.current_key()]

    def export_png(self, path, size: tuple[int, int] = (2400, 1600)):
        return self.current_view().export_png(path, size)

    def export_svg(self, path):
        return self.current_view().export_svg(path)

    def export_csv(self, path):
        return self.current_view().export_csv(path)

    def _tab_changed(self, _i: int) -> None:
        if self.current_key() == "library":
            self.library_plot.refresh_if_stale()
