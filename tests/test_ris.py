"""RIS importer on every RIS file of the shared corpus (record counts from SOURCES.md) plus field
spot checks across flavours (PubMed/EndNote, Zotero, Ovid, ProQuest, WoS RIS, Rayyan, Scopus...)."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import CORPUS

from curator.importers import detect, get
from curator.importers.base import decode_bytes
from curator.importers.ris import parse_loose_date, split_comma_name

# file -> `ER  -` records, as listed in SOURCES.md
RIS_COUNTS = {
    "asreview/baseline_reference_types.ris": 61,
    "asreview/faulty_year.ris": 1,
    "asreview/ovid_psycinfo.ris": 6,
    "asreview/proquest.ris": 6,
    "asreview/pubmed_endnote.txt": 6,
    "asreview/pubmed_zotero.ris": 6,
    "asreview/ris_issue_1099.txt": 7,
    "asreview/ris_issue_992.txt": 19,
    "asreview/web_of_science.txt": 10,
    "bibliograph.parsing/ris_test.ris": 7,
    "jabref/RisImporterCorrupted.ris": 1,
    "jabref/RisImporterTest1.ris": 1,
    "jabref/RisImporterTest3.ris": 1,
    "jabref/RisImporterTest4a.ris": 1,
    "jabref/RisImporterTest4b.ris": 1,
    "jabref/RisImporterTest4c.ris": 1,
    "jabref/RisImporterTest5a.ris": 1,
    "jabref/RisImporterTest5b.ris": 1,
    "jabref/RisImporterTest6.ris": 1,
    "jabref/RisImporterTest7.ris": 1,
    "jabref/RisImporterTest8_date.ris": 1,
    "jabref/RisImporterTest9.ris": 1,
    "jabref/RisImporterTestDOI.ris": 1,
    "jabref/RisImporterTestDate1.1.ris": 1,
    "jabref/RisImporterTestDate1.2.ris": 1,
    "jabref/RisImporterTestDoiAndJournalTitle.ris": 1,
    "jabref/RisImporterTestScience.ris": 1,
    "jabref/RisImporterTestScopus.ris": 1,
    "jabref/RisImporterTestWithEmptyER.ris": 1,
    "revtools/avian_ecology_bibliography.ris": 20,
    "rispy/example_basic.ris": 1,
    "rispy/example_bom.ris": 1,
    "rispy/example_custom_list_tags.ris": 1,
    "rispy/example_empty_tag.ris": 1,
    "rispy/example_extraneous_data.ris": 2,
    "rispy/example_full.ris": 2,
    "rispy/example_full_without_whitespace.ris": 2,
    "rispy/example_multi_unknown_tags.ris": 1,
    "rispy/example_multiline.ris": 3,
    "rispy/example_single_unknown_tag.ris": 1,
    "rispy/example_starting_newlines.ris": 1,
    "rispy/example_urls.ris": 4,
    "rispy/example_utf_chars.ris": 1,
    "synthesisr/ASP_ris_example.ris": 4,
    "synthesisr/Scopus_ris_example.ris": 3,
    "synthesisr/citesource_issue_24.ris": 17,
}


@cache
def _parse(rel: str):
    assert CORPUS is not None
    path = CORPUS / "ris" / rel
    text = decode_bytes(path.read_bytes())
    imp = detect(text, path.name)
    assert imp is not None, rel
    return imp.name, imp.parse(text)


@pytest.mark.parametrize("rel", sorted(RIS_COUNTS))
def test_every_ris_file_detects_and_counts(corpus, rel):
    name, r = _parse(rel)
    assert name == "ris"
    assert len(r.papers) == RIS_COUNTS[rel]
    if rel != "jabref/RisImporterCorrupted.ris":
        assert r.errors == []


def test_corpus_has_no_unlisted_ris_files(corpus):
    listed = set(RIS_COUNTS) | {"rispy/example_wos.ris"}  # the WoS tagged file is tested in test_wos
    found = {str(p.relative_to(corpus / "ris")) for p in (corpus / "ris").rglob("*") if p.is_file()}
    assert found == listed


def test_pubmed_endnote_fields_and_multiline_keywords(corpus):
    _, r = _parse("asreview/pubmed_endnote.txt")
    p = r.papers[0]
    assert p.title == (
        "Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and clinical data"
    )
    assert p.authors == ["Abdel-Tawab M", "Werz O", "Schubert-Zsilavecz M"]
    assert (p.journal, p.pub_date, p.year, p.volume, p.issue, p.pages) == (
        "Clin Pharmacokinet", "2011-06", 2011, "50", "6", "349-69")
    assert p.doi == "10.2165/11586800-000000000-00000"
    assert p.pmid == "21553931"  # AN is a PMID here: DP - NLM
    assert p.abstract.startswith("Non-steroidal anti-inflammatory drug (NSAID) intake is associated")
    assert len(p.keywords) == 10  # KW continued on untagged lines
    assert p.keywords[1] == "Anti-Inflammatory Agents/adverse effects/pharmacokinetics/*pharmacology"
    assert p.keywords[-1] == "Plant Extracts/adverse effects/pharmacokinetics/*pharmacology"
    assert p.extra["notes"][0].splitlines()[1] == "Abdel-Tawab, Mona"  # N1 continuation kept as lines
    assert all(x.pmid for x in r.papers)


def test_zotero_ovid_proquest_rayyan_wos_scopus(corpus):
    z = _parse("asreview/pubmed_zotero.ris")[1].papers[0]
    assert (z.journal, z.journal_abbrev, z.doi, z.pmid) == (
        "Przeglad gastroenterologiczny", "Prz Gastroenterol", "10.5114/pg.2018.81081", None)
    assert z.authors[2] == "Basinska MA"

    ovid = _parse("asreview/ovid_psycinfo.ris")[1].papers
    assert ovid[0].title.startswith("The influence of self-criticism on depression symptoms")
    assert ovid[0].doi == "10.1002/cpp.2398"  # DO given as a dx.doi.org URL
    assert ovid[0].pages is None  # "No Pagination Specified"
    assert ovid[0].extra["ris_id"] == "2019-65183-001" and ovid[0].pmid is None
    assert ovid[1].pages == "847-856"

    pq = _parse("asreview/proquest.ris")[1].papers[0]
    assert pq.doi == "10.1002/jts.22387" and pq.authors[0] == "Jones H"
    assert pq.pmid is None  # a 10-digit ProQuest accession number is not a PMID

    rayyan = _parse("asreview/ris_issue_992.txt")[1].papers[0]
    assert rayyan.title == "Overcoming Medication Reconciliation Challenges"
    assert rayyan.keywords[:3] == ["Health Facility Administration", "Joint Commission", "Standards"]
    assert len(rayyan.keywords) == 13 and rayyan.pages == "1-5"

    wos = _parse("asreview/web_of_science.txt")[1].papers[0]
    assert wos.journal == "JOURNAL OF APPLIED RESEARCH IN MEMORY AND COGNITION"
    assert wos.journal_abbrev == "J. Appl. Res. Mem. Cogn."
    assert wos.pub_date == "2018-09"  # PY 2018 + DA SEP
    assert (wos.pages, wos.doi) == ("387-397", "10.1016/j.jarmac.2018.03.001")

    scopus = _parse("synthesisr/Scopus_ris_example.ris")[1].papers[0]
    assert scopus.doi == "10.1080/20964129.2020.1722034"
    assert scopus.abstract.startswith("Introduction: Wetland soil fauna support material cycling")


def test_pmid_and_pmcid_from_other_tags(corpus):
    p = _parse("jabref/RisImporterTest6.ris")[1].papers[0]
    assert p.pmid == "23690738"  # U1 - 23690738[pmid]
    assert p.pmcid == "PMC3654245"  # AN - PMC3654245
    assert p.pub_date == "2013-04-18"  # the received/accepted PY lines are ignored
    d = _parse("jabref/RisImporterTestDOI.ris")[1].papers[0]
    assert (d.doi, d.pmid, d.pmcid) == ("10.1589/jpts.28.186", "26957754", "PMC4756000")


def test_faulty_and_odd_dates_do_not_crash(corpus):
    p = _parse("asreview/faulty_year.ris")[1].papers[0]
    assert p.title.startswith("The Value of Radiologic Interventions and 18 F-DOPA PET")
    assert p.year is None and p.pub_date is None
    assert p.extra["date_raw"] == "10 15"
    assert p.abstract.startswith("This systematic review and meta-analysis aimed to quantify")
    assert parse_loose_date("2001/00/00/") == (2001, None, None)
    assert parse_loose_date("YEAR/MONTH/DAY/") == (None, None, None)
    assert parse_loose_date("2015/october") == (2015, 10, None)
    assert parse_loose_date("JUN 19") == (None, 6, 19)
    assert _parse("jabref/RisImporterTest8_date.ris")[1].papers[0].pub_date == "2005-07-15"
    assert _parse("rispy/example_basic.ris")[1].papers[0].pub_date == "1948-07"


def test_torture_record_and_missing_ty(corpus):
    _, r = _parse("jabref/RisImporterTest1.ris")
    p = r.papers[0]  # 11 TY lines, untagged lines, empty tags: still one record
    assert p.title == "Editorial."
    assert p.authors[:2] == ["Cocke", "Harrison W"]
    assert p.journal == "Empirical Software Engineering"
    assert p.pub_date == "2001-09-01"
    assert p.doi == "10.1023/a:1017379030770"  # from UR
    assert p.abstract == "abstract1" and p.keywords == ["keyword0", "keyword1"]
    assert "11 TY lines" in p.extra["warnings"]

    _, c = _parse("jabref/RisImporterCorrupted.ris")  # BOM, no TY, has ER: imported and reported
    q = c.papers[0]
    assert q.title == "Editorial: Open Source and Empirical Software Engineering"
    assert q.authors == ["Harrison W"] and q.pages == "193-194" and q.volume == "6"
    assert [(e.record, e.line) for e in c.errors] == [(1, 2)]
    assert "no TY line" in c.errors[0].message


def test_continuations_junk_and_whitespace_variants(corpus):
    multi = _parse("rispy/example_multiline.ris")[1].papers
    assert [p.abstract for p in multi] == ["first line, ER then second line and at the end the last line"] * 3
    assert multi[0].extra["notes"] == ["first line\n* second line\n* last line"]
    rep = _parse("bibliograph.parsing/ris_test.ris")[1].papers[1]
    assert rep.title == (
        "Report of a WHO workshop on the measurement and significance of neutralizing antibody to HIV "
        "and SIV, London, 3-5 October 1988"
    )
    assert rep.authors == ["Esparza J"]
    junk = _parse("rispy/example_extraneous_data.ris")[1].papers
    assert [p.title for p in junk] == ["Title of reference", "The title of the reference"]
    assert junk[1].authors == ["Marxus K", "Lindgren A"]  # A2 editors are not authors here
    assert junk[1].extra["secondary_authors"] == ["Glattauer, Daniel"]
    urls = _parse("rispy/example_urls.ris")[1].papers
    assert urls[3].extra["urls"] == ["http://example.com", "http://www.example.com"]


def test_unicode_bom_and_crlf(corpus):
    ru = _parse("rispy/example_utf_chars.ris")[1].papers[0]  # UTF-8 BOM, Cyrillic
    assert ru.title.startswith("Состояние рецепторного аппарата эндометрия и метаболизм эстрогенов")
    beta = _parse("jabref/RisImporterTest5a.ris")[1].papers[0]
    assert beta.title == (
        "Release profile of ibuprofen in β-cyclodextrin complexes from two different solid dosage forms."
    )
    asp = _parse("synthesisr/ASP_ris_example.ris")[1].papers  # CRLF
    assert asp[0].title.startswith("“Living on the edge”: The role of field margins")
    assert asp[0].authors[:2] == ["Rodríguez-Pastor R", "Luque-Larena JJ"]
    assert not any("\r" in p.title or "\r" in p.abstract for p in asp)
    base = _parse("asreview/baseline_reference_types.ris")[1].papers  # BOM + CRLF, empty TY
    assert base[0].extra.get("ris_type") is None
    assert base[1].extra["ris_type"] == "GEN"


def test_lost_er_splits_records_and_reports_them():
    text = (
        "TY  - JOUR\nTI  - First\nAU  - Doe, John\n"
        "TY  - JOUR\nTI  - Second\nER  -\n"
        "junk between records\n"
        "TY  - JOUR\nTI  - Third\nPY  - 2020/03//\nER  -\n"
        "TY  - JOUR\nTI  - Truncated at the end\n"
    )
    r = get("ris").parse(text)
    assert [p.title for p in r.papers] == ["First", "Second", "Third", "Truncated at the end"]
    assert r.papers[0].authors == ["Doe J"] and r.papers[2].pub_date == "2020-03"
    assert [(e.record, e.line) for e in r.errors] == [(1, 1), (4, 12)]


def test_names():
    assert split_comma_name("Valle-Delgado,J. J.") == "Valle-Delgado JJ"
    assert split_comma_name("Smith, John, Jr.") == "Smith J Jr"
    assert split_comma_name("de Jonge, P.") == "de Jonge P"
    assert split_comma_name("Catarina Barata") == "Barata C"
    assert split_comma_name("Fanning E.") == "Fanning E"
    assert split_comma_name("World Health Organization") == "World Health Organization"
    assert split_comma_name("朱 宏") == "朱 宏"


def test_ris_sniff_ignores_other_formats(corpus):
    ris = get("ris")
    wos = decode_bytes((corpus / "ris/rispy/example_wos.ris").read_bytes())
    assert ris.sniff(wos) == 0
    medline = decode_bytes((corpus / "medline_nbib/biopython/pubmed_result2.txt").read_bytes())
    assert ris.sniff(medline) < 0.3
    bib = decode_bytes((corpus / "bibtex/mauriciomanoel/pubmed.bib").read_bytes())
    assert ris.sniff(bib[:20000]) == 0


def test_scopus_c2_is_the_pubmed_id_only_in_scopus_exports():
    rec = ("TY  - JOUR\nAU  - Lee, D.W.\nTI  - ASTCT Consensus Grading for Cytokine Release Syndrome\nPY  - 2019\n"
           "T2  - Biology of Blood and Marrow Transplantation\nDO  - 10.1016/j.bbmt.2018.12.758\n"
           "C2  - 30592986\n{db}ER  - \n")
    scopus = get("ris").parse(rec.format(db="DB  - Scopus\n")).papers[0]
    assert (scopus.pmid, scopus.doi) == ("30592986", "10.1016/j.bbmt.2018.12.758")
    other = get("ris").parse(rec.format(db="")).papers[0]
    assert other.pmid is None  # C2 means something else elsewhere (e.g. a PMCID in EndNote)
