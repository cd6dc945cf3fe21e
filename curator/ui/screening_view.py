"""The screening mode: one record at a time, decided from the keyboard, most likely includes first.

The widget only shows and records: decisions go through services/screening (saved at once), the
ranking model retrains on a worker thread every few decisions, and the next record always comes
from the queue already in memory (never waiting on the model).

Keys: I include, E exclude, M maybe, 1–9 exclude with that reason, U (or Ctrl+Z) undo,
N / → next, P / ← previous, Ctrl+Enter in the note field: keep the note with the next decision.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from curator.screening import ConsecutiveExcludes
from curator.screening.highlight import DEFAULT_EXCLUDE_TERMS, DEFAULT_INCLUDE_TERMS, INCLUDE, parse_terms, term_spans
from curator.services import screening
from curator.ui.worker import LibraryOp

if TYPE_CHECKING:  # the window reaches the store only through services
    from curator.services.screening import Library

COLOURS = {INCLUDE: "#b7f0c0", "exclude": "#ffc4c4"}
RETRAIN_EVERY = 5  # decisions between two retrainings
QUEUE = 200  # records kept ready in memory


def _marked(text: str, include: list[str], exclude: list[str]) -> str:
    """HTML of `text` with the inclusion and exclusion terms highlighted in two colours."""
    out, at = [], 0
    for a, b, kind in term_spans(text, include, exclude):
        out.append(html.escape(text[at:a]))
        out.append(f'<span style="background-color:{COLOURS[kind]}">{html.escape(text[a:b])}</span>')
        at = b
    out.append(html.escape(text[at:]))
    return "".join(out).replace("\n\n", "<br><br>")


class ScreeningView(QWidget):
    """Screening of one library's titles and abstracts."""

    decided = Signal(list)  # paper ids whose decision changed (the main window may refresh its list)

    def __init__(self, lib: Library, curator: Callable[[], str | None] = lambda: None,
                 settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("screening_view")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the keys belong to the view, not to a text field
        self.lib = lib
        self.curator = curator
        self.settings = settings
        self.queue: list[int] = []
        self.shown: list[int] = []  # records shown, in order (for previous)
        self.pos = -1  # index in `shown` of the record on screen
        self.paper_id: int | None = None
        self.since_retrain = 0
        self.stage = screening.TITLE_ABSTRACT
        self._task: LibraryOp | None = None
        self._pending_retrain = False
        self._closed = False
        self.ask_reasons: Callable[[list[str]], list[str] | None] = self._ask_reasons_dialog
        self._build()
        self._keys()
        app = QApplication.instance()
        if app is not None:  # never leave a retraining thread or process running at exit
            app.aboutToQuit.connect(self.shutdown)
            app.aboutToQuit.connect(screening.stop_worker)
        # counts and chart follow the record and never delay it: redrawn once the keys pause for
        # 150 ms (the chart costs ~10-25 ms a redraw; at 20 decisions a second it waits for a pause)
        self.counts_timer = QTimer(self)
        self.counts_timer.setSingleShot(True)
        self.counts_timer.setInterval(150)
        self.counts_timer.timeout.connect(self.refresh_counts)
        self._reload()
        self.refresh_counts()
        self.show_next()
        self.retrain()

    # --- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.card = QTextBrowser()
        self.card.setObjectName("screening_card")
        self.card.setOpenLinks(False)
        self.card.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.note = QLineEdit()
        self.note.setObjectName("screening_note")
        self.note.setPlaceholderText("Note (kept with the next decision; Esc returns to the keys)")
        self.note.installEventFilter(self)
        self.note.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        buttons = QHBoxLayout()
        for text, slot, name in (("&Include (I)", lambda: self.decide("include"), "btn_include"),
                                 ("&Exclude (E)", lambda: self.decide("exclude"), "btn_exclude"),
                                 ("&Maybe (M)", lambda: self.decide("maybe"), "btn_maybe"),
                                 ("&Undo (U)", self.undo, "btn_undo"),
                                 ("◀ Previous (P)", self.previous, "btn_previous"),
                                 ("Next (N) ▶", self.next_record, "btn_next")):
            b = QPushButton(text)
            b.setObjectName(name)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        self.current_label = QLabel()
        self.current_label.setObjectName("screening_current")
        self.stage_box = QComboBox()
        self.stage_box.setObjectName("screening_stage")
        self.stage_box.addItem("Title and abstract", screening.TITLE_ABSTRACT)
        self.stage_box.addItem("Full text (records included so far)", screening.FULL_TEXT)
        self.stage_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.stage_box.currentIndexChanged.connect(lambda _i: self.set_stage(self.stage_box.currentData()))
        top = QHBoxLayout()
        top.addWidget(self.current_label, 1)
        top.addWidget(QLabel("Stage:"))
        top.addWidget(self.stage_box)
        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.card, 1)
        left.addLayout(buttons)
        left.addWidget(self.note)

        self.counts = QLabel()
        self.counts.setObjectName("screening_counts")
        self.counts.setWordWrap(True)
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        self.model_status = QLabel("Model: starting…")
        self.model_status.setObjectName("screening_model_status")
        self.model_status.setWordWrap(True)
        self.rule_n = QSpinBox()
        self.rule_n.setObjectName("screening_rule_n")
        self.rule_n.setRange(1, 100_000)
        self.rule_n.setValue(int(self._setting("screening_rule_n", 100)))
        self.rule_n.setPrefix("stop after ")
        self.rule_n.setSuffix(" consecutive records not included")
        self.rule_n.valueChanged.connect(self._rule_changed)
        self.rule_n.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.stop_button = QPushButton("Stop screening…")
        self.stop_button.setObjectName("btn_stop")
        self.stop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stop_button.clicked.connect(lambda: self.stop())
        self.chart = pg.PlotWidget()
        self.chart.setObjectName("screening_chart")
        self.chart.setBackground("w")
        self.chart.setLabel("bottom", "records screened")
        self.chart.setLabel("left", "includes found")
        self.chart.showGrid(x=True, y=True, alpha=0.3)
        self.chart.setMinimumHeight(200)
        self.curve = self.chart.plot([0], [0], pen=pg.mkPen("#1b7f3b", width=2), stepMode=None)
        self.rule_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#c0392b", width=1, style=Qt.PenStyle.DashLine),
                                         label="stop", labelOpts={"position": 0.9, "color": "#c0392b"})
        self.chart.addItem(self.rule_line)

        box = QGroupBox("Progress")
        g = QVBoxLayout(box)
        g.addWidget(self.counts)
        g.addWidget(self.rule_n)
        g.addWidget(self.chart, 1)
        g.addWidget(self.model_status)
        prisma_button = QPushButton("PRISMA diagram…")
        prisma_button.setObjectName("btn_prisma")
        prisma_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        prisma_button.clicked.connect(self.show_prisma)
        row = QHBoxLayout()
        row.addWidget(self.stop_button)
        row.addWidget(prisma_button)
        g.addLayout(row)

        self.reasons_label = QLabel()
        self.reasons_label.setObjectName("screening_reasons")
        self.reasons_label.setTextFormat(Qt.TextFormat.RichText)
        edit_reasons = QPushButton("Edit reasons…")
        edit_reasons.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        edit_reasons.clicked.connect(self.edit_reasons)
        self.include_terms = QLineEdit(self._setting("screening_include_terms", ", ".join(DEFAULT_INCLUDE_TERMS)))
        self.exclude_terms = QLineEdit(self._setting("screening_exclude_terms", ", ".join(DEFAULT_EXCLUDE_TERMS)))
        self.include_terms.setObjectName("screening_include_terms")
        self.exclude_terms.setObjectName("screening_exclude_terms")
        for w in (self.include_terms, self.exclude_terms):
            w.editingFinished.connect(self._terms_changed)
            w.installEventFilter(self)
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            w.setCursorPosition(0)  # show the start of the list
        rbox = QGroupBox("Exclusion reasons (number keys) and highlighted terms")
        rg = QGridLayout(rbox)
        rg.addWidget(self.reasons_label, 0, 0, 1, 2)
        rg.addWidget(edit_reasons, 1, 1)
        rg.addWidget(QLabel(f'<span style="background-color:{COLOURS[INCLUDE]}">Inclusion terms</span>'), 2, 0)
        rg.addWidget(self.include_terms, 2, 1)
        rg.addWidget(QLabel(f'<span style="background-color:{COLOURS["exclude"]}">Exclusion terms</span>'), 3, 0)
        rg.addWidget(self.exclude_terms, 3, 1)

        right = QVBoxLayout()
        right.addWidget(box, 1)
        right.addWidget(rbox)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 3)
        lay.addLayout(right, 2)
        self._show_reasons()

    def _keys(self) -> None:
        def key(seq: str, slot) -> None:
            s = QShortcut(QKeySequence(seq), self)
            s.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            s.activated.connect(slot)

        key("I", lambda: self.decide("include"))
        key("E", lambda: self.decide("exclude"))
        key("M", lambda: self.decide("maybe"))
        key("U", self.undo)
        key("Ctrl+Z", self.undo)
        key("N", self.next_record)
        key("Right", self.next_record)
        key("P", self.previous)
        key("Left", self.previous)
        for n in range(1, 10):
            key(str(n), lambda n=n: self.exclude_with_reason(n))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.setFocus()

    def eventFilter(self, obj, event) -> bool:  # Esc in a text field gives the keys back
        if event.type() == event.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self.setFocus()
            return True
        return super().eventFilter(obj, event)

    def _setting(self, key: str, default):
        return self.settings.value(key, default) if self.settings is not None else default

    def _reload(self) -> None:
        """What the view keeps in memory for the stage: the records decided, the library's size and
        the queue (so showing the next record needs no query over all decisions)."""
        self.decided_set = screening.decided_ids(self.lib, self.stage)
        self.total = screening.paper_count(self.lib)
        self.queue = screening.queue(self.lib, QUEUE) if self.stage == screening.TITLE_ABSTRACT \
            else screening.full_text_queue(self.lib)

    # --- showing records ---------------------------------------------------------------------------
    def show_paper(self, paper_id: int | None) -> None:
        self.paper_id = paper_id
        if paper_id is None:
            self.card.setHtml("<p><i>No record left to screen.</i></p>")
            self.current_label.setText("")
            return
        c = screening.card(self.lib, paper_id) or {"title": "", "journal": "", "year": None, "abstract": "",
                                                   "keywords": [], "mesh": [], "pmid": None}
        inc, exc = parse_terms(self.include_terms.text()), parse_terms(self.exclude_terms.text())
        meta = " · ".join(str(x) for x in (c["journal"], c["year"], c["pmid"] and f"PMID {c['pmid']}") if x)
        parts = [f"<h2>{_marked(c['title'], inc, exc)}</h2>", f"<p style='color:#555'>{html.escape(meta)}</p>",
                 f"<p>{_marked(c['abstract'], inc, exc) or '<i>No abstract.</i>'}</p>"]
        if c["keywords"]:
            parts.append(f"<p><b>Keywords:</b> {_marked('; '.join(c['keywords']), inc, exc)}</p>")
        if c["mesh"]:
            parts.append(f"<p><b>MeSH:</b> {_marked('; '.join(c['mesh']), inc, exc)}</p>")
        self.card.setHtml("".join(parts))
        d = screening.decision_of(self.lib, paper_id, self.stage)
        if d is not None and d["curator"] != self.curator():
            d = None  # another curator's decision is not shown: screening stays independent
        now = f"decided: <b>{d['decision']}</b>" + (f" ({html.escape(d['reason'])})" if d and d["reason"] else "") \
            if d else "not yet decided by you"
        self.current_label.setText(f"Record {paper_id} — {now}")

    def show_next(self) -> None:
        """The next record: from the queue in memory (the model's last ranking), never waiting."""
        if self.pos + 1 < len(self.shown):
            self.pos += 1
            self.show_paper(self.shown[self.pos])
            return
        while self.queue:
            pid = self.queue.pop(0)
            if pid in self.shown:
                continue
            if pid not in self.decided_set:
                self.shown.append(pid)
                self.pos = len(self.shown) - 1
                self.show_paper(pid)
                return
        self.pos = len(self.shown)
        self.show_paper(None)

    def next_record(self) -> None:
        self.show_next()

    def previous(self) -> None:
        if self.pos > 0:
            self.pos -= 1
            self.show_paper(self.shown[self.pos])

    def set_stage(self, stage: str) -> None:
        """Title/abstract screening, or full-text assessment of the records included so far."""
        if stage == self.stage:
            return
        self.stage = stage
        self.stage_box.setCurrentIndex(self.stage_box.findData(stage))
        self.shown, self.pos = [], -1
        self._reload()
        self._show_reasons()
        self.refresh_counts()
        self.show_next()
        self.setFocus()

    # --- deciding ----------------------------------------------------------------------------------
    def decide(self, decision: str, reason: str = "") -> None:
        if self.lib.read_only:
            self.current_label.setText(f"{self.lib.path.name} is open read-only: decisions cannot be saved")
            return
        if self.paper_id is None:
            return
        pid = self.paper_id
        screening.decide(self.lib, [pid], decision, reason=reason, note=self.note.text().strip(),
                         curator=self.curator(), stage=self.stage)
        self.note.clear()
        self.decided_set.add(pid)
        self.decided.emit([pid])
        self.since_retrain += 1
        self.show_next()
        self.counts_timer.start()
        if self.since_retrain >= RETRAIN_EVERY and self.stage == screening.TITLE_ABSTRACT:
            self.retrain()

    def exclude_with_reason(self, n: int) -> None:
        reasons = screening.reasons(self.lib, self.stage)
        if 1 <= n <= len(reasons):
            self.decide("exclude", reasons[n - 1])

    def undo(self) -> None:
        if self.lib.read_only:
            return
        changed = screening.undo(self.lib, self.stage, curator=self.curator()).paper_ids
        if not changed:
            return
        self.decided_set = screening.decided_ids(self.lib, self.stage)
        self.decided.emit(changed)
        pid = changed[0]
        if pid in self.shown:  # show the record again where it was
            self.pos = self.shown.index(pid)
        else:
            self.shown.insert(self.pos + 1, pid)
            self.pos += 1
        self.show_paper(pid)
        self.counts_timer.start()

    # --- model -------------------------------------------------------------------------------------
    def retrain(self) -> None:
        """Retrain and re-rank off the GUI thread: a Task waits for the services' worker process
        (which reads the library on its own read-only connection); the queue is replaced when the
        new ranking arrives. One retraining at a time; one more is queued."""
        if self._task is not None and self._task.running:
            self._pending_retrain = True
            return
        self.since_retrain = 0
        op = LibraryOp(self, self.lib, lambda lib, _progress, cancel: screening.retrain_in_worker(lib, cancel),
                       read_only=True)
        self._task = op
        op.success(self._ranked)
        op.failure(lambda msg: self.model_status.setText(f"Model: could not rank — {msg.splitlines()[0]}"))
        op.finished.connect(self._retrain_finished)
        self.model_status.setText(self.model_status.text().split(" (")[0] + " (retraining…)")
        op.run_in_background()

    def _ranked(self, ranking) -> None:
        if ranking is None or self._closed:  # cancelled, or arriving after the library closed
            return
        if self.stage != screening.TITLE_ABSTRACT:
            self.model_status.setText(f"Model: {ranking.message}")
            return
        self.decided_set = screening.decided_ids(self.lib)  # also what the CLI decided meanwhile
        self.total = screening.paper_count(self.lib)
        keep = set(self.shown[self.pos:self.pos + 1])
        self.queue = [i for i, _ in ranking.head(QUEUE, self.decided_set | keep)]
        self.model_status.setText(f"Model: {ranking.message}")

    def _retrain_finished(self) -> None:
        if self._pending_retrain and not self._closed:
            self._pending_retrain = False
            self.retrain()

    def wait_for_model(self, ms: int = 60_000) -> None:
        """Block until the retraining in flight (and any queued one) is done (tests, snapshots)."""
        while self._task is not None and (self._task.running or self._pending_retrain):
            self._task.wait(ms)
            QApplication.processEvents()

    # --- progress and stopping ---------------------------------------------------------------------
    def rule(self) -> ConsecutiveExcludes:
        return ConsecutiveExcludes(self.rule_n.value())

    def refresh_counts(self) -> None:
        self.counts_timer.stop()
        p = screening.progress(self.lib, self.stage)
        total = self.total if self.stage == screening.TITLE_ABSTRACT else \
            p.screened + len(screening.full_text_queue(self.lib))
        rule = self.rule()
        met = rule.reached(p)
        left = "<b style='color:#c0392b'>stopping rule met</b>" if met else f"{rule.remaining(p):,} to go"
        self.counts.setText(
            f"<b>{p.screened:,}</b> of {total:,} screened · <b style='color:#1b7f3b'>{p.included:,} included</b> · "
            f"{p.excluded:,} excluded · {p.maybe:,} maybe<br>"
            f"{p.since_last_include:,} screened since the last include · rule: {rule.describe()} ({left})")
        xs, ys = zip(*p.curve)
        self.curve.setData(list(xs), list(ys))
        last_inc = max((x for x, y in p.curve if y == p.included), default=0) if p.included else 0
        self.rule_line.setPos(last_inc + rule.n)
        self.rule_line.label.setFormat(f"stop at {last_inc + rule.n:,}")
        self.chart.setXRange(0, max(p.screened, last_inc + rule.n) * 1.05 + 1, padding=0)
        self.chart.setYRange(0, max(p.included, 1) * 1.15, padding=0)
        self.progress_state = p

    def _rule_changed(self, n: int) -> None:
        if self.settings is not None:
            self.settings.setValue("screening_rule_n", n)
        self.refresh_counts()

    def stop(self, reason: str | None = None) -> dict | None:
        """Record that screening stopped here (the rule met, or the curator's own call)."""
        p = screening.progress(self.lib, self.stage)
        if reason is None:
            default = "stopping rule met" if self.rule().reached(p) else "curator's decision"
            reason, ok = QInputDialog.getText(self, "Stop screening", "Why stop here?", text=default)
            if not ok:
                return None
        rec = screening.record_stop(self.lib, self.rule(), reason, curator=self.curator(), stage=self.stage)
        self.model_status.setText(f"Stopped: {reason} ({rec['screened']:,} screened, {rec['included']:,} included)")
        return rec

    def show_prisma(self, modal: bool = True):
        from curator.ui.prisma_view import PrismaDialog

        dlg = PrismaDialog(screening.prisma_counts(self.lib), self)
        if modal:
            dlg.exec()
        return dlg

    # --- reasons and terms --------------------------------------------------------------------------
    def _show_reasons(self) -> None:
        rs = screening.reasons(self.lib, self.stage)
        self.reasons_label.setText("<br>".join(f"<b>{n}</b> {html.escape(r)}" for n, r in enumerate(rs[:9], 1))
                                   or "<i>no reasons: add some</i>")

    def edit_reasons(self) -> None:
        new = self.ask_reasons(screening.reasons(self.lib, self.stage))
        if new is not None:
            screening.set_reasons(self.lib, new, self.stage)
            self._show_reasons()

    def _ask_reasons_dialog(self, current: list[str]) -> list[str] | None:
        text, ok = QInputDialog.getMultiLineText(self, "Exclusion reasons", "One reason per line (keys 1–9):",
                                                 "\n".join(current))
        return text.splitlines() if ok else None

    def _terms_changed(self) -> None:
        if self.settings is not None:
            self.settings.setValue("screening_include_terms", self.include_terms.text())
            self.settings.setValue("screening_exclude_terms", self.exclude_terms.text())
        self.show_paper(self.paper_id)

    def shutdown(self) -> None:
        """Before the library closes: no more timers, no retraining left running."""
        self._closed = True
        self.counts_timer.stop()
        if self._task is not None:
            self._pending_retrain = False
            self._task.cancel()  # the worker answers within 0.1 s of a cancel
            deadline = time.monotonic() + 30  # polled: a nested event loop in a window's teardown aborts
            while self._task.running and time.monotonic() < deadline:
                QApplication.processEvents()
                time.sleep(0.01)
