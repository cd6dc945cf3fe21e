"""Save a draft, verify, edit after verifying, history, autosave recovery, import service."""

from __future__ import annotations

import pytest

from curator.domain.outcomes import Comparison, Record, TimeToEvent
from curator.services import curation
from curator.services.importing import import_files
from curator.services.library import open_library
from curator.store.library import Library
from tests.conftest import CASE_REPORT_SEED, PEDIATRIC_SEED


@pytest.fixture
def lib(library_target):
    """A seeded library on each engine (SQLite file, PostgreSQL database)."""
    lib, _ = open_library(library_target, seed=True)
    yield lib
    lib.close()


def _pid(lib: Library) -> int:
    return lib.list_papers(search="pediatric emapalumab")[0].id


def test_seeded_library_holds_both_seeds(lib):
    titles = sorted(s.title for s in lib.list_papers())
    assert len(titles) == 2
    assert titles[0].startswith("Case Report: Successful use of emapalumab")
    assert titles[1].startswith("Emapalumab in pediatric patients")
    assert {s.status for s in lib.list_papers()} == {"unreviewed"}


def test_reimport_merges_instead_of_adding(lib):
    report = import_files(lib, [PEDIATRIC_SEED, CASE_REPORT_SEED])
    assert report.totals["added"] == 0
    assert report.totals["merged"] == 2
    assert lib.paper_count() == 2


def test_bad_file_changes_nothing(lib, tmp_path):
    before = lib.paper_count()
    bad = tmp_path / "garbage.txt"
    bad.write_text("this is not a bibliography\n")
    report = import_files(lib, [bad])
    assert report.files[0].error and "garbage.txt" in report.files[0].error
    assert lib.paper_count() == before


def test_failure_mid_file_rolls_back_the_whole_file(lib, tmp_path, monkeypatch):
    src = tmp_path / "two.md"
    src.write_text(PEDIATRIC_SEED.read_text().replace("# Emapalumab in pediatric", "# A different paper on")
                   .replace("10.3389/fimmu.2026.1679175", "10.1/other").replace("PMC12996094", "PMC1"))
    real = Library.insert_papers

    def flaky(self, papers, *a, **kw):
        real(self, papers, *a, **kw)  # the row is written, then the disk fills up
        raise OSError("disk full")

    monkeypatch.setattr(Library, "insert_papers", flaky)
    before = lib.paper_count()
    report = import_files(lib, [src])
    assert "library unchanged" in report.files[0].error
    assert lib.paper_count() == before


def test_save_verify_edit_cycle(lib):
    pid = _pid(lib)
    rec = curation.load(lib, pid)
    assert rec.status == "draft" and rec.revision == 0
    rec.study.n_enrolled = 38
    rec.comparisons.append(Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/ml",
                                      p_text="P < 0.001"))
    ch = curation.save_draft(lib, rec, "Ana")
    assert ch.status == "draft" and rec.revision == 1
    assert lib.list_papers(search="pediatric emapalumab")[0].status == "draft"

    with pytest.raises(curation.CurationError, match="named curator"):
        curation.verify(lib, rec, "")
    with pytest.raises(curation.NeedsConfirmation) as gaps:  # no design: verified only once confirmed
        curation.verify(lib, rec, "Ana")
    assert gaps.value.gaps == ["Study ▸ Design"] and lib.load_record(pid).status == "draft"
    curation.verify(lib, rec, "Ana", allow_gaps=True)
    stored = lib.load_record(pid)
    assert stored.status == "verified" and stored.curator == "Ana" and stored.verified_at
    assert lib.list_papers(search="pediatric emapalumab")[0].status == "verified"

    # saving an unchanged verified record keeps it verified
    curation.save_draft(lib, stored, "Ana")
    assert lib.load_record(pid).status == "verified"

    # editing a verified record returns it to draft with a new revision
    stored.comparisons[0].value_b = 11.95
    curation.save_draft(lib, stored, "Ben")
    again = lib.load_record(pid)
    assert again.status == "draft" and again.revision == stored.revision > 1
    hist = lib.history(pid)
    assert any(h["field"] == "value_b" and h["old"] == "11.94" and h["new"] == "11.95" and h["who"] == "Ben"
               for h in hist)
    assert any(h["field"] == "status" and h["new"] == "verified" for h in hist)


