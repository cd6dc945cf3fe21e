"""The main window: paper list | reader | outcome forms over plots."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from curator import __version__, paths
from curator.domain import readiness, validation
from curator.domain.outcomes import PAPER_UNREVIEWED, TABLE_TYPES, Record, Row, Span, Study
from curator.services import curation, team
from curator.services.changes import Changes, of_import, of_records
from curator.services.library import (
    CannotOpen,
    Library,
    LibraryInUse,
    OpenLibrary,
    describe_server,
    is_server_location,
    open_locked,
)
from curator.ui import compare_view
from curator.ui.extraction_mode import ExtractionMode
from curator.ui.outcome_form import TAB_KEYS, OutcomeForms
from curator.ui.paper_list_model import PaperListModel
from curator.ui.pdf_view import PdfView
from curator.ui.reader import Reader
from curator.ui.team_open_dialog import TeamOpenDialog, ask_password_dialog
from curator.ui.team_sync import TeamSync
from curator.ui.worker import ChangeHub, LibraryOp

log = logging.getLogger("curator.ui")

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"

# first run: the window's size comes from the screen's available area (panels excluded), less what a window
# manager adds around it (title bar, borders), which is unknown until the window is shown
FIRST_RUN_MAX = (1440, 900)
TITLE_BAR_ALLOWANCE = 40
FOLLOW_FILTER_MS = 350  # after the last key of a search, the reader moves to the first match
BORDER_ALLOWANCE = 8


def ask_read_only_dialog(holder: str, parent=None) -> bool:
    """A library another Curator window holds: open it read-only? (at start-up and File ▸ Open)"""
    box = QMessageBox(QMessageBox.Icon.Warning, "Library already open",
                      f"This library is open in another Curator window ({holder}).\n\n"
                      "Open it read-only? You can read and export, but not save.", parent=parent)
    box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Open).setText("Open read-only")
    return box.exec() == QMessageBox.StandardButton.Open


class MainWindow(QMainWindow):
    def __init__(self, lib: Library, settings: QSettings, parent=None):
        super().__init__(parent)
        self.lib = lib
        self.settings = settings
        self.paper_id: int | None = None
        self.record: Record | None = None
        self.base: Record | None = None  # the stored record the open edit began from (None: it had none)
        self.dirty = False
        self.ops: list[LibraryOp] = []  # background operations running or queued, oldest first
        self._stopping = False
        self._connecting: LibraryOp | None = None  # a server library being opened (switch_library)
        self.keep_on_screen = True  # pulled back inside the screen once shown (a snapshot of a set size: not)
        self.lock = None  # the library lock this window holds (services.library.open_locked), if not read-only
        # the one "changes applied" signal: every write says here what it changed, each view refreshes itself
        self.hub = ChangeHub(self)
        # hooks a test (or a future preference) can replace; the defaults ask the curator
        self.ask_unsaved: Callable[[], str] = self._ask_unsaved_dialog
        self.ask_curator_name: Callable[[], str | None] = self._ask_name_dialog
        self.ask_read_only: Callable[[str], bool] = lambda holder: ask_read_only_dialog(holder, self)
        self.warn: Callable[[str, str], None] = lambda title, text: QMessageBox.warning(self, title, text)
        self.ask_verify_gaps: Callable[[list[str]], bool] = self._ask_verify_gaps_dialog
        # a save met values another curator changed too: their choices (None: keep editing, save nothing)
        self.ask_conflicts: Callable[[curation.StaleRecord], dict | None] = self._ask_conflicts_dialog
        self.setWindowTitle(f"Curator — {lib.path.name}")
        self.setObjectName("main_window")
        self.setAcceptDrops(True)
        self.extraction = ExtractionMode(self)  # issue 19: the forms on one's own extraction (blind dual extraction)
        self._build()
        self._build_menus()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(3000)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(30)
        self.redraw_timer.setSingleShot(True)
        self.redraw_timer.timeout.connect(self.redraw_plot)
        self.hub.applied.connect(self.paper_model.apply_changes)
        self.hub.applied.connect(self._changes_applied)
        self._update_counts()
        self._apply_read_only()
        self._remember_library()
        # others on the same library: their writes live, presence, conflicts, a lost library (ui.team_sync)
        self.team = TeamSync(self)
        self.team.start()

    def _apply_read_only(self) -> None:
        """A read-only library: every action that would write is disabled, and the forms refuse edits."""
        ro = self.lib.read_only
        for a in self.writing_actions:
            a.setEnabled(not ro)
        self.forms.set_read_only(ro)
        if ro:
            self.statusBar().showMessage("Read-only: " + (self.lib.read_only_reason
                                                          or "this library is open in another Curator window"), 0)
        else:
            self.statusBar().clearMessage()

    def _changes_applied(self, changes: Changes) -> None:
        """The window's own views (the list's counts, the plots over the library) follow every write."""
        self._update_counts()
        if self._plot_panel is not None and (changes.records or changes.papers):
            self._plot_panel.refresh_library()
        if changes.remote:
            self.team.remote_changes(changes)
        if (changes.papers and self.paper_id in (changes.paper_ids or ())
                and self.reader_stack.currentWidget() is self.reader):  # its PDF just arrived: show it
            from curator.services import fulltext

            if fulltext.has_fulltext(self.lib, self.paper_id):
                self._show_fulltext(self.paper_id)

    # --- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search title, abstract, authors, keywords, MeSH…")
        self.search.setAccessibleName("Search papers")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("status_filter")
        self.status_filter.setAccessibleName("Filter by status")
        self.status_filter.addItems(["All", "unreviewed", "draft", "verified", "rejected", "excluded"])
        self.year_from = QSpinBox()
        self.year_to = QSpinBox()
        for box, name, tip in ((self.year_from, "year_from", "Published from year"),
                               (self.year_to, "year_to", "Published up to year")):
            box.setObjectName(name)
            box.setAccessibleName(tip)
            box.setToolTip(tip)
            box.setRange(1899, 2100)
            box.setSpecialValueText("any")  # the minimum means no limit
            box.setValue(1899)
            box.setMaximumWidth(70)
            box.valueChanged.connect(self._filter_changed)
        self.paper_model = PaperListModel(self.lib, self)
        self.paper_view = QTableView()
        self.paper_view.setObjectName("paper_list")
        self.paper_view.setAccessibleName("Papers")
        self.paper_view.setModel(self.paper_model)
        self.paper_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.paper_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # the model already holds the papers in this order: say so before sorting is switched on,
        # so the view does not ask for (and the library does not run) the same query again
        self.paper_view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.paper_view.setSortingEnabled(True)
        self.paper_view.verticalHeader().hide()
        self.paper_view.verticalHeader().setDefaultSectionSize(22)
        self.paper_view.setWordWrap(False)
        self.paper_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        hh = self.paper_view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, w in enumerate((104, 260, 110, 44, 150, 80, 90)):
            self.paper_view.setColumnWidth(col, w)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (2, 4, 5, 6):  # first author, journal, PMID, editing (a badge by the title): from the header's menu
            self.paper_view.setColumnHidden(col, True)
        hh.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hh.customContextMenuRequested.connect(self._list_header_menu)
        self.count_label = QLabel()
        self.count_label.setObjectName("count_label")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status_filter)
        ll.addLayout(top)
        years = QHBoxLayout()
        years.addWidget(QLabel("Years"))
        years.addWidget(self.year_from)
        years.addWidget(QLabel("–"))
        years.addWidget(self.year_to)
        years.addStretch(1)
        ll.addLayout(years)
        ll.addWidget(self.paper_view, 1)
        ll.addWidget(self.count_label)

        self.reader = Reader()
        self.forms = OutcomeForms()
        # the plots (pyqtgraph, numpy: half a second of imports) are built just after the window shows
        self.plot_host = QWidget()
        self.plot_host.setObjectName("plot_host")
        QVBoxLayout(self.plot_host).setContentsMargins(0, 0, 0, 0)
        self._plot_panel = None
        self._plot_paper = None  # (title, abstract) of the open paper, for plot tooltips
        # who else has this paper open, a newer version saved meanwhile, a save waiting for the library
        self.team_banner = QLabel()
        self.team_banner.setObjectName("team_banner")
        self.team_banner.setWordWrap(True)
        self.team_banner.setStyleSheet("QLabel#team_banner { background: #fff3cd; color: #5c4400; "
                                       "border: 1px solid #e0c36a; border-radius: 3px; padding: 3px 6px; }")
        self.team_banner.hide()
        forms_box = QWidget()
        fl = QVBoxLayout(forms_box)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.setSpacing(2)
        fl.addWidget(self.team_banner)
        fl.addWidget(self.extraction.banner)
        fl.addWidget(self.forms, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("right_splitter")
        right.addWidget(forms_box)
        right.addWidget(self.plot_host)
        right.setSizes([430, 300])
        self.right_splitter = right

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(left)
        # the reader: the paper's PDF pages when it has a full text, else its abstract
        self.pdf_view = PdfView()
        self.reader_stack = QStackedWidget()
        self.reader_stack.setObjectName("reader_stack")
        self.reader_stack.addWidget(self.reader)
        self.reader_stack.addWidget(self.pdf_view)
        self.splitter.addWidget(self.reader_stack)
        self.splitter.addWidget(right)
        self.splitter.setSizes([265, 425, 590])
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 1)
        self.setCentralWidget(self.splitter)

        self.search.textChanged.connect(self._filter_changed)
        self.status_filter.currentTextChanged.connect(self._filter_changed)
        self.paper_view.selectionModel().currentRowChanged.connect(self._paper_row_changed)
        self.forms.edited.connect(self._form_edited)
        self.forms.cell_selected.connect(self._cell_selected)
        self.forms.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.forms.undo.cleanChanged.connect(self._clean_changed)
        self.reader.source_clicked.connect(self._source_clicked)
        self.pdf_view.source_clicked.connect(self._pdf_source_clicked)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        self.status_text = QLabel()
        self.statusBar().addPermanentWidget(self.status_text)

    def _build_menus(self) -> None:
        mb = self.menuBar()

        self.writing_actions: list[QAction] = []

        def act(menu, text: str, slot, shortcut=None, tip: str | None = None, name: str | None = None,
                writes: bool = False) -> QAction:
            a = QAction(text, self)
            if writes:  # disabled on a read-only library
                self.writing_actions.append(a)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            if tip:
                a.setStatusTip(tip)
            a.triggered.connect(slot)
            if name:
                a.setObjectName(name)
            menu.addAction(a)
            return a

        f = mb.addMenu("&File")
        act(f, "&New library…", self.new_library, "Ctrl+Shift+N", name="act_new")  # Ctrl+N adds a row
        act(f, "&Open library…", self.open_library_dialog, QKeySequence.StandardKey.Open, name="act_open")
        act(f, "Open &team library…", self.open_team_library_dialog, "Ctrl+Shift+O",
            "Open a library your team keeps on a PostgreSQL server", name="act_open_team")
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.setObjectName("recent_menu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        f.addSeparator()
        act(f, "&Import papers…", self.import_dialog, "Ctrl+I", "Import PubMed, MEDLINE, RIS, BibTeX… files",
            name="act_import", writes=True)
        act(f, "Attach &full text…", self.attach_fulltext_dialog, None,
            "Attach a PDF to the open paper as its full text", name="act_attach_fulltext", writes=True)
        act(f, "&Tables of the full text…", self.show_tables, None,
            "The PDF's tables as grids; map one to measurements", name="act_tables")
        act(f, "&Export…", self.export_dialog, "Ctrl+E", "Export verified records", name="act_export")
        act(f, "Compare with another &library…", lambda: compare_view.compare_with_library(self), None,  # issue 19
            "Agreement with another library's extractions of the same papers; adjudicate into this one",
            name="act_compare_library")
        f.addSeparator()
        act(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        e = mb.addMenu("&Edit")
        u = self.forms.undo.createUndoAction(self, "&Undo")
        u.setShortcut(QKeySequence.StandardKey.Undo)
        u.setObjectName("act_undo")
        r = self.forms.undo.createRedoAction(self, "&Redo")
        r.setObjectName("act_redo")
        r.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        e.addAction(u)
        e.addAction(r)
        e.addSeparator()
        self.act_link = act(e, "&Link evidence", self.link_evidence, "Ctrl+L",
                            "Link the words selected in the reader to the current value", name="act_link", writes=True)
        act(e, "Add &row", self.forms.add_row_here, None, "Add a row to the current table (Ctrl+N)", name="act_add_row",
            writes=True)

        rm = mb.addMenu("&Record")
        self.act_save = act(rm, "&Save draft", self.save_draft, QKeySequence.StandardKey.Save, name="act_save",
                            writes=True)
        self.act_verify = act(rm, "&Verify", self.verify, "Ctrl+Return", "Mark the record verified by you",
                              name="act_verify", writes=True)
        rm.addSeparator()
        self.act_suggest = act(rm, "S&uggest values from the text", self.suggest, "Ctrl+G", name="act_suggest",
                               writes=True)
        act(rm, "&Accept all suggestions", self.accept_all, "Ctrl+Shift+A", name="act_accept_all", writes=True)
        act(rm, "Suggest for all &new papers…", lambda: self.suggest_new_papers(), None,
            "Pre-fill every unreviewed paper with suggested draft values (in the background)",
            name="act_suggest_all", writes=True)
        self.act_auto_suggest = act(rm, "Suggest automatically on &import", self._toggle_auto_suggest, None,
                                    "Pre-fill imported papers with suggestions", name="act_auto_suggest",
                                    writes=True)
        self.act_auto_suggest.setCheckable(True)
        self.act_auto_suggest.setChecked(self.settings.value("suggest_on_import", False, type=bool))
        rm.addSeparator()
        act(rm, "&Exclude paper…", lambda: self.exclude_paper(), None, name="act_exclude", writes=True)
        act(rm, "Re&ject record…", lambda: self.reject_record(), None, name="act_reject", writes=True)
        act(rm, "&History…", self.show_history, "Ctrl+H", name="act_history")
        act(rm, "&Compare extractions…", lambda: compare_view.compare_extractions(self), "Ctrl+Shift+D",  # issue 19
            "Two curators' extractions of this paper side by side; make the consensus", name="act_compare")
        self.writing_actions += self.extraction.add_actions(rm)  # Submit my extraction, Blind dual extraction

        v = mb.addMenu("&View")
        self.act_plots_full = act(v, "&Plots full height", lambda: self.toggle_plots_full_height(), "F8",
                                  "Give the plots the whole height (the forms fold away); F8 again brings them back",
                                  name="act_plots_full")
        self.act_plots_full.setCheckable(True)

        g = mb.addMenu("&Go")
        act(g, "&Next paper", lambda: self.step_paper(1), "Alt+Down")
        act(g, "&Previous paper", lambda: self.step_paper(-1), "Alt+Up")
        act(g, "&Search", lambda: self.search.setFocus(), QKeySequence.StandardKey.Find)
        g.addSeparator()
        self.act_screening = act(g, "S&creening mode", lambda on: self.show_screening(on), "F9",
                                 "Screen titles and abstracts, most likely includes first", name="act_screening")
        self.act_screening.setCheckable(True)

        h = mb.addMenu("&Help")
        act(h, "&User guide", self.open_guide, QKeySequence.StandardKey.HelpContents)
        act(h, "&About Curator", self.about)

        tb = self.addToolBar("Main")
        tb.setObjectName("main_toolbar")
        for a in (self.act_save, self.act_verify, self.act_suggest, self.act_link, self.extraction.act_submit):
            tb.addAction(a)

    def show_screening(self, on: bool = True) -> None:
        """Swap the central area between curation and the screening mode (issue 20), same library."""
        from curator.ui.screening_view import ScreeningView

        view = getattr(self, "screening_view", None)
        if on and (view is None or view.lib is not self.lib):
            if view is not None:
                view.shutdown()
            view = self.screening_view = ScreeningView(self.lib, self.curator_name, self.settings)
        want = view if on else self.splitter
        if self.centralWidget() is not want:
            self.takeCentralWidget()  # keeps the other widget alive for the way back
            self.setCentralWidget(want)
        self.act_screening.setChecked(on)
        if on:
            view.setFocus()

    # --- paper list --------------------------------------------------------------------------------
    def _list_header_menu(self, pos) -> None:
        from PySide6.QtWidgets import QMenu

        from curator.ui.paper_list_model import COLUMNS

        menu = QMenu(self)
        for col, (_key, title) in enumerate(COLUMNS):
            if col in (0, 1):
                continue
            a = menu.addAction(title)
            a.setCheckable(True)
            a.setChecked(not self.paper_view.isColumnHidden(col))
            a.toggled.connect(lambda on, c=col: self.paper_view.setColumnHidden(c, not on))
        menu.exec(self.paper_view.horizontalHeader().mapToGlobal(pos))

    def _filter_changed(self, *_args) -> None:
        status = self.status_filter.currentText()
        y0 = self.year_from.value() if self.year_from.value() > self.year_from.minimum() else None
        y1 = self.year_to.value() if self.year_to.value() > self.year_to.minimum() else None
        self.paper_model.set_filter(self.search.text().strip() or None, None if status == "All" else status, y0, y1)
        self._update_counts()
        self.reader.set_search(self.search.text())  # the reader follows the search: its words highlighted
        row = self.paper_model.row_of(self.paper_id) if self.paper_id is not None else -1
        if row >= 0:
            self.paper_view.selectionModel().blockSignals(True)
            self.paper_view.selectRow(row)
            self.paper_view.selectionModel().blockSignals(False)
        elif self.paper_id is not None:  # the open paper left the list: its first match, once typing pauses
            if getattr(self, "follow_timer", None) is None:
                self.follow_timer = QTimer(self)
                self.follow_timer.setSingleShot(True)
                self.follow_timer.setInterval(FOLLOW_FILTER_MS)
                self.follow_timer.timeout.connect(self._follow_filter)
            self.follow_timer.start()

    def _follow_filter(self) -> None:
        """The open paper is not among the papers listed: open the first one listed (unsaved edits keep
        the paper open; the status bar says why)."""
        if self.paper_id is None or self.paper_model.row_of(self.paper_id) >= 0 or not self.paper_model.rowCount():
            return
        if self.dirty:
            self.statusBar().showMessage(f"Paper {self.paper_id} is not among the papers listed; it stays open "
                                         "while it has unsaved edits", 8000)
            return
        self.paper_view.selectRow(0)
        self.paper_view.scrollTo(self.paper_model.index(0, 0))

    def _update_counts(self) -> None:
        counts = self.lib.status_counts()
        total = sum(counts.values())
        shown = self.paper_model.rowCount()
        parts = [f"{counts.get(k, 0)} {k}" for k in ("verified", "draft", "unreviewed") if counts.get(k)]
        self.count_label.setText(f"{shown} of {total} papers · " + ", ".join(parts))

    def _paper_row_changed(self, current, previous) -> None:
        if not current.isValid():
            return
        pid = self.paper_model.ids[current.row()]
        if pid == self.paper_id:
            return
        if not self.open_paper(pid):
            # the curator cancelled: stay where we were
            sm = self.paper_view.selectionModel()
            sm.blockSignals(True)
            if previous.isValid():
                self.paper_view.selectRow(previous.row())
            sm.blockSignals(False)

    def select_paper(self, paper_id: int) -> bool:
        row = self.paper_model.row_of(paper_id)
        if row < 0:
            self.search.clear()
            self.status_filter.setCurrentIndex(0)
            row = self.paper_model.row_of(paper_id)
        if row < 0:
            return False
        self.paper_view.selectRow(row)
        self.paper_view.scrollTo(self.paper_model.index(row, 0))
        return self.paper_id == paper_id

    def step_paper(self, delta: int) -> None:
        row = self.paper_view.currentIndex().row()
        nxt = max(0, min(self.paper_model.rowCount() - 1, row + delta))
        if nxt != row:
            self.paper_view.selectRow(nxt)

    # --- opening and closing a paper --------------------------------------------------------------
    def maybe_keep_edits(self) -> bool:
        """Before leaving the current paper: save, discard or stay. False means stay."""
        self.forms.commit_pending()
        if not self.dirty or self.record is None:
            return True
        choice = self.ask_unsaved()
        if choice == CANCEL:
            return False
        if choice == SAVE:
            return self.save_draft()
        if not self.extraction.on:  # one's own extraction has no autosave beside the consensus
            curation.discard_autosave(self.lib, self.record.paper_id)
        self.dirty = False
        return True

    def open_paper(self, paper_id: int) -> bool:
        if not self.maybe_keep_edits():
            return False
        paper = self.lib.get_paper(paper_id)
        if paper is None:
            return False
        self.paper_id = paper_id
        self._plot_paper = (paper.title, paper.abstract)
        self.reader.show_paper(paper)
        self._show_fulltext(paper_id)
        own = self.extraction.load(paper_id)  # dual extraction: the curator's own (sets self.base), else None
        if own is None:
            self.base = curation.stored(self.lib, paper_id)
        rec = own if own is not None else (self.base.copy() if self.base is not None else curation.load(self.lib, paper_id))
        recovered = curation.recover(self.lib, paper_id) if own is None else None
        if recovered is not None:
            rec = recovered[0]
            self.statusBar().showMessage(f"Recovered unsaved edits autosaved at {recovered[1]}", 10000)
        self.record = rec
        self.forms.load(rec)
        self.dirty = recovered is not None
        self.team.paper_opened()
        self._after_change(redraw_now=True)
        self.settings.setValue("last_paper", paper_id)
        self._update_title()
        return True

    def _clean_changed(self, clean: bool) -> None:
        """Undone back to the saved state: nothing is unsaved any more (unless a note changed meanwhile)."""
        if clean and self.dirty and self.record is not None:
            self.forms.notes.store(self.record)
            if curation.unchanged(self.record, self.base):
                self.dirty = False
                self.autosave_timer.stop()
                if not self.extraction.on:
                    curation.discard_autosave(self.lib, self.record.paper_id)
                self.team.edits_undone()  # others saved a newer version meanwhile: shown now
        self._update_title()

    # the window's commands keep their keys while a text field has focus (on X11 a line edit takes Ctrl+E
    # to move to the end of the line, Ctrl+H to delete a character…)
    COMMAND_KEYS = ("Ctrl+E", "Ctrl+H", "Ctrl+L", "Ctrl+G", "Ctrl+I", "Ctrl+Return", "Ctrl+Shift+A")

    def _focus_changed(self, _old, new) -> None:
        if isinstance(new, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)) and self.isAncestorOf(new):
            new.removeEventFilter(self)
            new.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride:
            seq = QKeySequence(event.keyCombination()).toString(QKeySequence.SequenceFormat.PortableText)
            if seq in self.COMMAND_KEYS:
                event.ignore()  # not the field's: the window's shortcut runs
                return True
        return super().eventFilter(obj, event)

    def _update_title(self) -> None:
        name = self.lib.path.name + (" (read-only)" if self.lib.read_only else "")
        rec = self.record
        status = ""
        if rec is not None:
            shown = rec.status if self.base is not None else PAPER_UNREVIEWED  # nothing stored yet
            status = f" — {shown}" + (f" by {rec.curator}" if rec.status == "verified" and rec.curator else "")
        self.setWindowTitle(f"{'* ' if self.dirty else ''}Curator — {name}"
                            + (f" — paper {self.paper_id}{status}" if self.paper_id else ""))

    # --- editing -----------------------------------------------------------------------------------
    def _form_edited(self) -> None:
        if self.record is None:
            return
        self.dirty = True
        self.autosave_timer.start()
        self._after_change()
        self._update_title()

    def _after_change(self, redraw_now: bool = False) -> None:
        if self.record is None:
            return
        self.forms.notes.store(self.record)
        msgs = validation.validate(self.record)
        self.forms.set_messages(msgs)
        errs = sum(1 for m in msgs if m.level == "error")
        warns = len(msgs) - errs
        sugg = readiness.pending_count(self.record)
        bits = [self.record.status if self.base is not None else PAPER_UNREVIEWED, f"rev {self.record.revision}"]
        if errs:
            bits.append(f"{errs} error(s)")
        if warns:
            bits.append(f"{warns} warning(s)")
        if sugg:
            bits.append(f"{sugg} suggestion(s) to review")
        self.status_text.setText(" · ".join(bits))
        self.status_text.setToolTip("\n".join(m.text for m in msgs))
        self.forms.notes.status_label.setText("\n".join(("⛔ " if m.level == "error" else "⚠ ") + m.text
                                                        for m in msgs))
        self._refresh_highlights(scroll=False)
        if redraw_now and self._plot_panel is not None:
            self.redraw_plot()
        else:  # the first time, the plots (and pyqtgraph) are built once the paper is on screen
            self.redraw_timer.start()

    @property
    def plot_panel(self):
        """The plot tabs, created on first use (keeps pyqtgraph off the path to the first window)."""
        if self._plot_panel is None:
            self._build_plot_panel()
        return self._plot_panel

    def _build_plot_panel(self) -> None:
        """Create the plot tabs and draw the open paper in them."""
        from curator.ui.plot_panel import PlotPanel

        panel = PlotPanel()
        panel.setObjectName("plots")
        panel.set_library(self.lib)
        panel.row_clicked.connect(self._plot_row_clicked)
        panel.paper_clicked.connect(self.select_paper)
        self.plot_host.layout().addWidget(panel)
        self._plot_panel = panel
        if self.record is not None:
            panel.redraw(self.record, *(self._plot_paper or (None, None)))

    @property
    def plots(self):
        return self.plot_panel

    @property
    def comparison_plot(self):
        return self.plot_panel.comparison_plot

    def redraw_plot(self) -> None:
        if self._plot_panel is None:
            self._build_plot_panel()  # drawn as it is built
            return
        title, text = self._plot_paper or (None, None)
        self._plot_panel.redraw(self.record, title, text)

    def _plot_row_clicked(self, table: str, row: int) -> None:
        t = TABLE_TYPES[table]
        self.forms.select_cell(t, row, t.value_fields()[0])

    def autosave_now(self) -> None:
        if self.extraction.on:  # one's own extraction: autosaved as its draft (never beside the consensus)
            if self.record is not None and self.dirty and not self.lib.read_only:
                self.extraction.save(quiet=True)
            return
        if self.record is not None and self.dirty and not self.lib.read_only:
            self.forms.notes.store(self.record)
            try:
                kept = curation.autosave(self.lib, self.record)
            except curation.CurationError as exc:  # a full disk: the edits stay in the form, unsaved
                self.statusBar().showMessage(f"Not autosaved: {exc}", 0)
                return
            if kept is not None:
                self.statusBar().showMessage(f"The library cannot be reached: your edits are kept on this computer "
                                             f"({kept})", 10000)

    def _record_saved(self, changes: Changes) -> None:
        """After any record change went through the services' write gate: the edit is based on what is
        stored now; values merged in from a save made meanwhile are shown; the views follow."""
        assert self.record is not None
        self.base = self.record.copy()
        self.dirty = False
        self.team.saved()
        if changes.merged:
            self.forms.load(self.record)  # the record took in the other save's values
        self.forms.undo.setClean()
        self.hub.publish(changes)
        self._after_change()
        self._update_title()

    def _merged_note(self, changes: Changes) -> str:
        if not changes.merged:
            return ""
        by = f" by {' and '.join(changes.merged_from)}" if changes.merged_from else ""
        return f" — merged with a save made meanwhile{by} ({len(changes.merged)} value(s) of theirs taken in: " \
               + "; ".join(changes.merged[:3]) + ("…" if len(changes.merged) > 3 else "") + ")"

    def save_draft(self) -> bool:
        if self.record is None:
            return False
        if self.extraction.on:
            return self.extraction.save()
        self.forms.commit_pending()
        name = self.curator_name()
        try:
            changes = self.team.through_gate(lambda rec, base: curation.save_draft(self.lib, rec, name, base=base),
                                         "saved")
        except curation.CurationError as exc:
            self.statusBar().showMessage("Not saved: " + str(exc).replace("\n", " "), 10000)
            self.warn("Not saved", str(exc))
            return False
        if changes is None:
            return False
        self._record_saved(changes)
        errs = [m for m in changes.messages if m.level == "error"]
        self.statusBar().showMessage(
            "Draft saved" + (f" — {len(errs)} error(s) to fix before verifying" if errs else "")
            + self._merged_note(changes), 10000)
        return True

    def curator_name(self, ask: bool = False) -> str | None:
        name = self.settings.value("curator_name", "", type=str) or None
        if name is None and ask:
            name = self.ask_curator_name()
            if name:
                self.settings.setValue("curator_name", name.strip())
                team.join(self.lib, name)  # others see the name from now on
        return name

    def verify(self) -> bool:
        if self.record is None:
            return False
        if self.extraction.on:
            return self.extraction.refuse("verified")
        self.forms.commit_pending()
        name = self.curator_name(ask=True)
        if not name:
            self.statusBar().showMessage("Not verified: a record is verified by a named curator", 8000)
            return False
        allow_gaps = False
        while True:  # the services hold the rule; the window only asks when they say it must
            try:
                changes = self.team.through_gate(
                    lambda rec, base, gaps=allow_gaps: curation.verify(self.lib, rec, name, base=base, allow_gaps=gaps),
                    "verified")
                if changes is None:
                    return False
                break
            except curation.NeedsConfirmation as exc:
                if allow_gaps or not self.ask_verify_gaps(exc.gaps):
                    self.statusBar().showMessage("Not verified: " + str(exc).replace("\n", " "), 15000)
                    return False
                allow_gaps = True
            except curation.CurationError as exc:
                self.statusBar().showMessage("Not verified: " + str(exc).replace("\n", " "), 15000)
                self.warn("Cannot verify", str(exc))
                self._go_to_first_suggestion()
                return False
        self._record_saved(changes)
        self.statusBar().showMessage(f"Verified by {name} at {self.record.verified_at}" + self._merged_note(changes),
                                     10000)
        return True

    def exclude_paper(self, reason: str | None = None) -> bool:
        return self._set_status("excluded", "Exclude paper", "Why is this paper excluded?", reason)

    def reject_record(self, reason: str | None = None) -> bool:
        return self._set_status("rejected", "Reject record", "Why is this record rejected?", reason)

    def _set_status(self, status: str, title: str, question: str, reason: str | None) -> bool:
        if self.record is None:
            return False
        if self.extraction.on:
            return self.extraction.refuse(status)
        if reason is None:
            reason, ok = QInputDialog.getText(self, title, question)
            if not ok:
                return False
        self.forms.commit_pending()
        who = self.curator_name()
        try:
            changes = self.team.through_gate(
                lambda rec, base: curation.set_paper_status(self.lib, rec, status, reason, who, base=base), status)
        except curation.CurationError as exc:
            self.statusBar().showMessage(f"Not {status}: " + str(exc).replace("\n", " "), 10000)
            self.warn(f"Not {status}", str(exc))
            return False
        if changes is None:
            return False
        self._record_saved(changes)
        self.statusBar().showMessage(f"Paper {self.record.paper_id} {status}" + self._merged_note(changes), 8000)
        return True

    def show_history(self) -> None:
        """Ctrl+H: the open record's history as a sortable, filterable table (curator.ui.history_view)."""
        if self.paper_id is None:
            return
        if self.extraction.on:  # the consensus's history: hidden while one extracts blind
            self.extraction.refuse("shown")
            return
        from curator.services.history import record_history
        from curator.ui.history_view import HistoryDialog

        self.forms.commit_pending()
        entries = record_history(self.lib, self.paper_id, self.record)
        if getattr(self, "history_dialog", None) is not None:
            self.history_dialog.close()
        self.history_dialog = HistoryDialog(entries, f"History of paper {self.paper_id}", self)
        self.history_dialog.restore_requested.connect(self.restore_history_value)
        self.history_dialog.show()

    def restore_history_value(self, entry) -> bool:
        """Put a history entry's old value back into the form: one undo step, saved like any edit."""
        t = entry.row_type
        m = self.forms.models.get(t) if t is not None else None
        pos = next((i for i, r in enumerate(m.rows) if r.uid == entry.uid), None) if m is not None else None
        if pos is None or not entry.restorable:
            self.statusBar().showMessage(f"{entry.what}: that row is no longer in the record", 8000)
            return False
        if not m.set_value(pos, entry.field, entry.old):
            return False
        if t is Study:
            self.forms.study_form.rebind()
        self.forms.select_cell(t, pos, entry.field)
        self.statusBar().showMessage(f"{entry.what}, {entry.field_label}: restored "
                                     f"{entry.old if entry.old not in (None, '') else 'empty'} (Ctrl+Z undoes)", 8000)
        return True

    # --- suggestions ------------------------------------------------------------------------------
    def suggest(self) -> None:
        if self.record is None or self.paper_id is None:
            return
        from curator.services.suggest import study_status_after, suggestion_rows

        self.forms.commit_pending()
        paper = self.lib.get_paper(self.paper_id)
        added = suggestion_rows(paper, self.record, self.pdf_view.ft)  # a PDF: its abstract and results
        n = 0
        filled: list[str] = []
        self.forms.undo.beginMacro("Suggest")
        self.forms.models[Study].set_status(0, study_status_after(self.record, added.get(Study) or {}))
        for row_type, rows in added.items():
            if row_type is Study:
                for field, (value, span) in rows.items():
                    m = self.forms.models[Study]
                    if getattr(self.record.study, field) in (None, ""):
                        m.set_value(0, field, value)
                        if span is not None:
                            m.set_source(0, field, span)
                        filled.append(Study.spec(field).label)
                continue
            self.forms.models[row_type].add_rows(rows, "Suggest")
            n += len(rows)
        self.forms.undo.endMacro()
        self.forms.study_form.rebind()
        pending = readiness.pending_count(self.record)
        self.statusBar().showMessage(
            f"{pending} suggestion(s) to review (Enter accepts, Del rejects)"
            + (f" · Study filled in: {', '.join(filled)}" if filled else ""), 8000)

    def _toggle_auto_suggest(self) -> None:
        self.settings.setValue("suggest_on_import", self.act_auto_suggest.isChecked())

    def suggest_new_papers(self, paper_ids: list[int] | None = None) -> LibraryOp | None:
        """Save suggestions as drafts for papers that have no record yet, off the GUI thread."""
        from curator.services.suggest import suggest_library

        ids = paper_ids if paper_ids is not None else self.lib.list_ids(status="unreviewed")
        if not ids:
            self.statusBar().showMessage("No new papers to suggest values for", 5000)
            return None

        def done(result):
            self.statusBar().showMessage(f"Suggested {result['suggestions']} value(s) in {result['papers']} "
                                         f"paper(s); {result['skipped']} already had a record", 10000)

        return self.run_op(lambda lib, progress, cancel: suggest_library(lib, ids, "suggest", progress, cancel),
                           lambda _result: of_records(ids), "Suggest", "Suggesting values…", done, "Suggest failed")

    def accept_all(self) -> None:
        if self.record is None:
            return
        self.forms.commit_pending()  # what is typed in a field counts (pressed from inside it)
        self.forms.undo.beginMacro("Accept all suggestions")
        for m in self.forms.models.values():
            for i, r in enumerate(m.rows):
                if r.row_status == "suggested":
                    m.accept_row(i)
        self.forms.undo.endMacro()

    # --- provenance -------------------------------------------------------------------------------
    def link_evidence(self) -> bool:
        self.forms.commit_pending()
        span = self.pdf_view.selected_span() if self.reader_stack.currentWidget() is self.pdf_view \
            else self.reader.selected_span()
        cell = self.forms.current_cell()
        if span is None:
            self.statusBar().showMessage("Select the words in the abstract first, then Link evidence", 6000)
            return False
        if cell is None:
            self.statusBar().showMessage("Choose the value (a cell or a study field) the words support", 6000)
            return False
        t, row, field = cell
        self.forms.models[t].set_source(row, field, span)
        self.statusBar().showMessage(f"Linked “{span.quote[:60]}” to {t.TITLE}, {t.spec(field).label}", 6000)
        return True

    def _all_sources(self) -> list[tuple[type[Row], int, str, Span]]:
        out = []
        if self.record is None:
            return out
        for t, m in self.forms.models.items():
            for i, r in enumerate(m.rows):
                for f, s in r.sources.items():
                    out.append((t, i, f, s))
        return out

    def _refresh_highlights(self, scroll: bool) -> None:
        cell = self.forms.current_cell()
        active = []
        if cell is not None and self.record is not None:
            t, row, field = cell
            rows = self.forms.models[t].rows
            if 0 <= row < len(rows):
                s = rows[row].sources.get(field)
                if s is not None:
                    active = [s]
        self.reader.set_sources([s for *_x, s in self._all_sources()], active, scroll=scroll)
        self.pdf_view.set_sources([s for *_x, s in self._all_sources()], active, scroll=scroll)

    def _cell_selected(self, t: type[Row], row: int, field: str) -> None:
        self._refresh_highlights(scroll=True)
        if self._plot_panel is not None:
            self._plot_panel.select_row(t.TABLE, row)

    def _source_clicked(self, offset: int) -> None:
        hits = [(t, i, f) for t, i, f, s in self._all_sources() if s.start <= offset < s.end]
        for n, (t, i, f) in enumerate(hits):
            self.forms.select_cell(t, i, f, add=n > 0)
        if hits:
            self.statusBar().showMessage(f"{len(hits)} value(s) cite this text", 5000)

    def _ask_conflicts_dialog(self, stale: curation.StaleRecord) -> dict | None:
        from curator.ui.conflict_dialog import ConflictDialog

        dlg = ConflictDialog(stale, self)
        try:
            return dlg.choices() if dlg.exec() == ConflictDialog.DialogCode.Accepted else None
        finally:
            dlg.deleteLater()
    def _pdf_source_clicked(self, offset: int) -> None:
        hits = [(t, i, f) for t, i, f, s in self._all_sources()
                if s.text_field == "fulltext" and s.start <= offset < s.end]
        for n, (t, i, f) in enumerate(hits):
            self.forms.select_cell(t, i, f, add=n > 0)

    # --- full text (PDF) ----------------------------------------------------------------------------
    def _show_fulltext(self, paper_id: int | None) -> None:
        from curator.services import fulltext

        ft = fulltext.load(self.lib, paper_id) if paper_id is not None else None
        self.pdf_view.show_fulltext(paper_id, ft)
        self.reader_stack.setCurrentWidget(self.pdf_view if ft is not None else self.reader)

    def show_tables(self):
        """The open paper's tables, its PDF's or its JATS text's (non-modal); created rows go to Labs ▸
        Measurements, undoable."""
        from curator.domain.outcomes import Measurement
        from curator.services import fulltext
        from curator.ui.tables_view import TablesDialog

        if self.paper_id is None:
            return None
        tables = fulltext.tables(self.lib, self.paper_id)  # its PDF's, or those of its JATS full text
        if not tables:
            self.statusBar().showMessage("The open paper's full text has no table (import or attach its PDF)", 6000)
            return None
        dlg = TablesDialog(self.lib, self.paper_id, self.pdf_view.ft, tables, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.cell_picked.connect(self.pdf_view.select_range)

        def add(rows):
            self.forms.models[Measurement].add_rows(rows, "Rows from a table")
            self.forms.setCurrentIndex(self.forms.tab_for(Measurement))

        dlg.rows_made.connect(add)
        dlg.show()
        self.tables_dialog = dlg
        return dlg

    def attach_fulltext_dialog(self) -> None:
        if self.paper_id is None:
            self.statusBar().showMessage("Open a paper first, then attach its PDF", 6000)
            return
        path, _ = QFileDialog.getOpenFileName(self, "Attach full text", str(Path.home()), "PDF files (*.pdf)")
        if path:
            self.attach_fulltext(path)

    def attach_fulltext(self, path: str) -> LibraryOp | None:
        """File ▸ Attach full text…: the PDF becomes the open paper's full text, read off the GUI thread."""
        from curator.services.importing import attach_fulltext_file

        pid = self.paper_id
        if pid is None or self.lib.read_only:
            return None

        def done(report):
            if report.error:
                QMessageBox.warning(self, "Full text not attached", report.error)
                return
            for w in report.warnings:
                self.statusBar().showMessage(w.message, 12000)
            if self.paper_id == pid:
                self._show_fulltext(pid)
                self._refresh_highlights(scroll=False)

        return self.run_op(lambda lib, progress, cancel: attach_fulltext_file(lib, pid, path, progress, cancel),
                           of_import, "Attach full text", "Reading the PDF…", done,
                           "Full text not attached: nothing was changed")

    # --- library -----------------------------------------------------------------------------------
    def switch_library(self, path: str | Path, seed: bool = False, on_error=None) -> bool:
        """Leave the open paper (save/discard/stay), then open `path` the one way libraries are opened
        (services.library.open_locked: its lock first, then any migration). A library another window
        holds is offered read-only; a server that wants a password gets it from a password field.
        False when nothing changed (why: `on_error(message)`, else a message box)."""
        if Path(path).expanduser().resolve() == self.lib.path.resolve():
            return False
        if not self.maybe_keep_edits():
            return False
        try:
            if is_server_location(path):  # a server can take seconds to answer: connect off the GUI thread
                opened = self._connect(str(path), seed)
                if opened is None:
                    return False  # cancelled, or failed unexpectedly (said in a message box)
            else:  # a file opens in milliseconds
                opened = open_locked(path, seed=seed, if_locked=self.ask_read_only)
        except LibraryInUse:
            return False  # the curator declined to open it read-only
        except CannotOpen as exc:
            (on_error or (lambda m: self.warn("Cannot open library", m)))(str(exc))
            return False
        self._stop_ops()
        self.team.stop()
        if self.lock is not None:
            self.lock.release()
        self.lock = opened.lock
        old = self.lib
        self.lib = opened.lib
        self.paper_id = None
        self.record = None
        self.base = None
        self.dirty = False
        self.reader.show_paper(None)
        self._show_fulltext(None)
        self.forms.load(Record(paper_id=0))
        self.extraction.reset()
        self.paper_model.set_library(self.lib)
        if self._plot_panel is not None:
            self._plot_panel.set_library(self.lib)
        self._update_counts()
        self._update_title()
        self._apply_read_only()
        old.close()
        self._remember_library()
        self.team.start()
        return True

    def _connect(self, url: str, seed: bool) -> OpenLibrary | None:
        """open_locked(url) in the background helper's thread while the window keeps running, with
        "Connecting to <server>…" and Cancel; a password the server wants is asked here, on the GUI
        thread (services.library keeps the rule of how often). The library opened, None when cancelled
        (a connection that arrives after Cancel is closed then; the open library stays); CannotOpen raised."""
        if self._connecting is not None and self._connecting.running:
            if not self._connecting.cancel_event.is_set():
                return None  # already connecting (its progress dialog is up)
            self._connecting.wait(15000)  # a cancelled one still on its way: let it arrive and be closed
        ask = None

        def work(_no_library, _progress, _cancel):
            try:
                return open_locked(url, seed=seed, ask_password=ask)
            except CannotOpen as exc:  # handed back to be raised here, on the GUI thread
                return exc

        op = LibraryOp(self, None, work)
        ask = op.asker(lambda why: ask_password_dialog(why, self))

        def arrived(result) -> None:
            if op.cancel_event.is_set() and isinstance(result, OpenLibrary):
                result.close()  # too late: the curator cancelled

        def failed(message: str) -> None:
            if not op.cancel_event.is_set():
                self.warn("Cannot open library", message)

        self._connecting = op
        op.with_progress("Open team library", f"Connecting to {describe_server(url)}…")
        op.success(arrived).failure(failed).run_in_background()
        if not op.wait(3_600_000, or_cancelled=True):  # a password dialog left open for an hour
            op.cancel()
        if op.cancel_event.is_set() or op.error is not None:
            return None
        if isinstance(op.result, CannotOpen):
            raise op.result
        return op.result

    def _remember_library(self) -> None:
        path = str(self.lib.path)
        self.settings.setValue("library", path)
        recent = [p for p in (self.settings.value("recent_libraries", [], type=list) or []) if p != path]
        self.settings.setValue("recent_libraries", [path, *recent][:8])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in (self.settings.value("recent_libraries", [], type=list) or [])
                  if p != str(self.lib.path) and (is_server_location(p) or Path(p).exists())]
        if not recent:
            a = self.recent_menu.addAction("(none)")
            a.setEnabled(False)
        for p in recent:
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _c=False, p=p: self.switch_library(p))

    def new_library(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New library", str(Path.home() / "curator-library.sqlite"),
                                              "Curator library (*.sqlite *.db)")
        if path:
            self.switch_library(path)

    def open_library_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open library", str(Path.home()),
                                              "Curator library (*.sqlite *.db);;All files (*)")
        if path:
            self.switch_library(path)

    def open_team_library_dialog(self) -> None:
        """File ▸ Open team library…: a PostgreSQL library, opened by switch_library (errors shown in the dialog)."""
        TeamOpenDialog(lambda url, show_error: self.switch_library(url, on_error=show_error), self).exec()

    # --- background work ----------------------------------------------------------------------------
    def _stop_ops(self) -> None:
        """Cancel every background operation and wait for it (closing the window, switching library)."""
        self._stopping = True
        if self._connecting is not None and self._connecting.running:  # a library being opened
            self._connecting.cancel()
            self._connecting.wait(15000)  # its late connection is closed
        try:
            while self.ops:
                for op in self.ops:
                    op.cancel()
                if not self.ops[0].wait(10000):
                    log.warning("a background operation did not stop within 10 s")
                    break
        finally:
            self._stopping = False

    def run_op(self, work, changes, title: str, label: str, done, fail_title: str,
               read_only: bool = False) -> LibraryOp:
        """Run `work(library, progress, cancel)` with the one background helper: its own connection, a
        progress dialog with Cancel, then the Changes it made on the hub, then `done(result)`. The
        window's operations write to the library, so each starts when the one before has finished."""
        op = LibraryOp(self, self.lib, work, changes=changes, hub=self.hub, read_only=read_only)
        if self._stopping:  # an import finishing while the window closes or switches would start suggestions
            op.cancel()
        previous = self.ops[-1] if self.ops else None  # writes run one after another
        self.ops.append(op)
        op.finished.connect(lambda: self.ops.remove(op) if op in self.ops else None)
        return op.with_progress(title, label).success(done).failure(
            lambda msg: QMessageBox.critical(self, fail_title, msg)).run_after(previous)

    # --- import / export ----------------------------------------------------------------------------
    def import_dialog(self) -> None:
        start = self.settings.value("import/folder", "", type=str)
        files, _ = QFileDialog.getOpenFileNames(
            self, "Import papers", start if start and Path(start).is_dir() else str(Path.home()),
            "Bibliographic files and PDFs (*.xml *.nxml *.txt *.nbib *.med *.ris *.bib *.md *.pdf);;All files (*)")
        if files:
            self.settings.setValue("import/folder", str(Path(files[0]).parent))  # the next import starts here
            self.import_paths(files)

    def import_paths(self, paths_: list[str]) -> LibraryOp | None:
        """Import off the GUI thread (its own connection), with progress and Cancel."""
        from curator.services.importing import import_files

        if self.lib.read_only:
            self.warn("Not imported", f"{self.lib.path} is open read-only: nothing was imported")
            return None

        def done(report):
            self.last_import = report
            lines = [report.summary_text()]
            for f in report.files:
                if f.error:
                    lines.append(f"• {f.error}")
                for e in (f.failed + f.warnings)[:20]:
                    lines.append(f"• {Path(f.path).name}, record {e.record}"
                                 + (f" (line {e.line})" if e.line else "") + f": {e.message}")
            self.statusBar().showMessage(lines[0], 10000)
            if len(lines) > 1:  # not modal: the curator reads it while working on
                box = QMessageBox(QMessageBox.Icon.Information, "Import finished", "\n".join(lines[:40]),
                                  QMessageBox.StandardButton.Ok, self)
                box.setObjectName("import_report")
                box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                box.setModal(False)
                box.show()
            if self.act_auto_suggest.isChecked() and report.paper_ids:
                new = [pid for pid in report.paper_ids if self.lib.load_record(pid) is None]
                self.suggest_new_papers(new)

        return self.run_op(lambda lib, progress, cancel: import_files(lib, paths_, progress, cancel), of_import,
                           "Import", "Importing…", done, "Import failed: nothing was imported")

    def export_dialog(self) -> None:
        from curator.ui.export_dialog import ExportDialog

        ExportDialog(self.lib, self.selected_paper_ids(), self, self.settings).exec()

    def selected_paper_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.paper_view.selectionModel().selectedRows()})
        return [self.paper_model.ids[r] for r in rows]

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            self.import_paths(files)

    # --- help ------------------------------------------------------------------------------------
    def guide_path(self) -> Path:
        """The bundled user guide (any case of its file name), else the README."""
        folder = paths.resources() / "guide"
        found = sorted(folder.glob("*.html"), key=lambda p: p.name.casefold() != "user-guide.html") \
            if folder.is_dir() else []
        return found[0] if found else paths.root() / "README.md"

    def open_guide(self) -> None:
        """F1: the bundled guide in a help window of the app (links to the web open in a browser)."""
        from PySide6.QtWidgets import QTextBrowser

        guide = self.guide_path()
        view = getattr(self, "help_window", None)
        if view is None:
            view = self.help_window = QTextBrowser()
            view.setObjectName("help_window")
            view.setWindowTitle("Curator — user guide")
            view.setOpenExternalLinks(True)
            view.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
            view.resize(760, min(820, max(480, self.height())))
            if guide.suffix.lower() == ".md":
                view.setMarkdown(guide.read_text(encoding="utf-8"))
            else:
                view.setSearchPaths([str(guide.parent)])
                view.setSource(QUrl.fromLocalFile(str(guide)))
        view.show()
        view.raise_()
        view.activateWindow()

    def about(self) -> None:
        QMessageBox.about(self, "About Curator",
                          f"<h3>Curator {__version__}</h3><p>Structured-outcome curation of the CAR-T "
                          f"toxicity literature.</p><p>Library: {self.lib.path}<br>Schema version "
                          f"{self.lib.schema_version}</p>")

    # --- dialogs (replaceable in tests) ---------------------------------------------------------------
    def _ask_unsaved_dialog(self) -> str:
        box = QMessageBox(self)
        box.setWindowTitle("Unsaved edits")
        box.setText("This paper has edits that are not saved.")
        box.setInformativeText("Save them as a draft before leaving?")
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        r = box.exec()
        return {QMessageBox.StandardButton.Save: SAVE, QMessageBox.StandardButton.Discard: DISCARD}.get(
            QMessageBox.StandardButton(r), CANCEL)

    def _ask_verify_gaps_dialog(self, gaps: list[str]) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Verify an incomplete record?",
                          "This record says nothing about:\n• " + "\n• ".join(gaps), parent=self)
        box.setObjectName("verify_gaps")
        box.setInformativeText("Verify it anyway, as it is?")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Verify anyway")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _go_to_first_suggestion(self) -> None:
        """After a refusal naming pending suggestions: put the curator on the first one."""
        for t, m in self.forms.models.items():
            for i, r in enumerate(m.rows):
                if r.row_status == "suggested" and t is not Study:
                    self.forms.select_cell(t, i, t.value_fields()[0])
                    self.forms.tables[t].setFocus()
                    return
        if self.record is not None and self.record.study.row_status == "suggested":
            self.forms.show_tab("study")

    def _ask_name_dialog(self) -> str | None:
        name, ok = QInputDialog.getText(self, "Your name", "Records are verified in your name. Your name:")
        return name.strip() if ok and name.strip() else None

    # --- state -------------------------------------------------------------------------------------
    def restore_state(self) -> None:
        """The size, splitters and tab of the last session; on the first run, a size that fits the screen."""
        g = self.settings.value("geometry")
        if not (isinstance(g, QByteArray) and self.restoreGeometry(g)):
            self.fit_to_screen()
        for key, sp in (("splitter", self.splitter), ("right_splitter", self.right_splitter)):
            s = self.settings.value(key)
            if isinstance(s, QByteArray):
                sp.restoreState(s)
        tab = self.settings.value("form_tab", 0, type=int)
        self.forms.setCurrentIndex(tab)

    def fit_to_screen(self) -> None:
        """Size and centre the window within the screen's available area (at most FIRST_RUN_MAX), leaving
        room for a title bar, so that the status bar and every control are on screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry()
        w = max(self.minimumSizeHint().width(), min(FIRST_RUN_MAX[0], avail.width() - BORDER_ALLOWANCE))
        h = max(self.minimumSizeHint().height(),
                min(FIRST_RUN_MAX[1], avail.height() - TITLE_BAR_ALLOWANCE - BORDER_ALLOWANCE))
        x = avail.x() + max(0, (avail.width() - w) // 2)
        y = avail.y() + TITLE_BAR_ALLOWANCE + max(0, (avail.height() - TITLE_BAR_ALLOWANCE - h) // 2)
        self.setGeometry(x, y, w, h)

    def _keep_on_screen(self) -> None:
        """Once shown (the real frame known): pull a window whose frame leaves the screen back inside it
        (a first run under a taller title bar, a geometry remembered from a larger screen)."""
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        avail, frame = screen.availableGeometry(), self.frameGeometry()
        if avail.contains(frame):
            return
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        w = min(self.width(), avail.width() - extra_w)
        h = min(self.height(), avail.height() - extra_h)
        self.resize(max(w, self.minimumSizeHint().width()), max(h, self.minimumSizeHint().height()))
        frame = self.frameGeometry()
        self.move(min(max(frame.x(), avail.x()), avail.right() - frame.width() + 1),
                  min(max(frame.y(), avail.y()), avail.bottom() - frame.height() + 1))

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not getattr(self, "_shown_once", False) and self.keep_on_screen:
            self._shown_once = True
            QTimer.singleShot(0, self._keep_on_screen)

    def toggle_plots_full_height(self, on: bool | None = None) -> None:
        """F8: the plot area takes the whole height of the right side (the forms fold away), and back."""
        if on is None:
            on = self.act_plots_full.isChecked()
        self.act_plots_full.setChecked(on)
        sizes = self.right_splitter.sizes()
        if on:
            if sizes[0] > 0:
                self._forms_sizes = sizes
            self.plot_panel  # noqa: B018 — built now if it was not yet
            self.right_splitter.setSizes([0, sum(sizes)])
        else:
            self.right_splitter.setSizes(getattr(self, "_forms_sizes", None) or [430, 300])

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("right_splitter", self.right_splitter.saveState())
        self.settings.setValue("form_tab", self.forms.currentIndex())
        self.settings.setValue("library", str(self.lib.path))

    def closeEvent(self, event) -> None:
        if not self.maybe_keep_edits():
            event.ignore()
            return
        self.team.stop()
        self._stop_ops()
        self.pdf_view.close_document()
        self.save_state()
        if getattr(self, "help_window", None) is not None:
            self.help_window.close()
        if self.lock is not None:
            self.lock.release()
        event.accept()

    def tab_names(self) -> dict[str, tuple[str, str]]:
        """Every name a tab answers to (its key and its visible title, any case, spaces or '/' ignored)
        -> ('form' | 'plot', key). 'Survival' is the plot; the form tab is also 'survival table'."""
        from curator.ui.plot_panel import TAB_TITLES

        names: dict[str, tuple[str, str]] = {}
        for i, key in enumerate(TAB_KEYS):
            for n in (key, self.forms.tabText(i)):
                names[_norm_tab(n)] = ("form", key)
        names[_norm_tab("survival table")] = ("form", "survival")
        names[_norm_tab("plots")] = ("plot", "kinetics")
        for key, title in TAB_TITLES.items():
            for n in (key, title):
                names[_norm_tab(n)] = ("plot", key)
        return names

    def show_tab(self, key: str) -> bool:
        """A form tab or a plot tab by its key or its visible name ('Labs', 'measurements', 'Before /
        after', 'plots'…); a plot tab gets most of the height. False for a name no tab has."""
        where = self.tab_names().get(_norm_tab(key))
        if where is None:
            return False
        kind, k = where
        if kind == "plot":
            self.right_splitter.setSizes([200, 530])
            self.plot_panel.show_tab(k)
        else:
            self.forms.show_tab(k)
        return True


def _norm_tab(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())
