"""PubMed Abstract (text) and Summary (text) importers: the case-report seed field by field, the real
exports in the shared corpus (record counts from SOURCES.md), sniffing against neighbouring formats."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from conftest import CASE_REPORT_SEED, CORPUS, PEDIATRIC_SEED

from curator.domain.paper import MeshTerm
from curator.importers import detect, get, parse_bytes
from curator.importers.base import decode_bytes
from curator.importers.pubmed_text import parse_citation, parse_mesh_lines


def _text(path: Path) -> str:
    return decode_bytes(path.read_bytes())


@cache
def _parsed(rel: str):
    assert CORPUS is not None
    path = CORPUS / rel
    text = _text(path)
    imp = detect(text, str(path))
    assert imp is not None
    return imp.name, imp.parse(text)


BERENKESKIN = "pubmed_abstract_txt/berenkeskin/pubmed_result.txt"
BKCHEM = "pubmed_abstract_txt/bkchem/pubmed_result.txt"
SUMMARY = "pubmed_abstract_txt/variants/liqiming_summary_text.txt"


# ---------------------------------------------------------------------------------------------
# The case-report seed: every field
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    text = _text(CASE_REPORT_SEED)
    imp = detect(text, CASE_REPORT_SEED.name)
    assert imp is not None and imp.name == "pubmed_text"
    result = imp.parse(text)
    assert result.errors == []
    assert len(result.papers) == 1
    return text, result.papers[0]


def test_seed_bibliographic_fields(seed):
    _, p = seed
    assert p.title == (
        "Case Report: Successful use of emapalumab in adult B-cell acute lymphoblastic leukemia "
        "experiencing severe neurotoxicity and hemophagocytic lymphohistiocytosis-like features after "
        "CAR-T cell therapy"
    )
    assert p.journal == "Front Immunol"
    assert p.pub_date == "2025-04-04"
    assert p.year == 2025
    assert p.volume == "16"
    assert p.issue is None
    assert p.pages == "1563736"
    assert p.doi == "10.3389/fimmu.2025.1563736"
    assert p.pmid is None and p.pmcid is None
    assert p.authors == []
    assert p.citation == (
        "Front Immunol. 2025 Apr 4:16:1563736. doi: 10.3389/fimmu.2025.1563736. eCollection 2025."
    )


def test_seed_abstract_is_exactly_the_text_between_headings(seed):
    text, p = seed
    expected = text.split("\nAbstract\n", 1)[1].split("\nKeywords:", 1)[0].strip()
    assert p.abstract == expected
    assert p.paragraphs == [expected]
    assert p.abstract.startswith(
        "Chimeric antigen receptor (CAR)-T cell therapy is a powerful adoptive immunotherapy associated "
        "with significant toxicity, including cytokine release syndrome (CRS) and immune effector "
        "cell-associated neurotoxicity syndrome (ICANS). As CAR-T"
    )
    assert p.abstract.endswith(
        "This case highlights the role of emapalumab in managing refractory IEC-HS and persistent "
        "neurotoxicity in adults, underscoring the need for targeted interventions in severe CAR-T "
        "complications."
    )
    assert "anti-IFN-γ antibody" in p.abstract  # Greek kept exactly


def test_seed_keywords_types_substances_grants(seed):
    _, p = seed
    assert p.keywords == ["CAR-T cell therapy", "CRS", "HLH", "ICANS", "IEC-HS", "emapalumab", "leukemia"]
    assert p.publication_types == ["Case Reports"]
    assert p.substances == [
        "Antibodies, Monoclonal",
        "Antibodies, Monoclonal, Humanized",
        "Emapalumab",
        "Receptors, Chimeric Antigen",
    ]
    assert p.grants == [
        (
            "The author(s) declare that financial support was received for the research and/or publication "
            "of this article. This study was supported by the following funding: “Luce e Vita OdV” "
            "foundation (AA)."
        )
    ]


def test_seed_mesh_terms_merge_stars_and_qualifiers(seed):
    _, p = seed
    # 16 bullet lines -> 11 headings (repeated descriptors merged)
    assert [m.descriptor for m in p.mesh_terms] == [
        "Adult",
        "Antibodies, Monoclonal",
        "Antibodies, Monoclonal, Humanized",
        "Cytokine Release Syndrome",
        "Humans",
        "Immunotherapy, Adoptive",
        "Lymphohistiocytosis, Hemophagocytic",
        "Neurotoxicity Syndromes",
        "Precursor B-Cell Lymphoblastic Leukemia-Lymphoma",
        "Receptors, Chimeric Antigen",
        "Treatment Outcome",
    ]
    assert sum(max(1, len(m.qualifiers)) for m in p.mesh_terms) == 16
    by = {m.descriptor: m for m in p.mesh_terms}
    assert by["Lymphohistiocytosis, Hemophagocytic"] == MeshTerm(
        "Lymphohistiocytosis, Hemophagocytic",
        True,
        [
            {"name": "diagnosis", "major": False},
            {"name": "drug therapy", "major": False},
            {"name": "etiology", "major": False},
        ],
    )
    assert by["Adult"] == MeshTerm("Adult", False, [])
    assert by["Cytokine Release Syndrome"].major is False
    assert by["Immunotherapy, Adoptive"] == MeshTerm(
        "Immunotherapy, Adoptive", True, [{"name": "adverse effects", "major": False}]
    )
    assert [q["name"] for q in by["Precursor B-Cell Lymphoblastic Leukemia-Lymphoma"].qualifiers] == [
        "immunology",
        "therapy",
    ]


def test_mesh_qualifier_star_marks_the_qualifier_major():
    terms = parse_mesh_lines(["Neoplasms / *drug therapy", "Neoplasms / pathology", "Humans"])
    assert terms == [
        MeshTerm("Neoplasms", False, [{"name": "drug therapy", "major": True},
                                      {"name": "pathology", "major": False}]),
        MeshTerm("Humans", False, []),
    ]


def test_citation_line_variants():
    c = parse_citation("Acad Radiol. 2020 Apr;27(4):463-467. doi: 10.1016/j.acra.2020.02.003. Epub 2020 Feb 26.")
    assert (c.journal, c.pub_date, c.volume, c.issue, c.pages, c.doi, c.epub) == (
        "Acad Radiol", "2020-04", "27", "4", "463-467", "10.1016/j.acra.2020.02.003", "2020-02-26")
    c = parse_citation("Cell. 2019 Jun 27;178(1):152-159.e11. doi: 10.1016/j.cell.2019.05.028.")
    assert (c.pub_date, c.pages) == ("2019-06-27", "152-159.e11")
    c = parse_citation("ACS Nano. 2020 Apr 29. doi: 10.1021/acsnano.9b09744. [Epub ahead of print]")
    assert (c.pub_date, c.volume, c.pages, c.doi) == ("2020-04-29", None, None, "10.1021/acsnano.9b09744")
    c = parse_citation("Intensive Care Med. 2020 Mar 2;:.")
    assert (c.journal, c.pub_date, c.volume, c.pages) == ("Intensive Care Med", "2020-03-02", None, None)
    c = parse_citation("J Clin Med. 2019 Jul-Aug;8(4):12-9.")
    assert (c.pub_date, c.pages) == ("2019-07", "12-9")


# ---------------------------------------------------------------------------------------------
# Real multi-record exports
# ---------------------------------------------------------------------------------------------


def test_berenkeskin_249_records(corpus):
    name, r = _parsed(BERENKESKIN)
    assert name == "pubmed_text"
    assert len(r.papers) == 249 and r.errors == []
    assert all(p.pmid and p.title and p.journal and p.year == 2020 for p in r.papers)
    assert len({p.pmid for p in r.papers}) == 249
    p = r.papers[0]
    assert p.title == "Corona Virus International Public Health Emergencies: Implications for Radiology Management."
    assert p.authors[:3] == ["Zhang HW", "Yu J", "Xu HJ"] and p.authors[-1] == "Li DF"
    assert len(p.authors) == 28
    assert (p.journal, p.pub_date, p.volume, p.issue, p.pages) == ("Acad Radiol", "2020-04", "27", "4", "463-467")
    assert (p.doi, p.pmid, p.pmcid) == ("10.1016/j.acra.2020.02.003", "32113880", "PMC7102529")
    assert p.abstract.startswith("The outbreak of 2019 novel coronavirus (2019-nCoV) pneumonia was reported")
    assert p.abstract.endswith("this public health emergency.")
    assert "Copyright" not in p.abstract  # the copyright line is not abstract text
    assert p.extra["copyright"] == [
        (
            "Copyright © 2020 The Association of University Radiologists. Published by Elsevier Inc. "
            "All rights reserved."
        )
    ]
    assert p.extra["relations"] == {"Comment in": ["Acad Radiol. 2020 May;27(5):750."]}
    assert p.extra["pubmed_status"] == "Indexed for MEDLINE"
    assert p.extra["author_information"][1].startswith("(2)Department of Radiology")
    assert p.extra["epub_date"] == "2020-02-26"
    second = r.papers[1]
    assert second.extra["conflict_of_interest"] == "The authors declare no competing financial interest."
    assert "Conflict" not in second.abstract


def test_berenkeskin_structured_abstract_unicode_and_language(corpus):
    _, r = _parsed(BERENKESKIN)
    by_pmid = {p.pmid: p for p in r.papers}
    p = by_pmid["32314891"]  # Chinese article, structured abstract, publisher abstract in Chinese
    assert p.title == "[Precise investigation of digital guide plates applied to implant surgery of anterior teeth]."
    assert p.language == "chi"
    assert [s.label for s in p.abstract_sections] == ["OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert p.paragraphs[0] == (
        "OBJECTIVE: To study the precision of digital guide plates applied to the implant surgery of "
        "anterior teeth."
    )
    assert len(p.paragraphs) == 4
    assert p.extra["other_abstract"][0].startswith("目的 研究数字化导板应用于前牙美学区种植修复的精确度。")
    assert p.pmcid == "PMC7184289" and p.doi == "10.7518/hxkq.2020.02.011"
    malik = next(x for x in r.papers if x.authors == ["Malik YA"])
    assert "Of the four coronavirus genera (α,β,γ,δ), human coronaviruses" in malik.abstract
    nano = next(x for x in r.papers if "IC50 value of nanomicelles" in x.abstract)
    assert "(11.61 ± 0.95 μg/mL)" in nano.abstract
    phys = next(x for x in r.papers if x.journal == "Phys Rev Lett" and "Invisibly" in x.title)
    assert phys.title == (
        "Search for an Invisibly Decaying Z^{'} Boson at Belle II in e^{+}e^{-}→μ^{+}μ^{-}(e^{±}μ^{∓}) "
        "Plus Missing Energy Final States."
    )


def test_berenkeskin_no_authors_and_no_abstract_records(corpus):
    _, r = _parsed(BERENKESKIN)
    stroke = next(p for p in r.papers if p.pmid == "32233972")
    assert stroke.authors == []  # "[No authors listed]"
    assert stroke.abstract.startswith("During this unprecedented time of extraordinary stress")
    letter = next(p for p in r.papers if p.pmid == "32268400")
    assert letter.authors == ["Kagan KO", "Chaoui R"]
    assert letter.abstract == ""
    assert letter.extra["conflict_of_interest"].startswith("The authors declare that they have no conflict")
    collab = next(p for p in r.papers if "PIPARI Study Group" in p.authors)
    assert collab.authors[0] == "Lahti K"
    assert "Ahtola A" in collab.extra["collaborators"]


def test_bkchem_26_records_legacy_layout(corpus):
    name, r = _parsed(BKCHEM)
    assert name == "pubmed_text"
    assert len(r.papers) == 26 and r.errors == []
    p = r.papers[0]
    assert p.title == "[Impact of anti-VEGF therapy on the cellular microenvironment in retinal angiogenesis]."
    assert p.language == "jpn" and p.extra["language_name"] == "Japanese"
    assert p.authors == ["Nakao S"]
    assert (p.journal, p.pub_date, p.volume, p.issue, p.pages) == (
        "Nippon Ganka Gakkai Zasshi", "2014-11", "118", "11", "943-52")
    assert p.pmid == "25543385"
    assert p.extra["pubmed_status"] == "PubMed - indexed for MEDLINE"
    assert p.abstract.startswith("Various large-scale studies show the efficacy of anti-vascular")
    assert "transforming growth factor-β expression" in p.abstract
    q = r.papers[1]
    assert q.authors == ["Zhang SX", "Ma JH", "Bhatta M", "Fliesler SJ", "Wang JJ"]
    assert len(q.extra["author_information"]) == 5  # inline "(2)..." markers split
    assert q.pmcid == "PMC4339403" and q.volume == "45" and q.issue is None


def test_numbered_record_without_title_is_reported():
    text = (
        "1. Acad Radiol. 2020 Apr;27(4):463-467.\n\nA title.\n\nDoe J.\n\nAn abstract.\n\nPMID: 1\n\n\n"
        "2. \n\n\n"
        "3. Cell. 2019 Jun 27;178(1):1-2.\n\nAnother title.\n\nRoe R(1).\n\nAuthor information: \n(1)Somewhere.\n\n"
        "Text.\n\nPMID: 3  [Indexed for MEDLINE]\n"
    )
    r = get("pubmed_text").parse(text)
    assert [p.pmid for p in r.papers] == ["1", "3"]
    assert r.papers[1].authors == ["Roe R"] and r.papers[1].abstract == "Text."
    assert [(e.record, e.line) for e in r.errors] == [(2, 12)]
    # a gap in the numbering does not merge records
    gap = get("pubmed_text").parse(text.replace("2. \n\n\n", ""))
    assert [p.pmid for p in gap.papers] == ["1", "3"] and gap.errors == []


# ---------------------------------------------------------------------------------------------
# Summary (text)
# ---------------------------------------------------------------------------------------------


def test_summary_1394_records(corpus):
    name, r = _parsed(SUMMARY)
    assert name == "pubmed_summary"
    assert len(r.papers) == 1394 and r.errors == []
    assert all(p.pmid and p.title and p.journal and p.year for p in r.papers)
    p = r.papers[0]
    assert p.authors == ["Barras C"]
    assert p.title == "Ancient worm fossil rolls back origins of animal life."
    assert (p.journal, p.pub_date, p.volume, p.issue, p.pages) == ("Nature", "2019-09", "573", "7772", "15")
    assert (p.doi, p.pmid) == ("10.1038/d41586-019-02556-x", "31485070")
    anon = r.papers[1]
    assert anon.authors == []
    assert anon.title == "Baby elephants, painkiller prescriptions and Russian radiation clues."
    by_pmid = {x.pmid: x for x in r.papers}
    q = by_pmid["31348884"]  # title ending in ?" before the journal
    assert q.title == '"Hey CIRI, What\'s My Prognosis?"'
    assert q.authors == ["Wan JCM", "White JR", "Diaz LA Jr"]
    assert q.pub_date == "2019-07-25" and q.pages == "518-520"
    w = by_pmid["31178121"]
    assert w.pmcid == "PMC6644000" and w.pages == "152-159.e11"
    assert by_pmid["31249423"].authors[-1] == "GFBI consortium"


# ---------------------------------------------------------------------------------------------
# Sniffing
# ---------------------------------------------------------------------------------------------


def test_sniff_is_confident_for_own_formats_and_not_for_neighbours(corpus):
    pt, ps = get("pubmed_text"), get("pubmed_summary")
    for rel in (BERENKESKIN, BKCHEM):
        t = _text(corpus / rel)
        assert pt.sniff(t[:20000]) >= 0.8 and ps.sniff(t[:20000]) == 0
    assert pt.sniff(_text(CASE_REPORT_SEED)) >= 0.6
    summary = _text(corpus / SUMMARY)[:20000]
    assert ps.sniff(summary) >= 0.8 and pt.sniff(summary) < 0.3
    # the Markdown paper summary and MEDLINE tagged text are not ours
    assert pt.sniff(_text(PEDIATRIC_SEED)) == 0 and ps.sniff(_text(PEDIATRIC_SEED)) == 0
    medline = _text(corpus / "medline_nbib/biopython/pubmed_result2.txt")[:20000]
    assert pt.sniff(medline) == 0 and ps.sniff(medline) == 0
    markdown = "# A title\n\n**Authors:** Doe J, Roe R\n\nPMID: 123\n\n## Abstract\n\nText.\n"
    assert pt.sniff(markdown) == 0


def test_parse_bytes_routes_the_seed():
    result = parse_bytes(CASE_REPORT_SEED.read_bytes(), CASE_REPORT_SEED.name)
    assert result.format == "pubmed_text" and result.papers[0].doi == "10.3389/fimmu.2025.1563736"


# ---------------------------------------------------------------- pages pasted together

_GLUED = """1. Blood. 2021 Mar 4;137(9):1150-1160. doi: 10.1182/blood.2020001.

