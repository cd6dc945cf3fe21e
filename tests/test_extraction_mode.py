"""The forms on one's own extraction (issue 19, blind dual extraction): the rule (services.extractions.form_target)
and two curators, Ana and Ben, extracting the pediatric seed in the main window on one library file, submitting,
then adjudicating into the consensus."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from curator.domain.outcomes import ROW_ACCEPTED, Record, Span, Toxicity
from curator.services import curation, extractions
from curator.services.library import open_library
from curator.ui import compare_view
from curator.ui.main_window import MainWindow
from tests.ui_helpers import enter_study, make_window, select_paper_titled

SHOT = os.environ.get("CURATOR_BLIND_SHOT")  # write the window in extraction mode here (the README's screenshot)


# --- the rule -------------------------------------------------------------------------------------

def test_form_target_rule(tmp_path):
    lib, _ = open_library(tmp_path / "lib.sqlite", seed=True)
    pid = lib.list_ids()[0]
    # one curator, blind off (the default with < 2 curators): the consensus, exactly as before
    assert not extractions.dual_extraction(lib)
    assert extractions.form_target(lib, pid, "Ana") == extractions.CONSENSUS
    extractions.set_blind(lib, True)
    assert extractions.form_target(lib, pid, "Ana") == extractions.OWN
    assert extractions.form_target(lib, pid, None) == extractions.OWN  # no name: still never the consensus
    assert extractions.open_own(lib, pid, "Ana") is None  # not begun: an empty form, not the consensus
    rec = Record(paper_id=pid)
    rec.study.design = "retrospective"
    tox = Toxicity(syndrome="CRS", grade=4, row_status=ROW_ACCEPTED)  # a suggestion Ana accepted
    tox.sources = {"syndrome": Span(0, 3, "CRS", made_by="extractor")}
    rec.toxicities.append(tox)
    extractions.save_extraction(lib, rec, "Ana")
    own = extractions.open_own(lib, pid, "Ana")
    assert own.record.study.design == "retrospective" and own.revision == own.record.revision == 1
    span = own.record.toxicities[0].sources["syndrome"]
    assert (span.made_by, span.accepted_by) == ("extractor", "Ana")  # provenance as the consensus keeps it
    assert extractions.progress_text(lib, pid) == "1 extraction, 0 submitted"
    extractions.submit_extraction(lib, pid, "Ana")
    assert extractions.form_target(lib, pid, "Ana") == extractions.CONSENSUS  # submitted: the consensus
    assert extractions.form_target(lib, pid, "Ben") == extractions.OWN
    # blind off, but two curators have extractions: still dual extraction
    other = Record(paper_id=pid)
    other.study.design = "cohort"
    extractions.save_extraction(lib, other, "Ben")
    extractions.set_blind(lib, False)
    assert extractions.dual_extraction(lib)
    assert extractions.form_target(lib, pid, "Ben") == extractions.OWN
    assert extractions.progress_text(lib, pid) == "2 extractions, 1 submitted"
    lib.close()


def test_saving_an_extraction_goes_through_the_write_gate(library_target):
    """Two windows of the same curator: a save based on an older version of her extraction is merged with
    the newer one, or refused naming the value both changed — as for the consensus (services.curation).
    On both engines."""
    lib, _ = open_library(library_target, seed=True)
    pid = lib.list_ids()[1]
    first = Record(paper_id=pid)
    first.study.design = "retrospective"
    extractions.save_extraction(lib, first, "Ana", base=None)
    base = extractions.open_own(lib, pid, "Ana").record
    one, two, three = base.copy(), base.copy(), base.copy()
    one.study.design = "cohort"
    extractions.save_extraction(lib, one, "Ana", base=base)
    two.study.design = "case series"
    with pytest.raises(curation.StaleRecord, match="Design"):
        extractions.save_extraction(lib, two, "Ana", base=base)
    three.study.n_enrolled = 12
    changes = extractions.save_extraction(lib, three, "Ana", base=base)  # another value: merged
    assert changes.merged
    got = extractions.open_own(lib, pid, "Ana")
    assert (got.record.study.design, got.record.study.n_enrolled, got.revision) == ("cohort", 12, 3)
    assert curation.stored(lib, pid) is None and lib.history(pid) == []  # the consensus and its history untouched
    lib.close()


# --- two curators in the window ---------------------------------------------------------------------

def _second_window(qtbot, tmp_path, lib_path, name: str) -> MainWindow:
    lib, _ = open_library(lib_path)
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    settings.setValue("curator_name", name)  # what MainWindow.curator_name reads
    win = MainWindow(lib, settings)
    win.ask_unsaved = lambda: "save"
    win.warnings = []
    win.warn = lambda title, text: win.warnings.append((title, text))
    qtbot.addWidget(win)
    win.keep_on_screen = False
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_two_curators_extract_blind_then_adjudicate(qtbot, tmp_path):
    ana = make_window(qtbot, tmp_path, name="Ana")
    lib_path = ana.lib.path
    assert not ana.extraction.act_blind.isChecked()
    ana.extraction.act_blind.trigger()  # Record ▸ Blind dual extraction
    assert extractions.blind_mode(ana.lib)
    pid = select_paper_titled(ana, "Emapalumab in pediatric")
    consensus_before = curation.stored(ana.lib, pid)
    assert ana.extraction.on and ana.record.study.design is None  # her own (empty) extraction, not the consensus
    assert ana.extraction.banner.isVisible()
    assert "Your extraction (blind) — Ana" in ana.extraction.banner.text()

    enter_study(qtbot, ana, {"design": "retrospective", "n_enrolled": "38"})
    assert ana.dirty
    assert ana.save_draft()  # Ctrl+S: into her extraction
    mine = extractions.extraction(ana.lib, pid, "Ana")
    assert mine is not None and not mine.submitted
    assert (mine.record.study.design, mine.record.study.n_enrolled) == ("retrospective", 38)
    assert curation.same_version(curation.stored(ana.lib, pid), consensus_before)  # the consensus untouched
    assert not ana.verify() and ana.warnings[-1][0] == "Not verified"  # no verifying one's own extraction
    assert not ana.exclude_paper("off topic") and ana.warnings[-1][0] == "Not excluded"
    ana.show_history()  # the consensus's history: not shown while she extracts blind
    assert getattr(ana, "history_dialog", None) is None and ana.warnings[-1][0] == "Not shown"
    assert curation.same_version(curation.stored(ana.lib, pid), consensus_before)

    ben = _second_window(qtbot, tmp_path, lib_path, "Ben")
    select_paper_titled(ben, "Emapalumab in pediatric")
    assert ben.extraction.on and ben.record.study.design is None  # Ana's values are not shown to Ben
    assert "Ben · 1 extraction, 0 submitted" in ben.extraction.banner.text()
    assert compare_view.compare_extractions(ben) is None  # nothing he may see yet
    assert ben.warnings[-1][0] == "Nothing to compare"

    assert ana.extraction.submit()  # Record ▸ Submit my extraction
    assert extractions.extraction(ana.lib, pid, "Ana").submitted
    assert not ana.extraction.on  # her forms show the consensus now
    assert curation.same_version(curation.stored(ana.lib, pid), consensus_before)

    enter_study(qtbot, ben, {"design": "retrospective cohort", "n_enrolled": "38"})  # the planted difference
    qtbot.waitUntil(lambda: "1 extraction, 1 submitted" in ben.extraction.banner.text(), timeout=4000)
    ben.autosave_now()  # the autosave timer: his extraction's draft, never an autosave beside the consensus
    assert extractions.extraction(ben.lib, pid, "Ben").record.study.design == "retrospective cohort"
    assert curation.recover(ben.lib, pid) is None and not ben.dirty
    if SHOT:
        QApplication.processEvents()
        ben.grab().save(SHOT)
    assert ben.extraction.submit()  # saves the form, then submits
    theirs = extractions.extraction(ben.lib, pid, "Ben")
    assert theirs.submitted and theirs.record.study.design == "retrospective cohort"
    assert extractions.extraction(ben.lib, pid, "Ana").record.study.design == "retrospective"  # each their own
    assert curation.same_version(curation.stored(ben.lib, pid), consensus_before)

    view = compare_view.compare_extractions(ben)
    assert view is not None
    qtbot.addWidget(view)
    open_lines = [(ln.item.table, ln.item.field, ln.item.a, ln.item.b) for ln in view.adj.lines if ln.disagrees]
    assert open_lines == [("studies", "design", "retrospective", "retrospective cohort")]
    row = next(i for i, ln in enumerate(view.adj.lines) if ln.disagrees)
    view.go_to(row)
    view.take("a")
    assert view.save()
    consensus = curation.stored(ben.lib, pid)
    assert consensus is not None and not curation.same_version(consensus, consensus_before)
    assert (consensus.study.design, consensus.study.n_enrolled) == ("retrospective", 38)
    # the extractions stay as they were
    assert extractions.extraction(ben.lib, pid, "Ben").record.study.design == "retrospective cohort"
