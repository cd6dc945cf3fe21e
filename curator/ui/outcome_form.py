"""The structured-outcome forms: one tab per part, each an editable table bound to the record.

Study is a form (a QDataWidgetMapper over a one-row model); every other part is a table with the
right editor per column. All edits go through one QUndoStack.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDataWidgetMapper,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from curator.domain import vocabulary
from curator.domain.completions import completion_terms
from curator.domain.outcomes import (
    ROW_SUGGESTED,
    Arm,
    Comparison,
    Exposure,
    FieldSpec,
    Measurement,
    Record,
    Row,
    Study,
    TimelineEvent,
    TimeToEvent,
    Toxicity,
)
from curator.ui.row_table_model import SUGGESTED_BG, RowTableModel


def vocabulary_terms(name: str | None) -> list[str]:
    """Terms offered by the completer of a vocabulary column."""
    if not name:
        return []
    try:
        return completion_terms(name)
    except Exception:  # a broken vocabulary file must not take the form down
        return []


class FieldDelegate(QStyledItemDelegate):
    """The editor for a cell follows its FieldSpec: choices, vocabulary completer, grades of the system."""

    def __init__(self, model: RowTableModel, parent=None):
        super().__init__(parent)
        self.model = model

    def createEditor(self, parent, option, index):  # noqa: N802
        field = self.model.field_at(index.column())
        if field is None:
            return None
        spec: FieldSpec = self.model.row_type.spec(field)
        if self.model.row_type is Toxicity and field == "grade":
            row: Toxicity = self.model.rows[index.row()]  # type: ignore[assignment]
            grades = vocabulary.grades_for(row.syndrome, row.grading_system) if row.syndrome else None
            box = QComboBox(parent)
            box.setEditable(True)
            box.addItems([""] + [str(g) for g in (grades if grades is not None else range(0, 6))])
            box.setAccessibleName(spec.label)
            return box
        if spec.kind == "choice":
            box = QComboBox(parent)
            box.setEditable(True)
            box.addItems(["", *spec.choices])
            box.setAccessibleName(spec.label)
            return box
        editor = QLineEdit(parent)
        editor.setAccessibleName(spec.label)
        if spec.kind == "vocab":
            comp = QCompleter(vocabulary_terms(spec.vocabulary), editor)
            comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            comp.setFilterMode(Qt.MatchFlag.MatchContains)
            editor.setCompleter(comp)
        return editor

    def setEditorData(self, editor, index):  # noqa: N802
        value = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        else:
            editor.setText(str(value))

    def setModelData(self, editor, model, index):  # noqa: N802
        text = editor.currentText() if isinstance(editor, QComboBox) else editor.text()
        model.setData(index, text, Qt.ItemDataRole.EditRole)


class FormTable(QTableView):
    """A table of one row type. Enter accepts a suggestion (or moves down), Del removes/rejects."""

    focused = Signal()

    def __init__(self, model: RowTableModel, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setObjectName(f"table_{model.row_type.TABLE}")
        self.setAccessibleName(model.row_type.TITLE)
        self.setItemDelegate(FieldDelegate(model, self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.setTabKeyNavigation(True)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(24)
        self.verticalHeader().setMinimumWidth(28)
        self.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        for i, spec in enumerate(model.specs):
            self.setColumnWidth(i, spec.width)
        self.setColumnWidth(len(model.specs), 40)
        self.setWordWrap(False)

    @property
    def row_model(self) -> RowTableModel:
        return self.model()  # type: ignore[return-value]

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.focused.emit()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        idx = self.currentIndex()
        key = event.key()
        if self.state() != QAbstractItemView.State.EditingState:
            if event.matches(QKeySequence.StandardKey.Copy):
                self.copy_selection()
                return
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste()
                return
            if key == Qt.Key.Key_D and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
                self.fill_down()
                return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != QAbstractItemView.State.EditingState:
            if idx.isValid() and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                if self.accept_selected():
                    return
                nxt = self.model().index(min(idx.row() + 1, self.model().rowCount() - 1), idx.column())
                self.setCurrentIndex(nxt)
                return
        if key == Qt.Key.Key_Delete and self.state() != QAbstractItemView.State.EditingState:
            self.remove_selected()
            return
        super().keyPressEvent(event)

    # --- spreadsheet-like editing ---------------------------------------------------------------------
    def _block(self) -> tuple[list[int], list[int]]:
        """The selected rows and columns (the current cell when nothing is selected)."""
        sel = self.selectionModel().selectedIndexes()
        if not sel and self.currentIndex().isValid():
            sel = [self.currentIndex()]
        return sorted({i.row() for i in sel}), sorted({i.column() for i in sel})

    def copy_selection(self) -> str:
        """Ctrl+C: the selected block to the clipboard as tab-separated lines (a spreadsheet reads it)."""
        rows, cols = self._block()
        if not rows:
            return ""
        text = self.row_model.block_text(rows, cols)
        QGuiApplication.clipboard().setText(text)
        return text

    def paste(self, text: str | None = None) -> int:
        """Ctrl+V: tab-separated cells from the clipboard from the selected cell down and right; more lines
        than rows add rows; one value fills a selection. One undo step."""
        grid = self.row_model.parse_block(QGuiApplication.clipboard().text() if text is None else text)
        rows, cols = self._block()
        top, left = (rows[0], cols[0]) if rows else (self.model().rowCount(), 0)
        fill = (len(rows), len(cols)) if len(rows) * len(cols) > 1 else None
        n = self.row_model.paste_block(top, left, grid, fill)
        if n and grid:
            h = fill[0] if fill and len(grid) == 1 and len(grid[0]) == 1 else len(grid)
            w = fill[1] if fill and len(grid) == 1 and len(grid[0]) == 1 else max(len(x) for x in grid)
            bottom = min(top + h, self.model().rowCount()) - 1
            right = min(left + w, len(self.row_model.specs)) - 1
            self.selectionModel().select(QItemSelection(self.model().index(top, left),
                                                        self.model().index(bottom, right)),
                                         QItemSelectionModel.SelectionFlag.ClearAndSelect)
        return n

    def fill_down(self) -> int:
        """Ctrl+D: the top selected value of each column copied into the selected cells below it."""
        rows, cols = self._block()
        return self.row_model.fill_down(rows, cols)

    def accept_selected(self) -> bool:
        """Enter on suggested rows: accept every selected suggested row (one undo step)."""
        return self.row_model.accept_rows(self.selected_rows()) > 0

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        menu = QMenu(self)
        for text, slot in (("Copy\tCtrl+C", self.copy_selection), ("Paste\tCtrl+V", self.paste),
                           ("Fill down\tCtrl+D", self.fill_down), (None, None),
                           ("Accept selected suggestions\tEnter", self.accept_selected),
                           ("Remove / reject selected rows\tDel", self.remove_selected)):
            if text is None:
                menu.addSeparator()
            else:
                a = menu.addAction(text)
                a.triggered.connect(lambda _c=False, slot=slot: slot())
        menu.exec(event.globalPos())

    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.selectionModel().selectedIndexes()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return rows

    def remove_selected(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        m = self.row_model
        if len(rows) > 1:
            m.undo.beginMacro(f"Remove {len(rows)} rows")
        for r in reversed(rows):
            m.remove_row(r)
        if len(rows) > 1:
            m.undo.endMacro()

    def add_row(self) -> None:
        pos = self.row_model.add_row()
        self.setFocus()
        self.setCurrentIndex(self.model().index(pos, 0))


class StudyForm(QWidget):
    """The Study part as a form; arms/patients below it as a table."""

    def __init__(self, model: RowTableModel, arms: RowTableModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.mapper = QDataWidgetMapper(self)
        self.mapper.setModel(model)
        self.mapper.setItemDelegate(FieldDelegate(model, self))
        self.mapper.setSubmitPolicy(QDataWidgetMapper.SubmitPolicy.AutoSubmit)
        self.widgets: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for col, spec in enumerate(Study.SPECS):
            if spec.kind == "choice":
                w: QWidget = QComboBox()
                w.setEditable(True)
                w.addItems(["", *spec.choices])
            else:
                w = QLineEdit()
                if spec.kind == "vocab":
                    comp = QCompleter(vocabulary_terms(spec.vocabulary), w)
                    comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                    comp.setFilterMode(Qt.MatchFlag.MatchContains)
                    w.setCompleter(comp)
                if spec.description:
                    w.setPlaceholderText(spec.description)
            w.setObjectName(f"study_{spec.name}")
            w.setAccessibleName(spec.label)
            w.setToolTip(spec.description)
            self.widgets[spec.name] = w
            self.mapper.addMapping(w, col)
            form.addRow(spec.label + ":", w)
        self.arms_table = FormTable(arms)
        # a study filled in by Suggest from nothing is a suggestion: reviewed as a whole, like a row
        self.suggested_bar = QWidget()
        self.suggested_bar.setObjectName("study_suggested")
        self.suggested_bar.setStyleSheet(f"#study_suggested {{ background: {SUGGESTED_BG.name()}; }}")
        self.suggested_bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        bar = QHBoxLayout(self.suggested_bar)
        bar.setContentsMargins(6, 3, 6, 3)
        self.suggested_label = QLabel()
        self.suggested_label.setStyleSheet("color: black")
        self.suggested_label.setWordWrap(True)
        self.accept_btn = QPushButton("Accept")
        self.accept_btn.setObjectName("study_accept")
        self.accept_btn.setToolTip("Accept the suggested study values (Ctrl+Shift+A accepts every suggestion)")
        self.reject_btn = QPushButton("Reject")
        self.reject_btn.setObjectName("study_reject")
        self.reject_btn.setToolTip("Clear the suggested study values")
        self.accept_btn.clicked.connect(lambda: self.model.accept_row(0))
        self.reject_btn.clicked.connect(lambda: self.model.reject_values(0))
        bar.addWidget(self.suggested_label, 1)
        bar.addWidget(self.accept_btn)
        bar.addWidget(self.reject_btn)
        self.suggested_bar.hide()
        for sig in (model.dataChanged, model.modelReset, model.headerDataChanged):
            sig.connect(self._show_status)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.suggested_bar)
        lay.addLayout(form)
        lay.addWidget(QLabel("<b>Arms, cohorts and patients</b>"))
        self.arms_table.setMinimumHeight(110)
        lay.addWidget(self.arms_table, 1)

    def rebind(self) -> None:
        self.mapper.toFirst()
        self._show_status()

    def _show_status(self, *_args) -> None:
        """The suggested study: the bar naming its values, and those fields tinted as rows are."""
        study = self.model.rows[0] if self.model.rows else None
        suggested = study is not None and study.row_status == ROW_SUGGESTED
        shown = [s.label for s in Study.SPECS if suggested and getattr(study, s.name) not in (None, "")]
        self.suggested_bar.setVisible(suggested)
        if suggested:
            self.suggested_label.setText("✱ <b>Suggested from the text:</b> " + ", ".join(shown)
                                         + " — check each against its highlighted words, then Accept or Reject")
        for spec in Study.SPECS:
            w = self.widgets[spec.name]
            tint = suggested and getattr(study, spec.name) not in (None, "")
            w.setStyleSheet(f"background: {SUGGESTED_BG.name()}; color: black; font-style: italic" if tint else "")

    def set_value(self, field: str, text: str) -> None:
        """Type a value into a study field, as a curator would, and commit it."""
        w = self.widgets[field]
        if isinstance(w, QComboBox):
            w.setCurrentText(text)
        else:
            w.setText(text)
        self.mapper.submit()

    def focused_field(self) -> str | None:
        for name, w in self.widgets.items():
            if w.hasFocus() or (isinstance(w, QComboBox) and w.lineEdit() and w.lineEdit().hasFocus()):
                return name
        return None


class NotesTab(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("Free-text notes about this paper")
        self.contradicts = QCheckBox("The paper contradicts itself")
        self.contradicts.setObjectName("contradicts")
        self.comment = QLineEdit()
        self.comment.setObjectName("contradiction_comment")
        self.comment.setAccessibleName("Contradiction comment")
        self.comment.setPlaceholderText("What contradicts what, e.g. 'says increased, values decrease'")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<b>Notes</b>"))
        lay.addWidget(self.notes, 1)
        lay.addWidget(self.contradicts)
        lay.addWidget(self.comment)
        lay.addWidget(self.status_label)
        self.notes.textChanged.connect(self.changed)
        self.contradicts.toggled.connect(self.changed)
        self.comment.textChanged.connect(self.changed)

    def load(self, rec: Record) -> None:
        with QSignalBlocker(self.notes), QSignalBlocker(self.contradicts), QSignalBlocker(self.comment):
            self.notes.setPlainText(rec.notes)
            self.contradicts.setChecked(rec.contradicts)
            self.comment.setText(rec.contradiction_comment)

    def store(self, rec: Record) -> None:
        rec.notes = self.notes.toPlainText()
        rec.contradicts = self.contradicts.isChecked()
        rec.contradiction_comment = self.comment.text()


TAB_KEYS = ("study", "treatments", "toxicities", "measurements", "survival", "timeline", "notes")


class OutcomeForms(QTabWidget):
    """All the parts of a record. `edited` fires on every change, `cell_selected` when a value is chosen."""

    edited = Signal()
    cell_selected = Signal(object, int, str)  # row type, row index, field
    message = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("outcome_forms")
        self.undo = QUndoStack(self)
        self.record: Record | None = None
        self.models: dict[type[Row], RowTableModel] = {}
        for t in (Study, Arm, Exposure, Toxicity, Measurement, Comparison, TimeToEvent, TimelineEvent):
            m = RowTableModel(t, self.undo, self)
            m.edited.connect(self.edited)
            m.rejected_edit.connect(self.message)
            self.models[t] = m
        self.study_form = StudyForm(self.models[Study], self.models[Arm])
        self.tables: dict[type[Row], FormTable] = {Arm: self.study_form.arms_table}
        for t in (Exposure, Toxicity, Measurement, Comparison, TimeToEvent, TimelineEvent):
            self.tables[t] = FormTable(self.models[t])
        for t, table in self.tables.items():
            table.selectionModel().currentChanged.connect(
                lambda cur, _prev, t=t: self._current_changed(t, cur))
            table.focused.connect(lambda t=t: self._current_changed(t, self.tables[t].currentIndex()))
        for w in self.study_form.widgets.values():
            (w.lineEdit() if isinstance(w, QComboBox) else w).installEventFilter(self)
        self.notes = NotesTab()
        self.notes.changed.connect(self.edited)

        study_scroll = QScrollArea()
        study_scroll.setWidget(self.study_form)
        study_scroll.setWidgetResizable(True)
        study_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.study_scroll = study_scroll
        self._row_buttons: list[QPushButton] = []
        self.addTab(study_scroll, "Study")
        self.addTab(self._with_toolbar(Exposure), "Treatments")
        self.addTab(self._with_toolbar(Toxicity), "Toxicities")
        meas = QSplitter(Qt.Orientation.Vertical)
        meas.addWidget(self._with_toolbar(Comparison, "Comparisons (before/after or between groups)"))
        meas.addWidget(self._with_toolbar(Measurement, "Measurements (kinetics)"))
        meas.setSizes([300, 200])
        self.addTab(meas, "Labs")
        self.setTabToolTip(3, "Measurements and comparisons (labs, cytokines, CAR-T kinetics)")
        self.addTab(self._with_toolbar(TimeToEvent), "Survival")
        self.addTab(self._with_toolbar(TimelineEvent), "Timeline")
        self.addTab(self.notes, "Notes")
        for i, key in enumerate(TAB_KEYS):
            self.widget(i).setObjectName(f"tab_{key}")

        sc = QShortcut(QKeySequence("Ctrl+N"), self)
        sc.activated.connect(self.add_row_here)

    def _with_toolbar(self, t: type[Row], title: str | None = None) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(f"<b>{title or t.TITLE}</b>"))
        bar.addStretch(1)
        add = QPushButton("Add row")
        add.setToolTip("Add a row (Ctrl+N)")
        add.setAccessibleName(f"Add {t.TITLE} row")
        add.clicked.connect(self.tables[t].add_row)
        rem = QPushButton("Remove")
        rem.setToolTip("Remove the selected rows (Del)")
        rem.setAccessibleName(f"Remove {t.TITLE} rows")
        rem.clicked.connect(self.tables[t].remove_selected)
        bar.addWidget(add)
        bar.addWidget(rem)
        self._row_buttons += [add, rem]
        lay.addLayout(bar)
        lay.addWidget(self.tables[t], 1)
        return w

    # --- binding -----------------------------------------------------------------------------------
    def load(self, rec: Record) -> None:
        self.record = rec
        self.models[Study].set_rows([rec.study])
        for t, m in self.models.items():
            if t is not Study:
                m.set_rows(rec.rows(t))
        self.study_form.rebind()
        self.notes.load(rec)
        for table in self.tables.values():  # a new paper starts at its first column and row
            table.horizontalScrollBar().setValue(0)
            table.verticalScrollBar().setValue(0)
        self.undo.clear()
        self.undo.setClean()

    def set_read_only(self, read_only: bool) -> None:
        """A read-only library: the record is shown, and nothing in it can be edited."""
        for m in self.models.values():
            m.read_only = read_only
        for b in self._row_buttons:
            b.setEnabled(not read_only)
        for w in self.study_form.widgets.values():
            if isinstance(w, QLineEdit):
                w.setReadOnly(read_only)
            else:
                w.setEnabled(not read_only)
        self.notes.notes.setReadOnly(read_only)
        self.notes.comment.setReadOnly(read_only)
        self.notes.contradicts.setEnabled(not read_only)

    def commit_pending(self) -> None:
        """Push any open editor's text into the record (before save, verify or switching paper)."""
        self.study_form.mapper.submit()
        for table in self.tables.values():
            if table.state() == QAbstractItemView.State.EditingState and table.currentIndex().isValid():
                editor = table.indexWidget(table.currentIndex())
                if editor is not None:  # what is typed but not yet entered counts
                    table.commitData(editor)
                    table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        if self.record is not None:
            self.notes.store(self.record)

    def set_messages(self, messages) -> None:
        for m in self.models.values():
            m.set_messages(messages)

    # --- navigation ----------------------------------------------------------------------------------
    def current_table(self) -> FormTable | None:
        w = self.currentWidget()
        if w is self.study_scroll:
            return self.study_form.arms_table if self.study_form.arms_table.hasFocus() else None
        for t in self.tables.values():
            if w.isAncestorOf(t) and (t.hasFocus() or len([x for x in self.tables.values()
                                                           if w.isAncestorOf(x)]) == 1):
                return t
        # the measurements tab holds two tables: the one last focused, else comparisons
        last = getattr(self, "_last_table", None)
        if last is not None and w.isAncestorOf(last):
            return last
        return self.tables[Comparison] if w.isAncestorOf(self.tables[Comparison]) else None

    def add_row_here(self) -> None:
        t = self.current_table()
        if t is None and self.currentWidget() is self.study_scroll:
            t = self.study_form.arms_table
        if t is not None:
            t.add_row()

    def show_tab(self, key: str) -> bool:
        if key in TAB_KEYS:
            self.setCurrentIndex(TAB_KEYS.index(key))
            return True
        return False

    def tab_for(self, t: type[Row]) -> int:
        return {Study: 0, Arm: 0, Exposure: 1, Toxicity: 2, Comparison: 3, Measurement: 3, TimeToEvent: 4,
                TimelineEvent: 5}[t]

    def select_cell(self, t: type[Row], row: int, field: str, add: bool = False) -> None:
        self.setCurrentIndex(self.tab_for(t))
        if t is Study:
            self.study_form.widgets[field].setFocus()
            self.cell_selected.emit(Study, 0, field)
            return
        table = self.tables[t]
        m = self.models[t]
        idx = m.index(row, m.column_of(field))
        flag = (table.selectionModel().SelectionFlag.Select if add
                else table.selectionModel().SelectionFlag.ClearAndSelect)
        table.selectionModel().setCurrentIndex(idx, flag)
        table.scrollTo(idx)

    def _current_changed(self, t: type[Row], idx: QModelIndex) -> None:
        self._last_table = self.tables[t]
        if idx.isValid():
            field = self.models[t].field_at(idx.column())
            if field:
                self.cell_selected.emit(t, idx.row(), field)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.FocusIn:
            for name, w in self.study_form.widgets.items():
                if obj is w or (isinstance(w, QComboBox) and obj is w.lineEdit()):
                    self._study_field = name
                    self.cell_selected.emit(Study, 0, name)
        return super().eventFilter(obj, event)

    def current_cell(self) -> tuple[type[Row], int, str] | None:
        """The value the curator is on: (row type, row, field)."""
        if self.currentWidget() is self.study_scroll and not self.study_form.arms_table.hasFocus():
            f = self.study_form.focused_field() or getattr(self, "_study_field", None)
            return (Study, 0, f) if f else None
        t = self.current_table()
        if t is None or not t.currentIndex().isValid():
            return None
        field = t.row_model.field_at(t.currentIndex().column())
        return (t.row_model.row_type, t.currentIndex().row(), field) if field else None
