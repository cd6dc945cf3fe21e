"""Two extractions of a paper side by side, and the consensus the adjudicator makes of them (issue 19).

Every compared field is a line: table, row, field, A | B | consensus. What both curators gave is in the
consensus already; the disagreements are tinted and stepped through with F3 / Shift+F3 (or N / P); Ctrl+1
takes A's value, Ctrl+2 B's, F2 edits the consensus cell; Ctrl+S saves the consensus through the record
write gate. The state — matched rows, picks, the consensus — is domain.agreement.Adjudication; this module
only shows it and forwards keys. File ▸ Compare with another library… shows the offline comparison of two
libraries (`LibraryComparisonDialog`); a paper there opens the same view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from curator.domain import agreement, validation
from curator.domain.agreement import Adjudication
from curator.domain.outcomes import TABLE_TYPES
from curator.services import compare, curation, dual_export, extractions

AGREED = QColor("#e8f5e9")
OPEN = QColor("#ffebee")
SETTLED = QColor("#fff8e1")
COLUMNS = ("Table", "Row", "Field", "A", "B", "Consensus", "From")
A_COL, B_COL, CONSENSUS_COL, FROM_COL = 3, 4, 5, 6


def show_value(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        return f"{v:g}" if abs(v) < 1e15 else str(v)
    return str(v)


class CompareModel(QAbstractTableModel):
    """The lines of an Adjudication; the consensus column is editable on disagreements."""

    rejected = Signal(str)  # a typed consensus value that is not of the field's type, named

    def __init__(self, adjudication: Adjudication, parent=None):
        super().__init__(parent)
        self.adj = adjudication

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.adj.lines)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if section == A_COL:
                return f"A: {self.adj.cmp.a_name}"
            if section == B_COL:
                return f"B: {self.adj.cmp.b_name}"
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = self.adj.lines[index.row()]
        it, col = line.item, index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return line.title
            if col == 1:
                return it.row
            if col == 2:
                return line.label
            if col == A_COL:
                return show_value(it.a) if it.outcome != agreement.ROW_ONLY_B else "— no row —"
            if col == B_COL:
                return show_value(it.b) if it.outcome != agreement.ROW_ONLY_A else "— no row —"
            value, how = self.adj.consensus_value(index.row())
            if col == FROM_COL:  # what the consensus value's provenance will say (Span.settled)
                return "open" if how is None else how
            if how is None:
                return "" if role == Qt.ItemDataRole.EditRole else "?"
            return show_value(value)
        if role == Qt.ItemDataRole.BackgroundRole:
            if not line.disagrees:
                return QBrush(AGREED)
            return QBrush(SETTLED if self.adj.settled(index.row()) else OPEN)
        if role == Qt.ItemDataRole.ToolTipRole:
            value, how = self.adj.consensus_value(index.row())
            settled = {None: "not settled yet", "agreed": "both gave it", "edited": "edited by the adjudicator"}
            return f"{it.outcome}; consensus: {settled.get(how, f'{how} taken')}"
        return None

    def flags(self, index: QModelIndex):
        f = super().flags(index)
        if index.isValid() and index.column() == CONSENSUS_COL and self.adj.lines[index.row()].disagrees:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index: QModelIndex, value: Any, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or index.column() != CONSENSUS_COL:
            return False
        line = self.adj.lines[index.row()]
        row_type = TABLE_TYPES[line.item.table]
        v, error = validation.coerce(row_type, line.item.field, value)
        if error:
            self.rejected.emit(f"{line.title}, {line.label}: {error}")
            return False
        self.adj.edit(index.row(), v)
        self.changed(index.row())
        return True

    def changed(self, row: int) -> None:
        """Line `row` (and the lines of its row pair: a pick on a one-sided row settles them all) changed."""
        it = self.adj.lines[row].item
        rows = [i for i, ln in enumerate(self.adj.lines) if (ln.item.table, ln.item.pair) == (it.table, it.pair)]
        self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(COLUMNS) - 1))


class CompareView(QDialog):
    """A paper's two extractions and their consensus; `save()` writes the consensus into `lib`."""

    saved = Signal(object)  # services.changes.Changes

    def __init__(self, lib, adjudication: Adjudication, paper_id: int, title: str,
                 curator_name: Callable[[], str | None], hub=None, parent=None):
        super().__init__(parent)
        t0 = time.perf_counter()
        self.setObjectName("compare_view")
        self.lib, self.adj, self.paper_id, self.hub = lib, adjudication, paper_id, hub
        self.curator_name = curator_name
        self.warn: Callable[[str, str], None] = lambda t, text: QMessageBox.warning(self, t, text)
        self.confirm_unsettled: Callable[[int], bool] = self._confirm_unsettled_dialog
        cmp = adjudication.cmp
        self.setWindowTitle(f"Compare extractions — {title[:80]}")
        self.setModal(False)
        self.heading = QLabel(f"<b>{title}</b><br>A: <b>{cmp.a_name}</b> &nbsp; B: <b>{cmp.b_name}</b>")
        self.heading.setWordWrap(True)
        self.figures = QLabel()
        self.figures.setObjectName("compare_figures")
        self.figures.setWordWrap(True)
        self.model = CompareModel(adjudication, self)
        self.model.rejected.connect(lambda msg: self.status.setText(msg))
        self.table = QTableView()
        self.table.setObjectName("compare_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        hh = self.table.horizontalHeader()
        for col, width in enumerate((110, 250, 130, 190, 190, 250, 80)):
            self.table.setColumnWidth(col, width)
        hh.setSectionResizeMode(CONSENSUS_COL, QHeaderView.ResizeMode.Stretch)
        self.only_open = QCheckBox("Only disagreements (Ctrl+D)")
        self.only_open.setObjectName("only_disagreements")
        self.only_open.toggled.connect(self.show_only_disagreements)
        self.table.setWordWrap(False)
        self.status = QLabel()
        self.status.setObjectName("compare_status")
        buttons = QHBoxLayout()
        for text, slot, name in (("◀ Previous (Shift+F3)", lambda: self.step(False), "btn_prev"),
                                 ("Next disagreement (F3) ▶", lambda: self.step(True), "btn_next"),
                                 ("Take A (Ctrl+1)", lambda: self.take("a"), "btn_take_a"),
                                 ("Take B (Ctrl+2)", lambda: self.take("b"), "btn_take_b"),
                                 ("Undo pick", self.undecide, "btn_undecide")):
            b = QPushButton(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addWidget(self.only_open)
        buttons.addStretch(1)
        self.save_button = QPushButton("Save consensus (Ctrl+S)")
        self.save_button.setObjectName("btn_save_consensus")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(not lib.read_only)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.figures)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        for keys, slot in ((("F3", "N"), lambda: self.step(True)), (("Shift+F3", "P"), lambda: self.step(False)),
                           (("Ctrl+1",), lambda: self.take("a")), (("Ctrl+2",), lambda: self.take("b")),
                           (("Ctrl+S",), self.save), (("Ctrl+D",), self.only_open.toggle)):
            for k in keys:
                sc = QShortcut(QKeySequence(k), self)
                sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                sc.activated.connect(slot)
        self.model.dataChanged.connect(lambda *_: self._update_status())
        self._show_figures()
        self._update_status()
        first = adjudication.step(-1, True)
        if first is not None:
            self.go_to(first)
        self.opened_in = time.perf_counter() - t0  # seconds to build the view (the ≤ 100 ms target)

    # --- showing -----------------------------------------------------------------------------------
    def _show_figures(self) -> None:
        s = agreement.summarize([self.adj.cmp])
        o = s.overall
        pct = "–" if o.proportion is None else f"{100 * o.proportion:.1f} %"
        kappa = "undefined" if o.kappa is None else f"{o.kappa:.3f}"
        per_table = " · ".join(f"{TABLE_TYPES[t].TITLE} {st.agreements}/{st.compared}" for t, st in s.by_table.items())
        kinds = ", ".join(f"{n} {k}" for k, n in o.by_kind.items() if n)
        self.figures.setText(f"Agreement {o.agreements}/{o.compared} fields ({pct}), Cohen's κ {kappa} "
                             f"(categorical fields, exact numbers{self._tolerance_text()}). "
                             f"Disagreements: {kinds or 'none'}.<br>{per_table}")

    def _tolerance_text(self) -> str:
        t = self.adj.cmp.tolerance
        if t == agreement.EXACT:
            return ""
        return f" within ±{t.absolute:g}" + (f" or {100 * t.relative:g} %" if t.relative else "")

    def _update_status(self) -> None:
        n = len(self.adj.unresolved())
        total = sum(1 for ln in self.adj.lines if ln.disagrees)
        self.status.setText(f"{total - n} of {total} disagreement(s) settled" + (f" — {n} left" if n else " — all settled"))

    def show_only_disagreements(self, on: bool) -> None:
        for i, line in enumerate(self.adj.lines):
            self.table.setRowHidden(i, on and not line.disagrees)

    def current(self) -> int | None:
        idx = self.table.currentIndex()
        return idx.row() if idx.isValid() else None

    def go_to(self, row: int) -> None:
        idx = self.model.index(row, CONSENSUS_COL)
        self.table.setCurrentIndex(idx)
        self.table.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)

    # --- acting ------------------------------------------------------------------------------------
    def step(self, forward: bool = True) -> int | None:
        cur = self.current()
        nxt = self.adj.step(-1 if cur is None else cur, forward)
        if nxt is None:
            self.status.setText("No disagreements: both extractions agree on every value")
            return None
        self.go_to(nxt)
        return nxt

    def take(self, side: str) -> None:
        row = self.current()
        if row is None or not self.adj.lines[row].disagrees:
            return
        self.adj.pick(row, side)
        self.model.changed(row)
        unresolved = self.adj.unresolved()
        after = [i for i in unresolved if i > row] or unresolved
        if after:
            self.go_to(after[0])

    def undecide(self) -> None:
        row = self.current()
        if row is not None:
            self.adj.undecide(row)
            self.model.changed(row)

    def _confirm_unsettled_dialog(self, n: int) -> bool:
        return QMessageBox.question(
            self, "Disagreements left", f"{n} disagreement(s) are not settled: their values stay empty in the "
            "consensus (a row only one curator entered is left out). Save the consensus anyway?") \
            == QMessageBox.StandardButton.Yes

    def save(self) -> bool:
        """Write the consensus into the library (a draft, through the write gate)."""
        who = self.curator_name()
        if not who:
            self.warn("Not saved", "A consensus is saved by a named adjudicator: set your name first "
                      "(Record ▸ Verify asks for it)")
            return False
        n = len(self.adj.unresolved())
        if n and not self.confirm_unsettled(n):
            return False
        rec = self.adj.consensus(self.paper_id)
        try:
            changes = compare.save_consensus(self.lib, rec, who, base=curation.stored(self.lib, self.paper_id))
        except curation.CurationError as exc:
            self.warn("Consensus not saved", str(exc))
            return False
        if self.hub is not None:
            self.hub.publish(changes)
        self.status.setText(f"Consensus saved by {who} as a draft of paper {self.paper_id} (revision {rec.revision}); "
                            "verify it in the main window")
        self.saved.emit(changes)
        return True


