"""Suggest in the window: suggested rows, visibly marked, sources highlighted; Enter accepts, Del rejects."""

from __future__ import annotations

from PySide6.QtCore import Qt

from curator.domain.outcomes import ROW_SUGGESTED, Comparison, TimeToEvent
from tests.ui_helpers import make_window, select_paper_titled


def test_suggest_accept_reject_verify(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    qtbot.keyClick(win, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    comps = win.record.comparisons
    assert [c.analyte for c in comps][:2] == ["temperature", "IL-2"]
    assert all(c.row_status == ROW_SUGGESTED for c in comps)
    # one count of pending suggestions, the same in Suggest's message, the status bar and verify's refusal
    pending = sum(1 for r in win.record.all_rows() if r.row_status == ROW_SUGGESTED)
    assert win.statusBar().currentMessage().startswith(f"{pending} suggestion(s) to review")
    assert f"{pending} suggestion(s) to review" in win.status_text.text()
    assert "Study filled in: Design, N enrolled" in win.statusBar().currentMessage()
    il2 = comps[1]
    assert (il2.value_a, il2.value_b, il2.unit, il2.p_text) == (32.35, 11.94, "pg/ml", "P < 0.001")
    abstract = win.reader.paper.abstract
    # each field cites its own words (issue 16 item 4)
    assert {f: abstract[il2.sources[f].start:il2.sources[f].end] for f in ("analyte", "value_a", "value_b", "unit",
                                                                          "p_text")} == \
        {"analyte": "IL-2", "value_a": "32.35", "value_b": "11.94", "unit": "pg/ml", "p_text": "P < 0.001"}
    assert (il2.label_a, il2.label_b, il2.direction) == ("before emapalumab", "after emapalumab", "decreased")
    # study fields filled, each with a source
    assert win.record.study.n_enrolled == 38 and "n_enrolled" in win.record.study.sources
    assert win.record.study.design in ("retrospective", "retrospective cohort")
    # survival rows
    efs = [t for t in win.record.time_to_event if t.endpoint == "EFS"][0]
    assert (efs.rate, efs.ci_low, efs.ci_high, efs.horizon) == (76.9, 63.8, 92.6, "6 months")
    # marked as suggestions in the table, sources highlighted in the reader
    model = win.forms.models[Comparison]
    assert model.headerData(0, Qt.Orientation.Vertical).startswith("1 ✱")
    assert len(win.reader.highlighted_spans()) >= len(comps)

    win.forms.show_tab("measurements")
    table = win.forms.tables[Comparison]
    table.setFocus()
    table.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)  # accept IL-2
    assert comps[1].row_status == "accepted"
    n = len(comps)
    table.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Delete)  # reject temperature
    assert len(comps) == n - 1 and comps[0].analyte == "IL-2"

    pending = sum(1 for r in win.record.all_rows() if r.row_status == ROW_SUGGESTED)
    assert not win.verify()  # pending suggestions block verification
    assert f"{pending} suggestion(s) are neither accepted nor rejected" in win.warnings[-1][1]
    assert win.warnings[-1][0] == "Cannot verify" and "suggestion(s)" in win.warnings[-1][1]
    first = next(r for r in win.record.all_rows()[1:] if r.row_status == "suggested")
    assert "row 1 (" in win.warnings[-1][1] and str(first.values()[first.value_fields()[0]]) in win.warnings[-1][1]
    assert win.lib.load_record(pid) is None or win.lib.load_record(pid).status != "verified"

    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not win.record.has_suggestions()
    # the paper says CAR-T counts 'increased' while 549.95 → 8.16: the suggested direction warns, nothing typed
    assert any(m.level == "warning" and "increased" in m.text and "549.95" in m.text
               for m in win.forms.models[Comparison].messages.values())
    win.forms.undo.undo()  # accept-all is one undoable step
    assert win.record.has_suggestions()
    win.forms.undo.redo()
    assert win.verify(), win.statusBar().currentMessage()
    stored = win.lib.load_record(pid)
    assert stored.status == "verified"
    assert stored.comparisons[0].analyte == "IL-2"
    assert stored.comparisons[0].sources["p_text"].quote == "P < 0.001"
    assert any(isinstance(r, TimeToEvent) for r in stored.time_to_event)


def test_study_suggestions_are_reviewed_like_rows(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    qtbot.keyClick(win, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    study, form = win.record.study, win.forms.study_form
    assert study.row_status == ROW_SUGGESTED and (study.design, study.n_enrolled) == ("retrospective", 38)
    win.forms.show_tab("study")
    assert form.suggested_bar.isVisible()
    assert "Design, N enrolled, Age group" in form.suggested_label.text()
    assert "italic" in form.widgets["design"].styleSheet() and form.widgets["disease"].styleSheet() == ""
    # counted once with the rows, and named before verifying
    pending = sum(1 for r in win.record.all_rows() if r.row_status == ROW_SUGGESTED)
    assert f"{pending} suggestion(s) to review" in win.status_text.text()
    rows = [r for r in win.record.all_rows()[1:] if r.row_status == ROW_SUGGESTED]
    for r in rows:
        r.row_status = "accepted"
    assert not win.verify()
    assert "1 suggestion(s)" in win.warnings[-1][1] and "Study (retrospective, 38, pediatric)" in win.warnings[-1][1]
    # Reject clears the suggested values (one undo step), Accept keeps them
    before = win.forms.undo.count()
    qtbot.mouseClick(form.reject_btn, Qt.MouseButton.LeftButton)
    assert study.is_empty() and not study.sources and study.row_status == "accepted"
    assert not form.suggested_bar.isVisible() and form.widgets["design"].currentText() == ""
    assert win.forms.undo.count() == before + 1
    win.forms.undo.undo()
    assert study.row_status == ROW_SUGGESTED and study.design == "retrospective" and form.suggested_bar.isVisible()
    qtbot.mouseClick(form.accept_btn, Qt.MouseButton.LeftButton)
    assert study.row_status == "accepted" and not form.suggested_bar.isVisible()
    assert win.verify(), win.statusBar().currentMessage()
    assert win.lib.load_record(pid).study.design == "retrospective"
    # a study the curator had begun stays theirs: Suggest fills its empty fields, nothing to review there
    other = select_paper_titled(win, "Case Report: Successful use")
    win.forms.study_form.set_value("disease", "B-ALL")
    qtbot.keyClick(win, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert win.record.paper_id == other and win.record.study.row_status == "accepted"
    assert win.record.study.design == "case report" and not win.forms.study_form.suggested_bar.isVisible()


def test_batch_suggestions_mark_a_study_filled_from_nothing():
    from curator.domain.outcomes import Record
    from curator.domain.paper import Paper
    from curator.services.suggest import apply_suggestions

    abstract = "In this retrospective study of 38 pediatric patients, IL-6 fell (50 vs. 10 pg/ml, P < 0.001)."
    rec = Record(paper_id=1)
    apply_suggestions(Paper(title="t", abstract=abstract), rec)
    assert rec.study.row_status == ROW_SUGGESTED and rec.study.n_enrolled == 38
    begun = Record(paper_id=2)
    begun.study.disease = "B-ALL"
    apply_suggestions(Paper(title="t", abstract=abstract), begun)
    assert begun.study.row_status == "accepted" and begun.study.n_enrolled == 38
