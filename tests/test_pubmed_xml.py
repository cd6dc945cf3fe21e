"""PubMed XML importer on every pubmed_xml/ file of the shared corpus (record counts from
SOURCES.md), field spot checks (structured abstracts, MathML, books, MeSH flags, DeleteCitation,
Greek letters), broken input (truncated, malformed, entity bombs) and the streaming API."""

from __future__ import annotations

import gzip
import random
import re
from functools import cache

import pytest
from conftest import CORPUS

from curator.importers import detect, get, parse_file
from curator.importers.base import ImportFormatError, RecordError, decode_bytes
from curator.importers.pubmed_xml import (
    UnsafeXMLError,
    _iter_iterparse,
    check_xml_safety,
    framing,
    iter_parse_bytes,
    iter_parse_path,
    iter_parse_text,
    parse_path,
    workers,
)

# file -> PubmedArticle + PubmedBookArticle records, as listed in SOURCES.md
COUNTS = {
    "biopython/pubmed1.xml": 2,
    "biopython/pubmed2.xml": 2,
    "biopython/pubmed4.xml": 1,
    "biopython/pubmed5.xml": 1,
    "biopython/pubmed6.xml": 1,
    "biopython/pubmed7.xml": 1,
    "eutils-json/efetch.pubmed.xml": 2,
    "eutils-json/efetch.pubmedbook.xml": 1,
    "jabref/MedlineImporterTestArticleID.xml": 1,
    "jabref/MedlineImporterTestArticleItalics.xml": 1,
    "jabref/MedlineImporterTestArticleNoISSN.xml": 1,
    "jabref/MedlineImporterTestBookArticleSet.xml": 2,
    "jabref/MedlineImporterTestKeywordSingleEntry.xml": 1,
    "jabref/MedlineImporterTestMalformedEntry.xml": 1,
    "jabref/MedlineImporterTestMathML.xml": 1,
    "jabref/MedlineImporterTestMeshHeadingList.xml": 1,
    "jabref/MedlineImporterTestMinimalEntry.xml": 1,
    "jabref/MedlineImporterTestNbib.xml": 2,
    "jabref/MedlineImporterTestPubmedBook.xml": 1,
    "mauriciomanoel/pubmed_result.xml": 32,
    "metapub/30849835.xml": 1,
    "metapub/32051057.xml": 1,
    "metapub/34843274.xml": 1,
    "metapub/36873252.xml": 1,
    "metapub/36987902.xml": 1,
    "metapub/37167981.xml": 1,
    "metapub/37909814.xml": 0,
    "metapub/38048813.xml": 1,
    "metapub/38962805.xml": 1,
    "metapub/39337530.xml": 1,
    "metapub/sample_article_20301577.xml": 1,
    "metapub/sample_article_23435529.xml": 1,
    "mokztk/CPFE.xml": 111,
    "mokztk/pubmed_result.xml": 15,
    "p1m-ortho/pubmed_result.xml": 4,
    "pmparser/pubmed20n1016.xml": 26,
    "pmparser/pubmed26n1334.xml": 30,
}
# Broken on purpose: the record is reported as an error instead of imported.
BROKEN = {"jabref/MedlineImporterTestMalformedEntry.xml", "jabref/MedlineImporterTestMinimalEntry.xml"}


def _path(rel: str):
    return CORPUS / "pubmed_xml" / rel


@cache
def _text(rel: str) -> str:
    return decode_bytes(_path(rel).read_bytes())


@cache
def _parse(rel: str):
    return get("pubmed_xml").parse(_text(rel))


def _failed(result):
    return [e for e in result.errors if not e.warning]


def _by_pmid(rel: str, pmid: str):
    return next(p for p in _parse(rel).papers if p.pmid == pmid)


def test_every_corpus_file_is_listed(corpus):
    on_disk = {str(p.relative_to(corpus / "pubmed_xml")) for p in (corpus / "pubmed_xml").rglob("*.xml")}
    assert on_disk == set(COUNTS)


@pytest.mark.parametrize("rel", sorted(COUNTS))
def test_record_count_and_detection(corpus, rel):
    assert detect(_text(rel), _path(rel).name).name == "pubmed_xml"
    result = _parse(rel)
    assert len(result.papers) + len(_failed(result)) == COUNTS[rel]
    if rel in BROKEN:
        assert result.papers == [] and len(_failed(result)) == 1
    else:
        assert _failed(result) == []
        assert all(p.pmid and p.pmid.isdigit() for p in result.papers)


def test_structured_abstract_inline_markup_and_ids(corpus):
    p = _parse("biopython/pubmed4.xml").papers[0]
    assert p.pmid == "27797938" and p.pmcid == "PMC5442267"
    assert p.doi == "10.1136/gutjnl-2016-312510"
    assert p.title == "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer."
    assert len(p.authors) == 22 and p.first_author == "Bao Y" and p.authors[-1] == "Wolpin BM"
    assert (p.journal, p.journal_abbrev, p.volume, p.issue, p.pages) == ("Gut", "Gut", "66", "6", "1116-1122")
    assert p.pub_date == "2017-06" and p.year == 2017
    labels = [s.label for s in p.abstract_sections]
    assert labels == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    paras = p.abstract.split("\n\n")
    assert len(paras) == 4 and paras[0].startswith("OBJECTIVE: Telomere shortening occurs")
    assert all(para.startswith(f"{lab}: ") for para, lab in zip(paras, labels))
    # <i>TERT</i> and r<sup>2</sup> flattened without spaces inside words, none lost around them
    assert "SNPs at TERT (linkage disequilibrium r2<0.25)" in p.abstract
    assert "  " not in p.abstract
    assert "Telomerase" in p.substances and "PANCREATIC CANCER" in p.keywords
    assert any(g.startswith("R35 CA197735/CA/NCI NIH HHS") for g in p.grants)
    assert p.language == "eng"
    assert p.extra["full_authors"][0] == "Bao, Ying"


