"""MEDLINE / .nbib importer on every medline_nbib/ file of the shared corpus (record counts from
SOURCES.md), field spot checks, hand-made edge cases, record-level errors and sniffing."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import CORPUS

from curator.importers import detect, get, parse_file
from curator.importers.base import decode_bytes
from curator.importers.medline import (
    parse_medline_date,
    parse_mesh_heading,
    split_structured_abstract,
    substance_name,
)

# file -> tagged records, as listed in SOURCES.md
COUNTS = {
    "bibliograph.parsing/medline_test.med": 4,
    "biopython/pubmed_result1.txt": 1,
    "biopython/pubmed_result2.txt": 4,
    "biopython/pubmed_result3.txt": 1,
    "dreamytang/pubmed_result.txt": 7,
    "jabref/MedlinePlainImporterStringOutOfBounds.txt": 2,
    "jabref/MedlinePlainImporterTestCompleteEntry.txt": 1,
    "jabref/MedlinePlainImporterTestDOI.txt": 1,
    "jabref/MedlinePlainImporterTestInproceeding.txt": 1,
    "jabref/MedlinePlainImporterTestMultiTitle.txt": 1,
    "jabref/MedlinePlainImporterTestMultipleEntries.txt": 7,
    "jabref/NbibImporterTest.nbib": 1,
    "lushl9301/pubmed_result.txt": 2,
    "synthesisr/PubMed_example.txt": 3,
}


def _path(rel: str):
    return CORPUS / "medline_nbib" / rel


@cache
def _text(rel: str) -> str:
    return decode_bytes(_path(rel).read_bytes())


@cache
def _parse(rel: str):
    return get("medline").parse(_text(rel))


def test_every_corpus_file_is_listed(corpus):
    on_disk = {str(p.relative_to(corpus / "medline_nbib")) for p in (corpus / "medline_nbib").rglob("*") if p.is_file()}
    assert on_disk == set(COUNTS)


@pytest.mark.parametrize("rel", sorted(COUNTS))
def test_record_count_and_detection(corpus, rel):
    assert detect(_text(rel), _path(rel).name).name == "medline"
    result = _parse(rel)
    assert len(result.papers) == COUNTS[rel]
    assert [e for e in result.errors if not e.warning] == []


def test_old_style_medline(corpus):
    papers = _parse("bibliograph.parsing/medline_test.med").papers
    p = papers[0]
    assert p.pmid == "12634818" and p.extra["medline_ui"] == "22521069"
    assert p.title == "Molecular genetic evidence for parthenogenesis in the Burmese python, Python molurus bivittatus."
    assert p.authors == ["Groot TV", "Bruins E", "Breeuwer JA"]
    assert p.extra["full_authors"][0] == "Groot, T V M"
    assert p.pub_date == "2003-02" and p.volume == "90" and p.issue == "2" and p.pages == "130-5"
    assert p.doi == "10.1038/sj.hdy.6800210" and p.extra["country"] == "England"  # CY, not PL
    assert p.journal == "Heredity" and p.journal_abbrev == "Heredity"  # only TA in old records
    assert p.abstract.startswith("Parthenogenesis among reptiles is rare. Only a few species have the ability")
    assert "\n" not in p.abstract  # continuation lines joined with one space
    assert papers[3].language == "fre" and papers[3].title == "[The snakes of Senegal: an annotated species list]"
    labelled = papers[2]
    assert [s.label for s in labelled.abstract_sections] == [
        "OBJECTIVE", "ANIMALS", "PROCEDURES", "RESULTS", "CONCLUSIONS AND CLINICAL RELEVANCE"
    ]


def test_mesh_stars_and_qualifiers(corpus):
    p = _parse("biopython/pubmed_result1.txt").papers[0]
    mesh = {m.descriptor: m for m in p.mesh_terms}
    assert mesh["Computational Biology"].major and mesh["Software"].major and not mesh["Humans"].major
    assert p.title == "The Bio* toolkits--a brief overview." and p.pub_date == "2002-09"
    q = _parse("jabref/MedlinePlainImporterTestCompleteEntry.txt").papers[0]
    ww = next(m for m in q.mesh_terms if m.descriptor == "Women, Working")
    assert not ww.major and ww.qualifiers == [{"name": "history", "major": True}, {"name": "psychology", "major": False}]
    assert q.grants == ["/076053/Z/04/Z/Wellcome Trust/United Kingdom", "076053/Wellcome Trust/United Kingdom"]
    assert q.pmcid == "PMC4513071" and q.citation == "20 Century Br Hist. 2009;20(4):454-81."
    assert q.title.endswith("health advice for the factory girl in early twentieth-century Britain.")


def test_structured_abstracts_and_substances(corpus):
    papers = _parse("biopython/pubmed_result2.txt").papers
    p = papers[0]
    assert [s.label for s in p.abstract_sections] == ["BACKGROUND", "RESULTS", "CONCLUSION"]
    paras = p.abstract.split("\n\n")
    assert paras[0].startswith("BACKGROUND: Benchmarking algorithms in structural bioinformatics")
    assert paras[1].startswith("RESULTS: ") and paras[2].startswith("CONCLUSION: ")
    assert p.doi == "10.1186/1471-2105-7-10" and p.pmcid == "PMC1373603"
    assert papers[1].pub_date == "2006-03-01" and papers[2].pub_date == "2004-06-12"
    assert papers[3].substances == ["Macromolecular Substances"]
    assert papers[3].abstract_sections == []  # plain abstract stays one paragraph
    # mixed-case lead-ins written by authors ("Objective: ... Method:") are not split
    tcm = _parse("dreamytang/pubmed_result.txt").papers[0]
    assert tcm.abstract.startswith("Objective: To examine U.S. Chinese older women") and tcm.abstract_sections == []


def test_real_export_crlf_and_empty_fields(corpus):
    result = parse_file(_path("dreamytang/pubmed_result.txt"))  # CRLF file, via decode_bytes + detect
    assert result.format == "medline" and len(result.papers) == 7
    p = result.papers[0]
    assert p.pmid == "30038950" and p.pub_date == "2018-01"  # "2018 Jan-Dec": start of the range
    assert p.doi == "10.1177/2333721418778199"  # from LID "... [doi]"
    assert p.title == (
        "Association Between Cancer and Utilization of Traditional Chinese Medicine in "
        "U.S. Chinese Women: Findings From the PINE Study."
    )
    assert all("\r" not in q.abstract for q in result.papers)
    acu = next(q for q in result.papers if q.pmid == "30037276")
    assert acu.pub_date == "2018-07-01"
    assert [s.label for s in acu.abstract_sections][:3] == ["OBJECTIVE", "DESIGN", "SETTING"]


def test_nbib_with_rare_tags(corpus):
    p = _parse("jabref/NbibImporterTest.nbib").papers[0]
    assert p.pmid == "27169098" and p.title == "Proteomics: A new perspective for cancer."
    assert p.authors == ["Shruthi BS", "Vinodhkumar P", "Selvamani", "corporater"]  # CN: corporate author
    assert p.doi == "10.4103/2277-9175.180636" and p.pages == "67" and p.pub_date == "2016"
    assert p.keywords == ["Biomarkers", "electrophoresis", "neoplasia", "spectrometry", "translation"]
    assert p.substances == []  # RN "123456789" has no name
    assert p.extra["registry_numbers"] == ["123456789"]
    assert p.extra["supplementary_concepts"] == ["substance name"]
    assert p.extra["vernacular_title"] == "title that is transliterated"
    assert p.citation.startswith("Adv Biomed Res. 2016 Apr 19;5:67.") and p.citation.endswith("eCollection 2016.")
    assert p.publication_types == ["Journal Article", "Review"]
    assert p.journal == "Advanced biomedical research" and p.journal_abbrev == "Adv Biomed Res"


def test_hand_edited_multiple_entries(corpus):
    result = _parse("jabref/MedlinePlainImporterTestMultipleEntries.txt")
    papers = result.papers
    assert [p.pmid for p in papers] == ["20481061", None, None, "22664220", "22664238", "96578310", "45984220"]
    # record 2: empty tags, two AB lines, a PMC id but no title or PMID -> imported, flagged
    second = papers[1]
    assert second.pmcid == "PMC22664230" and second.journal == "Test Journal"
    assert second.abstract == "Old Abstract\n\nnew abstract" and second.pub_date == "2013-06-10"
    assert second.pages is None and second.mesh_terms == [] and second.doi is None
    assert second.extra["medline_tags"]["CIN"] == ["Different Comment"]
    # record 3: repeated TI lines are one title
    assert papers[2].title == (
        "This is a Testtitle This title should be appended: This title should also be appended. "
        "Another append to the Title? LastTitle"
    )
    assert papers[2].pub_date == "2010-06"  # "2010   06"
    assert papers[3].doi == "10.1016/j.cpr.2005.02.002"  # "PMID-22664220" without space; AID "doi:..."
    assert papers[4].journal == "Inproceedings book title"
    assert all("omitted by the importer" not in str(p.to_dict()) for p in papers)  # junk between records
    assert sorted((e.record, e.warning) for e in result.errors) == [(2, True), (4, True), (5, True), (6, True), (7, True)]
    assert all("has no title" in e.message for e in result.errors)


def test_truncated_tag_lines(corpus):
    result = _parse("jabref/MedlinePlainImporterStringOutOfBounds.txt")
    assert [(p.pmid, p.title) for p in result.papers] == [
        ("27433151", "This is a test title"),
        ("27394443", "This is also a test title"),
    ]
    (warning,) = result.errors
    assert warning.warning and warning.record == 1 and warning.line == 2
    assert "'SO  invalid line'" in warning.message


def test_other_corpus_records(corpus):
    lush = _parse("lushl9301/pubmed_result.txt").papers
    assert lush[0].pmid == "25665127" and lush[0].abstract_sections[0].label == "BACKGROUND"
    syn = _parse("synthesisr/PubMed_example.txt").papers
    assert all(p.pmid and p.title and p.authors for p in syn)
    hifu = _parse("biopython/pubmed_result3.txt").papers[0]
    assert hifu.title == "Effects of different parameters in the fast scanning method for HIFU treatment."
    assert hifu.pub_date == "2012-10" and hifu.abstract.startswith("PURPOSE: High-intensity focused ultrasound")


def test_record_errors_keep_good_records():
    text = (
        "PMID- 111\nTI  - First good record.\nAU  - Zhang J\nDP  - 2018 Jan 5\n\n"
        "OWN - NLM\nSTAT- MEDLINE\nAB  - An abstract without title or identifiers.\n\n"
        "PMID- 222\nTI  - Third record\n      continues here.\nFAU - Lee, Min-Ho\n"
        "PMID- 333\nTI  - Fourth record starts at a new PMID without a blank line.\n"
    )
    result = get("medline").parse(text)
    assert [(p.pmid, p.title) for p in result.papers] == [
        ("111", "First good record."),
        ("222", "Third record continues here."),
        ("333", "Fourth record starts at a new PMID without a blank line."),
    ]
    assert result.papers[0].pub_date == "2018-01-05" and result.papers[0].authors == ["Zhang J"]
    assert result.papers[1].authors == ["Lee MH"]  # derived from FAU when there is no AU
    (err,) = result.errors
    assert (err.record, err.line, err.warning) == (2, 6, False)
    assert "no title and no PMID" in err.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018 Jan 5", "2018-01-05"),
        ("2003 Feb", "2003-02"),
        ("2013 06 10", "2013-06-10"),
        ("1998 Dec-1999 Jan", "1998-12"),
        ("2001 Nov 15-Dec 1", "2001-11-15"),
        ("2000 Spring", "2000"),
        ("2016", "2016"),
        ("", None),
        ("n.d.", None),
    ],
)
def test_dates(value, expected):
    assert parse_medline_date(value) == expected


def test_mesh_substances_and_abstract_helpers():
    m = parse_mesh_heading("Neoplasms/*drug therapy")
    assert (m.descriptor, m.major, m.qualifiers) == ("Neoplasms", False, [{"name": "drug therapy", "major": True}])
    assert parse_mesh_heading("*Antibodies, Monoclonal, Humanized/therapeutic use").major
    assert parse_mesh_heading("") is None
    assert substance_name("0 (Antibodies, Monoclonal)") == "Antibodies, Monoclonal"
    assert substance_name("EC 3.6.1.- (Adenosine Triphosphatases)") == "Adenosine Triphosphatases"
    assert substance_name("0 (Interleukin-6 (IL-6))") == "Interleukin-6 (IL-6)"
    assert substance_name("7440-44-0") is None
    secs = split_structured_abstract("BACKGROUND: A. B (P < 0.05). TRIAL REGISTRATION: NCT01. HIV: x")
    assert [(s.label, s.text) for s in secs] == [
        ("BACKGROUND", "A. B (P < 0.05)."),
        ("TRIAL REGISTRATION", "NCT01. HIV: x"),  # "HIV" is not a heading word
    ]
    assert split_structured_abstract("Objective: mixed case is left alone.") == []


def test_sniff_tells_medline_from_ris_and_wos(corpus):
    imp = get("medline")
    ris = decode_bytes((corpus / "ris" / "rispy" / "example_full.ris").read_bytes())
    wos = decode_bytes((corpus / "ris" / "rispy" / "example_wos.ris").read_bytes())
    assert imp.sniff(ris) == 0.0 and imp.sniff(wos) == 0.0
    no_ty = decode_bytes((corpus / "ris" / "jabref" / "RisImporterCorrupted.ris").read_bytes())
    assert imp.sniff(no_ty) == 0.0  # RIS without its TY line still ends with "ER  -"
    assert detect(ris, "example_full.ris").name != "medline"
    assert detect(wos, "example_wos.ris").name != "medline"
    assert imp.sniff("<?xml version='1.0'?><PubmedArticleSet/>") == 0.0
    assert imp.sniff("PMID: 12345\nSome abstract text\n") == 0.0
    assert imp.sniff(_text("jabref/MedlinePlainImporterTestMultiTitle.txt")) >= 0.5  # no PMID line at all
    assert imp.sniff(_text("biopython/pubmed_result1.txt")) > 0.9
