"""The compiled PubMed record reader (curator/importers/_pubmed_c.pyx) against its Python
reference (pubmed_records._pubmed_article): the same Paper, field for field and key for key, on
every corpus record and on thousands of mutated records that stress what the C code re-implements
(text and tail collection, whitespace cleaning, entities, CDATA, comments, namespaces, markup,
attributes).

CI builds the extension and sets CURATOR_REQUIRE_COMPILED=1, so a build that silently fell back
to pure Python fails here instead of only running slower."""

from __future__ import annotations

import os
import random
import re

import pytest
from conftest import CORPUS
from lxml import etree

from curator.importers import pubmed_records, pubmed_xml
from curator.store.library import _to_json

try:
    from curator.importers import _pubmed_c
except ImportError:  # pragma: no cover - the extension is optional outside CI
    _pubmed_c = None

pytestmark = pytest.mark.skipif(
    _pubmed_c is None and not os.environ.get("CURATOR_REQUIRE_COMPILED"),
    reason="compiled reader not built (no C compiler when installing)")

PARSER = pubmed_xml._record_parser()


def test_the_compiled_reader_is_built_and_used():
    assert _pubmed_c is not None, "curator.importers._pubmed_c was not built: see setup.py"
    assert pubmed_xml.COMPILED_READER and pubmed_xml._read_article is _pubmed_c.pubmed_article


def _records() -> list[bytes]:
    out = []
    for f in sorted((CORPUS / "pubmed_xml").rglob("*.xml")):
        try:
            root = etree.parse(str(f), PARSER).getroot()
        except etree.XMLSyntaxError:
            continue
        out += [etree.tostring(el, encoding="utf-8") for el in root.iter("PubmedArticle")]
    return out


def _same(xml: bytes) -> None:
    el = etree.fromstring(xml, PARSER)
    want = pubmed_records._pubmed_article(el)
    got = _pubmed_c.pubmed_article(el)
    assert got.to_dict() == want.to_dict(), xml[:300]
    assert _to_json(got.to_dict()) == _to_json(want.to_dict()), xml[:300]  # the same key order too


def test_every_corpus_record_reads_the_same(corpus):
    recs = _records()
    assert len(recs) > 200
    for xml in recs:
        _same(xml)


# Mutations of a record's bytes: each keeps it well-formed (or the case is skipped).
_TEXT = re.compile(rb">([^<>]+)<")
_LEAF = re.compile(rb"<(LastName|ForeName|Initials|CollectiveName|Keyword|DescriptorName|QualifierName|"
                   rb"NameOfSubstance|PublicationType|ArticleTitle|Title|ISOAbbreviation|Volume|Issue|"
                   rb"MedlinePgn|Language|Year|Month|Day|MedlineDate|ArticleId|GrantID|Agency|PMID|"
                   rb"AbstractText|MedlineTA|Country|PublicationStatus)(\s[^>]*)?>")
_PIECES = [
    b" ", b"  ", b"\t", b"\n", b"\r\n", b"\xc2\xa0", b"&#160;", b"&#x3bc;", b"&amp;", b"&lt;", b"&gt;",
    b"&quot;", b"<![CDATA[x < y]]>", b"<![CDATA[]]>", b"<!-- note -->", b"<?pi data?>", b"<i>it</i>",
    b"<sup>2</sup>", b"<b>bold <i>both</i></b>", b"<sub/>", b"\xce\xbc", b"\xe2\x80\x89", b"\x0b",
    b"<mml:math xmlns:mml=\"http://www.w3.org/1998/Math/MathML\"><mml:msup><mml:mi>x</mml:mi>"
    b"<mml:mn>2</mml:mn></mml:msup></mml:math>", b"<p>para</p>", b"<x:y xmlns:x=\"urn:x\">ns</x:y>",
]


