"""The side-by-side dialog of a save that met values another curator changed too.

One line per conflicting value: the field as the form labels it | theirs | mine | the value that will
be saved, with "Take theirs", "Keep mine" and "Edit" (a third value, typed). Nothing is saved until
every line is decided and the curator presses Save; Cancel keeps the edits in the form, unsaved. The
rule (what conflicts, how a decision is merged) is the Qt-free domain.record_merge; this is its view.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from curator.domain.numbers import format_number
from curator.domain.record_merge import show
from curator.services.curation import REMOVED, Conflict, StaleRecord

THEIRS, MINE, EDIT = "theirs", "mine", "edit"


def display(value: Any) -> str:
    """A value as the dialog shows it (record_merge.show's plain way; nothing, set off by dashes)."""
    text = show(value, plain=True)
    return f"— {text} —" if value is REMOVED or value is None or value == "" else text


def _typed(value: Any) -> str:
    """The text an Edit starts from: the value as the curator would type it."""
    if value is REMOVED or value is None:
        return ""
    return format_number(value) if isinstance(value, float) else str(value)


class _Line:
    """One conflicting value's widgets and decision."""

    def __init__(self, conflict: Conflict, grid: QGridLayout, row: int, changed) -> None:
        self.conflict = conflict
        self.label = QLabel(f"<b>{conflict.label}</b>")
        self.label.setWordWrap(True)
        self.theirs = QLabel(display(conflict.theirs))
        self.mine = QLabel(display(conflict.mine))
        for w in (self.theirs, self.mine):
            w.setWordWrap(True)
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result = QLineEdit()
        self.result.setObjectName(f"result_{row}")
        self.result.setAccessibleName(f"Value to save for {conflict.label}")
        self.result.setReadOnly(True)
        self.result.setPlaceholderText("choose →")
        self.buttons = QButtonGroup()
        self.take_theirs = QRadioButton("Take theirs")
        self.keep_mine = QRadioButton("Keep mine")
        self.edit = QRadioButton("Edit")
        self.edit.setEnabled(conflict.editable)
        if not conflict.editable:
            self.edit.setToolTip("A row, an evidence link, a status or a yes/no is taken from one side")
        choice = QWidget()
        cl = QHBoxLayout(choice)
        cl.setContentsMargins(0, 0, 0, 0)
        for key, b in ((THEIRS, self.take_theirs), (MINE, self.keep_mine), (EDIT, self.edit)):
            b.setObjectName(f"{key}_{row}")
            b.setAccessibleName(f"{b.text()} for {conflict.label}")
            self.buttons.addButton(b)
            cl.addWidget(b)
        for col, w in enumerate((self.label, self.theirs, self.mine, self.result, choice)):
            grid.addWidget(w, row, col, Qt.AlignmentFlag.AlignTop if col < 3 else Qt.AlignmentFlag.AlignVCenter)
        self.take_theirs.toggled.connect(lambda on: on and self._show(THEIRS))
        self.keep_mine.toggled.connect(lambda on: on and self._show(MINE))
        self.edit.toggled.connect(lambda on: on and self._show(EDIT))
        self.result.textEdited.connect(lambda _t: changed())
        self.buttons.buttonToggled.connect(lambda *_a: changed())
        self.choice: str | None = None

    def _show(self, choice: str) -> None:
        self.choice = choice
        editing = choice == EDIT
        self.result.setReadOnly(not editing)
        if editing:
            self.result.setText(_typed(self.conflict.mine))
            self.result.setFocus()
            self.result.selectAll()
        else:
            self.result.setText(display(self.conflict.theirs if choice == THEIRS else self.conflict.mine))
            self.result.setCursorPosition(0)
        self.result.setToolTip(self.result.text())

    def decide(self, choice: str) -> None:
        {THEIRS: self.take_theirs, MINE: self.keep_mine, EDIT: self.edit}[choice].setChecked(True)

    def value(self) -> tuple[Any, str | None]:
        """The decided value, or why there is none yet."""
        if self.choice is None:
            return None, f"{self.conflict.label}: not decided yet"
        if self.choice == THEIRS:
            return self.conflict.theirs, None
        if self.choice == MINE:
            return self.conflict.mine, None
        return self.conflict.parse(self.result.text())


class ConflictDialog(QDialog):
    """Decide each value both curators changed. `choices()` (after Save) is what
    services.curation.resolve takes."""

    def __init__(self, stale: StaleRecord, parent=None):
        super().__init__(parent)
        self.setObjectName("conflict_dialog")
        self.stale = stale
        who = " and ".join(stale.by) if stale.by else "Another curator"
        theirs = stale.theirs
        self.setWindowTitle(f"Saved meanwhile by {who} — choose what to keep")
        intro = QLabel(
            f"<b>{who}</b> saved this paper while you were editing it ({theirs.status}, revision "
            f"{theirs.revision}, at {theirs.updated_at}). The values below were changed by both of you: "
            "choose, for each, the value to save. Everything else either of you changed is merged as it is."
            "<br><b>Nothing is saved until you press Save.</b>")
        intro.setWordWrap(True)
        intro.setObjectName("conflict_intro")
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        for col, title in enumerate(("Field", f"Theirs ({who})", "Mine", "Value saved", "")):
            h = QLabel(f"<b>{title}</b>")
            grid.addWidget(h, 0, col)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        grid.addWidget(line, 1, 0, 1, 5)
        self.lines = [_Line(c, grid, i + 2, self._update) for i, c in enumerate(stale.conflicts)]
        grid.setColumnMinimumWidth(0, 150)
        grid.setColumnMinimumWidth(3, 200)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 3)
        grid.setColumnStretch(3, 3)
        grid.setRowStretch(len(self.lines) + 2, 1)
        scroll = QScrollArea()
        scroll.setWidget(grid_host)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.problem = QLabel()
        self.problem.setObjectName("conflict_problem")
        self.problem.setStyleSheet("color: #a33;")
        all_theirs = QPushButton("Take all theirs")
        all_theirs.setObjectName("all_theirs")
        all_theirs.clicked.connect(lambda: self.decide_all(THEIRS))
        all_mine = QPushButton("Keep all mine")
        all_mine.setObjectName("all_mine")
        all_mine.clicked.connect(lambda: self.decide_all(MINE))
        self.box = QDialogButtonBox()
        self.save_button = self.box.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("conflict_save")
        cancel = self.box.addButton("Keep editing, save nothing", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("conflict_cancel")
        self.box.accepted.connect(self._accept)
        self.box.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(all_theirs)
        bottom.addWidget(all_mine)
        bottom.addStretch(1)
        bottom.addWidget(self.box)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.problem)
        lay.addLayout(bottom)
        self.resize(960, min(640, 240 + 64 * len(self.lines)))
        self._update()

    def decide_all(self, choice: str) -> None:
        for ln in self.lines:
            ln.decide(choice)

    def line(self, label_start: str) -> _Line:
        """The line of a value by (the start of) its label, as the form shows it."""
        for ln in self.lines:
            if ln.conflict.label.startswith(label_start):
                return ln
        raise KeyError(label_start)

    def _problems(self) -> list[str]:
        return [err for ln in self.lines for err in [ln.value()[1]] if err]

    def _update(self) -> None:
        problems = self._problems()
        self.save_button.setEnabled(not problems)
        undecided = sum(1 for ln in self.lines if ln.choice is None)
        if undecided:
            self.problem.setText(f"{undecided} of {len(self.lines)} value(s) still to decide")
        else:
            self.problem.setText("; ".join(problems))

    def _accept(self) -> None:
        if not self._problems():
            self.accept()

    def choices(self) -> dict[tuple[str, ...], Any]:
        """Conflict key -> the value decided (only once every line is decided and valid)."""
        out = {}
        for ln in self.lines:
            value, err = ln.value()
            if err:
                raise ValueError(err)
            out[ln.conflict.key] = value
        return out
