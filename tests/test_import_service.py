"""Import at scale: the streaming path (worker processes), duplicates, re-import, cancel, the window."""

from __future__ import annotations

import threading

import pytest

from curator.services import importing
from curator.services.importing import import_files
from curator.store.library import Library


@pytest.fixture
def big_xml(corpus):
    return corpus / "pubmed_xml" / "mokztk" / "CPFE.xml"  # 111 records


@pytest.mark.parametrize("workers_from", [10**12, 0], ids=["one-process", "worker-processes"])
def test_streaming_path_matches_the_plain_path(big_xml, tmp_path, monkeypatch, workers_from):
    plain = Library.open(tmp_path / "plain.sqlite")
    rep_plain = import_files(plain, [big_xml])
    monkeypatch.setattr(importing, "STREAM_BYTES", 0)
    monkeypatch.setattr(importing, "PARALLEL_BYTES", workers_from)
    lib = Library.open(tmp_path / "stream.sqlite")
    rep = import_files(lib, [big_xml])
    assert rep.totals["added"] == rep_plain.totals["added"] == 111
    assert rep.files[0].format == "pubmed_xml"
    assert lib.count_papers(search="fibrosis") == plain.count_papers(search="fibrosis") > 0
    a = {s.pmid: s.title for s in lib.list_papers()}
    b = {s.pmid: s.title for s in plain.list_papers()}
    assert a == b
    # the same file again: everything merged, nothing added, nothing rewritten
    before = lib.conn.execute("SELECT max(updated_at), count(*) FROM papers").fetchone()
    again = import_files(lib, [big_xml])
    assert again.totals["added"] == 0 and again.totals["merged"] == 111
    assert lib.conn.execute("SELECT max(updated_at), count(*) FROM papers").fetchone() == before


def test_cancel_leaves_nothing_behind(big_xml, tmp_path, monkeypatch):
    for stream in (False, True):
        if stream:
            monkeypatch.setattr(importing, "STREAM_BYTES", 0)
        lib = Library.open(tmp_path / f"c{stream}.sqlite")
        cancel = threading.Event()

        def progress(done, total, msg, cancel=cancel):
            cancel.set()  # the curator presses Cancel as soon as the file starts

        rep = import_files(lib, [big_xml], progress, cancel)
        assert rep.cancelled and "cancelled" in rep.files[0].error
        assert lib.paper_count() == 0
        lib.close()


def test_duplicates_across_formats_are_merged_keeping_every_field(corpus, tmp_path):
    lib = Library.open(tmp_path / "lib.sqlite")
    medline = corpus / "medline_nbib" / "bibliograph.parsing" / "medline_test.med"
    bib = corpus / "bibtex" / "bibliograph.parsing" / "medline_test.bib"
    first = import_files(lib, [medline])
    n = lib.paper_count()
    second = import_files(lib, [bib])
    assert first.totals["added"] == n == 4
    assert second.totals["merged"] == 4 and second.totals["added"] == 0
    assert lib.paper_count() == 4


def test_import_from_the_window(qtbot, tmp_path, corpus):
    from tests.ui_helpers import make_window

    win = make_window(qtbot, tmp_path)
    before = win.paper_model.rowCount()
    op = win.import_paths([str(corpus / "ris" / "synthesisr")])
    with qtbot.waitSignal(op.finished, timeout=20000):
        pass
    added = win.last_import.totals["added"]
    assert added == 24  # ASP 4 + Scopus 3 + CiteSource 17
    assert win.paper_model.rowCount() == before + added
    assert "24 added" in win.statusBar().currentMessage()


@pytest.mark.parametrize("workers_from", [10**12, 0], ids=["one-process", "worker-processes"])
def test_streaming_merges_keep_every_field(tmp_path, monkeypatch, workers_from):
    """A PubMed file that holds a record twice (the second copy adds a DOI and an abstract) and a
    record already in the library from RIS: both merge, nothing is lost, nothing is added twice."""
    monkeypatch.setattr(importing, "STREAM_BYTES", 0)
    monkeypatch.setattr(importing, "PARALLEL_BYTES", workers_from)
    lib = Library.open(tmp_path / "lib.sqlite")
    ris = tmp_path / "prior.ris"
    ris.write_text("TY  - JOUR\nTI  - Anakinra for refractory ICANS after CAR T cells\nPY  - 2023\n"
                   "AU  - Doe, Jane\nKW  - anakinra\nN1  - curator note kept\nER  - \n", encoding="utf-8")
    assert import_files(lib, [ris]).totals["added"] == 1

    def article(pmid, title, extra=""):
        return (f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><JournalIssue>"
                f"<PubDate><Year>2023</Year></PubDate></JournalIssue><Title>Blood</Title></Journal>"
                f"<ArticleTitle>{title}</ArticleTitle>{extra}</Article></MedlineCitation></PubmedArticle>\n")

    xml = tmp_path / "pubmed.xml"
    xml.write_text(
        '<?xml version="1.0"?>\n<PubmedArticleSet>\n'
        + article(111, "Tocilizumab timing and cytokine release syndrome grade")
        + "".join(article(200 + i, f"Unrelated record number {i} about lymphoma outcomes") for i in range(30))
        + article(111, "Tocilizumab timing and cytokine release syndrome grade",
                  "<ELocationID EIdType=\"doi\">10.1/toci</ELocationID>"
                  "<Abstract><AbstractText>IL-6 fell from 120 to 15 pg/mL.</AbstractText></Abstract>")
        + article(999, "Anakinra for refractory ICANS after CAR T cells")
        + "</PubmedArticleSet>\n", encoding="utf-8")
    rep = import_files(lib, [xml])
    assert rep.totals["added"] == 31 and rep.totals["merged"] == 2 and rep.totals["failed"] == 0
    assert lib.paper_count() == 32
    toci = lib.get_paper(lib.find_by_pmid("111"))
    assert toci.doi == "10.1/toci" and toci.abstract.startswith("IL-6 fell from 120")
    ana = lib.get_paper(lib.find_by_pmid("999"))
    assert ana.authors == ["Doe J"] and "anakinra" in ana.keywords  # the RIS fields are kept
    assert lib.count_papers(search="pg") == 1  # the merged abstract is searchable
