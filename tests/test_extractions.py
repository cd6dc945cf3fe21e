"""One extraction per curator (issue 19 item 1): the migration of existing records, blind mode, submission."""

from __future__ import annotations

import pytest

from curator.domain.outcomes import Comparison, Record, record_to_dict
from curator.services import curation, extractions
from curator.services.library import open_library
from curator.store import migrations
from curator.store.library import Library
from tests.dual_helpers import curator_a, curator_b


@pytest.fixture
def seeded(library_path):
    lib, _ = open_library(library_path, seed=True)
    pid = lib.list_papers(search="pediatric emapalumab")[0].id
    yield lib, pid, lib.get_paper(pid).abstract
    lib.close()


def test_existing_records_become_their_curators_extractions(tmp_path, monkeypatch):
    older = tmp_path / "migrations"
    older.mkdir()
    for m in migrations.available():
        if m.version < 7:
            (older / m.path.name).write_text(m.sql())
    path = tmp_path / "old.sqlite"
    with monkeypatch.context() as mp:
        mp.setattr("curator.paths.migrations", lambda: older)
        mp.setattr("curator.services.importing.append_change", lambda *a: None)  # a v6 library has no change feed
        lib, _ = open_library(path, seed=True)
        assert lib.schema_version == 6
        pid = lib.list_papers(search="pediatric emapalumab")[0].id
        other = lib.list_papers(search="case report")[0].id
        rec = curator_a(pid, lib.get_paper(pid).abstract)
        rec.study.sources["design"].made_by, rec.study.sources["design"].accepted_by = "extractor", "ana"
        rec.contradicts, rec.notes = True, "IL-10 “fell”"
        rec.status, rec.revision, rec.verified_at, rec.updated_at = "verified", 3, "2026-01-02T00:00:00+00:00", "t1"
        anon = Record(paper_id=other, revision=1, updated_at="t2")  # a draft nobody signed
        anon.comparisons.append(Comparison(analyte="IL-6", value_a=1.5))
        # today's store writes the two provenance columns of 008 and the page of 009: give them to it for
        # these saves only
        lib.conn.execute("ALTER TABLE provenance ADD COLUMN extracted_by TEXT")
        lib.conn.execute("ALTER TABLE provenance ADD COLUMN settled TEXT")
        lib.conn.execute("ALTER TABLE provenance ADD COLUMN page INTEGER")
        lib.conn.execute("CREATE TABLE change_log (id INTEGER PRIMARY KEY, at TEXT, who TEXT, session TEXT, "
                         "paper_id INTEGER, kind TEXT)")  # and the change feed of 007
        lib.save_record(rec, who="ana")
        lib.save_record(anon)
        before = {p: record_to_dict(lib.load_record(p)) for p in (pid, other)}
        lib.conn.execute("ALTER TABLE provenance DROP COLUMN extracted_by")
        lib.conn.execute("ALTER TABLE provenance DROP COLUMN settled")
        lib.conn.execute("ALTER TABLE provenance DROP COLUMN page")
        lib.conn.execute("DROP TABLE change_log")
        lib.close()
    lib = Library.open(path)
    try:
        assert lib.schema_version == migrations.latest_version()
        ana = extractions.extraction(lib, pid, "ana")
        assert record_to_dict(ana.record) == before[pid]  # exactly the record, provenance included
        assert (ana.status, ana.revision, ana.updated_at, ana.schema_version) == ("submitted", 3, "t1", 8)
        unknown = extractions.extraction(lib, other, "unknown")
        assert record_to_dict(unknown.record) == before[other] and unknown.status == "draft"
        assert {p: record_to_dict(lib.load_record(p)) for p in (pid, other)} == before  # still the consensus
        assert extractions.curators(lib) == ["ana", "unknown"]
    finally:
        lib.close()


def test_blind_mode_hides_others_until_ones_own_is_submitted(seeded):
    lib, pid, abstract = seeded
    extractions.save_extraction(lib, curator_a(pid, abstract), "ana")
    assert not extractions.blind_mode(lib)  # one curator: nothing to hide
    extractions.save_extraction(lib, curator_b(pid, abstract), "ben")
    assert extractions.blind_mode(lib)  # the default with more than one curator
    assert list(extractions.visible_extractions(lib, pid, "ana")) == ["ana"]
    assert extractions.visible_extractions(lib, pid, "zoe") == {}
    extractions.submit_extraction(lib, pid, "ana")
    assert list(extractions.visible_extractions(lib, pid, "ana")) == ["ana", "ben"]
    assert list(extractions.visible_extractions(lib, pid, "ben")) == ["ben"]  # ben has not submitted
    assert list(extractions.visible_extractions(lib, pid, "zoe")) == ["ana"]  # an adjudicator: submitted ones
    extractions.set_blind(lib, False)
    assert list(extractions.visible_extractions(lib, pid, "ben")) == ["ana", "ben"]
    extractions.set_blind(lib, None)
    assert list(extractions.visible_extractions(lib, pid, "ben")) == ["ben"]


def test_a_submitted_extraction_is_not_edited_again(seeded):
    lib, pid, abstract = seeded
    with pytest.raises(curation.CurationError, match="no extraction of paper"):
        extractions.submit_extraction(lib, pid, "ana")
    extractions.save_extraction(lib, Record(paper_id=pid), "ana")
    with pytest.raises(curation.CurationError, match="the record is empty"):
        extractions.submit_extraction(lib, pid, "ana")
    rec = curator_a(pid, abstract)
    extractions.save_extraction(lib, rec, "ana")
    assert extractions.extraction(lib, pid, "ana").revision == 2
    extractions.submit_extraction(lib, pid, "ana")
    got = extractions.extraction(lib, pid, "ana")
    assert got.submitted and got.revision == 3
    rec.study.n_enrolled = 1
    with pytest.raises(curation.CurationError, match="was submitted"):
        extractions.save_extraction(lib, rec, "ana")
    assert extractions.extraction(lib, pid, "ana").record.study.n_enrolled == 38
    with pytest.raises(curation.CurationError, match="named curator"):
        extractions.save_extraction(lib, rec, " ")
    assert lib.load_record(pid) is None  # extractions never touch the consensus


def test_submit_and_blind_mode_from_the_command_line(seeded, capsys):
    from curator.__main__ import main

    lib, pid, abstract = seeded
    extractions.save_extraction(lib, curator_a(pid, abstract), "ana")
    extractions.save_extraction(lib, curator_b(pid, abstract), "ben")
    path = str(lib.path)
    assert main(["record", "submit", "--library", path, "--paper", str(pid), "--curator", "ana"]) == 0
    assert extractions.extraction(lib, pid, "ana").submitted
    assert main(["record", "submit", "--library", path, "--paper", str(pid), "--curator", "zoe"]) == 2
    assert "zoe has no extraction of paper" in capsys.readouterr().err
    assert main(["record", "blind", "off", "--library", path]) == 0
    assert "blind mode is off" in capsys.readouterr().out and not extractions.blind_mode(lib)
    assert main(["record", "blind", "default", "--library", path]) == 0
    assert "blind mode is on (the default)" in capsys.readouterr().out and extractions.blind_mode(lib)
