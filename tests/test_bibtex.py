"""BibTeX / biblatex importer on every .bib file of the shared corpus (record counts from SOURCES.md:
entries other than @string/@comment/@preamble, @set included) plus field and Unicode spot checks."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import CORPUS

from curator.importers import detect, get, parse_bytes
from curator.importers.base import decode_bytes
from curator.importers.bibtex import bibtex_name, latex_to_unicode, parse_names

BIB_COUNTS = {
    "bibliograph.parsing/bibtex_test.bib": 3,
    "bibliograph.parsing/bibtex_test2.bib": 2,
    "bibliograph.parsing/bibtex_test3.bib": 2,
    "bibliograph.parsing/bibtex_test_cite_key.bib": 1,
    "bibliograph.parsing/bibtex_test_duplicates.bib": 1,
    "bibliograph.parsing/bibtex_test_inbookreferences.bib": 1,
    "bibliograph.parsing/bibtex_test_lastfieldkomma.bib": 2,
    "bibliograph.parsing/bibtex_test_multiauthors.bib": 1,
    "bibliograph.parsing/bibtex_test_typefield.bib": 1,
    "bibliograph.parsing/idcooking_test.bib": 6,
    "bibliograph.parsing/medline_test.bib": 4,
    "bibtexparser-v1.4.4/article_comma_first.bib": 2,
    "bibtexparser-v1.4.4/article_multilines.bib": 1,
    "bibtexparser-v1.4.4/article_start_with_bom.bib": 1,
    "bibtexparser-v1.4.4/article_with_protection_braces.bib": 1,
    "bibtexparser-v1.4.4/article_with_special_characters.bib": 1,
    "bibtexparser-v1.4.4/biber-examples.bib": 118,
    "bibtexparser-v1.4.4/comments_spaces_and_declarations.bib": 1,
    "bibtexparser-v1.4.4/crossref_entries.bib": 14,
    "bibtexparser-v1.4.4/encoding.bib": 1,
    "bibtexparser-v1.4.4/features.bib": 1,
    "bibtexparser-v1.4.4/features2.bib": 1,
    "bibtexparser-v1.4.4/multiple_entries_and_comments.bib": 3,
    "bibtexparser-v1.4.4/string.bib": 1,
    "bibtexparser-v1.4.4/traps.bib": 1,
    "jabref/BibtexImporter.examples.bib": 4,
    "jabref/tiny-BE-withBOM.bib": 1,
    "jabref/tiny-LE-noBOM.bib": 1,
    "mauriciomanoel/pubmed.bib": 160,
    "synthesisr/Scopus_bib_example.bib": 3,
}


@cache
def _parse(rel: str):
    assert CORPUS is not None
    path = CORPUS / "bibtex" / rel
    text = decode_bytes(path.read_bytes())
    imp = detect(text, path.name)
    assert imp is not None, rel
    return imp.name, imp.parse(text)


def _by_key(rel: str) -> dict:
    return {p.extra["citekey"]: p for p in _parse(rel)[1].papers}


@pytest.mark.parametrize("rel", sorted(BIB_COUNTS))
def test_every_bib_file_detects_and_counts(corpus, rel):
    name, r = _parse(rel)
    assert name == "bibtex"
    assert len(r.papers) == BIB_COUNTS[rel]
    assert r.errors == []


def test_corpus_has_no_unlisted_bib_files(corpus):
    found = {str(p.relative_to(corpus / "bibtex")) for p in (corpus / "bibtex").rglob("*") if p.is_file()}
    assert found == set(BIB_COUNTS)


def test_latex_accents_become_unicode(corpus):
    aksin = _by_key("jabref/BibtexImporter.examples.bib")["aksin"]
    assert aksin.authors == ["Aksın Ö", "Türkmen H", "Artok L", "Çetinkaya B", "Ni C", "Büyükgüngör O", "Özkal E"]
    assert aksin.title == (
        "Effect of immobilization on catalytic characteristics of saturated Pd-N-heterocyclic carbenes "
        "in Mizoroki-Heck reactions"
    )  # protective braces removed
    assert aksin.pub_date == "2006" and aksin.volume == "691" and aksin.issue == "13" and aksin.pages == "3027-3036"
    assert _by_key("jabref/BibtexImporter.examples.bib")["Preissel2016"].authors == ["Preißel R"]
    special = _parse("bibtexparser-v1.4.4/article_with_special_characters.bib")[1].papers[0]
    assert special.authors == ["Césarü J"]  # {\'e} and {\"u}
    assert "french érudit word" in special.abstract  # raw UTF-8 kept
    enc = _parse("bibtexparser-v1.4.4/encoding.bib")[1].papers[0]
    assert (enc.title, enc.journal) == ("An amazing title: à", "Elémentaire")
    biber = _by_key("bibtexparser-v1.4.4/biber-examples.bib")
    assert biber["set:herrmann"].title == "A carbocyclic carbene as an efficient catalyst ligand for C–C coupling reactions"
    assert biber["vazques-de-parga"].authors == ["Vázques de Parga L", "Lacarra JM", "Uría Ríu J"]
    assert biber["luzzatto"].authors == ["Luzzatto MḤ"]


def test_macros_concatenation_and_months(corpus):
    f2 = _parse("bibtexparser-v1.4.4/features2.bib")[1].papers[0]
    assert f2.title == "Cool Stuff" and f2.authors == ["Doe J"] and f2.pages == "1-10"
    assert f2.extra["bibtex"]["booktitle"] == "My International Conference"
    assert f2.extra["bibtex"]["note"] == "Email: John.Doe@example.com"
    biber = _by_key("bibtexparser-v1.4.4/biber-examples.bib")
    assert biber["set:herrmann"].journal == "Angew. Chem. Int. Ed."  # @string anch-ie
    traps = _parse("bibtexparser-v1.4.4/traps.bib")[1].papers[0]
    assert traps.title == "An amazing title" and traps.volume == "n.s. 2"
    assert traps.pub_date == "2013-01"  # month = "jan"


def test_crossref_inheritance_and_sets(corpus):
    cr = _by_key("bibtexparser-v1.4.4/crossref_entries.bib")
    assert cr["cr1"].title == "Great and Good Graphs"
    assert cr["cr1"].year == 1974  # from cr_m
    assert cr["cr1"].extra["booktitle"] == "Graphs of the Continent"
    assert cr["cr1"].extra["editors"] == ["Erbriss E"]
    assert cr["cr_m"].authors == ["Erbriss E"] and cr["cr_m"].extra["authors_are_editors"]
    sets = [p for p in _parse("jabref/BibtexImporter.examples.bib")[1].papers if p.extra["entry_type"] == "set"]
    assert [s.extra["entryset"] for s in sets] == [["herrmann", "aksin", "yoon"], ["glashow", "weinberg", "salam"]]


def test_duplicate_keys_and_fields_still_import(corpus):
    pubmed = _parse("mauriciomanoel/pubmed.bib")[1].papers  # many repeated cite keys
    assert len(pubmed) == 160
    p = pubmed[0]
    assert p.title == "Older women's perceptions of wearable and smart home activity sensors."
    assert p.authors == ["Reeder B", "Chung J", "Lyden K", "Winters J", "Jankowski CM"]  # comma-separated style
    assert (p.pub_date, p.doi, p.pmid) == ("2019-03", "10.1080/17538157.2019.1582054", "30919711")
    assert p.keywords[:2] == ["Wearable sensors", "activity sensors"]
    assert sum(1 for x in pubmed if x.pmid) == 160
    pii = next(x for x in pubmed if x.pmid == "29551743")
    assert pii.doi is None and pii.extra["doi_raw"] == "https://doi.org/S1532-0464(18)30051-0"
    assert pii.authors[0] == "Alberdi Aramendi A"
    multi = _parse("bibliograph.parsing/bibtex_test_multiauthors.bib")[1].papers[0]  # CRLF, author twice
    assert multi.authors == ["Carneiro P", "Heckman JJ"]
    assert multi.doi == "10.1111/1468-0297.00075" and multi.volume == "112" and multi.issue == "482"
    editors = _parse("bibliograph.parsing/bibtex_test_inbookreferences.bib")[1].papers[0]
    assert editors.authors == ["Gabriel M", "Heymann K", "Lohmann F"]


def test_pmid_abstract_and_real_exports(corpus):
    med = _parse("bibliograph.parsing/medline_test.bib")[1].papers
    assert med[0].pmid == "12634818" and med[0].journal == "Heredity" and med[0].pages == "130-5"
    assert med[0].authors == ["Groot TVM", "Bruins E", "Breeuwer JAJ"]
    assert med[0].abstract.startswith("Parthenogenesis among reptiles is rare.")
    scopus = _parse("synthesisr/Scopus_bib_example.bib")[1].papers[0]
    assert scopus.authors[5] == "Zhang Y" and scopus.doi == "10.1080/20964129.2020.1722034"
    assert scopus.abstract.startswith("Introduction: Wetland soil fauna support material cycling")
    multi = _parse("bibtexparser-v1.4.4/article_multilines.bib")[1].papers[0]
    assert multi.keywords == ["keyword1", "keyword2", "multiline-keyword1", "multiline-keyword2"]


def test_utf16_bom_cp1252(corpus):
    for rel in ("jabref/tiny-BE-withBOM.bib", "jabref/tiny-LE-noBOM.bib"):
        p = _parse(rel)[1].papers[0]
        assert p.title == "Investigation of the best suture pattern to close a stuffed Christmas turkey"
        assert p.authors == ["Verwilghen D", "Busoni V", "van Galen G", "Wilke M"]
        assert (p.journal, p.pub_date, p.volume, p.issue, p.pages, p.doi) == (
            "Veterinary Record", "2011-12", "169", "26", "685-686", "10.1136/vr.d6221")
    bom = _parse("bibtexparser-v1.4.4/article_start_with_bom.bib")[1].papers[0]
    assert bom.extra["citekey"] == "Cesar2013" and bom.authors == ["César J"]
    cp = _by_key("bibliograph.parsing/idcooking_test.bib")  # windows-1252
    assert cp["foo"].authors == ["ÖÖÄÄÜÜööääüü C"]
    typ = _parse("bibliograph.parsing/bibtex_test_typefield.bib")[1].papers[0]
    assert typ.extra["bibtex"]["institution"] == "Ökologie-Zentrum"
    result = parse_bytes((CORPUS / "bibtex/jabref/tiny-BE-withBOM.bib").read_bytes(), "tiny-BE-withBOM.bib")
    assert result.format == "bibtex" and len(result.papers) == 1


def test_latex_decoder_units():
    assert latex_to_unicode(r"{\'e}t{\"u}de") == "étüde"
    assert latex_to_unicode(r"\'{e} \`a \^o \~n \c{c} \v{s} \u{g} \H{o} \k{a} \r{a} \=a \.z") == "é à ô ñ ç š ğ ő ą å ā ż"
    assert latex_to_unicode(r"Aks{\i}n {\ss} {\o} \AE{} \l{}") == "Aksın ß ø Æ ł"
    assert latex_to_unicode(r"$\alpha$-helix and $\beta_2$ 5\,\textmu{}m 5 µm") == "α-helix and β₂ 5 µm 5 µm"
    assert latex_to_unicode(r"TNF-$\alpha$ \& IL-6: 10\% 12--23 --- \emph{in vivo} \textit{x}~y") == (
        "TNF-α & IL-6: 10% 12–23 — in vivo x y")
    assert latex_to_unicode(r"{An} amazing {title}") == "An amazing title"


def test_name_forms():
    assert bibtex_name("Jean-Pierre de la Fontaine") == "de la Fontaine JP"
    assert bibtex_name("von Brandt, Ahasver") == "von Brandt A"
    assert bibtex_name("Pimentel, Jr., Joseph J.") == "Pimentel JJ Jr"
    assert bibtex_name("{World Health Organization}") == "World Health Organization"
    assert parse_names("Doe, J. and {Barnes and Noble} and others") == ["Doe J", "Barnes and Noble", "et al"]


def test_broken_entry_is_reported_with_line_and_others_import():
    text = (
        "@article{a1, title={Good one}, year=2001}\n"
        "@article{a2, title={Broken, year=2002\n"
        "}\n"
        "@comment{not a record}\n"
        "@article{a3, title={Third}, author={M{\\\"u}ller, Hans}, year=2003}\n"
    )
    r = get("bibtex").parse(text)
    assert [p.title for p in r.papers] == ["Good one", "Third"]
    assert r.papers[1].authors == ["Müller H"]
    assert [(e.record, e.line) for e in r.errors] == [(2, 2)]


def test_bibtex_sniff(corpus):
    bib = get("bibtex")
    ris = decode_bytes((corpus / "ris/asreview/pubmed_zotero.ris").read_bytes())
    assert bib.sniff(ris) == 0
    assert bib.sniff("@string{a = {b}}\n") < 0.5


def test_biblatex_eprint_pubmed_date_and_keywords():
    text = (
        "@string{jnl = {J. Test.}}\n"
        "@article{k1,\n  author = {Smith, Anna B. and Jones, C.},\n  title = {{CAR-T} cells and $\\mu$-opioids},\n"
        "  journaltitle = jnl # { Suppl.},\n  date = {2021-03-15},\n  eprinttype = {pubmed},\n  eprint = {33123456},\n"
        "  doi = {https://doi.org/10.1000/XYZ.9},\n  keywords = {alpha; beta gamma},\n  issue = {4},\n"
        "  abstract = {First paragraph\n  continues.\n\n  Second paragraph.},\n}\n"
    )
    p = get("bibtex").parse(text).papers[0]
    assert p.title == "CAR-T cells and μ-opioids"
    assert p.authors == ["Smith AB", "Jones C"]
    assert (p.journal, p.pub_date, p.year, p.issue) == ("J. Test. Suppl.", "2021-03-15", 2021, "4")
    assert (p.pmid, p.doi) == ("33123456", "10.1000/xyz.9")
    assert p.keywords == ["alpha", "beta gamma"]
    assert p.paragraphs == ["First paragraph continues.", "Second paragraph."]