def test_invalid_record_saves_as_draft_but_cannot_be_verified(lib):
    pid = _pid(lib)
    rec = curation.load(lib, pid)
    rec.comparisons.append(Comparison(analyte="IL-2", value_a=1.0, value_b=2.0, unit="pg/ml", p_text="P = 1.5"))
    rec.time_to_event.append(TimeToEvent(endpoint="EFS", rate=76.9, ci_low=92.6, ci_high=63.8))
    ch = curation.save_draft(lib, rec, "Ana")
    assert any("p-value 1.5 is outside (0, 1]" in m.text for m in ch.messages)
    with pytest.raises(curation.CurationError) as exc:
        curation.verify(lib, rec, "Ana")
    assert "Comparisons row 1, P as written" in str(exc.value)
    assert "Survival row 1, CI low: CI low 92.6 is above CI high 63.8" in str(exc.value)
    stored = lib.load_record(pid)
    assert stored.status == "draft"
    assert stored.comparisons[0].p_text == "P = 1.5"  # nothing saved is lost


def test_autosave_recovers_unsaved_form(lib):
    pid = _pid(lib)
    rec = curation.load(lib, pid)
    rec.notes = "typed but never saved"
    curation.autosave(lib, rec)
    # a crash: a fresh connection reopens the library
    lib2 = Library.open(lib.path)
    got = curation.recover(lib2, pid)
    assert got is not None and got[0].notes == "typed but never saved"
    curation.save_draft(lib2, got[0], "Ana")
    assert curation.recover(lib2, pid) is None  # a save clears the autosave
    lib2.close()


def test_exclude_needs_a_reason(lib):
    pid = _pid(lib)
    rec = Record(paper_id=pid)
    with pytest.raises(curation.CurationError, match="say why"):
        curation.set_paper_status(lib, rec, "excluded", "  ", "Ana")
    curation.set_paper_status(lib, rec, "excluded", "not CAR-T", "Ana")
    assert lib.load_record(pid).exclusion_reason == "not CAR-T"
    assert lib.list_papers(status="excluded")[0].id == pid


def test_every_record_change_is_refused_on_a_read_only_library(lib):
    pid = _pid(lib)
    rec = curation.load(lib, pid)
    rec.notes = "read-only edit"
    ro = Library.open(lib.path, read_only=True)
    try:
        for call, word in ((lambda: curation.save_draft(ro, rec, "Ana"), "saved"),
                           (lambda: curation.verify(ro, rec, "Ana"), "verified"),
                           (lambda: curation.set_paper_status(ro, rec, "rejected", "no data", "Ana"), "rejected"),
                           (lambda: curation.set_paper_status(ro, rec, "excluded", "not CAR-T", "Ana"), "excluded")):
            with pytest.raises(curation.ReadOnlyLibrary, match=f"read-only: nothing was {word}"):
                call()
        curation.discard_autosave(ro, pid)  # a no-op, not an error
    finally:
        ro.close()
    assert lib.load_record(pid) is None and rec.status == "draft" and rec.revision == 0


def _two_editors(lib):
    """Two curators open the same stored record; returns (base, mine, theirs)."""
    pid = _pid(lib)
    first = curation.load(lib, pid)
    first.comparisons.append(Comparison(analyte="IL-2", value_a=32.35, value_b=11.94, unit="pg/ml"))
    curation.save_draft(lib, first, "Ana")
    base = curation.stored(lib, pid)
    return base, base.copy(), base.copy()


def test_a_stale_save_is_merged_value_by_value(lib):
    base, mine, theirs = _two_editors(lib)
    theirs.comparisons[0].value_b = 12.0  # another window saves first
    theirs.time_to_event.append(TimeToEvent(endpoint="OS", rate=80.0))
    curation.save_draft(lib, theirs, "Ben", base=base)
    mine.study.n_enrolled = 38  # this window edits other values of the record it opened
    mine.notes = "checked the table"
    ch = curation.save_draft(lib, mine, "Ana", base=base)
    stored = lib.load_record(base.paper_id)
    assert stored.study.n_enrolled == 38 and stored.notes == "checked the table"  # mine
    assert stored.comparisons[0].value_b == 12.0 and [t.endpoint for t in stored.time_to_event] == ["OS"]  # theirs
    assert "Comparisons row 1, After / B" in ch.merged and any("Survival row added" in m for m in ch.merged)
    assert mine.comparisons[0].value_b == 12.0  # the editor's record took the merged values in
    # and the next save from the merged record is based on what is stored now: no merge, no refusal
    mine.notes = "checked twice"
    assert curation.save_draft(lib, mine, "Ana", base=curation.stored(lib, base.paper_id)).merged == []


