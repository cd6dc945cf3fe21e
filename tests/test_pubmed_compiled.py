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

from curator.domain.paper import Paper
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


def _same(xml: bytes) -> bool:
    """Both compiled readers (on lxml's tree, and on the bytes with the module's own parser) give
    the Python reader's Paper; True when the own parser read the record (it may leave it to lxml)."""
    el = etree.fromstring(xml, PARSER)
    want = pubmed_records._pubmed_article(el)
    got = _pubmed_c.pubmed_article(el)
    assert got.to_dict() == want.to_dict(), xml[:300]
    assert _to_json(got.to_dict()) == _to_json(want.to_dict()), xml[:300]  # the same key order too
    own = _pubmed_c.pubmed_article_bytes(xml)
    if own is None:
        return False
    assert _to_json(own.to_dict()) == _to_json(want.to_dict()), xml[:300]
    return True


def test_every_corpus_record_reads_the_same(corpus):
    recs = _records()
    assert len(recs) > 200
    own = sum(_same(xml) for xml in recs)
    assert own > 0.8 * len(recs)  # most records are plain enough for the own parser


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
    checked = own = 0
    for _ in range(3000):
        xml = _mutate(rng.choice(recs), rng)
        try:
            etree.fromstring(xml, PARSER)
        except etree.XMLSyntaxError:
            continue
        own += _same(xml)
        checked += 1
    assert checked > 2000  # most mutations keep the record well-formed
    assert own > 500


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


# ---------------------------------------------------------------- the module's own XML parser
# It must accept only what libxml2 (as the importer sets it up) accepts, and build the same tree;
# whatever it gives up on goes to lxml. These tests compare its trees with lxml's.

def _lxml_tree(el) -> tuple:
    kids = [("<!--", {}, None, [], k.tail) if k.tag is etree.Comment else _lxml_tree(k) for k in el]
    return (el.tag, dict(el.attrib), el.text, kids, el.tail)


def _check_tree(xml: bytes) -> bool:
    """True when the own parser accepted `xml`; then lxml accepts it too, with the same tree."""
    got = _pubmed_c.own_tree(xml)
    if got is None:
        return False
    try:
        el = etree.fromstring(xml, PARSER)
    except etree.XMLSyntaxError as exc:
        raise AssertionError(f"own parser accepted what lxml refuses ({exc}): {xml[:300]!r}") from None
    assert got == _lxml_tree(el)[:4] + (None,), xml[:300]
    return True


def test_own_parser_builds_lxml_trees_of_corpus_records(corpus):
    recs = _records()
    framed = [pubmed_xml._record_bytes(r, 0, len(r), b"PubmedArticle") for r in recs]  # as the importer parses them
    accepted = sum(_check_tree(x) for x in recs + framed)
    assert accepted > 0.9 * 2 * len(recs)


# Each is accepted, and read as libxml2 reads it.
_PLAIN = [
    b"<a>x</a>", b"<a/>", b"<a />", b"<a></a >", b"<a>\r\n</a>", b"<a>x\ry\r\n\r\nz</a>", b"<a>&lt;&gt;&amp;&quot;&apos;</a>",
    b"<a>&#956;&#x3bc;&#x3BC;&#9;&#13;&#10;&#x10FFFF;&#65533;&#0000065;</a>", b"<a b='1' c = \"2\"\n d\t=\r\n'3'/>",
    b"<a b=\"x\r\ny\tz\nw\rv\"/>", b"<a b=\"&#9;&#10;&#13;&lt;&amp;&quot;>]]>\"/>", b"<a b=''/>", b"<a><!-- c --></a>",
    b"<a>t<!----><b>u</b>v<!-- - -->w</a>", b"<a>]] ]> ] ]]</a>", b"<a>\xce\xbc \xe2\x80\x89 \xf0\x9f\x98\x80 \xc2\xa0</a>",
    b"<a_b.c-d e.f-g_h='1'>x</a_b.c-d>", b"<a>\n  <b>x</b>\n  <c/>\n</a>\n", b"<a><b><c><d>deep</d></c></b></a>",
]

# Each is refused: malformed, or outside what the own parser reads (lxml reads those).
_REFUSED = [
    b"", b"x<a/>", b" <a/>", b"<a>", b"<a>x", b"<a></b>", b"<a></a><b/>", b"<a/>x", b"<a>&nbsp;</a>", b"<a>&#0;</a>",
    b"<a>&#x110000;</a>", b"<a>&#xD800;</a>", b"<a>&#xFFFE;</a>", b"<a>&#X41;</a>", b"<a>&#x;</a>", b"<a>&#;</a>",
    b"<a>&amp</a>", b"<a>AT&T</a>", b"<a>]]></a>", b"<a>\x00</a>", b"<a>\x0b</a>", b"<a>\xff</a>", b"<a>\xc0\x80</a>",
    b"<a>\xed\xa0\x80</a>", b"<a>\xef\xbf\xbe</a>", b"<a>\xf4\x90\x80\x80</a>", b"<a>\xe2\x80</a>",
    b"<a><![CDATA[x]]></a>", b"<a><?pi x?></a>", b"<!DOCTYPE a><a/>", b"<a><!-- a -- b --></a>", b"<a><!-- a ---></a>",
    b"<a b='1' b='2'/>", b"<a b='<'/>", b"<a b='1'c='2'/>", b"<a b/>", b"<a b=1/>", b"<a b='1/>", b"<a/ >",
    b"<a xmlns='urn:x'/>", b"<x:a xmlns:x='urn:x'/>", b"<a x:b='1'/>", b"<\xc3\xa9/>", b"<1a/>", b"<a\xc3\xa9/>",
    b"<a b='&#0;'/>", b"<a b='&bogus;'/>", b"<a>" * 120 + b"</a>" * 120,
]


