"""`curator library copy SRC DST`: a whole library from SQLite to PostgreSQL and back, losslessly,
checked table by table (rows and a content hash)."""

from __future__ import annotations

import json

import pytest

from curator.__main__ import main
from curator.domain.outcomes import Comparison, Measurement, Span
from curator.services import curation, extractions, screening
from curator.services.importing import import_files
from curator.store import copy as store_copy
from curator.store import fulltext_queries
from curator.store.library import Library
from tests.conftest import CASE_REPORT_SEED, PEDIATRIC_SEED


def _rich_library(target, pdf=None) -> dict:
    """A library with something in every table: papers, curated rows with provenance, history,
    a draft holding a non-number in a number field, an autosave, screening decisions, an undo, a stop,
    a curator's own extraction and blind mode, and (when the corpus is here) a PDF full text with its pages."""
    lib = Library.open(target)
    import_files(lib, [PEDIATRIC_SEED, CASE_REPORT_SEED])
    a, b = sorted(s.id for s in lib.list_papers())
    if pdf is not None:
        import_files(lib, [pdf])
    rec = curation.load(lib, a)
    rec.study.n_enrolled = 12
    c = Comparison(analyte="IFN-γ", value_a=32.35, value_b=11.94, unit="pg/ml", p_text="P < 0.001")
    c.sources["value_a"] = Span(3, 8, "rose to 32.35")
    rec.comparisons.append(c)
    curation.save_draft(lib, rec, "ana")
    rec.notes = "second save"
    curation.save_draft(lib, rec, "ana", base=curation.stored(lib, a))
    draft = curation.load(lib, b)
    draft.measurements.append(Measurement(analyte="IL-6", value="12 mg", day=3.5))
    curation.save_draft(lib, draft, "bob")
    draft.notes = "typed, not saved"
    curation.autosave(lib, draft)
    screening.decide(lib, [a, b], "exclude", reason="Other", curator="ana")
    screening.undo(lib)
    screening.decide(lib, [a], "include", curator="ana")
    screening.record_stop(lib, None, "enough", curator="ana")
    extractions.save_extraction(lib, curation.load(lib, a), "ben")
    extractions.set_blind(lib, False)
    facts = {"ids": (a, b), "records": {p: lib.load_record(p) for p in (a, b)},
             "history": {p: lib.history(p) for p in (a, b)}, "autosave": lib.load_autosave(b),
             "decisions": {p: screening.decision_of(lib, p) for p in (a, b)}}
    lib.close()
    return facts


def _same(lib: Library, facts: dict) -> None:
    a, b = facts["ids"]
    for p in (a, b):
        assert lib.load_record(p) == facts["records"][p]
        assert lib.history(p) == facts["history"][p]
        assert screening.decision_of(lib, p) == facts["decisions"][p]
    assert lib.load_autosave(b) == facts["autosave"]
    assert lib.load_record(b).measurements[0].value == "12 mg"
    assert lib.count_papers(search="emapalumab") == 2  # the search index was built for the copied papers
    assert lib.integrity_check() == "ok"


