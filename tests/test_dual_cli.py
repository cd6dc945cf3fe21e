"""`curator record export|import` and `curator compare` (issue 19 items 4, 5 and 7)."""

from __future__ import annotations

import json

import pytest

from curator.__main__ import main
from curator.domain.outcomes import record_to_dict
from curator.services import curation, extractions
from curator.services.importing import import_files
from curator.services.library import open_library
from tests.conftest import CASE_REPORT_SEED, PEDIATRIC_SEED
from tests.dual_helpers import curator_a, curator_b
from tests.test_agreement import EXPECTED


def _library(path, files, other_first: bool = False):
    """A library holding `files`; `other_first` imports an unrelated paper first, so paper ids differ."""
    lib, _ = open_library(path, seed=False)
    if other_first:
        extra = path.with_name("unrelated.ris")
        extra.write_text("TY  - JOUR\nTI  - An unrelated paper about something else entirely\nPY  - 2020\n"
                         "AN  - 99999999\nER  - \n")
        import_files(lib, [extra])
    import_files(lib, files)
    return lib


def _pid(lib):
    return lib.list_papers(search="pediatric emapalumab")[0].id


def _counts(lib):
    return {t: lib.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("extractions", "records", "provenance", "history")}


def test_record_file_round_trips_an_extraction_exactly(tmp_path, capsys):
    one = _library(tmp_path / "one.sqlite", [CASE_REPORT_SEED, PEDIATRIC_SEED])
    pid = _pid(one)
    rec = curator_a(pid, one.get_paper(pid).abstract)
    rec.study.sources["design"].made_by = "extractor"  # a link the extractor made and ana accepted
    rec.study.sources["design"].accepted_by = "ana"
    extractions.save_extraction(one, rec, "ana")
    extractions.submit_extraction(one, pid, "ana")
    one.close()
    f1 = tmp_path / "ana.json"
    assert main(["record", "export", "--library", str(tmp_path / "one.sqlite"), "--paper", str(pid),
                 "--curator", "ana", "--out", str(f1)]) == 0

    two = _library(tmp_path / "two.sqlite", [CASE_REPORT_SEED, PEDIATRIC_SEED], other_first=True)
    pid2 = _pid(two)
    assert pid2 != pid
    two.close()
    assert main(["record", "import", str(f1), "--library", str(tmp_path / "two.sqlite"), "--curator", "ana"]) == 0
    assert f"added ana's extraction of paper {pid2}" in capsys.readouterr().out
    f2 = tmp_path / "again.json"
    assert main(["record", "export", "--library", str(tmp_path / "two.sqlite"), "--paper", str(pid2),
                 "--curator", "ana", "--out", str(f2)]) == 0
    d1, d2 = json.loads(f1.read_text()), json.loads(f2.read_text())
    assert d1["record"].pop("paper_id") == pid and d2["record"].pop("paper_id") == pid2
    assert d1 == d2  # everything else, provenance included, exactly
    assert d1["status"] == "submitted" and d1["curator"] == "ana"
    assert d1["record"]["study"]["sources"]["design"]["accepted_by"] == "ana"
    two, _ = open_library(tmp_path / "two.sqlite")
    got = extractions.extraction(two, pid2, "ana")
    want = record_to_dict(rec)
    want["paper_id"] = pid2
    assert record_to_dict(got.record) == want and got.submitted
    two.close()


@pytest.fixture
def exported(tmp_path):
    lib = _library(tmp_path / "src.sqlite", [PEDIATRIC_SEED])
    pid = _pid(lib)
    extractions.save_extraction(lib, curator_a(pid, lib.get_paper(pid).abstract), "ana")
    lib.close()
    f = tmp_path / "ana.json"
    assert main(["record", "export", "--library", str(tmp_path / "src.sqlite"), "--paper", str(pid),
                 "--curator", "ana", "--out", str(f)]) == 0
    return f


def _refused(tmp_path, capsys, f, curator="ana", lib_files=(PEDIATRIC_SEED,)):
    path = tmp_path / "target.sqlite"
    if not path.exists():
        _library(path, list(lib_files)).close()
    lib, _ = open_library(path)
    before = _counts(lib)
    lib.close()
    assert main(["record", "import", str(f), "--library", str(path), "--curator", curator]) == 2
    err = capsys.readouterr().err
    lib, _ = open_library(path)
    assert _counts(lib) == before  # nothing changed
    lib.close()
    assert str(f) in err
    return err


def test_record_file_for_a_paper_the_library_lacks(tmp_path, capsys, exported):
    err = _refused(tmp_path, capsys, exported, lib_files=(CASE_REPORT_SEED,))
    assert "“Emapalumab in pediatric patients" in err and "is not in" in err and "nothing was imported" in err


def test_record_file_of_another_schema_version(tmp_path, capsys, exported):
    doc = json.loads(exported.read_text())
    doc["schema_version"] -= 1
    exported.write_text(json.dumps(doc))
    err = _refused(tmp_path, capsys, exported)
    assert f"written under schema version {doc['schema_version']}" in err and "nothing was imported" in err


def test_record_file_bad_inputs(tmp_path, capsys, exported):
    assert "holds ana's extraction, not ben's" in _refused(tmp_path, capsys, exported, curator="ben")
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert "not a Curator record file: not JSON" in _refused(tmp_path, capsys, junk)
    other = tmp_path / "other.json"
    other.write_text('{"format": "something-else"}')
    assert "is not a Curator record file" in _refused(tmp_path, capsys, other)
    assert "no such file" in _refused(tmp_path, capsys, tmp_path / "missing.json")
    # a paper id or curator the library does not have, on export
    assert main(["record", "export", "--library", str(tmp_path / "src.sqlite"), "--paper", "1", "--curator", "zoe",
                 "--out", str(tmp_path / "x.json")]) == 2
    assert "no extraction by zoe" in capsys.readouterr().err and not (tmp_path / "x.json").exists()