def test_mathml_reduced_to_readable_text(corpus):
    p = _parse("biopython/pubmed6.xml").papers[0]
    assert "maximal oxygen uptake ( V\u0307O2max ) 67.6 ± 4.1 ml·kg-1·min-1]" in p.abstract
    assert "best predictors of V\u0307O2max (r = 0.72-0.79" in p.abstract
    assert "LEmin" in p.abstract and "mml" not in p.abstract
    q = _parse("biopython/pubmed7.xml").papers[0]
    assert "inhaled 3He/129Xe MRI ventilation" in q.abstract
    assert "Canadian Respiratory Research Network" in q.authors  # CollectiveName kept as author
    m = _parse("jabref/MedlineImporterTestMathML.xml").papers[0]
    assert m.abstract.startswith("Following are examples of MathML elements: ηp2 ")
    assert "(a+1)/b" in m.abstract and "y=3√(x2)" in m.abstract and "\n" not in m.abstract


def test_greek_micro_kept_exactly(corpus):
    p = _parse("metapub/30849835.xml").papers[0]
    assert "was ≤5 μg/ml" in p.abstract and p.abstract.count("\u03bc") == 11
    q = _parse("metapub/37167981.xml").papers[0]
    assert q.title == (
        "Monte Carlo simulation of micro-x-ray fluorescence (\u03bc-XRF) based detection of "
        "immunomagnetically labeled tumor cells."
    )
    assert "20\u03bcm cancer cell lines" in q.abstract and "Fe3O4@SiO2" in q.abstract
    cpfe = _by_pmid("mokztk/CPFE.xml", "21438631")
    assert "Cp(2)M(2)(\u03bc-C(8)H(8))" in cpfe.abstract


def test_mesh_major_flags_and_qualifiers(corpus):
    p = _parse("jabref/MedlineImporterTestMeshHeadingList.xml").papers[0]
    mesh = {m.descriptor: m for m in p.mesh_terms}
    assert [m.descriptor for m in p.mesh_terms] == [
        "Humans", "Software", "Kidney Diseases", "Models, Theoretical", "Sample Heading"
    ]
    assert not mesh["Humans"].major and mesh["Software"].major
    assert mesh["Kidney Diseases"].major
    assert mesh["Kidney Diseases"].qualifiers == [
        {"name": "diagnosis", "major": False},
        {"name": "epidemiology", "major": False},
        {"name": "therapy", "major": False},
    ]
    assert not mesh["Models, Theoretical"].major
    assert mesh["Models, Theoretical"].qualifiers == [{"name": "methods", "major": True}]
    assert mesh["Sample Heading"].major and mesh["Sample Heading"].qualifiers == [{"name": "analysis", "major": True}]
    assert p.journal == "Test Journal" and p.pub_date == "2024" and p.volume == "1"


def test_book_articles(corpus):
    whole = _parse("eutils-json/efetch.pubmedbook.xml").papers[0]
    assert whole.title == "GeneReviews™" and whole.pmid == "20301295"
    assert whole.authors == []  # the AuthorList is of editors
    assert whole.extra["editors"][0] == "Pagon RA" and whole.extra["book_accession"] == "NBK1116"
    assert whole.extra["record_type"] == "book" and len(whole.extra["book_sections"]) == 577
    assert whole.abstract.startswith("GeneReviews are expert-authored, peer-reviewed disease descriptions")
    chapter = _parse("metapub/sample_article_20301577.xml").papers[0]
    assert chapter.title == "CACNA1C-Related Disorders" and chapter.journal == "GeneReviews®"
    assert chapter.authors[:2] == ["Napolitano C", "Priori SG"]
    assert chapter.abstract_sections[0].label == "CLINICAL CHARACTERISTICS"
    assert chapter.abstract.startswith("CLINICAL CHARACTERISTICS: The clinical manifestations of CACNA1C")
    pair = _parse("jabref/MedlineImporterTestBookArticleSet.xml")
    first, second = pair.papers
    assert first.title == "Title for some article"
    assert first.journal == "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"
    assert first.authors == ["National Collaborating Centre for Chronic Conditions (UK)"]
    assert first.pub_date == "2009-02" and first.doi == "10.3275/8949"
    assert first.publication_types == ["Review", "Practice Guideline"]
    assert second.pmid == "21413195" and second.title == "" and second.pages == "1831"
    assert [(w.record, w.warning) for w in pair.errors] == [(2, True)]  # untitled: imported, flagged
    mixed = _parse("jabref/MedlineImporterTestNbib.xml").papers
    assert [p.extra.get("record_type") for p in mixed] == [None, "book"]
    assert mixed[1].abstract == "just a dummy."  # Label="UNLABELLED" is no label


