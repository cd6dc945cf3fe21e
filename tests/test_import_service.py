"""Import at scale: the streaming path (worker processes), duplicates, re-import, cancel, the window."""

from __future__ import annotations

import threading

import pytest

from curator.services import importing
from curator.services.importing import import_files
from curator.store.library import Library


def _by_pmid(lib, pmid):
    (pid,) = [s.id for s in lib.list_papers() if s.pmid == pmid]
    return lib.get_paper(pid)


@pytest.fixture
def big_xml(corpus):
    return corpus / "pubmed_xml" / "mokztk" / "CPFE.xml"  # 111 records


@pytest.mark.parametrize("workers_from", [10**12, 0], ids=["one-process", "worker-processes"])
def test_streaming_path_matches_the_plain_path(new_target, big_xml, tmp_path, monkeypatch, workers_from):
    plain = Library.open(new_target("plain"))
    rep_plain = import_files(plain, [big_xml])
    monkeypatch.setattr(importing, "STREAM_BYTES", 0)
    monkeypatch.setattr(importing, "PARALLEL_BYTES", workers_from)
    lib = Library.open(new_target("stream"))
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


def test_cancel_leaves_nothing_behind(new_target, big_xml, tmp_path, monkeypatch):
    for stream in (False, True):
        if stream:
            monkeypatch.setattr(importing, "STREAM_BYTES", 0)
        lib = Library.open(new_target(f"c{stream}"))
        cancel = threading.Event()

        def progress(done, total, msg, cancel=cancel):
            cancel.set()  # the curator presses Cancel as soon as the file starts

        rep = import_files(lib, [big_xml], progress, cancel)
        assert rep.cancelled and "cancelled" in rep.files[0].error
        assert lib.paper_count() == 0
        lib.close()


def test_duplicates_across_formats_are_merged_keeping_every_field(new_target, corpus, tmp_path):
    lib = Library.open(new_target("lib"))
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
def test_streaming_merges_keep_every_field(new_target, tmp_path, monkeypatch, workers_from):
    """A PubMed file that holds a record twice (the second copy adds a DOI and an abstract) and a
    record already in the library from RIS: both merge, nothing is lost, nothing is added twice."""
    monkeypatch.setattr(importing, "STREAM_BYTES", 0)
    monkeypatch.setattr(importing, "PARALLEL_BYTES", workers_from)
    lib = Library.open(new_target("lib"))
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
    toci = _by_pmid(lib, "111")
    assert toci.doi == "10.1/toci" and toci.abstract.startswith("IL-6 fell from 120")
    ana = _by_pmid(lib, "999")
    assert ana.authors == ["Doe J"] and "anakinra" in ana.keywords  # the RIS fields are kept
    assert lib.count_papers(search="pg") == 1  # the merged abstract is searchable


def _article(pmid, title, year=2023, doi=None, abstract=None):
    pmid_xml = f"<PMID>{pmid}</PMID>" if pmid else ""
    doi_xml = f'<ELocationID EIdType="doi">{doi}</ELocationID>' if doi else ""
    abs_xml = f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>" if abstract else ""
    return (f"<PubmedArticle><MedlineCitation>{pmid_xml}<Article><Journal><JournalIssue><PubDate><Year>{year}"
            f"</Year></PubDate></JournalIssue><Title>Blood</Title></Journal><ArticleTitle>{title}</ArticleTitle>"
            f"{doi_xml}{abs_xml}</Article></MedlineCitation></PubmedArticle>\n")


TITLE = "Tocilizumab timing and cytokine release syndrome grade after CAR T cells"
NEAR = "Tocilizumab timing and cytokine release syndrome grades after CAR T cells"  # fuzz.ratio ~99
OTHER = "Tocilizumab timing and neurotoxicity syndrome grade after CAR NK cells"  # fuzz.ratio ~88


def _duplicates_file(tmp_path):
    """Shared titles across PMIDs, a near-identical title, DOI-only records and records without identifiers."""
    recs = [
        _article(111, TITLE),
        _article(222, TITLE),  # another PMID, the same title: another paper
        _article(333, NEAR),  # another PMID, a near-identical title: another paper
        _article(None, "Anakinra for refractory ICANS: a multicentre cohort", doi="10.1/ana"),
        _article(None, "Anakinra for refractory ICANS, a multicentre cohort study", doi="10.1/ana",
                 abstract="Second copy, same DOI."),  # the same DOI: merged
        _article(None, "Anakinra for refractory ICANS: a multicentre cohort", doi="10.1/other"),  # another DOI
        _article(444, "Ferritin kinetics predict haemophagocytic syndrome after CAR T"),
        _article(None, "Ferritin kinetics predict haemophagocytic syndromes after CAR T",
                 abstract="No identifier, near-identical title: merged into PMID 444."),
        _article(None, OTHER),  # too different from TITLE (fuzz.ratio < 95): its own paper
    ]
    body = "".join(recs) + "".join(_article(900 + i, f"Unrelated record number {i} about lymphoma outcomes")
                                   for i in range(20))
    xml = tmp_path / "dups.xml"
    xml.write_text('<?xml version="1.0"?>\n<PubmedArticleSet>\n' + body + "</PubmedArticleSet>\n", encoding="utf-8")
    return xml