class LibraryComparisonDialog(QDialog):
    """The offline comparison of two libraries: overall figures and one line per matched paper; Enter (or a
    double click) opens the paper's compare view."""

    def __init__(self, lib, report: compare.CompareReport, curator_name: Callable[[], str | None], hub=None,
                 parent=None):
        super().__init__(parent)
        self.setObjectName("library_comparison")
        self.lib, self.report, self.curator_name, self.hub = lib, report, curator_name, hub
        self.views: list[CompareView] = []
        self.setWindowTitle(f"Compare with {Path(report.other).name}")
        self.setModal(False)
        d = report.to_dict()
        text = QLabel(report.summary_text().replace("\n", "<br>").replace("  ", "&nbsp;&nbsp;"))
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setObjectName("comparison_summary")
        self.table = QTableWidget(len(report.papers), 5)
        self.table.setObjectName("comparison_papers")
        self.table.setHorizontalHeaderLabels(["Paper", "Matched by", "Fields", "Agreement", "Disagreements"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for r, p in enumerate(d["papers"]):
            cells = (p["title"], p["matched_by"], str(p.get("compared", 0)),
                     "–" if p.get("agreement") is None else f"{100 * p['agreement']:.1f} %",
                     str(p.get("disagreements", 0)))
            for c, v in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda idx: self.open_paper(idx.row()))
        sc = QShortcut(QKeySequence("Return"), self.table)
        sc.activated.connect(lambda: self.open_paper(self.table.currentRow()))
        open_b = QPushButton("Adjudicate paper…")
        open_b.clicked.connect(lambda: self.open_paper(self.table.currentRow()))
        export_b = QPushButton("Export agreement table…")
        export_b.setObjectName("btn_export_agreement")
        export_b.clicked.connect(lambda: self.export_table())
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(export_b)
        row.addStretch(1)
        row.addWidget(open_b)
        layout.addLayout(row)
        self.resize(900, 600)

    def export_table(self, path: str | None = None) -> Path | None:
        """The agreement figures and every disagreement as an Excel workbook (.xlsx) or CSV files (.zip)."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export agreement table", str(Path.home() / "agreement.xlsx"),
                                                  "Excel workbook (*.xlsx);;CSV files in a zip (*.zip)")
            if not path:
                return None
        fmt = "csv" if path.lower().endswith(".zip") else "xlsx"
        try:
            done = dual_export.export_report(self.lib, self.report, fmt, path)
        except (OSError, ValueError, RuntimeError) as exc:
            QMessageBox.warning(self, "Not exported", str(exc))
            return None
        return done.path

    def open_paper(self, row: int) -> CompareView | None:
        if not 0 <= row < len(self.report.papers):
            return None
        m = self.report.papers[row]
        view = CompareView(self.lib, Adjudication(m.comparison), m.paper_id, m.title, self.curator_name, self.hub,
                           self.parent())
        view.resize(1280, 800)
        view.show()
        self.views.append(view)
        return view


# --- entry points from the main window (kept here: main_window.py only adds the menu actions) ----------

def compare_extractions(window) -> CompareView | None:
    """Record ▸ Compare extractions…: the open paper's two extractions (blind mode respected)."""
    pid = window.paper_id
    if pid is None:
        return None
    viewer = window.curator_name(ask=True)
    if not viewer:
        return None
    seen = extractions.visible_extractions(window.lib, pid, viewer)
    names = sorted(seen)
    if len(names) < 2:
        hidden = len(extractions.extractions(window.lib, pid)) - len(names)
        window.warn("Nothing to compare",
                    f"Paper {pid} has {len(names)} extraction(s) you may see"
                    + (f" ({hidden} hidden by blind mode until yours is submitted)" if hidden else "")
                    + ": a comparison needs two.")
        return None
    a, b = names[0], names[1]
    if len(names) > 2:
        a, ok = QInputDialog.getItem(window, "Compare extractions", "Extraction A:", names, 0, False)
        if not ok:
            return None
        rest = [n for n in names if n != a]
        b, ok = QInputDialog.getItem(window, "Compare extractions", "Extraction B:", rest, 0, False)
        if not ok:
            return None
    try:
        cmp = compare.compare_paper(window.lib, pid, a, b)
    except compare.CompareError as exc:
        window.warn("Nothing to compare", str(exc))
        return None
    paper = window.lib.get_paper(pid)
    view = CompareView(window.lib, Adjudication(cmp), pid, paper.title if paper else f"paper {pid}",
                       window.curator_name, window.hub, window)
    view.resize(1280, 800)
    view.show()
    return view


def compare_with_library(window, path: str | None = None):
    """File ▸ Compare with another library…: the comparison runs off the GUI thread; its figures and papers
    then show in a LibraryComparisonDialog. Returns the LibraryOp (tests wait on it)."""
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Compare with another library", str(Path.home()),
                                              "Curator libraries (*.sqlite *.db);;All files (*)")
        if not path:
            return None

    def done(report):
        window.comparison_dialog = LibraryComparisonDialog(window.lib, report, window.curator_name, window.hub, window)
        window.comparison_dialog.show()

    def work(lib, _progress, _cancel):
        return compare.compare_with_library(lib, path)

    op = window.run_op(work, None, "Compare", f"Comparing with {Path(path).name}…", done,
                       "Comparison failed", read_only=True)
    op.failure(lambda msg: window.warn("Nothing compared", msg.split("\n\n")[0]))
    return op
