"""The tables of a paper's PDF as editable grids, with their caption and page, and the mapping of a table
to the Labs form's measurements (analyte × timepoint): one action creates the rows, every value citing its
cell on the page. Picking a cell shows it in the PDF reader."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from curator.domain.fulltext import FullText, Table
from curator.services import fulltext

HEADER_BG = QColor(232, 236, 242)


class TablesDialog(QDialog):
    """Non-modal: the curator reads the PDF and the forms while it is open."""

    cell_picked = Signal(int, int)  # full-text start, end of the picked cell's words
    rows_made = Signal(list)  # Measurement rows to add to the form

    def __init__(self, lib, paper_id: int, ft: FullText | None, tables: list[Table], parent=None):
        super().__init__(parent)
        self.setObjectName("tables_dialog")
        self.setWindowTitle("Tables of the full text")
        self.lib, self.paper_id, self.ft = lib, paper_id, ft
        self.tables: list[Table] = list(tables)  # a PDF's (cells citing their words) or a JATS text's
        self.dirty = False
        self.choose = QComboBox()
        self.choose.setObjectName("tables_choose")
        for t in self.tables:
            self.choose.addItem(f"{t.label or 'Table'}" + (f" (page {t.page})" if t.page else ""))
        self.caption = QLabel()
        self.caption.setObjectName("tables_caption")
        self.caption.setWordWrap(True)
        self.grid = QTableWidget()
        self.grid.setObjectName("tables_grid")
        self.orientation = QComboBox()
        self.orientation.setObjectName("tables_orientation")
        self.orientation.addItems(["analytes in rows, timepoints in columns", "analytes in columns, timepoints in rows"])
        self.label_col = QSpinBox()
        self.label_col.setObjectName("tables_label_column")
        self.label_col.setPrefix("labels in column ")
        self.label_col.setMinimum(1)
        self.make = QPushButton("Create measurements")
        self.make.setObjectName("tables_make")
        self.make.setToolTip("Each value of the table becomes a measurement row (Labs), citing its cell on the page")
        self.save = QPushButton("Save table edits")
        self.save.setObjectName("tables_save")
        self.note = QLabel()
        self.note.setObjectName("tables_note")
        lay = QVBoxLayout(self)
        lay.addWidget(self.choose)
        lay.addWidget(self.caption)
        lay.addWidget(self.grid, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Map to Labs ▸ Measurements:"))
        row.addWidget(self.orientation)
        row.addWidget(self.label_col)
        row.addWidget(self.make)
        row.addStretch(1)
        row.addWidget(self.save)
        lay.addLayout(row)
        lay.addWidget(self.note)
        self.choose.currentIndexChanged.connect(self._show)
        self.grid.itemChanged.connect(self._edited)
        self.grid.currentCellChanged.connect(self._picked)
        self.make.clicked.connect(self.create_rows)
        self.save.clicked.connect(self.save_edits)
        self.resize(900, 420)
        if self.tables:
            self._show(0)
        else:
            self.caption.setText("No table was found in this paper's full text.")
            self.make.setEnabled(False)

    @property
    def table(self) -> Table | None:
        i = self.choose.currentIndex()
        return self.tables[i] if 0 <= i < len(self.tables) else None

    def _show(self, _i: int) -> None:
        t = self.table
        if t is None:
            return
        self.caption.setText(f"<b>{t.caption}</b>" + (f" — page {t.page}" if t.page else ""))
        width = max((len(r) for r in t.rows), default=0)
        self.grid.blockSignals(True)
        self.grid.clear()
        self.grid.setRowCount(len(t.rows))
        self.grid.setColumnCount(width)
        for r, cells in enumerate(t.rows):
            for c, cell in enumerate(cells):
                item = QTableWidgetItem(cell.text)
                if r < t.header_rows:
                    item.setBackground(HEADER_BG)
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.grid.setItem(r, c, item)
        self.grid.blockSignals(False)
        self.grid.resizeColumnsToContents()
        self.label_col.setMaximum(max(1, width))

    def _edited(self, item: QTableWidgetItem) -> None:
        t = self.table
        if t is None:
            return
        cell = t.rows[item.row()][item.column()]
        if cell.text != item.text():
            cell.text = item.text()  # the cell still cites its words on the page
            self.dirty = True

    def _picked(self, row: int, col: int, *_prev) -> None:
        t = self.table
        if t is None or row < 0 or col < 0 or row >= len(t.rows) or col >= len(t.rows[row]):
            return
        cell = t.rows[row][col]
        if cell.start >= 0:
            self.cell_picked.emit(cell.start, cell.end)

    def save_edits(self) -> None:
        fulltext.save_tables(self.lib, self.paper_id, self.tables)
        self.dirty = False
        self.note.setText("Table edits saved")

    def create_rows(self) -> list:
        t = self.table
        if t is None:
            return []
        rows = fulltext.measurements_from_table(
            self.ft, t, label_index=self.label_col.value() - 1,
            analytes_in="rows" if self.orientation.currentIndex() == 0 else "columns")
        self.note.setText(f"{len(rows)} measurement row(s) created from {t.label or 'the table'}, each citing its "
                          "cell" if rows else "No numeric value found with these settings")
        if rows:
            self.rows_made.emit(rows)
        return rows