def test_copy_sqlite_to_postgresql_and_back(tmp_path, pg_url, capsys):
    src = tmp_path / "mine.sqlite"
    facts = _rich_library(src)
    assert main(["library", "copy", str(src), pg_url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and {t["table"] for t in report["tables"]} >= {
        "papers", "records", "comparisons", "measurements", "provenance", "history", "autosave",
        "screening_decisions", "screening_reasons", "screening_stops", "import_log"}
    rows = {t["table"]: t["rows"] for t in report["tables"]}
    assert rows["papers"] == 2 and rows["history"] >= 3 and rows["screening_decisions"] == 5
    pg = Library.open(pg_url)
    _same(pg, facts)
    # new ids on the server continue after the copied ones
    rec = curation.load(pg, facts["ids"][0])
    rec.measurements.append(Measurement(analyte="IL-2", value=4.0))
    curation.save_draft(pg, rec, "cat", base=curation.stored(pg, facts["ids"][0]))
    facts["records"][facts["ids"][0]] = pg.load_record(facts["ids"][0])
    facts["history"][facts["ids"][0]] = pg.history(facts["ids"][0])
    pg.close()
    back = tmp_path / "back.sqlite"
    assert main(["library", "copy", pg_url, str(back)]) == 0
    assert "checked, identical" in capsys.readouterr().out
    lite = Library.open(back)
    _same(lite, facts)
    lite.close()


def test_a_copy_that_differs_is_reported_and_a_full_target_refused(tmp_path, pg_url, monkeypatch, capsys):
    src = tmp_path / "mine.sqlite"
    _rich_library(src)
    real = Library.bulk_insert

    def lossy(self, table, cols, rows):
        rows = list(rows)
        return real(self, table, cols, rows[:-1] if table == "history" else rows)

    monkeypatch.setattr(Library, "bulk_insert", lossy)
    assert main(["library", "copy", str(src), str(tmp_path / "lossy.sqlite")]) == 1
    out = capsys.readouterr().out
    assert "CHECK FAILED" in out and "history" in [line.split()[0] for line in out.splitlines() if "DIFFERENT" in line]
    monkeypatch.undo()
    assert main(["library", "copy", str(src), pg_url]) == 0
    capsys.readouterr()
    assert main(["library", "copy", str(src), pg_url]) == 2  # not empty any more: refused, nothing written
    assert "already holds 2 paper(s)" in capsys.readouterr().err


def test_a_target_without_a_table_of_the_source_is_refused(tmp_path, pg_url, monkeypatch):
    src = tmp_path / "mine.sqlite"
    _rich_library(src)
    real = store_copy.tables
    monkeypatch.setattr(store_copy, "tables", lambda lib: [t for t in real(lib) if not (
        lib.engine == "postgresql" and t == "import_log")])
    from curator.services.library import CannotOpen, copy_library

    with pytest.raises((CannotOpen, Exception), match="has no table import_log"):
        copy_library(src, pg_url)
    lib = Library.open(pg_url)
    assert lib.paper_count() == 0
    lib.close()


def test_copy_keeps_full_texts_and_each_curators_extraction(tmp_path, pg_url, corpus, capsys):
    pdf = corpus / "pdf" / "ami" / "PMC4737013.pdf"
    if not pdf.exists():
        pytest.skip("the PDF corpus is not present")
    src = tmp_path / "mine.sqlite"
    _rich_library(src, pdf)
    lite = Library.open(src)
    (pdf_paper,) = [s.id for s in lite.list_papers() if s.title.startswith("Treatment of Ipilimumab")]
    a = min(s.id for s in lite.list_papers())
    want = {"ft": fulltext_queries.load_fulltext(lite, pdf_paper), "ext": extractions.extractions(lite, a),
            "blind": extractions.blind_mode(lite)}
    lite.close()
    assert main(["library", "copy", str(src), pg_url, "--json"]) == 0
    rows = {t["table"]: t["rows"] for t in json.loads(capsys.readouterr().out)["tables"]}
    assert rows["fulltexts"] == 1 and rows["fulltext_pages"] == 4 and rows["extractions"] >= 1
    pg = Library.open(pg_url)
    ft = fulltext_queries.load_fulltext(pg, pdf_paper)
    assert ft == want["ft"] and ft.pdf == pdf.read_bytes()
    assert extractions.extractions(pg, a) == want["ext"] and "ben" in want["ext"]
    assert extractions.blind_mode(pg) is want["blind"] is False
    pg.close()
    back = tmp_path / "back.sqlite"
    assert main(["library", "copy", pg_url, str(back)]) == 0
    lite = Library.open(back)
    assert fulltext_queries.load_fulltext(lite, pdf_paper) == want["ft"]
    assert extractions.extractions(lite, a) == want["ext"]
    lite.close()