def test_delete_citations(corpus):
    result = _parse("pmparser/pubmed20n1016.xml")
    assert len(result.papers) == 26
    assert len(result.deleted_pmids) == 262
    assert result.deleted_pmids[0] == "31034065" and result.deleted_pmids[-1] == "31845705"
    p = _by_pmid("pmparser/pubmed20n1016.xml", "10658653")
    assert p.title.startswith("Proteome analysis of Bacillus subtilis extracellular proteins")
    assert p.volume == "146 ( Pt 1)" and p.pub_date == "2000-01" and p.doi == "10.1099/00221287-146-1-65"
    assert "chimeric antigen receptor T cells" in {k for q in result.papers for k in q.keywords}


def test_single_line_baseline_records_and_vernacular_titles(corpus):
    result = _parse("pmparser/pubmed26n1334.xml")
    first = result.papers[0]
    assert first.pmid == "41576520" and first.pub_date == "2026-01-07"
    assert first.abstract_sections[0].label == "BACKGROUND"
    german = _by_pmid("pmparser/pubmed26n1334.xml", "41605226")  # <ArticleTitle/> is empty
    assert german.language == "ger"
    assert german.title.startswith("Kommentar zu „ABDOMEN BECKEN – Das Avocado-Zeichen")
    assert german.extra["title_source"] == "VernacularTitle"
    retraction = _by_pmid("pmparser/pubmed26n1334.xml", "41578200")
    assert retraction.extra["comments_corrections"][0]["type"] == "RetractionOf"
    norwegian = _parse("metapub/36987902.xml").papers[0]
    assert norwegian.title.startswith("Patients over 75 years admitted to the National Burn Centre")
    assert norwegian.extra["vernacular_title"].startswith("Pasienter over 75\u00a0år innlagt")
    bracketed = _parse("metapub/38048813.xml").papers[0]
    assert bracketed.title == "[A Broader Scope - Bio-Psycho-Social Medicine In Global Focus]."  # kept as is
    assert bracketed.abstract == "" and bracketed.language == "ger"


def test_other_spot_checks(corpus):
    p1 = _parse("biopython/pubmed1.xml").papers
    assert (p1[0].pmid, p1[0].doi, p1[0].abstract, p1[0].pub_date) == ("12091962", None, "", "1990")
    assert p1[1].pub_date == "1976-09-28" and p1[1].doi == "10.1016/0005-2795(76)90109-4"
    big = _parse("eutils-json/efetch.pubmed.xml").papers[0]
    assert len(big.authors) == 33 and big.first_author == "Ling KH" and big.pmcid == "PMC1800922"
    tax = _parse("metapub/sample_article_23435529.xml").papers[0]
    assert "TAX 325 Study Group" in tax.authors
    assert [s.label for s in tax.abstract_sections] == ["PURPOSE", "PATIENTS AND METHODS", "RESULTS", "CONCLUSION"]
    assert _parse("jabref/MedlineImporterTestArticleID.xml").papers[0].language == "eng"  # "ENG" in the file
    correction = _parse("metapub/38962805.xml").papers[0]
    assert correction.title == "Correction." and correction.authors == [] and correction.abstract == ""
    assert "Published Erratum" in correction.publication_types
    mm = _parse("mauriciomanoel/pubmed_result.xml").papers
    assert sum(1 for p in mm if not p.doi) == 5 and sum(1 for p in mm if p.abstract_sections) == 15
    cp = _parse("mokztk/CPFE.xml").papers
    assert sum(1 for p in cp if not p.doi) == 21 and sum(1 for p in cp if not p.abstract) == 3
    assert "CAR-T therapy" in _parse("metapub/36873252.xml").papers[0].keywords


def test_empty_set_gives_nothing(corpus):
    result = _parse("metapub/37909814.xml")
    assert result.papers == [] and result.errors == [] and result.deleted_pmids == []


def test_malformed_file_reports_record_and_line(corpus):
    result = _parse("jabref/MedlineImporterTestMalformedEntry.xml")
    (err,) = result.errors
    assert (err.record, err.line, err.warning) == (1, 2, False)
    assert "mismatch" in err.message and "line 4" in err.message


