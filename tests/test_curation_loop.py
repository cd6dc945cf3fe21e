"""Issue 17's target: the pediatric seed, from selecting it to a verified record whose export holds every
value of its abstract with both group labels and stated directions, in at most 15 deliberate actions.
The test drives the real window and counts every click, drag and key press it sends."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from curator.domain.outcomes import TimeToEvent
from curator.services.export import export_dataset
from tests.test_curate_seeds import PEDIATRIC_COMPARISONS
from tests.ui_helpers import make_window

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
TARGET = 15


class Curator:
    """Sends real input events to the window and counts each deliberate action."""

    def __init__(self, qtbot, win):
        self.qtbot, self.win, self.actions = qtbot, win, []

    def key(self, widget, key, mods=Qt.KeyboardModifier.NoModifier, what=""):
        self.actions.append(what or f"key {key}")
        self.qtbot.keyClick(widget, key, mods)
        QApplication.processEvents()

    def click(self, widget, pos: QPoint, mods=Qt.KeyboardModifier.NoModifier, what=""):
        self.actions.append(what or "click")
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, mods, pos)
        QApplication.processEvents()

    def drag(self, widget, a: QPoint, b: QPoint, what=""):
        self.actions.append(what or "drag")
        QTest.mousePress(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for i in range(1, 6):
            QTest.mouseMove(widget, a + (b - a) * (i / 5))
        QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
        QApplication.processEvents()


def _cell_pos(table, row, col) -> QPoint:
    table.scrollTo(table.model().index(row, col))
    return table.visualRect(table.model().index(row, col)).center()


def test_pediatric_seed_to_verified_in_at_most_15_actions(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    me = Curator(qtbot, win)
    view = win.paper_view
    row = next(r for r in range(win.paper_model.rowCount())
               if win.paper_model.summary(r).title.startswith("Emapalumab in pediatric"))
    me.click(view.viewport(), view.visualRect(win.paper_model.index(row, 1)).center(), what="select the paper")
    pid = win.paper_id
    assert pid == win.paper_model.ids[row]

    me.key(win, Qt.Key.Key_G, CTRL, "Suggest")
    # what Suggest cannot read: 'The median EFS and OS were both not reached' -> both rows' median as written
    reader = win.reader
    text = reader.paper.abstract
    start = text.index("not reached")
    cur = QTextCursor(reader.document())
    cur.setPosition(reader.doc_pos(start))
    a = reader.cursorRect(cur).center() + QPoint(1, 0)
    cur.setPosition(reader.doc_pos(start + len("not reached")))
    b = reader.cursorRect(cur).center() + QPoint(-1, 0)
    reader.ensureCursorVisible()
    me.drag(reader.viewport(), a, b, "select 'not reached' in the reader")
    assert reader.textCursor().selectedText() == "not reached"
    me.key(reader.viewport(), Qt.Key.Key_C, CTRL, "copy")
    forms = win.forms
    bar = forms.tabBar()
    me.click(bar, bar.tabRect(forms.tab_for(TimeToEvent)).center(), what="Survival tab")
    table = forms.tables[TimeToEvent]
    col = table.row_model.column_of("median_text")
    me.click(table.viewport(), _cell_pos(table, 0, col), what="first median cell")
    me.click(table.viewport(), _cell_pos(table, 1, col), SHIFT, what="shift-click the second")
    me.key(table, Qt.Key.Key_V, CTRL, "paste into both")
    me.key(win, Qt.Key.Key_A, CTRL | SHIFT, "accept all suggestions")
    me.key(win, Qt.Key.Key_Return, CTRL, "verify")

    print(f"\n{len(me.actions)} actions: " + "; ".join(me.actions))
    assert win.gap_questions == []  # the record says something: no question asked
    stored = win.lib.load_record(pid)
    assert stored is not None and stored.status == "verified", win.statusBar().currentMessage()
    assert len(me.actions) <= TARGET

    out = tmp_path / "export"
    export_dataset(win.lib, "csv", out)
    comps = pd.read_csv(out / "comparisons.csv")
    comps = comps[comps["paper_id"] == pid] if "paper_id" in comps else comps
    got = {(round(r.value_a, 2), round(r.value_b, 2)): r for r in comps.itertuples()}
    for _analyte, va, vb, unit, p, _quote in PEDIATRIC_COMPARISONS:
        r = got[(float(va), float(vb))]
        assert (r.p_text, r.label_a, r.label_b) == (p, "before emapalumab", "after emapalumab")
        assert r.unit.casefold() == unit.casefold()
        # the direction as the paper states it (CAR-T counts and the CAR-T/CD3+ ratio 'increased')
        assert r.direction == ("increased" if va in ("549.95", "11.3") else "decreased")
    tte = pd.read_csv(out / "time_to_event.csv")
    assert sorted((r.endpoint, r.rate, r.ci_low, r.ci_high, r.median_text, r.horizon) for r in tte.itertuples()) == [
        ("EFS", 76.9, 63.8, 92.6, "not reached", "6 months"), ("OS", 80.1, 67.7, 94.6, "not reached", "6 months")]
    study = pd.read_csv(out / "studies.csv").iloc[0]
    assert (study.design, study.n_enrolled, study.age_group) == ("retrospective", 38, "pediatric")


def _drag_words(me, reader, words: str) -> None:
    text = reader.paper.abstract
    start = text.index(words)
    cur = QTextCursor(reader.document())
    cur.setPosition(reader.doc_pos(start))
    a = reader.cursorRect(cur).center() + QPoint(1, 0)
    cur.setPosition(reader.doc_pos(start + len(words)))
    b = reader.cursorRect(cur).center() + QPoint(-1, 0)
    me.drag(reader.viewport(), a, b, f"select '{words}' in the reader")
    assert reader.textCursor().selectedText() == words


def test_case_report_seed_to_verified_in_at_most_10_actions(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    me = Curator(qtbot, win)
    view = win.paper_view
    row = next(r for r in range(win.paper_model.rowCount())
               if win.paper_model.summary(r).title.startswith("Case Report: Successful use"))
    me.click(view.viewport(), view.visualRect(win.paper_model.index(row, 1)).center(), what="select the paper")
    pid = win.paper_id
    me.key(win, Qt.Key.Key_G, CTRL, "Suggest")
    # what Suggest leaves empty: the disease, '(B-ALL)'; the Study tab is the one open
    assert win.forms.currentIndex() == 0
    _drag_words(me, win.reader, "B-ALL")
    me.key(win.reader.viewport(), Qt.Key.Key_C, CTRL, "copy")
    field = win.forms.study_form.widgets["disease"]
    me.click(field, field.rect().center(), what="Disease field")
    me.key(field, Qt.Key.Key_V, CTRL, "paste")
    me.key(win, Qt.Key.Key_A, CTRL | SHIFT, "accept all suggestions")
    me.key(win, Qt.Key.Key_Return, CTRL, "verify")

    print(f"\n{len(me.actions)} actions: " + "; ".join(me.actions))
    stored = win.lib.load_record(pid)
    assert stored is not None and stored.status == "verified", win.statusBar().currentMessage()
    assert win.gap_questions == []
    assert len(me.actions) <= 10
    out = tmp_path / "export"
    export_dataset(win.lib, "csv", out)
    study = pd.read_csv(out / "studies.csv").iloc[0]
    assert (study.design, study.n_enrolled, study.age_group, study.disease, study.car_t_product, study.target) == (
        "case report", 1, "adult", "B-ALL", "brexucabtagene autoleucel", "CD19")
    assert list(pd.read_csv(out / "toxicities.csv").syndrome) == ["CRS", "ICANS", "IEC-HS"]
    ex = pd.read_csv(out / "exposures.csv")
    assert list(ex.agent) == ["tocilizumab", "corticosteroids", "anakinra", "siltuximab", "ruxolitinib", "emapalumab"]
    assert ex.start_day.iloc[-1] == 11
    ev = pd.read_csv(out / "timeline_events.csv")
    assert [(r.day, r.event) for r in ev.itertuples()] == [(11, "emapalumab initiated"),
                                                          (21, "full neurological recovery")]