def _mutate(xml: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.45:  # insert a piece at the start, end or middle of some text
            spans = [m.span(1) for m in _TEXT.finditer(xml)]
            if not spans:
                continue
            a, b = rng.choice(spans)
            at = rng.choice([a, b, (a + b) // 2])
            xml = xml[:at] + rng.choice(_PIECES) + xml[at:]
        elif kind < 0.6:  # empty a leaf, or make it self-closing
            m = rng.choice(list(_LEAF.finditer(xml)) or [None])
            if m is None:
                continue
            end = xml.find(b"</" + m.group(1) + b">", m.end())
            if end < 0:
                continue
            repl = b"" if rng.random() < 0.5 else None
            if repl is None:
                xml = xml[:m.start()] + b"<" + m.group(1) + (m.group(2) or b"") + b"/>" + xml[end + len(m.group(1)) + 3:]
            else:
                xml = xml[:m.end()] + xml[end:]
        elif kind < 0.72:  # odd attributes
            xml = rng.choice([
                lambda x: x.replace(b'<Author ValidYN="Y"', b'<Author ValidYN="N"', 1),
                lambda x: x.replace(b'<AbstractText', b'<AbstractText Label=" A &amp; B\tC "', 1),
                lambda x: x.replace(b'<AbstractText', b'<AbstractText Label="UNLABELLED"', 1),
                lambda x: x.replace(b'MajorTopicYN="N"', b"MajorTopicYN='Y'", 1),
                lambda x: x.replace(b'IdType="doi"', b'IdType="DOI"', 1),
                lambda x: x.replace(b'EIdType="doi"', b'EIdType="doi" ValidYN="N"', 1),
                lambda x: x.replace(b"<Author ", b'<Author xmlns:q="urn:q" q:ValidYN="N" ', 1),
                lambda x: x.replace(b"</LastName>", b"</LastName><Identifier Source=\"orcid\">0000-0001</Identifier>", 1),
            ])(xml)
        elif kind < 0.84:  # comments and PIs between children
            tags = [m.end() for m in re.finditer(rb"</(Author|MeshHeading|Keyword|Journal|ArticleId|Grant)>", xml)]
            if tags:
                at = rng.choice(tags)
                xml = xml[:at] + rng.choice([b"<!-- c -->", b"<?p?>", b"\n  ", b"<Extra>e</Extra>"]) + xml[at:]
        else:  # a namespaced element where a plain one is read
            xml = rng.choice([
                lambda x: x.replace(b"<Keyword ", b'<k:Keyword xmlns:k="urn:k" ', 1).replace(b"</Keyword>", b"</k:Keyword>", 1)
                if b"<Keyword " in x else x,
                lambda x: x.replace(b"<Title>", b'<Title xmlns="urn:t">', 1),
                lambda x: x.replace(b"<Suffix>", b"<Suffix>Jr", 1) if b"<Suffix>" in x else x.replace(
                    b"</ForeName>", b"</ForeName><Suffix>III</Suffix>", 1),
            ])(xml)
    return xml


def test_mutated_records_read_the_same(corpus):
    rng = random.Random(20261122)
    recs = _records()
    checked = 0
    for _ in range(3000):
        xml = _mutate(rng.choice(recs), rng)
        try:
            etree.fromstring(xml, PARSER)
        except etree.XMLSyntaxError:
            continue
        _same(xml)
        checked += 1
    assert checked > 2000  # most mutations keep the record well-formed


def _framing_buffers() -> list[bytes]:
    bufs = [f.read_bytes() for f in sorted((CORPUS / "pubmed_xml").rglob("*.xml"))]
    rec = _records()[5]
    odd = [
        b"<PubmedArticleSet>\n" + rec + b"\nstray words\n<!-- c -->" + rec.replace(b"</PubmedArticle>", b"") +
        b"\n" + rec + b"<DeleteCitation><PMID>1</PMID></DeleteCitation><PubmedArticle/>\n<PubmedArticleSetX>" +
        rec[: len(rec) // 2],
        b"<PubmedBookArticleSet><PubmedBookArticle><BookDocument><PMID>2</PMID><ReferenceList>x</ReferenceList>"
        b"</BookDocument><PubmedBookData><History>h</History></PubmedBookData></PubmedBookArticle>\r\n"
        b"<PubmedArticle>" + rec[15:] + b"</PubmedArticle></PubmedArticle>",
        rec.replace(b"<AuthorList", b"<AuthorList><Author><AffiliationInfo>a</AffiliationInfo>"
                    b"<AffiliationInfo>b", 1),
        rec.replace(b"</AuthorList>", b"<Author><LastName>L</LastName><AffiliationInfo><Affiliation>x"
                    b"</Affiliation></AffiliationInfo></Author>" * 150 + b"</AuthorList>", 1),  # a consortium
        rec.replace(b"</MedlineCitation>", b"<CommentsCorrectionsList><CommentsCorrections RefType=\"CommentIn\">"
                    b"<PMID>3</PMID></CommentsCorrections></CommentsCorrectionsList></MedlineCitation>", 1),
        rec.replace(b"</MedlineCitation>", b"<CommentsCorrectionsList><CommentsCorrections RefType=\"ErratumIn\">"
                    b"<PMID>4</PMID></CommentsCorrections></CommentsCorrectionsList></MedlineCitation>", 1),
    ]
    return bufs + odd


def test_compiled_framing_finds_the_same_records_and_bytes(corpus):
    from curator.importers.pubmed_xml import _record_bytes_c, _record_bytes_py, _scan_c, _scan_py

    rng = random.Random(11)
    checked = 0
    for buf in _framing_buffers():
        pieces = [buf] + [buf[a:b] for a, b in (sorted(rng.sample(range(len(buf) + 1), 2)) for _ in range(6))]
        for piece in pieces:
            got, want = list(_scan_c(piece)), list(_scan_py(piece))
            assert got == want
            for s, name, end, _a, _b in want:
                e = end if end >= 0 else len(piece)
                assert _record_bytes_c(piece, s, e, name) == _record_bytes_py(piece, s, e, name)
                checked += 1
    assert checked > 300
    assert any(b.count(b"<AffiliationInfo>") >= 150 for b in _framing_buffers()[-5:])
