"""The screening mode, driven from the keyboard like a curator: decide, pick a reason, undo, PRISMA."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from curator.domain.paper import Paper
from curator.services import screening
from curator.store.library import Library
from curator.ui.screening_view import ScreeningView

CART = "CAR-T cell therapy cytokine release syndrome tocilizumab neurotoxicity ICANS grade {i}"
OTHER = ["pesticide exposure hypothyroidism applicators survey {i}", "lactate threshold cycling exercise {i}",
         "ferrocene synthesis crystal structure in mice {i}"]


@pytest.fixture
def view(qtbot, tmp_path):
    lib = Library.open(tmp_path / "lib.sqlite")
    papers = [Paper(title=f"CAR-T toxicity study {i}", abstract=CART.format(i=i), pmid=str(1000 + i),
                    journal="Blood", year=2024, keywords=["CRS"]) for i in range(8)]
    papers += [Paper(title=f"Other study {i}", abstract=OTHER[i % 3].format(i=i), pmid=str(2000 + i))
               for i in range(60)]
    with lib.transaction():
        lib.insert_papers(papers, "search.xml", "pubmed_xml")
    screening.model_for(lib).ranking = None
    settings = QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    v = ScreeningView(lib, lambda: "ana", settings)
    qtbot.addWidget(v)
    v.resize(1280, 800)
    v.show()
    qtbot.waitExposed(v)
    v.activateWindow()  # no setFocus here: the view takes the keys itself when shown
    qtbot.waitUntil(lambda: QApplication.activeWindow() is v, timeout=2000)
    v.wait_for_model()
    yield v
    v.shutdown()
    lib.close()


def key(qtbot, v, k) -> float:
    t0 = time.perf_counter()
    qtbot.keyClick(v, k)
    return time.perf_counter() - t0


def test_keyboard_screening_undo_and_prisma_counts(qtbot, view, tmp_path):
    v, lib = view, view.lib
    first = v.paper_id
    assert first is not None and "Record" in v.current_label.text()
    assert key(qtbot, v, Qt.Key.Key_I) < 0.5  # include
    assert screening.decision_of(lib, first)["decision"] == "include"
    second = v.paper_id
    assert second != first
    key(qtbot, v, Qt.Key.Key_2)  # exclude with reason 2
    d = screening.decision_of(lib, second)
    assert d["decision"] == "exclude" and d["reason"] == screening.reasons(lib)[1] and d["curator"] == "ana"
    third = v.paper_id
    key(qtbot, v, Qt.Key.Key_M)  # maybe …
    assert screening.decision_of(lib, third)["decision"] == "maybe"
    key(qtbot, v, Qt.Key.Key_U)  # … changed my mind: undo shows it again, undecided
    assert v.paper_id == third and screening.decision_of(lib, third) is None
    assert "not yet decided by you" in v.current_label.text()
    key(qtbot, v, Qt.Key.Key_E)
    assert screening.decision_of(lib, third)["decision"] == "exclude"
    key(qtbot, v, Qt.Key.Key_P)  # previous: the record just excluded
    assert v.paper_id == third and "exclude" in v.current_label.text()
    screening.decide(lib, [third], "include", curator="bo")  # another curator (the CLI, say) decides it too
    v.show_paper(third)
    assert "not yet decided by you" in v.current_label.text()  # nothing of other curators' decisions
    screening.undo(lib, curator="bo")
    v.show_paper(third)
    key(qtbot, v, Qt.Key.Key_N)
    c = screening.prisma_counts(lib)
    assert (c["screened"], c["excluded"], c["maybe"], c["sought_for_retrieval"]) == (3, 2, 0, 1)
    assert sum(c["excluded_reasons"].values()) == 2
    qtbot.waitUntil(lambda: "3</b> of 68 screened" in v.counts.text(), timeout=1000)  # follows the record
    assert "1 included" in v.counts.text()
    # a note typed in the note field goes with the next decision; letters there are text, not keys
    v.note.setFocus()
    qtbot.keyClicks(v.note, "mice only")
    qtbot.keyClick(v.note, Qt.Key.Key_Escape)
    assert v.hasFocus() and v.note.text() == "mice only"
    noted = v.paper_id
    key(qtbot, v, Qt.Key.Key_E)
    assert screening.decision_of(lib, noted)["note"] == "mice only"
    assert screening.prisma_counts(lib)["screened"] == 4


def test_model_reorders_and_next_record_never_waits(qtbot, view):
    v, lib = view, view.lib
    cart = set(range(1, 9))
    # screen until there is an include and an exclude, then let the model rank
    while not (screening.progress(lib).included and screening.progress(lib).excluded):
        key(qtbot, v, Qt.Key.Key_I if v.paper_id in cart else Qt.Key.Key_E)
    v.retrain()
    v.wait_for_model()
    assert "trained" in v.model_status.text()
    times = []
    found = screening.progress(lib).included
    for _ in range(10):
        pid = v.paper_id
        times.append(key(qtbot, v, Qt.Key.Key_I if pid in cart else Qt.Key.Key_E))  # retrains every 5, off-thread
    v.wait_for_model()
    assert max(times) < 0.05, times  # the next record shows within 50 ms, whatever the model is doing
    assert screening.progress(lib).included == len(cart)  # every CAR-T record came up among the next 10
    assert screening.progress(lib).included > found


def test_highlights_reasons_stop_and_rule(qtbot, view):
    v, lib = view, view.lib
    v.include_terms.setText("CAR-T, tocilizumab")
    v.exclude_terms.setText("mice")
    v._terms_changed()
    v.show_paper(1)  # a CAR-T record: inclusion terms in green
    assert "#b7f0c0" in v.card.toHtml() and "#ffc4c4" not in v.card.toHtml()
    v.show_paper(11)  # "... crystal structure in mice": the exclusion term in red
    assert "#ffc4c4" in v.card.toHtml() and "#b7f0c0" not in v.card.toHtml()
    v.show_next()
    v.ask_reasons = lambda cur: ["Animal study", "Wrong topic"]
    v.edit_reasons()
    assert "Animal study" in v.reasons_label.text()
    pid = v.paper_id
    key(qtbot, v, Qt.Key.Key_2)
    assert screening.decision_of(lib, pid)["reason"] == "Wrong topic"
    v.rule_n.setValue(3)
    key(qtbot, v, Qt.Key.Key_I)
    for _ in range(3):
        key(qtbot, v, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: "stopping rule met" in v.counts.text(), timeout=1000)
    rec = v.stop("stopping rule met")
    assert rec["screened"] == 5 and rec["included"] == 1 and "3 consecutive" in rec["rule"]


def test_main_window_switches_to_screening_and_back(qtbot, tmp_path):
    from tests.ui_helpers import make_window

    win = make_window(qtbot, tmp_path)
    win.show_screening(True)
    assert win.centralWidget() is win.screening_view and win.act_screening.isChecked()
    win.screening_view.wait_for_model()
    win.show_screening(False)
    assert win.centralWidget() is win.splitter
    win.screening_view.shutdown()


def test_full_text_stage_takes_the_includes_with_their_own_reasons(qtbot, view):
    v, lib = view, view.lib
    includes = []
    for _ in range(4):
        includes.append(v.paper_id)
        key(qtbot, v, Qt.Key.Key_I)
    key(qtbot, v, Qt.Key.Key_E)
    v.set_stage(screening.FULL_TEXT)
    assert v.paper_id == includes[0] and "Full text not available" in v.reasons_label.text()
    key(qtbot, v, Qt.Key.Key_I)
    key(qtbot, v, Qt.Key.Key_3)  # excluded: overlapping cohort
    key(qtbot, v, Qt.Key.Key_U)  # changed my mind
    assert v.paper_id == includes[1] and screening.decision_of(lib, includes[1], screening.FULL_TEXT) is None
    key(qtbot, v, Qt.Key.Key_3)
    key(qtbot, v, Qt.Key.Key_I)
    c = screening.prisma_counts(lib)
    assert (c["screened"], c["excluded"], c["sought_for_retrieval"]) == (5, 1, 4)
    assert (c["full_text_assessed"], c["full_text_excluded"], c["included"]) == (3, 1, 2)
    assert c["full_text_excluded_reasons"] == {"Overlapping cohort (duplicate data)": 1}
    assert screening.decision_of(lib, includes[0])["decision"] == "include"  # the title/abstract stage untouched
    dlg = v.show_prisma(modal=False)
    assert "Studies included in review (n = 2)" in dlg.svg
    dlg.close()