def _papers(lib):
    out = []
    for s in lib.list_papers():
        p = lib.get_paper(s.id)
        out.append((p.pmid, p.doi, p.title, p.abstract))
    return sorted(out, key=repr)


@pytest.mark.parametrize("workers_from", [10**12, 0], ids=["one-process", "worker-processes"])
def test_every_import_path_applies_one_duplicate_rule(new_target, tmp_path, monkeypatch, workers_from):
    """The same file gives the same papers below the streaming threshold and above it."""
    xml = _duplicates_file(tmp_path)
    small = Library.open(new_target("small"))
    rep_small = import_files(small, [xml])
    monkeypatch.setattr(importing, "STREAM_BYTES", 0)
    monkeypatch.setattr(importing, "PARALLEL_BYTES", workers_from)
    big = Library.open(new_target("big"))
    rep_big = import_files(big, [xml])
    for rep in (rep_small, rep_big):
        assert rep.totals["added"] == 27 and rep.totals["merged"] == 2 and rep.totals["failed"] == 0
    papers = _papers(small)
    assert papers == _papers(big)
    pmids = [p[0] for p in papers]
    assert {"111", "222", "333", "444"} <= set(pmids)
    assert sorted(p[1] for p in papers if p[1]) == ["10.1/ana", "10.1/other"]
    (ferritin,) = [p for p in papers if p[0] == "444"]
    assert ferritin[3].startswith("No identifier, near-identical title")
    assert sum(p[2] == OTHER for p in papers) == 1
    # Once more into each library: everything merges into what is there, nothing is added.
    assert import_files(small, [xml]).totals["added"] == 0
    assert import_files(big, [xml]).totals["added"] == 0
    assert _papers(small) == _papers(big) == papers


def test_a_record_without_identifiers_merges_into_a_titled_paper_from_another_file(new_target, tmp_path, monkeypatch):
    for stream in (False, True):
        monkeypatch.setattr(importing, "STREAM_BYTES", 0 if stream else 10**12)
        lib = Library.open(new_target(f"lib{stream}"))
        ris = tmp_path / "prior.ris"
        ris.write_text(f"TY  - JOUR\nTI  - {NEAR}\nPY  - 2023\nAU  - Doe, Jane\nER  - \n"
                       f"TY  - JOUR\nTI  - {OTHER}\nPY  - 2023\nER  - \n", encoding="utf-8")
        xml = tmp_path / "pubmed.xml"
        xml.write_text('<?xml version="1.0"?>\n<PubmedArticleSet>\n' + _article(111, TITLE) + _article(222, TITLE)
                       + "</PubmedArticleSet>\n", encoding="utf-8")
        rep = import_files(lib, [ris, xml])
        # 111 joins the RIS copy (no identifier, near-identical title); 222 may not join it any more.
        assert [f.added for f in rep.files] == [2, 1] and rep.files[1].merged == 1
        merged = _by_pmid(lib, "111")
        assert merged.title == NEAR and merged.authors == ["Doe J"]
        assert lib.paper_count() == 3


def test_a_record_with_only_an_abstract_is_imported_untitled(new_target, tmp_path):
    lib = Library.open(new_target("lib"))
    ris = tmp_path / "untitled.ris"
    ris.write_text("TY  - JOUR\nAB  - CRS grade 3 in 4 of 20 patients.\nPY  - 2022\nER  - \n"
                   "TY  - JOUR\nPY  - 2021\nER  - \n"
                   f"TY  - JOUR\nTI  - {TITLE}\nER  - \n", encoding="utf-8")
    rep = import_files(lib, [ris])
    fr = rep.files[0]
    assert fr.added == 2 and fr.skipped == 1
    untitled = [lib.get_paper(s.id) for s in lib.list_papers() if s.title == importing.UNTITLED]
    assert len(untitled) == 1 and untitled[0].abstract == "CRS grade 3 in 4 of 20 patients."
    assert [w.message for w in fr.warnings] == [
        f"no title, PMID or DOI: imported as {importing.UNTITLED} (it has an abstract)",
        "no title, PMID, DOI or abstract: skipped"]


def test_a_failed_file_leaves_no_trace_in_the_duplicate_index(new_target, tmp_path, monkeypatch):
    """One index serves every file of an import; a file that rolls back must not leave its papers in it,
    or the next file would merge into papers that are not there."""
    lib = Library.open(new_target("lib"))
    insert = Library.insert_papers

    def failing_insert(self, papers, *a, **k):
        if any(p.title == "BOOM this record breaks the import" for p in papers):
            raise RuntimeError("disk trouble")
        return insert(self, papers, *a, **k)

    monkeypatch.setattr(Library, "insert_papers", failing_insert)
    files = []
    for name, titles in (("a.ris", [TITLE]), ("b.ris", [OTHER, "BOOM this record breaks the import"]),
                         ("c.ris", [OTHER])):
        f = tmp_path / name
        f.write_text("".join(f"TY  - JOUR\nTI  - {t}\nPY  - 2023\nER  - \n" for t in titles), encoding="utf-8")
        files.append(f)
    rep = import_files(lib, files)
    assert [f.added for f in rep.files] == [1, 0, 1]
    assert "disk trouble" in rep.files[1].error
    assert sorted(s.title for s in lib.list_papers()) == sorted([TITLE, OTHER])