def _two_libraries(tmp_path):
    a = _library(tmp_path / "a.sqlite", [CASE_REPORT_SEED, PEDIATRIC_SEED])
    b = _library(tmp_path / "b.sqlite", [CASE_REPORT_SEED, PEDIATRIC_SEED], other_first=True)
    pa, pb = _pid(a), _pid(b)
    assert pa != pb  # matched by the paper's DOI, not its id
    ra = curator_a(pa, a.get_paper(pa).abstract)
    curation.save_draft(a, ra, "ana")
    rb = curator_b(pb, b.get_paper(pb).abstract)
    stale = rb.copy()
    stale.study.n_enrolled = 30
    curation.save_draft(b, stale, "ben")  # ben's stored record ...
    b.conn.execute("UPDATE records SET updated_at = '2020-01-01T00:00:00+00:00'")
    curation.autosave(b, rb)  # ... and his newer, autosaved form: the latest extraction
    a.close()
    b.close()
    return pa, pb


def test_compare_two_libraries_json(tmp_path, capsys):
    pa, pb = _two_libraries(tmp_path)
    assert main(["compare", "--library", str(tmp_path / "a.sqlite"), "--other", str(tmp_path / "b.sqlite"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["matched_papers"] == 1 and out["unmatched"] == {"library": 0, "other": 0}
    assert out["papers"][0]["paper_id"] == pa and out["papers"][0]["other_paper_id"] == pb
    assert out["papers"][0]["matched_by"] == "doi" and (out["papers"][0]["a"], out["papers"][0]["b"]) == ("ana", "ben")
    assert (out["fields_compared"], out["agreements"]) == (79, 66)
    assert out["kappa"]["overall"] == round(339 / 397, 6)
    assert out["kappa"]["by_field"]["exposures.indication"] == 0.0
    assert out["kappa"]["by_field"]["time_to_event.endpoint"] == round(1 / 3, 6)
    assert out["kappa"]["by_field"]["exposures.role"] is None
    assert "comparisons.value_b" not in out["kappa"]["by_field"]  # numbers: agreement, no κ
    assert out["disagreement_counts"]["row only in A"] == 7
    got = [(d["paper_id"], d["table"], d["field"], d["a"], d["b"]) for d in out["disagreements"]]
    assert got == [(pa, t, f, a, b) for t, f, a, b, _k, _r in EXPECTED]  # n_enrolled 36: the autosave, not 30

    assert main(["compare", "--library", str(tmp_path / "a.sqlite"), "--other", str(tmp_path / "b.sqlite"),
                 "--tolerance", "1"]) == 0
    text = capsys.readouterr().out
    assert "1 paper(s) matched" in text
    assert "79 field(s) compared: 67 agree (84.8 %), 12 disagree; Cohen's κ (categorical fields) 0.854" in text


def test_compare_when_nothing_matches(tmp_path, capsys):
    a = _library(tmp_path / "a.sqlite", [CASE_REPORT_SEED])
    b = _library(tmp_path / "b.sqlite", [PEDIATRIC_SEED])
    pid = _pid(b)
    curation.save_draft(b, curator_b(pid, b.get_paper(pid).abstract), "ben")
    rec = curation.load(a, 1)
    rec.study.design = "case report"
    curation.save_draft(a, rec, "ana")
    a.close()
    b.close()
    assert main(["compare", "--library", str(tmp_path / "a.sqlite"), "--other", str(tmp_path / "b.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "no paper with an extraction in" in err and "a.sqlite" in err and "nothing to compare" in err


def test_compare_two_record_files(tmp_path):
    """Two curators' files of the same paper (exchanged by mail) compare as their extractions do."""
    from curator.services import compare

    lib = _library(tmp_path / "one.sqlite", [CASE_REPORT_SEED, PEDIATRIC_SEED])
    pid = _pid(lib)
    abstract = lib.get_paper(pid).abstract
    extractions.save_extraction(lib, curator_a(pid, abstract), "ana")
    extractions.save_extraction(lib, curator_b(pid, abstract), "ben")
    from curator.services import record_files

    fa = record_files.export_record(lib, pid, tmp_path / "ana.json", curator="ana")
    fb = record_files.export_record(lib, pid, tmp_path / "ben.json", curator="ben")
    cmp = compare.compare_files(fa, fb)
    assert (cmp.a_name, cmp.b_name) == ("ana", "ben")
    assert [(d.table, d.field, d.a, d.b, d.outcome, d.row) for d in cmp.disagreements] == EXPECTED
    other = lib.list_papers(search="case report")[0].id
    rec = curation.load(lib, other)
    rec.study.design = "case report"
    extractions.save_extraction(lib, rec, "ben")
    fc = record_files.export_record(lib, other, tmp_path / "ben-case.json", curator="ben")
    with pytest.raises(compare.CompareError, match="are about different papers"):
        compare.compare_files(fa, fc)
    doc = json.loads(fb.read_text())
    doc["schema_version"] -= 1
    fb.write_text(json.dumps(doc))
    with pytest.raises(compare.CompareError, match="written under schema version"):
        compare.compare_files(fa, fb)
    lib.close()
