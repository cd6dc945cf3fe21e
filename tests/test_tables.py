"""The form's tables work like a spreadsheet: copy and paste blocks, fill down, accept several rows, the
row's identity in view while scrolling sideways; every such edit is one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from curator.domain.outcomes import ROW_SUGGESTED, Comparison, Record, Toxicity
from curator.ui.outcome_form import OutcomeForms

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def forms(qtbot):
    rec = Record(paper_id=1)
    rec.comparisons += [Comparison(analyte="IL-6", value_a=10.0, value_b=5.0, unit="pg/mL"),
                        Comparison(analyte="IFN-gamma", value_a=3.0, value_b=1.5)]
    w = OutcomeForms()
    qtbot.addWidget(w)
    w.resize(700, 400)
    w.load(rec)
    w.show()
    qtbot.waitExposed(w)
    w.show_tab("measurements")
    return w


def _select(table, r0, c0, r1, c1):
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    m = table.model()
    table.setFocus()
    table.setCurrentIndex(m.index(r0, c0))
    table.selectionModel().select(QItemSelection(m.index(r0, c0), m.index(r1, c1)),
                                  QItemSelectionModel.SelectionFlag.ClearAndSelect)


def test_copy_a_block_as_tab_separated_text(qtbot, forms):
    table = forms.tables[Comparison]
    m = table.row_model
    _select(table, 0, m.column_of("analyte"), 1, m.column_of("unit"))
    qtbot.keyClick(table, Qt.Key.Key_C, CTRL)
    assert QGuiApplication.clipboard().text() == "IL-6\t10\t5\tpg/mL\nIFN-gamma\t3\t1.5\t\n"


def test_paste_a_block_adds_rows_and_is_one_undo_step(qtbot, forms):
    table = forms.tables[Comparison]
    m = table.row_model
    rows = forms.record.comparisons
    # three spreadsheet lines onto row 2 (of 2): the second and third add rows; "n/a" is no number
    QGuiApplication.clipboard().setText("IL-10\t7,5\t2\r\nIL-2\t32.35\t11.94\r\nCRP\tn/a\t4\r\n")
    messages = []
    m.rejected_edit.connect(messages.append)
    _select(table, 1, m.column_of("analyte"), 1, m.column_of("analyte"))
    before = forms.undo.count()
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    assert [(r.analyte, r.value_a, r.value_b) for r in rows] == [
        ("IL-6", 10.0, 5.0), ("IL-10", 7.5, 2.0), ("IL-2", 32.35, 11.94), ("CRP", None, 4.0)]
    assert messages and "Comparisons row 4, Before / A: 'n/a' is not a number" in messages[-1]
    assert forms.undo.count() == before + 1  # one step
    forms.undo.undo()
    assert [(r.analyte, r.value_a, r.value_b) for r in rows] == [("IL-6", 10.0, 5.0), ("IFN-gamma", 3.0, 1.5)]
    forms.undo.redo()
    assert len(rows) == 4 and rows[2].analyte == "IL-2"


def test_one_value_pasted_fills_the_selection(qtbot, forms):
    table = forms.tables[Comparison]
    m = table.row_model
    QGuiApplication.clipboard().setText("ng/L")
    _select(table, 0, m.column_of("unit"), 1, m.column_of("unit"))
    qtbot.keyClick(table, Qt.Key.Key_V, CTRL)
    assert [r.unit for r in forms.record.comparisons] == ["ng/L", "ng/L"]


def test_fill_down_is_one_undo_step(qtbot, forms):
    table = forms.tables[Comparison]
    m = table.row_model
    m.add_row(Comparison(analyte="CRP"))
    _select(table, 0, m.column_of("unit"), 2, m.column_of("p_text"))
    m.set_value(0, "p_text", "P < 0.05")
    before = forms.undo.count()
    qtbot.keyClick(table, Qt.Key.Key_D, CTRL)
    assert [(r.unit, r.p_text) for r in forms.record.comparisons] == [("pg/mL", "P < 0.05")] * 3
    assert forms.record.comparisons[2].analyte == "CRP"  # outside the selection: untouched
    assert forms.undo.count() == before + 1
    forms.undo.undo()
    assert [(r.unit, r.p_text) for r in forms.record.comparisons] == [
        ("pg/mL", "P < 0.05"), (None, None), (None, None)]


def test_accept_several_suggested_rows_at_once(qtbot, forms):
    tox = forms.tables[Toxicity]
    m = tox.row_model
    m.add_rows([Toxicity(syndrome=s, grade=g, row_status=ROW_SUGGESTED) for s, g in
                (("CRS", 2), ("ICANS", 1), ("IEC-HS", None))])
    forms.show_tab("toxicities")
    _select(tox, 0, 0, 1, 0)
    before = forms.undo.count()
    qtbot.keyClick(tox, Qt.Key.Key_Return)
    assert [r.row_status for r in forms.record.toxicities] == ["accepted", "accepted", "suggested"]
    assert forms.undo.count() == before + 1
    _select(tox, 2, 0, 2, 0)
    qtbot.keyClick(tox, Qt.Key.Key_Delete)  # reject
    assert [r.syndrome for r in forms.record.toxicities] == ["CRS", "ICANS"]


def test_the_row_stays_named_when_scrolled_sideways_and_a_new_paper_starts_left(qtbot, forms):
    table = forms.tables[Comparison]
    m = table.row_model
    table.scrollTo(m.index(0, len(m.specs) - 1))
    bar = table.horizontalScrollBar()
    assert bar.maximum() > 0 and bar.value() > 0
    assert table.columnViewportPosition(0) < 0  # the analyte column is out of view…
    assert m.headerData(0, Qt.Orientation.Vertical) == "1 IL-6"  # …and the row header still names the row
    assert table.verticalHeader().isVisible()
    m.set_value(1, "analyte", "interferon gamma (IFN-γ) in serum")
    assert m.headerData(1, Qt.Orientation.Vertical) == "2 interferon ga…"
    forms.load(Record(paper_id=2, comparisons=[Comparison(analyte="CRP")]))
    assert bar.value() == 0
