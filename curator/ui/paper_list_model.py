"""The paper list: a lazy table model over the library.

It keeps only the ordered list of paper ids for the current search/filter/sort and fetches the
displayed columns a page at a time, so a 100,000-paper library opens instantly.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap

from curator.services.changes import Changes
from curator.services.library import Library, PaperSummary

PAGE = 200
# the statuses as named everywhere (the status filter, the title bar, the README): the same words
STATUS_LABEL = {"unreviewed": "○ unreviewed", "draft": "◐ draft", "verified": "● verified", "rejected": "✕ rejected",
                "excluded": "⊘ excluded"}
STATUS_COLOR = {"unreviewed": QColor(120, 120, 120), "draft": QColor(176, 110, 0), "verified": QColor(25, 130, 60),
                "rejected": QColor(170, 40, 40), "excluded": QColor(110, 110, 110)}
COLUMNS = (("status", "Status"), ("title", "Title"), ("first_author", "First author"), ("year", "Year"),
           ("journal", "Journal"), ("pmid", "PMID"), ("editing", "Editing"))
EDITING_COLOR = QColor(150, 70, 150)  # another curator's window has the paper open


_BADGES: dict[tuple[str, bool], QIcon] = {}


def editing_badge(name: str, editing: bool) -> QIcon:
    """A small round badge with the curator's initial, shown before the title of a paper another
    curator has open: filled while they edit it, an outline while they only have it open."""
    key = (name[:1].upper() or "?", editing)
    icon = _BADGES.get(key)
    if icon is None:
        pm = QPixmap(16, 16)
        pm.fill(QColor(0, 0, 0, 0))
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(EDITING_COLOR)
        p.setBrush(EDITING_COLOR if editing else QColor(255, 255, 255))
        p.drawEllipse(1, 1, 14, 14)
        font = QFont()
        font.setPixelSize(10)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor(255, 255, 255) if editing else EDITING_COLOR)
        p.drawText(pm.rect(), int(Qt.AlignmentFlag.AlignCenter), key[0])
        p.end()
        icon = _BADGES[key] = QIcon(pm)
    return icon


class PaperListModel(QAbstractTableModel):
    def __init__(self, lib: Library | None = None, parent=None):
        super().__init__(parent)
        self.lib = lib
        self.ids: list[int] = []
        self._cache: dict[int, PaperSummary] = {}
        self.search: str | None = None
        self.status: str | None = None
        self.year_from: int | None = None
        self.year_to: int | None = None
        self.order_by = "status"
        self.descending = False
        self._loaded = False
        self.editors: dict[int, tuple[str, bool]] = {}  # paper id -> (who has it open, someone is editing)
        if lib is not None:
            self.refresh()

    # --- querying --------------------------------------------------------------------------------
    def set_library(self, lib: Library) -> None:
        self.lib = lib
        self.refresh()

    def set_filter(self, search: str | None = None, status: str | None = None, year_from: int | None = None,
                   year_to: int | None = None) -> None:
        self.search, self.status, self.year_from, self.year_to = search or None, status or None, year_from, year_to
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self._cache.clear()
        self.ids = [] if self.lib is None else self.lib.list_ids(
            self.search, self.status, self.year_from, self.year_to, self.order_by, self.descending)
        self._loaded = self.lib is not None
        self.endResetModel()

    def refresh_ids(self, ids: list[int]) -> None:
        """Re-read a few rows (e.g. after a status change) without resetting the view."""
        if self.lib is None:
            return
        fresh = self.lib.summaries(ids)
        for pid, s in fresh.items():
            self._cache[pid] = s
            try:
                r = self.ids.index(pid)
            except ValueError:
                continue
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    def apply_changes(self, changes: Changes) -> None:
        """Connected to the window's "changes applied" signal: re-read what a write changed."""
        if changes.papers or len(changes.paper_ids) > PAGE:
            self.refresh()
        elif changes.paper_ids:
            self.refresh_ids(changes.paper_ids)

    def set_editors(self, editors: dict[int, tuple[str, bool]]) -> None:
        """Who else has which paper open (services.team, through the window's poll): the rows whose
        entry changed are redrawn."""
        if editors == self.editors:
            return
        changed = {pid for pid in {*editors, *self.editors} if editors.get(pid) != self.editors.get(pid)}
        self.editors = dict(editors)
        col = len(COLUMNS) - 1
        for pid in changed:
            r = self.row_of(pid)
            if r >= 0:
                self.dataChanged.emit(self.index(r, 0), self.index(r, col))

    def summary(self, row: int) -> PaperSummary | None:
        if not (0 <= row < len(self.ids)):
            return None
        pid = self.ids[row]
        s = self._cache.get(pid)
        if s is None and self.lib is not None:
            start = (row // PAGE) * PAGE
            page_ids = self.ids[start:start + PAGE]
            self._cache.update(self.lib.summaries(page_ids))
            if len(self._cache) > 20 * PAGE:  # keep memory flat while scrolling a huge library
                keep = set(page_ids)
                self._cache = {k: v for k, v in self._cache.items() if k in keep}
            s = self._cache.get(pid)
        return s

    def row_of(self, paper_id: int) -> int:
        try:
            return self.ids.index(paper_id)
        except ValueError:
            return -1

    # --- Qt model API ------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s = self.summary(index.row())
        if s is None:
            return None
        key = COLUMNS[index.column()][0]
        editing = self.editors.get(s.id)
        if key == "editing":
            if role == Qt.ItemDataRole.DisplayRole:
                return ("✎ " if editing[1] else "") + editing[0] if editing else ""
            if role == Qt.ItemDataRole.ToolTipRole:
                return editing[0] + (" (editing)" if editing[1] else " (open)") if editing else None
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(EDITING_COLOR)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "status":
                return STATUS_LABEL.get(s.status, s.status)
            v = getattr(s, key)
            return "" if v is None else str(v)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{s.title}\n{s.first_author or ''} · {s.journal or ''} · {s.year or ''}\nstatus: {s.status}"
                    + (f"\nopen in another window: {editing[0]}" if editing else ""))
        if role == Qt.ItemDataRole.DecorationRole and key == "title" and editing:
            return editing_badge(editing[0], editing[1])
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            return QBrush(STATUS_COLOR.get(s.status, QColor(0, 0, 0)))
        if role == Qt.ItemDataRole.UserRole:
            return s.id
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key, desc = COLUMNS[column][0], order == Qt.SortOrder.DescendingOrder
        if (key, desc) == (self.order_by, self.descending) and self._loaded:
            return  # the view asks again when sorting is switched on: nothing changed
        self.order_by, self.descending = key, desc
        self.refresh()