def test_a_stale_save_that_changes_the_same_value_is_refused(lib):
    base, mine, theirs = _two_editors(lib)
    theirs.comparisons[0].value_b = 12.0
    curation.verify(lib, theirs, "Ben", base=base, allow_gaps=True)
    mine.comparisons[0].value_b = 11.95
    with pytest.raises(curation.StaleRecord) as exc:
        curation.save_draft(lib, mine, "Ana", base=base)
    text = str(exc.value)
    assert "saved meanwhile (verified, revision 1, by Ben" in text
    assert "Comparisons row 1, After / B (yours: 11.95, saved meanwhile: 12)" in text  # numbers as the form shows them and "Nothing was saved" in text
    stored = lib.load_record(base.paper_id)
    assert stored.status == "verified" and stored.comparisons[0].value_b == 12.0  # never written over
    # a save without a base (a script) still goes over whatever is stored, as before
    curation.save_draft(lib, mine, "script")
    assert lib.load_record(base.paper_id).comparisons[0].value_b == 11.95


def test_a_row_removed_meanwhile_but_edited_here_is_a_conflict(lib):
    base, mine, theirs = _two_editors(lib)
    theirs.comparisons.clear()
    curation.save_draft(lib, theirs, "Ben", base=base)
    mine.comparisons[0].unit = "ng/ml"
    with pytest.raises(curation.StaleRecord, match="you edited it, the other save removed it"):
        curation.set_paper_status(lib, mine, "rejected", "duplicate cohort", "Ana", base=base)
    untouched = base.copy()
    untouched.notes = "only a note"
    curation.save_draft(lib, untouched, "Ana", base=base)  # the removal is taken in
    assert lib.load_record(base.paper_id).comparisons == []


def test_batch_suggestions_never_overwrite_a_record_saved_meanwhile(lib, monkeypatch):
    """suggest_library saves only papers without a record; one a curator saves between that check and
    the save is merged with (values both set differently: the paper is skipped), never written over."""
    from curator.services import suggest

    pid = _pid(lib)
    real = lib.load_record
    saved = []

    def curator_saves_meanwhile(paper_id):
        got = real(paper_id)
        if paper_id == pid and got is None and not saved:
            saved.append(1)
            cur = Record(paper_id=pid, notes="Ana's work")
            cur.study.n_enrolled = 99  # the abstract says 38: a conflict with the suggestion
            curation.save_draft(lib, cur, "Ana")
        return got

    monkeypatch.setattr(lib, "load_record", curator_saves_meanwhile)
    assert suggest.suggest_library(lib, [pid]) == {"papers": 0, "suggestions": 0, "skipped": 1}
    monkeypatch.undo()
    rec = lib.load_record(pid)
    assert rec.notes == "Ana's work" and rec.study.n_enrolled == 99 and rec.comparisons == []


def test_a_record_is_verified_only_when_it_says_something(lib):
    from curator.domain.outcomes import ROW_SUGGESTED, Arm, Toxicity

    pid = _pid(lib)
    # an empty record cannot be verified at all, even when the curator would confirm
    rec = curation.load(lib, pid)
    rec.arms.append(Arm())  # an empty row says nothing either
    for allow in (False, True):
        with pytest.raises(curation.CurationError, match="the record is empty") as exc:
            curation.verify(lib, rec, "Ana", allow_gaps=allow)
        assert not isinstance(exc.value, curation.NeedsConfirmation)
    assert lib.load_record(pid) is None

    # a study without outcomes, design or N: each gap is named with the form's labels
    rec.study.disease = "B-ALL"
    with pytest.raises(curation.NeedsConfirmation) as gaps:
        curation.verify(lib, rec, "Ana")
    assert gaps.value.gaps == [
        "an accepted outcome row (in Toxicities, Comparisons, Measurements, Survival, Timeline)",
        "Study ▸ Design", "Study ▸ N enrolled (or N analysed)"]
    assert "Study ▸ Design" in str(gaps.value) and "design" not in str(gaps.value).replace("Design", "")
    assert lib.load_record(pid) is None  # nothing saved

    # a suggested outcome row is no outcome yet, and it is named before verifying
    rec.study.design, rec.study.n_analysed = "case report", 1
    rec.toxicities.append(Toxicity(syndrome="CRS", grade=2, row_status=ROW_SUGGESTED))
    with pytest.raises(curation.CurationError, match=r"Toxicities row 1 \(CRS, 2\)") as exc:
        curation.verify(lib, rec, "Ana", allow_gaps=True)
    assert "1 suggestion(s) are neither accepted nor rejected" in str(exc.value)
    rec.toxicities[0].row_status = "accepted"
    curation.verify(lib, rec, "Ana")  # says something: no question asked
    assert lib.load_record(pid).status == "verified"
