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
def lib(library_path):
    lib, _ = open_library(library_path, seed=True)
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
    curation.verify(lib, rec, "Ana")
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