First record title.

Doe J(1), Roe R(2).

Author information:
(1)Somewhere.

Patients were treated.
2. Overall survival at 2 years was 50%. 2019 cohort data were pooled.
3. Grade 3 CRS occurred in 4 patients. 2020 follow-up is ongoing.

DOI: 10.1182/blood.2020001
PMID: 11111111
2. Blood. 2021 Apr 1;137(13):1700-1710. doi: 10.1182/blood.2020002.

Second record title.

Moe M(1).

Abstract text two.

PMID: 22222222

Conflict of interest statement: The authors declare no competing interests.
3. Leukemia. 2022 Jan;36(1):1-9. doi: 10.1038/s41375-021-0003.

Third record title.

Poe P.

Abstract text three.

PMID: 33333333
"""


def test_records_glued_without_a_blank_line_are_all_found():
    """A header right under the previous record's PMID line (or the conflict-of-interest note after
    it) starts a record; numbered lines inside an abstract that look like a citation do not."""
    result = parse_bytes(_GLUED.encode(), "pasted.txt")
    assert result.format == "pubmed_text"
    assert [p.pmid for p in result.papers] == ["11111111", "22222222", "33333333"]
    assert [p.title for p in result.papers] == ["First record title.", "Second record title.",
                                                "Third record title."]
    first = result.papers[0]
    assert "2. Overall survival at 2 years was 50%." in first.abstract
    assert "3. Grade 3 CRS occurred in 4 patients." in first.abstract
    assert result.papers[1].extra["conflict_of_interest"] == "The authors declare no competing interests."
    assert result.errors == []


def test_berenkeskin_with_every_blank_line_before_a_header_removed(corpus):
    import re

    text = _text(corpus / "pubmed_abstract_txt/berenkeskin/pubmed_result.txt")
    glued = re.sub(r"\n\n+(?=\d{1,6}\. )", "\n", text)
    assert glued.count("\n\n") < text.count("\n\n")
    whole, pasted = get("pubmed_text").parse(text), get("pubmed_text").parse(glued)
    assert len(pasted.papers) == len(whole.papers) == 249
    assert [(p.pmid, p.title, p.abstract) for p in pasted.papers] == [
        (p.pmid, p.title, p.abstract) for p in whole.papers]
