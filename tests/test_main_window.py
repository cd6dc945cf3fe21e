"""Drive the main window as a curator does: pick the pediatric seed, enter IL-2, save, verify, export."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt

from curator.domain.outcomes import Comparison
from tests.ui_helpers import make_window, select_paper_titled, type_into_cell


def test_curate_il2_end_to_end(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    assert "Emapalumab in pediatric patients" in win.reader.toPlainText()
    assert "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)" in win.reader.toPlainText()

    forms = win.forms
    forms.show_tab("measurements")
    table = forms.tables[Comparison]
    qtbot.keyClick(table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert table.model().rowCount() == 1
    m = table.row_model
    for field, text in (("analyte", "IL-2"), ("value_a", "32.35"), ("value_b", "11.94"), ("unit", "pg/mL"),
                        ("p_text", "P < 0.001")):
        type_into_cell(qtbot, table, 0, m.column_of(field), text)
    row = win.record.comparisons[0]
    assert (row.analyte, row.value_a, row.value_b, row.unit, row.p_text) == (
        "IL-2", 32.35, 11.94, "pg/mL", "P < 0.001")
    assert win.dirty

    # the plot follows the form without saving
    qtbot.waitUntil(lambda: bool(win.comparison_plot.panels), timeout=1000)
    panel = win.comparison_plot.panels[0]
    assert [(s.analyte, s.value_a, s.value_b) for s in panel.series] == [("IL-2", 32.35, 11.94)]
    curve = win.comparison_plot.curves[0]
    xs, ys = curve.getData()
    assert list(xs) == [0, 1]
    assert [round(10 ** y, 2) if win.comparison_plot.plot_items[0].ctrl.logYCheck.isChecked() else y
            for y in ys] == [32.35, 11.94]

    # Ctrl+S saves a draft; the list shows it
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not win.dirty
    assert win.lib.load_record(pid).status == "draft"
    assert win.paper_model.summary(win.paper_model.row_of(pid)).status == "draft"
    assert "draft" in win.paper_model.data(win.paper_model.index(win.paper_model.row_of(pid), 0))

    # verify (Ctrl+Enter) by the curator named in settings: the record lacks the study's design and N,
    # so the window first asks, naming them with the form's labels; Cancel keeps it a draft
    asked = []
    win.ask_verify_gaps = lambda gaps: asked.append(gaps) or False
    qtbot.keyClick(win, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert asked == [["Study ▸ Design", "Study ▸ N enrolled (or N analysed)"]]
    assert win.lib.load_record(pid).status == "draft"
    win.ask_verify_gaps = lambda gaps: asked.append(gaps) or True
    qtbot.keyClick(win, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 2
    stored = win.lib.load_record(pid)
    assert stored.status == "verified" and stored.curator == "Test Curator" and stored.verified_at
    assert "verified" in win.paper_model.data(win.paper_model.index(win.paper_model.row_of(pid), 0))

    # export and read the CSV back
    from curator.services.export import export_dataset

    out = tmp_path / "export"
    export_dataset(win.lib, "csv", out)
    comps = pd.read_csv(out / "comparisons.csv")
    assert len(comps) == 1
    r = comps.iloc[0]
    assert (r["analyte"], r["value_a"], r["value_b"], r["unit"], r["p_text"]) == (
        "IL-2", 32.35, 11.94, "pg/mL", "P < 0.001")
    assert r["p_operator"] == "<" and r["p_value"] == 0.001
    assert r["curator"] == "Test Curator"


def test_unsaved_edits_are_not_lost_when_switching_paper(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    win.forms.show_tab("study")
    win.forms.study_form.set_value("n_enrolled", "38")
    assert win.record.study.n_enrolled == 38 and win.dirty
    asked = []
    win.ask_unsaved = lambda: asked.append(1) or "cancel"
    select_paper_titled_other = [r for r, p in enumerate(win.paper_model.ids) if p != pid][0]
    win.paper_view.selectRow(select_paper_titled_other)
    assert asked and win.paper_id == pid  # cancelled: still on the same paper, edits kept
    assert win.record.study.n_enrolled == 38
    win.ask_unsaved = lambda: "save"
    win.paper_view.selectRow(select_paper_titled_other)
    assert win.paper_id != pid
    assert win.lib.load_record(pid).study.n_enrolled == 38


def test_letters_in_a_number_cell_are_refused_with_a_message(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    select_paper_titled(win, "Emapalumab in pediatric")
    win.forms.show_tab("measurements")
    table = win.forms.tables[Comparison]
    table.add_row()
    type_into_cell(qtbot, table, 0, table.row_model.column_of("value_a"), "abc")
    assert win.record.comparisons[0].value_a is None
    assert "Comparisons row 1, Before / A: 'abc' is not a number" in win.statusBar().currentMessage()


def test_undo_redo_form_edits(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    select_paper_titled(win, "Emapalumab in pediatric")
    win.forms.show_tab("measurements")
    table = win.forms.tables[Comparison]
    table.add_row()
    type_into_cell(qtbot, table, 0, table.row_model.column_of("value_a"), "5")
    assert win.record.comparisons[0].value_a == 5.0
    win.forms.undo.undo()
    assert win.record.comparisons[0].value_a is None
    win.forms.undo.redo()
    assert win.record.comparisons[0].value_a == 5.0
    win.forms.undo.undo()
    win.forms.undo.undo()
    assert win.record.comparisons == []


def test_text_typed_but_not_entered_is_saved(qtbot, tmp_path):
    from PySide6.QtWidgets import QLineEdit

    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    win.forms.show_tab("measurements")
    table = win.forms.tables[Comparison]
    table.add_row()
    idx = table.model().index(0, table.row_model.column_of("analyte"))
    table.setCurrentIndex(idx)
    table.edit(idx)
    editor = table.indexWidget(idx)
    assert isinstance(editor, QLineEdit)
    editor.setText("IL-6")  # no Enter: the curator presses Ctrl+S straight away
    assert win.save_draft()
    assert win.lib.load_record(pid).comparisons[0].analyte == "IL-6"


def test_first_paper_shows_before_the_plots_are_built(qtbot, tmp_path):
    """Opening a paper does not wait for pyqtgraph: the plots are built one event-loop turn later,
    drawn for the open paper; once built they redraw at once."""
    win = make_window(qtbot, tmp_path)
    win._plot_panel = None  # as in a fresh start, before any paper was opened
    for i in reversed(range(win.plot_host.layout().count())):
        win.plot_host.layout().itemAt(i).widget().setParent(None)
    pid = win.paper_model.ids[-1]
    assert win.open_paper(pid)
    assert win._plot_panel is None and win.reader.toPlainText()  # the paper is on screen already
    qtbot.waitUntil(lambda: win._plot_panel is not None, timeout=3000)
    assert win._plot_panel.record is win.record
    other = win.paper_model.ids[0]
    assert win.open_paper(other)
    assert win._plot_panel.record is win.record  # drawn synchronously now


def _read_only_window(qtbot, tmp_path):
    """A window on a library another Curator window holds, opened read-only as the curator agreed."""
    from PySide6.QtCore import QSettings

    from curator import app as app_mod
    from curator.services.library import open_locked

    first = open_locked(tmp_path / "lib.sqlite", seed=True)  # the other window
    s = QSettings(str(tmp_path / "ro.ini"), QSettings.Format.IniFormat)
    s.setValue("curator_name", "Test Curator")
    win = app_mod.build_window(tmp_path / "lib.sqlite", s, ask_read_only=lambda holder: True)
    qtbot.addWidget(win)
    win.warnings = []
    win.warn = lambda title, text: win.warnings.append((title, text))
    return first, win


def test_a_read_only_library_disables_every_writing_action(qtbot, tmp_path):
    first, win = _read_only_window(qtbot, tmp_path)
    assert win.lib.read_only and win.lock is None
    writing = {a.objectName() for a in win.writing_actions}
    assert writing >= {"act_save", "act_verify", "act_reject", "act_exclude", "act_import", "act_suggest",
                       "act_suggest_all", "act_accept_all", "act_link", "act_add_row", "act_auto_suggest"}
    assert [a.objectName() for a in win.writing_actions if a.isEnabled()] == []
    from PySide6.QtGui import QAction

    for name in ("act_open", "act_new", "act_export", "act_history"):  # reading and leaving still work
        assert win.findChild(QAction, name).isEnabled()

    pid = win.paper_model.ids[0]
    assert win.open_paper(pid)
    # the forms show the record but take no edit: not by typing, not by a row added or removed
    from curator.domain.outcomes import Study

    study = win.forms.models[Study]
    assert study.rowCount() == 1 and not (study.flags(study.index(0, 0)) & Qt.ItemFlag.ItemIsEditable)
    table = win.forms.tables[Comparison]
    m = table.row_model
    table.add_row()
    assert m.rowCount() == 0 and "read-only" in win.statusBar().currentMessage()
    assert win.forms.study_form.widgets["disease"].isReadOnly() and win.forms.notes.notes.isReadOnly()
    # and if a writing call still comes (a shortcut, a script), it is refused with a message, never a traceback
    assert not win.reject_record("duplicate") and not win.exclude_paper("not CAR-T")
    assert not win.save_draft() and not win.verify()
    assert [t for t, _ in win.warnings] == ["Not rejected", "Not excluded", "Not saved", "Cannot verify"]
    assert all("read-only" in text for _, text in win.warnings)
    assert win.import_paths(["/nonexistent.ris"]) is None and "nothing was imported" in win.warnings[-1][1]
    assert first.lib.load_record(pid) is None
    win.close()
    first.close()


def test_a_save_made_meanwhile_is_merged_in_the_window_or_refused(qtbot, tmp_path):
    from curator.services import curation
    from curator.store.library import Library

    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    assert win.save_draft()
    # a second Curator (here: a second connection) saves a note on the same record meanwhile
    other = Library.open(win.lib.path)
    theirs = curation.load(other, pid)
    theirs.notes = "checked by Ben"
    curation.save_draft(other, theirs, "Ben", base=curation.stored(other, pid))
    win.forms.show_tab("study")
    win.forms.study_form.set_value("n_enrolled", "38")
    assert win.save_draft()
    stored = win.lib.load_record(pid)
    assert stored.study.n_enrolled == 38 and stored.notes == "checked by Ben"
    assert win.forms.notes.notes.toPlainText() == "checked by Ben"  # the form shows what was merged in
    assert "merged with a save made meanwhile" in win.statusBar().currentMessage()

    theirs = curation.load(other, pid)
    theirs.study.n_enrolled = 40
    curation.save_draft(other, theirs, "Ben", base=curation.stored(other, pid))
    win.forms.study_form.set_value("n_enrolled", "39")
    assert not win.save_draft()  # the conflict is shown to the curator, who (here) keeps editing
    (stale,) = win.conflicts_shown
    assert "Study, N enrolled (yours: 39, saved meanwhile: 40)" in str(stale)
    assert [(c.label, c.mine, c.theirs) for c in stale.conflicts] == [("Study, N enrolled", 39, 40)]
    assert "nothing was saved" in win.statusBar().currentMessage()
    assert win.lib.load_record(pid).study.n_enrolled == 40 and win.dirty and win.record.study.n_enrolled == 39
    other.close()


def test_views_follow_a_background_suggest_through_the_changes_signal(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    ids = list(win.paper_model.ids)
    published = []
    win.hub.applied.connect(published.append)
    op = win.suggest_new_papers()
    with qtbot.waitSignal(op.finished, timeout=20000):
        pass
    assert published and sorted(published[0].paper_ids) == sorted(ids) and published[0].records
    # the list re-read its rows: nothing refreshed it by hand
    drafts = [win.paper_model.summary(r).status for r in range(win.paper_model.rowCount())]
    assert drafts.count("draft") == win.lib.status_counts().get("draft", 0) > 0
    assert "draft" in win.count_label.text()


def test_export_dialog_exports_in_the_background(qtbot, tmp_path):
    from curator.services import curation
    from curator.ui.export_dialog import ExportDialog

    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    rec = curation.load(win.lib, pid)
    rec.comparisons.append(Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/mL"))
    curation.verify(win.lib, rec, "Ana", allow_gaps=True)
    dlg = ExportDialog(win.lib, [pid], win)
    qtbot.addWidget(dlg)
    dlg.out.setText(str(tmp_path / "out.json"))
    dlg.format.setCurrentIndex([dlg.format.itemData(i) for i in range(dlg.format.count())].index("json"))
    dlg.out.setText(str(tmp_path / "out.json"))
    op = dlg.start()
    with qtbot.waitSignal(op.finished, timeout=20000):
        pass
    assert dlg.report is not None and (tmp_path / "out.json").exists()
    assert "Exported" in dlg.preview.text() and dlg.report.counts["comparisons"] == 1
    # the dialog stays usable: export again, as a workbook
    assert dlg.export_btn.isEnabled()
    dlg.format.setCurrentIndex([dlg.format.itemData(i) for i in range(dlg.format.count())].index("xlsx"))
    assert dlg.out.text() == str(tmp_path / "out.xlsx")
    with qtbot.waitSignal(dlg.start().finished, timeout=20000):
        pass
    assert (tmp_path / "out.xlsx").exists()
    # the window's dialog remembers the format and the place of the last export
    win.settings.setValue("export/format", "xlsx")
    win.settings.setValue("export/path", str(tmp_path / "out.xlsx"))
    again = ExportDialog(win.lib, [pid], win, win.settings)
    qtbot.addWidget(again)
    assert again.format.currentData() == "xlsx" and again.out.text() == str(tmp_path / "out.xlsx")
    first = ExportDialog(win.lib, [pid], win, win.settings)
    qtbot.addWidget(first)
    first.format.setCurrentIndex(0)
    first.out.setText(str(tmp_path / "csv-out"))
    with qtbot.waitSignal(first.start().finished, timeout=20000):
        pass
    assert win.settings.value("export/format") == "csv" and win.settings.value("export/path") == str(tmp_path / "csv-out")


def test_import_dialog_remembers_its_folder(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    win = make_window(qtbot, tmp_path)
    seen = []
    src = tmp_path / "inbox"
    src.mkdir()
    (src / "papers.ris").write_text("TY  - JOUR\nTI  - A remembered folder\nER  - \n", encoding="utf-8")

    def fake_open(_parent, _title, start, _filter):
        seen.append(start)
        return ([str(src / "papers.ris")], "")

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(fake_open))
    monkeypatch.setattr(win, "import_paths", lambda files: None)
    win.import_dialog()
    win.import_dialog()
    assert seen[1] == str(src) and seen[0] != str(src)


def test_escape_during_an_export_cancels_it_and_writes_nothing(qtbot, tmp_path, monkeypatch):
    import threading

    from curator.services.export import ExportCancelled
    from curator.ui import export_dialog as mod

    started = threading.Event()

    def slow_export(lib, fmt, out, progress=None, cancel=None, **filters):
        started.set()
        while not cancel.wait(0.01):
            progress(1, 10, "writing")
        raise ExportCancelled("export cancelled: nothing was written")

    monkeypatch.setattr(mod, "export_dataset", slow_export)
    win = make_window(qtbot, tmp_path)
    dlg = mod.ExportDialog(win.lib, [], win)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.out.setText(str(tmp_path / "out.json"))
    op = dlg.start()
    assert started.wait(10)
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert op.done and op.error and "ExportCancelled" in op.error
    assert dlg.isVisible() and dlg.preview.text() == "Cancelled: nothing was written."
    assert not (tmp_path / "out.json").exists()
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)  # nothing running: Esc closes it
    assert not dlg.isVisible()


def test_verify_refuses_an_empty_record_and_asks_about_gaps(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    qtbot.keyClick(win, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # one key on an empty record
    assert win.gap_questions == []  # nothing to confirm: refused outright
    assert win.warnings and win.warnings[-1][0] == "Cannot verify" and "the record is empty" in win.warnings[-1][1]
    assert win.lib.load_record(pid) is None and "Not verified" in win.statusBar().currentMessage()

    win.forms.show_tab("study")
    win.forms.study_form.set_value("disease", "B-ALL")
    win.ask_verify_gaps = lambda gaps: win.gap_questions.append(gaps) or False
    assert not win.verify()
    assert win.gap_questions[-1][1:] == ["Study ▸ Design", "Study ▸ N enrolled (or N analysed)"]
    assert win.gap_questions[-1][0].startswith("an accepted outcome row")
    assert win.lib.load_record(pid) is None or win.lib.load_record(pid).status == "draft"


def test_tabs_answer_to_their_visible_names(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    for name, index in (("Labs", 3), ("labs", 3), ("measurements", 3), ("Survival table", 4), ("Notes", 6),
                        ("study", 0)):
        win.forms.setCurrentIndex(1 if index != 1 else 0)
        assert win.show_tab(name), name
        assert win.forms.currentIndex() == index, name
    assert win.show_tab("Before / after") and win.plot_panel.current_key() == "before_after"
    assert win.show_tab("Across library") and win.plot_panel.current_key() == "library"
    assert not win.show_tab("labz")


def test_window_keys_work_while_a_text_field_has_focus(qtbot, tmp_path):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QLineEdit

    class X11LineEdit(QLineEdit):
        """A line edit as on X11, where Ctrl+E is the field's own 'end of line' (it claims the key)."""

        def event(self, e):
            if e.type() == QEvent.Type.ShortcutOverride and e.key() == Qt.Key.Key_E \
                    and e.modifiers() == Qt.KeyboardModifier.ControlModifier:
                e.accept()
                return True
            return super().event(e)

    win = make_window(qtbot, tmp_path)
    select_paper_titled(win, "Emapalumab in pediatric")
    act = win.findChild(type(win.act_save), "act_export")
    act.triggered.disconnect()
    hits = []
    act.triggered.connect(lambda *_: hits.append(1))
    field = X11LineEdit()
    win.count_label.parentWidget().layout().addWidget(field)
    field.show()
    for w in (field, win.search, win.forms.study_form.widgets["disease"]):
        win.forms.show_tab("study")
        w.setFocus()
        qtbot.waitUntil(w.hasFocus, timeout=1000)
        qtbot.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(hits) == 3


