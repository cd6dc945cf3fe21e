"""The XML prolog check (curator/importers/xml_safety.py) cannot be stepped around (issue 15 item 3): the usual
attack files (billion laughs, an external entity on file:///etc/passwd, parameter entities), each hidden
behind a comment, a processing instruction or a quoted literal holding "]>", and each in UTF-8, UTF-16
(LE/BE, with and without BOM) and Latin-1 / Windows-1252, are refused for PubMed XML and JATS before lxml
is called at all (lxml's parser entry points are replaced by a function that fails the test)."""

from __future__ import annotations

import codecs

import pytest
from lxml import etree

from curator import importers
from curator.importers import jats, pubmed_xml
from curator.importers.base import ImportFormatError
from curator.importers.xml_safety import UnsafeXMLError, check_xml_bytes, check_xml_safety, declared_encoding

PUBMED_BODY = ("<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
               "<ArticleTitle>{ref}</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n")
JATS_BODY = ("<article><front><article-meta><title-group><article-title>{ref}</article-title></title-group>"
             "</article-meta></front></article>\n")

# The declarations of each attack, and the reference the body makes to them.
ATTACKS = {
    "billion-laughs": ('<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                       '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">', "&lol2;"),
    "external-entity": ('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
    "parameter-entity": ('<!ENTITY % dtd SYSTEM "file:///etc/passwd"> %dtd;', "x"),
    "parameter-entity-nested": ('<!ENTITY % a "<!ENTITY b \'secret\'>"> %a;', "&b;"),
    "lower-case-keyword": ('<!entity xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
}
# What stands before the declarations in the internal subset, each holding "]>" (the old scan ended there).
HIDING = {
    "plain": "",
    "comment": "<!-- the subset ends here ]> or does it -->",
    "comment-with-quote": "<!-- don't ]> -->",
    "processing-instruction": "<?pi ]> ?>",
    "quoted-double": '<!ATTLIST x y CDATA "]>">',
    "quoted-single": "<!ATTLIST x y CDATA ']>'>",
    "quoted-gt": '<!ATTLIST x y CDATA ">">',
    "element-decl": "<!ELEMENT x ANY>",
}
ENCODINGS = {
    "utf-8": ("", lambda s: s.encode("utf-8")),
    "utf-8-bom": ("", lambda s: codecs.BOM_UTF8 + s.encode("utf-8")),
    "utf-16-le-bom": (' encoding="UTF-16"', lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le")),
    "utf-16-be-bom": (' encoding="UTF-16"', lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be")),
    "utf-16-le": (' encoding="UTF-16"', lambda s: s.encode("utf-16-le")),
    "utf-16-be": (' encoding="UTF-16"', lambda s: s.encode("utf-16-be")),
    "latin-1": (' encoding="ISO-8859-1"', lambda s: s.encode("latin-1")),
    "windows-1252": (' encoding="windows-1252"', lambda s: s.encode("cp1252")),
}


def _doc(root: str, attack: str, hiding: str, decl_enc: str = "") -> str:
    decls, ref = ATTACKS[attack]
    body = (PUBMED_BODY if root == "PubmedArticleSet" else JATS_BODY).format(ref=ref)
    return f'<?xml version="1.0"{decl_enc}?>\n<!DOCTYPE {root} [{HIDING[hiding]}\n{decls}\n]>\n{body}'


@pytest.fixture
def no_lxml(monkeypatch):
    """Every lxml entry point the importers parse with fails the test when called."""
    def called(*_a, **_k):
        raise AssertionError("lxml was given the document: the prolog check let it through")

    for name in ("iterparse", "fromstring", "XML", "parse", "XMLParser", "fromstringlist"):
        monkeypatch.setattr(etree, name, called)


@pytest.mark.parametrize("hiding", HIDING)
@pytest.mark.parametrize("attack", ATTACKS)
def test_check_refuses_every_hidden_attack(attack, hiding):
    for root in ("PubmedArticleSet", "article"):
        with pytest.raises(UnsafeXMLError, match="entities"):
            check_xml_safety(_doc(root, attack, hiding))


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("hiding", ["plain", "comment", "processing-instruction", "quoted-double"])
@pytest.mark.parametrize("attack", ["billion-laughs", "external-entity", "parameter-entity"])
def test_pubmed_xml_refuses_before_lxml(tmp_path, no_lxml, attack, hiding, encoding):
    decl, encode = ENCODINGS[encoding]
    data = encode(_doc("PubmedArticleSet", attack, hiding, decl))
    with pytest.raises(UnsafeXMLError, match="entities"):
        check_xml_bytes(data)
    with pytest.raises(UnsafeXMLError, match="entities"):
        list(pubmed_xml.iter_parse_bytes(data))
    path = tmp_path / "attack.xml"
    path.write_bytes(data)
    for workers in (1, 2):
        with pytest.raises(UnsafeXMLError, match="entities"):
            list(pubmed_xml.iter_parse_path(path, workers=workers))
    with pytest.raises(ImportFormatError, match="attack.xml: the XML declares entities"):
        importers.parse_bytes(data, "attack.xml")  # decoded by the registry, then parse(text)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("hiding", ["plain", "comment", "processing-instruction", "quoted-single"])
@pytest.mark.parametrize("attack", ["billion-laughs", "external-entity", "parameter-entity"])
def test_jats_refuses_before_lxml(tmp_path, no_lxml, attack, hiding, encoding):
    decl, encode = ENCODINGS[encoding]
    data = encode(_doc("article", attack, hiding, decl))
    with pytest.raises(UnsafeXMLError, match="entities"):
        list(jats.iter_parse_bytes(data))
    path = tmp_path / "attack.nxml"
    path.write_bytes(data)
    with pytest.raises(UnsafeXMLError, match="entities"):
        list(jats.iter_parse_path(path))
    with pytest.raises(UnsafeXMLError, match="entities"):
        jats.IMPORTER.parse(importers.decode_bytes(data))


def test_import_service_names_the_file_and_the_reason(tmp_path, no_lxml):
    from curator.services.importing import import_files
    from curator.store.library import Library

    path = tmp_path / "hidden.xml"
    path.write_bytes(_doc("PubmedArticleSet", "external-entity", "comment").encode("utf-16"))
    lib = Library.open(tmp_path / "lib.sqlite")
    try:
        report = import_files(lib, [path])
    finally:
        lib.close()
    fr = report.files[0]
    assert fr.added == 0 and "hidden.xml" in fr.error and "declares entities" in fr.error, fr.error


@pytest.mark.parametrize("hiding", HIDING)
def test_a_harmless_internal_subset_is_read(hiding):
    # the same hiding places without an entity: nothing is refused, and lxml then reads the records
    doc = _doc("PubmedArticleSet", "billion-laughs", hiding).replace(ATTACKS["billion-laughs"][0], "")
    doc = doc.replace("&lol2;", "A title")
    check_xml_safety(doc)
    items = list(pubmed_xml.iter_parse_bytes(doc.encode("utf-16")))
    assert [i[2].title for i in items] == ["A title"]


def test_normal_nlm_doctype_in_every_encoding():
    head = ('<?xml version="1.0"{enc}?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
            '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
            + PUBMED_BODY.format(ref="Caf\u00e9 \u2013 CAR-T"))
    for _name, (decl, encode) in ENCODINGS.items():
        if decl.endswith('"ISO-8859-1"'):
            data = encode(head.format(enc=decl).replace("\u2013", "-"))
        else:
            data = encode(head.format(enc=decl))
        check_xml_bytes(data)
        items = list(pubmed_xml.iter_parse_bytes(data))
        assert items[0][2].title.startswith("Caf\u00e9"), _name


def test_undecodable_prolog_is_refused_with_a_clear_message():
    bad = b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- \xff\xfe\xfa -->\n' + PUBMED_BODY.format(ref="x").encode()
    with pytest.raises(ImportFormatError, match="cannot be decoded as utf-8"):
        check_xml_bytes(bad)
    with pytest.raises(ImportFormatError, match="cannot be decoded"):
        list(pubmed_xml.iter_parse_bytes(bad))
    with pytest.raises(ImportFormatError, match="cannot be read here"):
        check_xml_bytes(b'<?xml version="1.0" encoding="x-no-such-codec"?><a/>')
    # a bad byte inside a record (after the prolog) is that record's problem, not the file's
    check_xml_bytes(b'<?xml version="1.0"?>\n<PubmedArticleSet><x>\xff</x></PubmedArticleSet>')


def test_declared_encodings():
    assert declared_encoding(codecs.BOM_UTF16_LE + "<a/>".encode("utf-16-le")) == "utf-16-le"
    assert declared_encoding("<?xml version='1.0'?><a/>".encode("utf-16-be")) == "utf-16-be"
    assert declared_encoding(b"<?xml version='1.0' encoding='latin-1'?><a/>") == "iso8859-1"
    assert declared_encoding(b"<?xml version='1.0' encoding='Windows-1252'?><a/>") == "cp1252"
    assert declared_encoding(b"<?xml version='1.0' encoding='UTF-16'?><a/>") == "utf-8"  # as libxml2 reads it
    assert declared_encoding(b"<a/>") == "utf-8"


def test_prolog_limits():
    with pytest.raises(UnsafeXMLError, match="longer than 64 KB"):
        check_xml_safety("<!--" + "x" * 70000)
    with pytest.raises(UnsafeXMLError, match="longer than 64 KB"):
        check_xml_safety("<!DOCTYPE a [<!-- " + "]>" * 40000)
    # a prolog cut short in a short (whole) document: no entity anywhere, the parser reports it
    check_xml_safety('<?xml version="1.0"?><!DOCTYPE a [<!-- no end', complete=True)
    with pytest.raises(UnsafeXMLError):
        check_xml_safety('<!DOCTYPE a [<!-- no end <!ENTITY x "y">', complete=True)