def test_truncated_file_keeps_the_records_before_the_cut(corpus):
    data = _path("mokztk/CPFE.xml").read_bytes()
    cut = data[: len(data) // 2].decode("utf-8", "ignore")
    result = get("pubmed_xml").parse(cut)
    assert len(result.papers) == 43
    (err,) = result.errors
    assert err.record == 44 and err.line == 8425
    assert "cut short" in err.message and "Premature end of data" in err.message
    assert result.papers[-1].pmid == _parse("mokztk/CPFE.xml").papers[42].pmid
    # cut right after a record: everything imports, the missing end of the set is reported
    k = data.index(b"</PubmedArticle>", len(data) // 3) + len(b"</PubmedArticle>")
    result = get("pubmed_xml").parse(data[:k].decode("utf-8"))
    assert len(result.papers) == 30 and [e.record for e in result.errors] == [31]
    assert "without closing </PubmedArticleSet>" in result.errors[0].message


def test_a_malformed_record_fails_alone(corpus):
    bad = _text("mokztk/CPFE.xml").replace("</ArticleTitle>", "</ArticleTitl>", 1)
    result = get("pubmed_xml").parse(bad)
    assert len(result.papers) == 110
    (err,) = result.errors
    assert err.record == 1 and err.line == 5 and "ArticleTitl" in err.message
    # a record that lost its end tag stops where the next one starts
    text = _text("mokztk/CPFE.xml")
    third_end = text.index("</PubmedArticle>", text.index("</PubmedArticle>", text.index("</PubmedArticle>") + 1) + 1)
    result = get("pubmed_xml").parse(text[:third_end] + text[third_end + len("</PubmedArticle>"):])
    assert len(result.papers) == 110 and [(e.record, e.line) for e in result.errors] == [(3, 254)]
    assert "Premature end of data in tag PubmedArticle line 254" in result.errors[0].message
    # stray text between records: everything imports, a warning says where
    first_end = text.index("</PubmedArticle>") + len("</PubmedArticle>")
    result = get("pubmed_xml").parse(text[:first_end] + "\nGARBAGE\n" + text[first_end:])
    assert len(result.papers) == 111
    assert [(e.record, e.line, e.warning) for e in result.errors] == [(2, 157, True)]  # the GARBAGE line


BOMB = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&lol3;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ATTLIST x y CDATA "]"><!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


@pytest.mark.parametrize("doc", [BOMB, XXE], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused(doc):
    assert detect(doc).name == "pubmed_xml"
    with pytest.raises(UnsafeXMLError, match="declares entities"):
        get("pubmed_xml").parse(doc)
    with pytest.raises(ImportFormatError):  # also through the registry's parse_bytes
        from curator.importers import parse_bytes

        parse_bytes(doc.encode(), "bomb.xml")
    with pytest.raises(UnsafeXMLError):
        list(iter_parse_bytes(doc.encode()))


def test_entity_hidden_after_a_long_prolog_is_refused():
    with pytest.raises(UnsafeXMLError):
        check_xml_safety("<!--" + "x" * 70000 + "-->" + BOMB)


def test_normal_doctype_is_fine(corpus):
    check_xml_safety(_text("mokztk/CPFE.xml")[:65536])  # PUBLIC NLM DOCTYPE, no internal subset


@pytest.mark.parametrize(
    "text",
    [
        "TY  - JOUR\nTI  - A title\nER  - \n",
        "PMID- 12345\nTI  - A title\n",
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nER\n",
        "@article{x, title={A title}}",
        (
            "<article><front><article-meta><title-group><article-title>x</article-title></title-group>"
            "</article-meta></front></article>"
        ),
        "<pmc-articleset><article/></pmc-articleset>",
        "<html><body>PubmedArticle</body></html>",
        "PMID: 12345\n1. Some text about <PubmedArticle> elements.",
    ],
)
def test_sniff_is_low_for_other_formats(text):
    assert get("pubmed_xml").sniff(text) == 0.0


def test_streaming_api_path_gz_and_deleted(corpus, tmp_path):
    deleted: list[str] = []
    items = list(iter_parse_path(_path("pmparser/pubmed20n1016.xml"), deleted))
    assert [n for n, _line, _p in items] == list(range(1, 27))
    assert all(line == 4 for _n, line, _p in items)  # single-line records: all on line 4
    assert len(deleted) == 262
    gz = tmp_path / "pubmed20n1016.xml.gz"
    gz.write_bytes(gzip.compress(_path("pmparser/pubmed20n1016.xml").read_bytes()))
    res = parse_path(gz)
    assert len(res.papers) == 26 and len(res.deleted_pmids) == 262
    assert [p.to_dict() for p in res.papers] == [p.to_dict() for _n, _l, p in items]


def test_fast_path_matches_iterparse_path_on_the_corpus(corpus):
    """Batch framing (used for UTF-8 files and decoded text) and the generic iterparse path
    (used for files declared in other encodings) give the same records."""
    import io

    for rel in COUNTS:
        if rel in BROKEN:
            continue
        text = _text(rel)
        fast = [(n, p.to_dict()) for n, _l, p in iter_parse_text(text)]
        slow = [(n, p.to_dict()) for n, _l, p in _iter_iterparse(io.BytesIO(text.encode()), None, "utf-8")]
        assert fast == slow, rel


def test_latin1_declared_file(tmp_path):
    doc = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>'
        "<PMID>7</PMID><Article><ArticleTitle>Caf\u00e9 \u00b5g dose</ArticleTitle></Article>"
        "</MedlineCitation></PubmedArticle></PubmedArticleSet>\n"
    )
    path = tmp_path / "latin1.xml"
    path.write_bytes(doc.encode("latin-1"))
    (item,) = list(iter_parse_path(path))
    assert item[2].title == "Caf\u00e9 \u00b5g dose"
    assert parse_file(path).papers[0].title == "Caf\u00e9 \u00b5g dose"  # decode_bytes + text path


def test_utf16_file(corpus, tmp_path):
    path = tmp_path / "utf16.xml"
    path.write_bytes(_text("biopython/pubmed4.xml").encode("utf-16"))  # with BOM
    assert parse_file(path).papers[0].pmid == "27797938"
    assert [p.pmid for _n, _l, p in iter_parse_path(path)] == ["27797938"]


def test_worker_processes_give_the_same_stream(corpus, monkeypatch):
    monkeypatch.setattr(workers, "RANGE_BYTES", 50_000)  # several ranges from one small file
    rel = "pmparser/pubmed20n1016.xml"
    serial_deleted: list[str] = []
    serial = [(n, line, p.to_dict()) for n, line, p in iter_parse_path(_path(rel), serial_deleted)]
    deleted: list[str] = []
    parallel = [(n, line, p.to_dict()) for n, line, p in iter_parse_path(_path(rel), deleted, workers=2)]
    assert parallel == serial and len(parallel) == 26
    assert deleted == serial_deleted and len(deleted) == 262


def _niceness(_paper) -> int:  # a transform that runs in the worker processes
    import os

    return os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.skipif(not hasattr(__import__("os"), "getpriority"), reason="POSIX priorities")
def test_worker_processes_yield_the_cpu_to_the_importing_process(corpus, monkeypatch):
    import os

    monkeypatch.setattr(workers, "RANGE_BYTES", 50_000)
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    seen = {item for _n, _l, item in iter_parse_path(_path("pmparser/pubmed20n1016.xml"), [], workers=2,
                                                     transform=_niceness) if isinstance(item, int)}
    assert seen == {min(mine + 5, 19)}


def _problem_file(tmp_path, cut: bool):
    """30 records with, between them, stray text, a comment, a <DeleteCitation>, a record without
    its end tag and a record with a tag mismatch; optionally cut short inside the last record."""
    rec = (
        "<PubmedArticle>\n<MedlineCitation>\n<PMID>{pmid}</PMID>\n<Article>\n"
        "<ArticleTitle>Record {pmid} about IL-6 and CRS</ArticleTitle>\n</Article>\n</MedlineCitation>\n"
        "<PubmedData>\n<History>\n<PubMedPubDate><Year>2020</Year></PubMedPubDate>\n</History>\n"
        "<ReferenceList>\n<Reference><Citation>x</Citation></Reference>\n</ReferenceList>\n</PubmedData>\n"
        "</PubmedArticle>\n"
    )
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n']
    for i in range(1, 31):
        r = rec.format(pmid=1000 + i)
        if i == 5:
            parts.append("stray text between records\n")
        elif i == 9:
            parts.append("<!-- a comment is fine -->\n")
        elif i == 12:
            parts.append("<DeleteCitation>\n<PMID>77</PMID>\n</DeleteCitation>\n")
        elif i == 17:
            r = r.replace("</PubmedArticle>", "")
        elif i == 23:
            r = r.replace("</ArticleTitle>", "</ArticleTitl>")
        parts.append(r)
    text = "".join(parts) + "</PubmedArticleSet>\n"
    if cut:
        text = text[: text.rindex("<ArticleTitle>")]
    path = tmp_path / ("cut.xml" if cut else "problems.xml")
    path.write_text(text, encoding="utf-8")
    return path, text


@pytest.mark.parametrize("cut", [False, True], ids=["whole", "cut-short"])
def test_problems_are_numbered_alike_in_workers_and_serially(tmp_path, monkeypatch, cut):
    """Workers read their own byte ranges and number records and lines within them; put back
    together, records, lines, messages and deleted PMIDs are those of a serial read."""
    path, text = _problem_file(tmp_path, cut)
    lines = text.split("\n")

    def line_of(needle: str) -> int:
        return next(i for i, ln in enumerate(lines, 1) if needle in ln)

    def run(workers: int):
        deleted: list[str] = []
        out = [(n, line, p.message if hasattr(p, "message") else p.pmid)
               for n, line, p in iter_parse_path(path, deleted, workers=workers)]
        return out, deleted

    serial, serial_deleted = run(1)
    monkeypatch.setattr(workers, "RANGE_BYTES", 2_000)  # many ranges of a few records each
    parallel, deleted = run(2)
    assert parallel == serial
    assert deleted == serial_deleted == ["77"]
    monkeypatch.setattr(framing, "BLOCK_SIZE", 1_500)  # a stream read in small blocks: many ranges too
    assert run(1) == (serial, serial_deleted)
    text_items = [(n, line, p.message if hasattr(p, "message") else p.pmid) for n, line, p in iter_parse_text(text)]
    assert text_items == serial
    errors = {n: (line, msg) for n, line, msg in serial if msg.startswith(("XML", "unexpected", "record"))}
    assert errors[5] == (line_of("stray text"), "unexpected text between records 4 and 5 "
                         f"(line {line_of('stray text')}); ignored")
    assert 9 not in errors  # a comment between records is not a problem
    assert errors[17][0] == line_of("<PMID>1017</PMID>") - 2
    assert errors[17][1].startswith("XML error in record 17 (starting at line")
    assert errors[23][1].startswith(f"XML error in record 23 (starting at line {line_of('<PMID>1023</PMID>') - 2})")
    assert f"ArticleTitle line {line_of('Record 1023 about')}" in errors[23][1]  # lxml's own words, file lines
    pmids = [m for _n, _l, m in serial if m.isdigit()]
    if cut:
        assert errors[30][1].startswith(f"record 30 (starting at line {line_of('<PMID>1030</PMID>') - 2}) is cut short")
        assert len(pmids) == 27
    else:
        assert len(pmids) == 28 and pmids[-1] == "1030"


def test_newline_counts_agree_with_and_without_numpy(monkeypatch):
    import random

    rng = random.Random(7)
    buf = bytes(rng.choice(b"ab<>\n\r ") for _ in range(50_000))
    xs = sorted(rng.randrange(len(buf) + 1) for _ in range(300)) + [0, len(buf), 10, 5]  # mostly rising
    monkeypatch.setattr(framing, "_NUMPY_BYTES", 1)
    with_numpy = framing.newlines_before(buf)
    monkeypatch.setattr(framing, "_NUMPY_BYTES", 1 << 40)
    counted = framing.newlines_before(buf)
    for x in xs:
        assert with_numpy(x) == counted(x) == buf.count(b"\n", 0, x)


# ---------------------------------------------------------------- framing on odd bytes
# (The checks that compared the retired compiled reader with this Python path, kept for the Python path.)

def _corpus_records() -> list[bytes]:
    from lxml import etree

    out = []
    for f in sorted((CORPUS / "pubmed_xml").rglob("*.xml")):
        try:
            root = etree.parse(str(f), framing.record_parser()).getroot()
        except etree.XMLSyntaxError:
            continue
        out += [etree.tostring(el, encoding="utf-8") for el in root.iter("PubmedArticle")]
    return out


def _framing_buffers(recs: list[bytes]) -> list[bytes]:
    rec = recs[5]
    odd = [
        b"<PubmedArticleSet>\n" + rec + b"\nstray words\n<!-- c -->" + rec.replace(b"</PubmedArticle>", b"") +
        b"\n" + rec + b"<DeleteCitation><PMID>1</PMID></DeleteCitation><PubmedArticle/>\n<PubmedArticleSetX>" +
        rec[: len(rec) // 2],
        b"<PubmedBookArticleSet><PubmedBookArticle><BookDocument><PMID>2</PMID><ReferenceList>x</ReferenceList>"
        b"</BookDocument><PubmedBookData><History>h</History></PubmedBookData></PubmedBookArticle>\r\n"
        b"<PubmedArticle>" + rec[15:] + b"</PubmedArticle></PubmedArticle>",
        rec.replace(b"<AuthorList", b"<AuthorList><Author><AffiliationInfo>a</AffiliationInfo>"
                    b"<AffiliationInfo>b", 1),
    ]
    return [f.read_bytes() for f in sorted((CORPUS / "pubmed_xml").rglob("*.xml"))] + odd


_START_TAG = re.compile(rb"<(PubmedArticle|PubmedBookArticle|DeleteCitation)(?=[\s>/]|\Z)")  # a cut tag counts


def test_framing_finds_every_record_in_odd_buffers_and_random_cuts(corpus):
    """On whole files, odd buffers and random slices of them: every record start tag is found, in order,
    each record ends at its end tag or where the next starts, and the line counts are right."""
    rng = random.Random(11)
    recs = _corpus_records()
    checked = 0
    for buf in _framing_buffers(recs):
        pieces = [buf] + [buf[a:b] for a, b in (sorted(rng.sample(range(len(buf) + 1), 2)) for _ in range(6))]
        for piece in pieces:
            found = list(framing.scan(piece))
            assert [s for s, *_ in found] == [m.start() for m in _START_TAG.finditer(piece)]
            for i, (s, name, end, nl_start, nl_end) in enumerate(found):
                nxt = found[i + 1][0] if i + 1 < len(found) else len(piece)
                assert piece.startswith(b"<" + name, s)
                assert nl_start == piece.count(b"\n", 0, s)
                if end < 0:
                    assert i == len(found) - 1 and nl_end == piece.count(b"\n")
                    continue
                assert s < end <= nxt and nl_end == piece.count(b"\n", 0, end)
                closed = piece[s:end].endswith((b"</" + name + b">", b"/>"))
                assert closed or end == nxt  # no end tag: it stops where the next record starts
                checked += 1
    assert checked > 300


def _mutated(rec: bytes, rng: random.Random) -> bytes:
    """A record with what the framing strips or keeps moved about: affiliations (one or many), a
    consortium of 150 authors, comment links with and without a related RefType, references, history."""
    choices = [
        lambda x: x.replace(b"</LastName>", b"</LastName><AffiliationInfo><Affiliation>Dept &amp; Lab"
                            b"</Affiliation></AffiliationInfo><AffiliationInfo><Affiliation>b</Affiliation>"
                            b"</AffiliationInfo>", 1),
        lambda x: x.replace(b"</AuthorList>", b"<Author><LastName>L</LastName><AffiliationInfo><Affiliation>x"
                            b"</Affiliation></AffiliationInfo></Author>" * 150 + b"</AuthorList>", 1),
        lambda x: x.replace(b"</MedlineCitation>", b"<CommentsCorrectionsList><CommentsCorrections RefType="
                            b"\"CommentIn\"><PMID>3</PMID></CommentsCorrections></CommentsCorrectionsList>"
                            b"</MedlineCitation>", 1),
        lambda x: x.replace(b"</MedlineCitation>", b"<CommentsCorrectionsList><CommentsCorrections RefType="
                            b"\"ErratumIn\"><RefSource>Blood 1</RefSource><PMID>4</PMID></CommentsCorrections>"
                            b"</CommentsCorrectionsList></MedlineCitation>", 1),
        lambda x: x.replace(b"</PubmedData>", b"<ReferenceList><Reference><Citation>c</Citation>"
                            b"</Reference></ReferenceList></PubmedData>", 1),
        lambda x: x.replace(b"<PubmedData>", b"<PubmedData><History><PubMedPubDate><Year>2001</Year>"
                            b"</PubMedPubDate></History>", 1),
        lambda x: x.replace(b"<ArticleTitle>", b"<ArticleTitle><i>AffiliationInfo</i> ", 1),
    ]
    for _ in range(rng.randint(1, 4)):
        rec = rng.choice(choices)(rec)
    return rec


def test_framing_leaves_out_only_what_the_reader_never_reads(corpus):
    """The bytes the framing hands to lxml read into the same Paper as the whole record, on every corpus
    record and on mutated ones."""
    from lxml import etree

    from curator.importers.pubmed_xml.records import pubmed_article

    rng = random.Random(20261122)
    recs = _corpus_records()
    parser = framing.record_parser()
    cases = recs + [_mutated(rng.choice(recs), rng) for _ in range(600)]
    shorter = 0
    for rec in cases:
        framed = framing.record_bytes(rec, 0, len(rec), b"PubmedArticle")
        whole = pubmed_article(etree.fromstring(rec, parser)).to_dict()
        assert pubmed_article(etree.fromstring(framed, parser)).to_dict() == whole, rec[:200]
        shorter += len(framed) < len(rec)
    assert shorter > 0.5 * len(cases)


# ---------------------------------------------------------------- bounded time, bad fields (issue 15 items 1-2)


def _one_record(medline_children: bytes, article: bytes = b"<ArticleTitle>T</ArticleTitle>", attrs: bytes = b"") -> bytes:
    return (b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation' + attrs
            + b"><PMID>1</PMID><Article>" + article + b"</Article>" + medline_children
            + b"</MedlineCitation></PubmedArticle></PubmedArticleSet>\n")


def test_60000_keywords_and_substances_take_linear_time():
    import time

    half = 30_000
    kws = (b"<KeywordList>" + b"".join(b"<Keyword>kw %d</Keyword>" % i for i in range(half)) + b"</KeywordList>"
           # the other half one list each (the de-duplication spans the record's lists), and repeats
           + b"".join(b"<KeywordList><Keyword>kw %d</Keyword></KeywordList>" % i for i in range(half, 2 * half))
           + b"<KeywordList><Keyword>kw 7</Keyword><Keyword>kw 59999</Keyword></KeywordList>")
    subs = (b"<ChemicalList>" + b"".join(b"<Chemical><NameOfSubstance>sub %d</NameOfSubstance></Chemical>" % i
                                         for i in [*range(60_000), 3, 4]) + b"</ChemicalList>")
    data = _one_record(subs + kws)
    start = time.perf_counter()
    items = list(iter_parse_bytes(data))
    elapsed = time.perf_counter() - start
    paper = items[0][2]
    assert paper.keywords == [f"kw {i}" for i in range(60_000)]  # each once, in order
    assert paper.substances == [f"sub {i}" for i in range(60_000)]
    assert elapsed < 8.0, f"{elapsed:.1f} s"  # quadratic membership tests took ~50 s


def test_tens_of_thousands_of_attributes_are_bounded():
    import time

    attrs = b" " + b" ".join(b'a%d="v&amp;%d"' % (i, i) for i in range(50_000))
    data = _one_record(b"<KeywordList" + attrs + b"><Keyword" + attrs + b">CRS</Keyword></KeywordList>",
                       b"<ArticleTitle" + attrs + b">T</ArticleTitle>", attrs)
    for encoded in (data, data.decode().encode("utf-16")):  # framed records, and iterparse
        start = time.perf_counter()
        items = list(iter_parse_bytes(encoded))
        assert time.perf_counter() - start < 5.0
        assert items[0][2].keywords == ["CRS"] and items[0][2].title == "T"


def test_many_broken_records_far_down_a_file_are_reported_in_bounded_time():
    import time

    broken = b"<PubmedArticle><MedlineCitation><PMID>1</PMID><x></MedlineCitation></PubmedArticle>\n"
    data = (b'<?xml version="1.0"?>\n<PubmedArticleSet>' + b"\n" * 3_000_000 + broken * 3000
            + b"</PubmedArticleSet>\n")
    start = time.perf_counter()
    items = list(iter_parse_bytes(data))
    elapsed = time.perf_counter() - start
    assert len(items) == 3000 and all(isinstance(i[2], RecordError) for i in items)
    # lxml's own line numbers in the message are the file's (record 2 starts at line 3000003)
    assert items[1][2].line == 3_000_003 and "line 3000003" in items[1][2].message, items[1][2].message
    assert elapsed < 6.0, f"{elapsed:.1f} s"  # each error's message re-read the 3 MB before it: ~15 s


@pytest.mark.parametrize("month, day, date, field", [
    ("\u00b2", "5", "2020", "PubDate Month '\u00b2'"),
    ("13", None, "2020", "PubDate Month '13'"),
    ("May", "\u00b3", "2020-05", "PubDate Day '\u00b3'"),
    ("05", "99", "2020-05", "PubDate Day '99'"),
])
def test_a_bad_date_part_costs_that_part_not_the_record(month, day, date, field):
    pub = f"<PubDate><Year>2020</Year><Month>{month}</Month>" + (f"<Day>{day}</Day>" if day else "") + "</PubDate>"
    article = ("<Journal><JournalIssue>" + pub + "</JournalIssue><Title>J</Title></Journal>"
               "<ArticleTitle>A title</ArticleTitle>").encode()
    good = _one_record(b"", article).replace(b"<PMID>1</PMID>", b"<PMID>2</PMID>")
    data = _one_record(b"", article).replace(b"</PubmedArticleSet>", good.split(b"<PubmedArticleSet>")[1])
    for items in (list(iter_parse_bytes(data)), list(iter_parse_bytes(data.decode().encode("utf-16")))):
        papers = [i[2] for i in items if not isinstance(i[2], RecordError)]
        warnings = [i[2] for i in items if isinstance(i[2], RecordError)]
        assert [(p.pmid, p.title, p.pub_date) for p in papers] == [("1", "A title", date), ("2", "A title", date)]
        assert len(warnings) == 2 and all(w.warning for w in warnings)
        assert warnings[0].record == 1 and "record 1" in warnings[0].message and "PMID 1" in warnings[0].message
        assert field in warnings[0].message, warnings[0].message


def test_seasons_and_month_names_need_no_warning():
    for month, date in (("Spring", "2020"), ("Jan", "2020-01"), ("7", "2020-07")):
        article = (f"<Journal><JournalIssue><PubDate><Year>2020</Year><Month>{month}</Month></PubDate>"
                   "</JournalIssue></Journal><ArticleTitle>A title</ArticleTitle>").encode()
        items = list(iter_parse_bytes(_one_record(b"", article)))
        assert [i[2].pub_date for i in items] == [date]


def _huge_record_file(tmp_path, headings: int):
    mesh = (b"<MeshHeadingList>" + b'<MeshHeading><DescriptorName MajorTopicYN="N">Humans</DescriptorName>'
            b'<QualifierName MajorTopicYN="Y">therapy</QualifierName></MeshHeading>\n' * headings
            + b"</MeshHeadingList>")
    path = tmp_path / "huge.xml"
    path.write_bytes(_one_record(mesh))
    return path


@pytest.mark.parametrize("n_workers", [1, 2])
def test_an_import_is_cancelled_inside_one_huge_record(tmp_path, n_workers):
    import threading
    import time

    from curator.importers.cancel import Cancelled

    path = _huge_record_file(tmp_path, 300_000)  # 40 MB, one record: seconds of reading, parsing, extracting
    cancel = threading.Event()
    timer = threading.Timer(0.5 + (1.0 if n_workers > 1 else 0.0), cancel.set)  # workers start first
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(Cancelled):
            list(iter_parse_path(path, workers=n_workers, is_cancelled=cancel.is_set))
    finally:
        timer.cancel()
    assert cancel.is_set()
    late = time.perf_counter() - start - timer.interval
    assert late < 2.0, f"the cancel was noticed {late:.2f} s after it was asked"


def test_the_import_service_cancels_inside_one_huge_record(tmp_path):
    import threading
    import time

    from curator.services import importing
    from curator.store.library import Library

    path = _huge_record_file(tmp_path, 300_000)
    lib = Library.open(tmp_path / "lib.sqlite")
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    try:
        start = time.perf_counter()
        timer.start()
        report = importing.import_files(lib, [path], cancel=cancel)
        late = time.perf_counter() - start - 0.5
        assert report.cancelled and lib.paper_count() == 0
        assert late < 2.0, f"the cancel was noticed {late:.2f} s after it was asked"
    finally:
        timer.cancel()
        lib.close()


def test_stray_text_check_reads_like_the_markup_pattern_and_in_linear_time():
    """Text between records: the one-pass reader says what rb"<!--.*?-->|<[^>]*>" removal said, and a
    crafted gap (many unclosed '<!--' or '<') costs linear time (the pattern was quadratic)."""
    import random
    import re
    import time

    from curator.importers.pubmed_xml.framing import has_text_outside_markup

    old = re.compile(rb"<!--.*?-->|<[^>]*>", re.DOTALL)
    rnd = random.Random(15)
    pieces = [b"<", b">", b"<!--", b"-->", b"-", b"!", b" ", b"\n", b"a", b"<x>", b"<!-- c -->"]
    for _ in range(5000):
        body = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        assert has_text_outside_markup(body) == bool(old.sub(b"", body).strip()), body
    for crafted in (b"<!--a>" * 40_000, b"<!--" * 50_000 + b">", b" <!-- x -->" * 20_000 + b"<", b"<" * 200_000):
        t0 = time.process_time()
        has_text_outside_markup(crafted)
        assert time.process_time() - t0 < 0.5, crafted[:20]
