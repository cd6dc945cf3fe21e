"""The history of the open record as a table (Record ▸ History…, Ctrl+H): when, who, extractor or curator,
what (table, row, first value), the field as the form labels it, old and new value. Sortable by any
column, filtered by a search box; "Restore this value" puts an earlier value back into the form as an
ordinary edit (one undo step, saved with the record like any other edit)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from curator.domain.history import HistoryEntry

COLUMNS = (("When", "at"), ("Who", "who"), ("By", "by"), ("What", "what"), ("Field", "field_label"),
           ("Old value", "old"), ("New value", "new"))
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


class HistoryModel(QAbstractTableModel):
    """The entries of one record, oldest first (the view sorts)."""

    def __init__(self, entries: list[HistoryEntry], parent=None):
        super().__init__(parent)
        self.entries = list(entries)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.entries[index.row()]
        attr = COLUMNS[index.column()][1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            v = getattr(e, attr)
            if attr == "at":
                return v.replace("T", " ")[:19]
            return "∅" if v in (None, "") else str(v)
        if role == ENTRY_ROLE:
            return e
        if role == Qt.ItemDataRole.UserRole:  # the sort key: the time, then the order of saving
            return f"{e.at}|{index.row():09d}" if attr == "at" else str(getattr(e, attr) or "").casefold()
        return None


class HistorySortProxy(QSortFilterProxyModel):
    """Sorts on each column's sort key; the filter box matches any column (case ignored)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(Qt.ItemDataRole.UserRole)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def lessThan(self, left, right) -> bool:  # noqa: N802 - Qt API
        return str(left.data(Qt.ItemDataRole.UserRole)) < str(right.data(Qt.ItemDataRole.UserRole))


class HistoryDialog(QDialog):
    """The history table of one record; `restore_requested(entry)` asks the window to put the entry's
    old value back into the form."""

    restore_requested = Signal(object)

    def __init__(self, entries: list[HistoryEntry], title: str, parent=None):
        super().__init__(parent)
        self.setObjectName("history_dialog")
        self.setWindowTitle(title)
        self.model = HistoryModel(entries, self)
        self.proxy = HistorySortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit()
        self.filter.setObjectName("history_filter")
        self.filter.setPlaceholderText("Filter: a field, a value, a name, a date…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter.textChanged.connect(self._update_count)
        self.table = QTableView()
        self.table.setObjectName("history_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        for col in (5, 6):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), 220))
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _i: self.restore_current())
        self.count = QLabel()
        self.count.setObjectName("history_count")
        self.restore_button = QPushButton("Restore this value")
        self.restore_button.setObjectName("history_restore")
        self.restore_button.setToolTip("Put the old value of the selected change back into the form (Ctrl+R); "
                                       "an ordinary edit: Ctrl+Z undoes it, saving keeps it")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_current)
        QShortcut(QKeySequence("Ctrl+R"), self, self.restore_current)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(QLabel("&Filter:", buddy=self.filter))
        top.addWidget(self.filter, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.restore_button)
        bottom.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)
        self.resize(900, 420)
        self._update_count()
        self.filter.setFocus()

    def current_entry(self) -> HistoryEntry | None:
        idx = self.table.currentIndex()
        return idx.data(ENTRY_ROLE) if idx.isValid() else None

    def _current_changed(self, *_a) -> None:
        e = self.current_entry()
        self.restore_button.setEnabled(bool(e and e.restorable))
        self.restore_button.setToolTip(
            "Put the old value of the selected change back into the form (Ctrl+R); an ordinary edit: Ctrl+Z "
            "undoes it, saving keeps it" if e is None or e.restorable else
            "Only a value of a row the record still has can be restored")

    def _update_count(self, *_a) -> None:
        n, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{total} change(s)" if n == total else f"{n} of {total} change(s)")

    def restore_current(self) -> None:
        e = self.current_entry()
        if e is not None and e.restorable:
            self.restore_requested.emit(e)