@pytest.mark.parametrize("xml", _PLAIN)
def test_own_parser_reads_plain_xml_as_libxml2_does(xml):
    assert _check_tree(xml), xml


@pytest.mark.parametrize("xml", _REFUSED)
def test_own_parser_leaves_the_rest_to_lxml(xml):
    assert _pubmed_c.own_tree(xml) is None, xml


_BREAKS = [b"<", b">", b"&", b"/", b"'", b'"', b"=", b" ", b"]]>", b"--", b"<!--", b"\x00", b"\xff", b"\xc3", b"\r",
           b"&#0;", b"&#xFFFE;", b"&nbsp;", b"&amp", b"</", b"<b>", b"</b>", b"<b/>", b"<b c='1'", b"xmlns='u'", b":"]


def test_own_parser_leaves_a_giant_record_to_lxml():
    big = b"<a>" + b"x" * (5 << 20) + b"</a>"
    assert _pubmed_c.own_tree(big) is None
    assert _pubmed_c.own_tree(big[:1000] + b"</a>") is not None


def test_own_parser_never_accepts_what_lxml_refuses(corpus):
    """Break records at random (a byte dropped, a piece of markup or a bad byte put in, a cut):
    whenever the own parser still accepts one, lxml must too, and build the same tree."""
    rng = random.Random(7)
    recs = _records()
    accepted = 0
    for _ in range(4000):
        xml = rng.choice(recs)
        for _k in range(rng.randint(1, 3)):
            at = rng.randrange(len(xml) + 1)
            kind = rng.random()
            if kind < 0.3:
                xml = xml[:at] + xml[at + 1:]
            elif kind < 0.9:
                xml = xml[:at] + rng.choice(_BREAKS) + xml[at:]
            else:
                xml = xml[:at]
        accepted += _check_tree(xml)
    assert accepted > 100  # some breaks land where they keep the record well-formed (inside text)


def test_importer_reads_mixed_records_in_file_order(corpus, monkeypatch):
    """Records the own parser reads and records it leaves to lxml (MathML, CDATA, a broken one, a
    deletion) interleave: the items, numbers, lines and deletions are those of lxml alone."""
    recs = _records()[:40]
    odd = [recs[1].replace(b"</ArticleTitle>", b" <![CDATA[a < b]]></ArticleTitle>", 1),
           recs[2].replace(b"</ArticleTitle>", b" <mml:math xmlns:mml=\"http://www.w3.org/1998/Math/MathML\">"
                           b"<mml:mi>x</mml:mi></mml:math></ArticleTitle>", 1),
           recs[3].replace(b"</ArticleTitle>", b"</Title>", 1),
           b"<DeleteCitation><PMID>12345</PMID></DeleteCitation>"]
    body = []
    for i, r in enumerate(recs):
        body.append(r)
        if i % 7 == 3:
            body.append(odd[(i // 7) % len(odd)])
    data = b"<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n" + b"\n".join(body) + b"\n</PubmedArticleSet>\n"

    def items():
        deleted: list[str] = []
        out = [(n, line, it.to_dict() if isinstance(it, Paper) else (it.record, it.line, it.message))
               for n, line, it in pubmed_xml.iter_parse_bytes(data, deleted)]
        return out, deleted

    mixed = items()
    monkeypatch.setattr(pubmed_xml, "_read_bytes", None)
    alone = items()
    assert mixed == alone
    assert any(isinstance(it, tuple) and "XML error" in it[2] for _n, _l, it in mixed[0])
    assert sum(isinstance(it, dict) for _n, _l, it in mixed[0]) >= 42
    assert mixed[1] == ["12345"]


def test_own_parser_shares_its_buffers_safely_between_threads(corpus):
    """Threads reading records at once (the GUI imports on a thread) each get whole trees."""
    import threading

    recs = _records()[:60]
    want = [None if p is None else p.to_dict() for p in map(_pubmed_c.pubmed_article_bytes, recs)]
    assert sum(w is not None for w in want) > 40
    bad: list[int] = []

    def run() -> None:
        for _ in range(5):
            for i, r in enumerate(recs):
                p = _pubmed_c.pubmed_article_bytes(r)
                if (None if p is None else p.to_dict()) != want[i]:
                    bad.append(i)

    old = __import__("sys").getswitchinterval()
    __import__("sys").setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        __import__("sys").setswitchinterval(old)
    assert not bad