def test_undo_back_to_the_saved_state_clears_unsaved(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    select_paper_titled(win, "Emapalumab in pediatric")
    win.forms.show_tab("study")
    win.forms.study_form.set_value("n_enrolled", "38")
    assert win.dirty and win.windowTitle().startswith("* ")
    win.forms.undo.undo()
    assert win.record.study.n_enrolled is None
    assert not win.dirty and not win.windowTitle().startswith("* ")
    win.forms.undo.redo()
    assert win.dirty
    assert win.save_draft()
    win.forms.study_form.set_value("n_enrolled", "40")
    assert win.dirty
    win.forms.undo.undo()  # back to what was saved (38), not to the start
    assert win.record.study.n_enrolled == 38 and not win.dirty


def test_status_names_are_the_same_in_the_list_the_filter_and_the_title(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    pid = select_paper_titled(win, "Emapalumab in pediatric")
    row = win.paper_model.row_of(pid)
    assert "unreviewed" in win.paper_model.data(win.paper_model.index(row, 0))
    assert win.windowTitle().endswith(f"paper {pid} — unreviewed")
    assert win.status_text.text().startswith("unreviewed")
    assert "unreviewed" in [win.status_filter.itemText(i) for i in range(win.status_filter.count())]
    win.forms.show_tab("study")
    win.forms.study_form.set_value("n_enrolled", "38")
    assert win.save_draft()
    assert win.windowTitle().endswith(f"paper {pid} — draft") and win.status_text.text().startswith("draft")
    assert "draft" in win.paper_model.data(win.paper_model.index(win.paper_model.row_of(pid), 0))


def test_text_typed_in_a_study_field_survives_a_command_pressed_from_it(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    select_paper_titled(win, "Case Report: Successful use")
    qtbot.keyClick(win, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    win.forms.show_tab("study")
    field = win.forms.study_form.widgets["disease"]
    field.setFocus()
    qtbot.keyClicks(field, "B-ALL")  # typed, not yet entered
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert field.text() == "B-ALL" and win.record.study.disease == "B-ALL"
    assert not win.record.has_suggestions()


def test_f1_opens_the_bundled_guide_inside_the_app(qtbot, tmp_path):
    win = make_window(qtbot, tmp_path)
    assert win.guide_path().suffix == ".html"  # the bundled guide, not the README fallback
    qtbot.keyClick(win, Qt.Key.Key_F1)
    view = win.help_window
    qtbot.addWidget(view)
    assert view.isVisible() and "Curator — user guide" in view.toPlainText()
    assert "Suggest" in view.toPlainText()


def test_selections_snap_to_whole_words_without_trailing_punctuation():
    from curator.ui.reader import snap_to_words

    text = "markers including IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001), IL-10 (222.29 vs. 86.09 pg/ml, P = 0.018)."

    def snap(part: str, cut_left: int = 0, cut_right: int = 0) -> str:
        s = text.index(part) + cut_left
        e = text.index(part) + len(part) - cut_right
        a, b = snap_to_words(text, s, e)
        return text[a:b]

    assert snap("IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)", cut_left=1, cut_right=0) == \
        "IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)"
    assert snap("IL-2 (32.35", cut_left=3) == "IL-2 (32.35"  # started inside 'IL-2'
    assert snap("32.35 vs", cut_right=1) == "32.35 vs"  # ended inside 'vs.': the word, not its dot
    assert snap(" 11.94 pg/ml, ") == "11.94 pg/ml"
    assert snap("0.001), ") == "0.001"  # the bracket closing what was not selected, the comma
    assert snap("(222.29 vs") == "222.29 vs"
    assert snap("P = 0.018).") == "P = 0.018"


def test_link_evidence_in_either_order(qtbot, tmp_path):
    from tests.ui_helpers import select_in_reader

    win = make_window(qtbot, tmp_path)
    select_paper_titled(win, "Emapalumab in pediatric")
    qtbot.keyClick(win, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    forms = win.forms
    forms.show_tab("measurements")
    table = forms.tables[Comparison]
    m = table.row_model
    il2 = next(i for i, r in enumerate(m.rows) if r.analyte == "IL-2")
    assert "value_a" in m.rows[il2].sources  # a cell with a source: choosing it scrolls the reader to it
    # the guide's order: words first, then the value
    select_in_reader(win, "IL-2 (32.35 vs. 11.94 pg/ml")
    idx = m.index(il2, m.column_of("value_a"))
    table.scrollTo(idx)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(idx).center())
    assert table.currentIndex() == idx
    assert win.reader.textCursor().hasSelection()  # choosing the cell kept the words
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert m.rows[il2].sources["value_a"].quote == "IL-2 (32.35 vs. 11.94 pg/ml"
    # the other order: the value first, then the words
    idx_b = m.index(il2, m.column_of("value_b"))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(idx_b).center())
    select_in_reader(win, "11.94 pg/ml")
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert m.rows[il2].sources["value_b"].quote == "11.94 pg/ml"
