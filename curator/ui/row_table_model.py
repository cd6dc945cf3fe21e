"""A Qt table model over a list of outcome rows (one row type), driven by the row type's FieldSpecs.

Edits go through a QUndoStack, so Ctrl+Z / Ctrl+Shift+Z undo and redo them; an edit of many cells (a
paste, a fill-down, accepting several rows) is one undo step. Values are coerced to the column's type;
what cannot be coerced is refused with a message naming the cell. Blocks of cells travel to and from
spreadsheets as tab-separated text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QUndoCommand, QUndoStack

from curator.domain import validation
from curator.domain.numbers import format_number
from curator.domain.outcomes import ROW_ACCEPTED, ROW_SUGGESTED, Row, Span

SOURCE_COL_TITLE = "Src"
SUGGESTED_BG = QColor(255, 243, 205)  # amber: a suggestion awaiting the curator
ERROR_BG = QColor(253, 226, 226)
WARNING_FG = QColor(160, 90, 0)
ROW_NAME_CHARS = 14  # the first value shown in the row header


class _SetCell(QUndoCommand):
    def __init__(self, model: RowTableModel, row: int, field: str, old: Any, new: Any):
        super().__init__(f"Edit {model.row_type.spec(field).label}")
        self.model, self.row, self.field, self.old, self.new = model, row, field, old, new

    def redo(self) -> None:
        self.model._set(self.row, self.field, self.new)

    def undo(self) -> None:
        self.model._set(self.row, self.field, self.old)


class _InsertRows(QUndoCommand):
    def __init__(self, model: RowTableModel, pos: int, rows: list[Row], text: str = "Add row"):
        super().__init__(text)
        self.model, self.pos, self.rows = model, pos, rows

    def redo(self) -> None:
        self.model._insert(self.pos, self.rows)

    def undo(self) -> None:
        self.model._remove(self.pos, len(self.rows))


class _RemoveRow(QUndoCommand):
    def __init__(self, model: RowTableModel, pos: int):
        super().__init__("Remove row")
        self.model, self.pos = model, pos
        self.row = model.rows[pos]

    def redo(self) -> None:
        self.model._remove(self.pos, 1)

    def undo(self) -> None:
        self.model._insert(self.pos, [self.row])


class _SetRowAttr(QUndoCommand):
    """Change a row's status or a field's source (provenance)."""

    def __init__(self, model: RowTableModel, pos: int, kind: str, key: str | None, old: Any, new: Any,
                 text: str):
        super().__init__(text)
        self.model, self.pos, self.kind, self.key, self.old, self.new = model, pos, kind, key, old, new

    def _apply(self, value: Any) -> None:
        row = self.model.rows[self.pos]
        if self.kind == "status":
            row.row_status = value
        else:
            if value is None:
                row.sources.pop(self.key, None)
            else:
                row.sources[self.key] = value
        self.model._row_changed(self.pos)

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class RowTableModel(QAbstractTableModel):
    """Columns: one per FieldSpec, then a 'Src' column telling whether the row's values have sources."""

    edited = Signal()  # any change to the rows
    rejected_edit = Signal(str)  # a message naming the cell that refused a value

    def __init__(self, row_type: type[Row], undo: QUndoStack, parent=None):
        super().__init__(parent)
        self.row_type = row_type
        self.specs = row_type.SPECS
        self.undo = undo
        self.rows: list[Row] = []
        self.messages: dict[tuple[str, str], validation.Message] = {}  # (uid, field) -> message
        self.read_only = False  # a read-only library: every edit is refused with a message

    def _push(self, command: QUndoCommand) -> bool:
        if self.read_only:
            self.rejected_edit.emit("This library is open read-only: nothing can be changed")
            return False
        self.undo.push(command)
        return True

    # --- binding ---------------------------------------------------------------------------------
    def set_rows(self, rows: list[Row]) -> None:
        """Bind to the record's own list (edited in place)."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_messages(self, messages: list[validation.Message]) -> None:
        new = {(m.uid, m.field): m for m in messages if m.table == self.row_type.TABLE}
        if new == self.messages:  # nothing to repaint (and the Study form keeps what is being typed)
            return
        self.messages = new
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.specs)))

    # --- Qt model API --------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.specs) + 1

    def field_at(self, column: int) -> str | None:
        return self.specs[column].name if 0 <= column < len(self.specs) else None

    def column_of(self, field: str) -> int:
        for i, s in enumerate(self.specs):
            if s.name == field:
                return i
        raise KeyError(field)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.specs[section].label if section < len(self.specs) else SOURCE_COL_TITLE
            if role == Qt.ItemDataRole.ToolTipRole:
                if section < len(self.specs):
                    s = self.specs[section]
                    return s.description or s.label
                return "Whether the row's values are linked to the sentence they came from"
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            # the row's identity (its number, ✱ while suggested, its first value) stays in view while the
            # table scrolls sideways: the header is the table's frozen first column
            if not 0 <= section < len(self.rows):
                return str(section + 1)
            row = self.rows[section]
            mark = " ✱" if row.row_status == ROW_SUGGESTED else ""
            first = getattr(row, self.specs[0].name) if self.specs else None
            text = "" if first in (None, "") else str(first)
            if len(text) > ROW_NAME_CHARS:
                text = text[:ROW_NAME_CHARS - 1] + "…"
            return f"{section + 1}{mark} {text}".rstrip()
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.ToolTipRole:
            if 0 <= section < len(self.rows):
                row = self.rows[section]
                first = getattr(row, self.specs[0].name) if self.specs else None
                tip = f"{self.row_type.TITLE} row {section + 1}" + (f": {first}" if first not in (None, "") else "")
                if row.row_status == ROW_SUGGESTED:
                    tip += "\nSuggested from the text: Enter accepts, Del rejects (several selected rows at once)"
                return tip
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() < len(self.specs) and not self.read_only:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if col == len(self.specs):
            n = len(row.sources)
            if role == Qt.ItemDataRole.DisplayRole:
                return f"● {n}" if n else "○"
            if role == Qt.ItemDataRole.ToolTipRole:
                if not n:
                    return "No source linked: select words in the reader and press Link evidence (Ctrl+L)"
                return "\n".join(f"{k}: “{s.quote}”" for k, s in row.sources.items())
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(30, 130, 60) if n else QColor(150, 150, 150))
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignCenter
            return None
        spec = self.specs[col]
        value = getattr(row, spec.name)
        msg = self.messages.get((row.uid, spec.name))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if value is None:
                return "" if role == Qt.ItemDataRole.DisplayRole else None
            if role == Qt.ItemDataRole.DisplayRole and isinstance(value, float):
                return format_number(value)
            return value if role == Qt.ItemDataRole.EditRole else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = []
            if msg:
                parts.append(("Error: " if msg.level == "error" else "Warning: ") + msg.text)
            src = row.sources.get(spec.name)
            if src:
                parts.append(f"Source: “{src.quote}”")
            elif value not in (None, ""):
                parts.append("No source linked")
            return "\n".join(parts) or (spec.description or None)
        if role == Qt.ItemDataRole.BackgroundRole:
            if msg and msg.level == "error":
                return QBrush(ERROR_BG)
            if row.row_status == ROW_SUGGESTED:
                return QBrush(SUGGESTED_BG)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if msg and msg.level == "warning":
                return QBrush(WARNING_FG)
            if (msg and msg.level == "error") or row.row_status == ROW_SUGGESTED:
                return QBrush(QColor(0, 0, 0))  # dark text on the light tint, also in a dark theme
            return None
        if role == Qt.ItemDataRole.FontRole:
            f = QFont()
            if row.row_status == ROW_SUGGESTED:
                f.setItalic(True)
            if spec.name in row.sources:
                f.setUnderline(True)
            return f
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.kind in ("int", "float"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() >= len(self.specs):
            return False
        field = self.specs[index.column()].name
        return self.set_value(index.row(), field, value)

    # --- editing API (undoable) --------------------------------------------------------------------
    def set_value(self, row: int, field: str, value: Any) -> bool:
        new, err = validation.coerce(self.row_type, field, value)
        if err and self.row_type.spec(field).kind in ("int", "float"):
            label = self.row_type.spec(field).label
            self.rejected_edit.emit(f"{self.row_type.TITLE} row {row + 1}, {label}: {err} — value not changed")
            return False
        old = getattr(self.rows[row], field)
        if old == new:
            return True
        return self._push(_SetCell(self, row, field, old, new))

    def add_row(self, row: Row | None = None, at: int | None = None) -> int:
        pos = len(self.rows) if at is None else at
        return pos if self._push(_InsertRows(self, pos, [row or self.row_type()])) else -1

    def add_rows(self, rows: list[Row], text: str = "Add rows") -> None:
        if rows:
            self._push(_InsertRows(self, len(self.rows), rows, text))

    def remove_row(self, pos: int) -> None:
        if 0 <= pos < len(self.rows):
            self._push(_RemoveRow(self, pos))

    def _macro(self, text: str, edit: Any) -> None:
        """Run `edit()` (which pushes commands) as ONE undo step."""
        if self.read_only:
            self.rejected_edit.emit("This library is open read-only: nothing can be changed")
            return
        self.undo.beginMacro(text)
        try:
            edit()
        finally:
            self.undo.endMacro()

    def _where(self, row: int, field: str) -> str:
        return f"{self.row_type.TITLE} row {row + 1}, {self.row_type.spec(field).label}"

    # --- blocks of cells (spreadsheets) -----------------------------------------------------------------
    def block_text(self, rows: list[int], columns: list[int]) -> str:
        """The cells at `rows` × `columns` as tab-separated lines (the value columns; 'Src' is left out)."""
        cols = [c for c in columns if c < len(self.specs)]
        out = io.StringIO()
        w = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        for r in rows:
            w.writerow([self.data(self.index(r, c)) or "" for c in cols])
        return out.getvalue()

    @staticmethod
    def parse_block(text: str) -> list[list[str]]:
        """Tab-separated lines from a spreadsheet (quoted cells may hold tabs or line breaks)."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text.endswith("\n"):
            text = text[:-1]
        if not text:
            return []
        return [row for row in csv.reader(io.StringIO(text), delimiter="\t")] or [[""]]

    def paste_block(self, top: int, left: int, grid: list[list[str]], fill: tuple[int, int] | None = None) -> int:
        """Write `grid` from (top, left) down and right; rows past the end are added. A single value with
        `fill=(rows, columns)` fills that many cells (a selection). One undo step; a value a number
        column cannot take is refused, naming its cell, and the rest is pasted. Returns cells written."""
        if not grid:
            return 0
        if fill is not None and len(grid) == 1 and len(grid[0]) == 1:
            grid = [grid[0] * fill[1] for _ in range(fill[0])]
        refused: list[str] = []
        cells: list[tuple[int, str, Any]] = []
        new_rows: list[Row] = []
        clipped = False
        for i, line in enumerate(grid):
            r = top + i
            target: Row | None = None
            if r >= len(self.rows):
                target = self.row_type()
                new_rows.append(target)
            for j, raw in enumerate(line):
                c = left + j
                if c >= len(self.specs):
                    clipped = clipped or raw.strip() != ""
                    continue
                field = self.specs[c].name
                value, err = validation.coerce(self.row_type, field, raw)
                if err and self.specs[c].kind in ("int", "float"):
                    refused.append(f"{self._where(r, field)}: {err}")
                    continue
                if target is not None:
                    setattr(target, field, value)
                elif getattr(self.rows[r], field) != value:
                    cells.append((r, field, value))
        if not cells and not any(not x.is_empty() for x in new_rows):
            self._report(refused, clipped)
            return 0

        def edit() -> None:
            for r, field, value in cells:
                self._push(_SetCell(self, r, field, getattr(self.rows[r], field), value))
            if new_rows:
                self._push(_InsertRows(self, len(self.rows), new_rows, "Paste rows"))

        n = len(cells) + sum(1 for x in new_rows for v in x.values().values() if v not in (None, ""))
        self._macro(f"Paste {n} cell(s)", edit)
        self._report(refused, clipped)
        return n

    def _report(self, refused: list[str], clipped: bool) -> None:
        bits = []
        if refused:
            bits.append("not pasted — " + "; ".join(refused[:4]) + ("…" if len(refused) > 4 else ""))
        if clipped:
            bits.append(f"values past the last column ({self.specs[-1].label}) were left out")
        if bits:
            self.rejected_edit.emit(" · ".join(bits))

    def fill_down(self, rows: list[int], columns: list[int]) -> int:
        """Copy the top selected cell of each column into the selected cells below it (Ctrl+D): one undo
        step. Returns the number of cells changed."""
        rows = sorted(set(rows))
        cols = [c for c in sorted(set(columns)) if c < len(self.specs)]
        if len(rows) < 2 or not cols:
            return 0
        cells = []
        for c in cols:
            field = self.specs[c].name
            value = getattr(self.rows[rows[0]], field)
            cells += [(r, field, value) for r in rows[1:] if getattr(self.rows[r], field) != value]
        if cells:
            self._macro(f"Fill down {len(cells)} cell(s)", lambda: [
                self._push(_SetCell(self, r, f, getattr(self.rows[r], f), v)) for r, f, v in cells])
        return len(cells)

    def accept_rows(self, rows: list[int]) -> int:
        """Accept the suggested rows among `rows`: one undo step."""
        todo = [r for r in rows if 0 <= r < len(self.rows) and self.rows[r].row_status == ROW_SUGGESTED]
        if todo:
            self._macro(f"Accept {len(todo)} suggestion(s)", lambda: [self.accept_row(r) for r in todo])
        return len(todo)

    def accept_row(self, pos: int) -> None:
        row = self.rows[pos]
        if row.row_status == ROW_SUGGESTED:
            self._push(_SetRowAttr(self, pos, "status", None, ROW_SUGGESTED, ROW_ACCEPTED, "Accept suggestion"))

    def set_status(self, pos: int, status: str, text: str = "Mark as suggested") -> None:
        old = self.rows[pos].row_status
        if old != status:
            self._push(_SetRowAttr(self, pos, "status", None, old, status, text))

    def reject_values(self, pos: int) -> None:
        """Reject a suggested row kept in place (the Study): its values and their sources are cleared, and
        it is the curator's again. One undo step."""
        row = self.rows[pos]

        def edit() -> None:
            for spec in self.specs:
                if getattr(row, spec.name) not in (None, ""):
                    self._push(_SetCell(self, pos, spec.name, getattr(row, spec.name), None))
            for name, span in list(row.sources.items()):
                self._push(_SetRowAttr(self, pos, "source", name, span, None, "Reject"))
            self.set_status(pos, ROW_ACCEPTED, "Reject")

        self._macro(f"Reject suggested {self.row_type.TITLE}", edit)

    def set_source(self, pos: int, field: str, span: Span | None) -> None:
        old = self.rows[pos].sources.get(field)
        self._push(_SetRowAttr(self, pos, "source", field, old, span, "Link evidence"))

    # --- raw mutations (called by undo commands) ----------------------------------------------------
    def _set(self, row: int, field: str, value: Any) -> None:
        setattr(self.rows[row], field, value)
        col = self.column_of(field)
        self.dataChanged.emit(self.index(row, col), self.index(row, col))
        if col == 0:
            self.headerDataChanged.emit(Qt.Orientation.Vertical, row, row)
        self.edited.emit()

    def _insert(self, pos: int, rows: list[Row]) -> None:
        self.beginInsertRows(QModelIndex(), pos, pos + len(rows) - 1)
        self.rows[pos:pos] = rows
        self.endInsertRows()
        self.edited.emit()

    def _remove(self, pos: int, count: int) -> None:
        self.beginRemoveRows(QModelIndex(), pos, pos + count - 1)
        del self.rows[pos:pos + count]
        self.endRemoveRows()
        self.edited.emit()

    def _row_changed(self, pos: int) -> None:
        self.dataChanged.emit(self.index(pos, 0), self.index(pos, len(self.specs)))
        self.headerDataChanged.emit(Qt.Orientation.Vertical, pos, pos)
        self.edited.emit()
