# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twins of the PubMed XML importer's hot paths (Cython):

- pubmed_article: pubmed_records._pubmed_article, the same Paper from the same lxml element, read
  by walking libxml2's nodes in C instead of through a Python proxy per element;
- pubmed_article_bytes: the same Paper from a record's bytes, parsed by this module's own small
  XML parser when the record is plain XML (most are), else None (the record goes to lxml);
- scan_records and record_bytes: the byte scanning of pubmed_xml._scan_py and _record_bytes_py
  (record boundaries, line numbers, the parts left out before parsing), with memchr/memcmp.

Built when a C compiler is at hand (optional in setup.py) and used only with the lxml it was built
against; the Python code stays the reference and the fallback, and tests/test_pubmed_compiled.py
checks that both give identical results. Rules mirrored one for one (see pubmed_records):
- an element's text is lxml's .text (text and CDATA nodes up to the first other child);
- an element with element-like children (elements, comments, PIs, entity references: what len(el)
  counts) is flattened as xml_text does it (_collect), MathML by the Python mathml_text;
- tags match only without a namespace, as "Author" == el.tag does in Python.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.string cimport memchr, memcmp, memcpy, strcmp, strlen

from lxml.includes cimport tree
from lxml.includes.tree cimport xmlAttr, xmlNode

cimport lxml.includes.etreepublic as cetree
from lxml.includes.etreepublic cimport _Document, _Element

cetree.import_lxml__etree()

# The lxml this module was compiled against: it reads lxml's element structs directly, so
# pubmed_xml uses it only with that same lxml (after an lxml upgrade it falls back to Python).
BUILT_WITH_LXML = cetree.LXML_VERSION_STRING.decode("ascii")

from curator.domain.paper import MeshTerm, Paper, Section
from curator.importers import pubmed_records as _pr

cdef object _mathml_text = _pr.mathml_text
cdef frozenset _BLOCK = _pr._BLOCK
cdef frozenset _SKIP = _pr._SKIP
cdef object _make_date = _pr._make_date
cdef object _parse_medline_date = _pr._parse_medline_date
cdef object _ws_sub = _pr._WS.sub
cdef object _languages = _pr._languages
cdef object _pmcid = _pr._pmcid
cdef object _py_related = _pr._related
cdef object _py_abstract = _pr._abstract
cdef object _article_paper = _pr.article_paper
cdef object _author_names = _pr.author_names


# The record reader runs on two kinds of tree: libxml2's (a record lxml parsed) and FNode, the
# small tree this module's own parser builds for the plain records most files consist of (see
# "own parser" below). FNode has the fields of xmlNode the reader looks at, so one reader serves
# both; the few branches that need lxml (MathML, entity-split attributes, the Python helpers for
# CommentsCorrectionsList and OtherAbstract) are never reached with an FNode tree: the parser
# refuses prefixed names and entities it does not know, and the reader raises _Refused at the
# others; either way the record goes the lxml way.
cdef struct FAttr:
    void* ns  # always NULL: names with a prefix are refused
    const char* name
    FAttr* next
    FNode* children  # one text node, also for an empty value


cdef struct FNode:
    int type  # XML_ELEMENT_NODE, XML_TEXT_NODE or XML_COMMENT_NODE
    void* ns  # always NULL
    const char* name
    FNode* children
    FNode* last
    FNode* next
    char* content  # text nodes: NUL-terminated UTF-8
    FAttr* properties


ctypedef fused Node:
    xmlNode
    FNode


class _Refused(Exception):
    """An FNode tree reached a part only the lxml reader handles."""


cdef inline bint _is(Node* n, const char* name) noexcept:
    return n.type == tree.XML_ELEMENT_NODE and n.ns is NULL and strcmp(<const char*>n.name, name) == 0


cdef inline bint _element_like(Node* n) noexcept:
    return (n.type == tree.XML_ELEMENT_NODE or n.type == tree.XML_COMMENT_NODE
            or n.type == tree.XML_ENTITY_REF_NODE or n.type == tree.XML_PI_NODE)


cdef inline bint _has_children(Node* n) noexcept:
    """len(el) > 0"""
    cdef Node* c = n.children
    while c is not NULL:
        if _element_like(c):
            return True
        c = c.next
    return False


cdef inline bint _texty(Node* n) noexcept:
    return n.type == tree.XML_TEXT_NODE or n.type == tree.XML_CDATA_SECTION_NODE


cdef object _text(Node* n):
    """lxml's el.text: the text and CDATA nodes before the first other child; None if none."""
    cdef Node* c = n.children
    cdef Node* k
    if c is NULL or not _texty(c):
        return None
    if c.next is NULL or not _texty(c.next):
        if c.content is NULL:
            return ""
        return (<const char*>c.content).decode("utf-8")
    parts = []
    k = c
    while k is not NULL and _texty(k):
        if k.content is not NULL:
            parts.append((<const char*>k.content).decode("utf-8"))
        k = k.next
    return "".join(parts)


cdef object _get(_Document doc, Node* n, const char* name):
    """el.get(name) for an attribute without a namespace."""
    cdef xmlAttr* a
    cdef FAttr* fa
    if Node is FNode:
        fa = n.properties
        while fa is not NULL:
            if strcmp(fa.name, name) == 0:
                return (<const char*>fa.children.content).decode("utf-8")
            fa = fa.next
        return None
    else:
        a = n.properties
        while a is not NULL:
            if a.ns is NULL and strcmp(<const char*>a.name, name) == 0:
                if a.children is not NULL and a.children.next is NULL and a.children.type == tree.XML_TEXT_NODE:
                    if a.children.content is NULL:
                        return ""
                    return (<const char*>a.children.content).decode("utf-8")
                return cetree.elementFactory(doc, n).get(name.decode("ascii"))
            a = a.next
        return None


cdef void _collect(_Document doc, Node* el, list parts) except *:
    """pubmed_records._collect (no `skip` set: the record reader never passes one)."""
    cdef Node* c = el.children
    while c is not NULL and _texty(c):  # el.text
        if c.content is not NULL and c.content[0] != 0:
            parts.append((<const char*>c.content).decode("utf-8"))
        c = c.next
    while c is not NULL:
        if not _element_like(c):
            c = c.next
            continue
        if c.type == tree.XML_ELEMENT_NODE:
            local = (<const char*>c.name).decode("utf-8")
            if local == "math":
                if Node is FNode:
                    raise _Refused("MathML")
                else:
                    parts.append(_mathml_text(cetree.elementFactory(doc, c)))
            elif local in _SKIP:
                pass
            elif local in _BLOCK:
                parts.append(" ")
                _collect(doc, c, parts)
                parts.append(" ")
            elif _has_children(c):
                _collect(doc, c, parts)
            else:
                t = _text(c)
                if t:
                    parts.append(t)
        c = c.next
        while c is not NULL and _texty(c):  # the child's tail
            if c.content is not NULL and c.content[0] != 0:
                parts.append((<const char*>c.content).decode("utf-8"))
            c = c.next


cdef object _clean(s):
    if "\n" in s or "  " in s or "\t" in s or "\r" in s:
        s = _ws_sub(" ", s)
    return s.strip()


cdef object _xml_text(_Document doc, Node* n):
    """pubmed_records.xml_text of an element that has children."""
    cdef list parts = []
    _collect(doc, n, parts)
    return _clean("".join(parts))


cdef inline bint _edge_ok(unsigned char ch) noexcept:
    """A first or last byte that str.strip() surely keeps: printable ASCII other than a space
    (a non-ASCII character might be a Unicode space such as NBSP: the slow path decides)."""
    return 32 < ch < 127


cdef inline bint _plain(const char* s) noexcept:
    """True when clean() would return the text unchanged: no tab, newline or carriage return, no
    two spaces in a row, nothing strip() removes at either end (one pass over the UTF-8 bytes)."""
    cdef const unsigned char* p = <const unsigned char*>s
    cdef unsigned char ch, prev = 0
    if p[0] == 0 or not _edge_ok(p[0]):
        return False
    while p[0] != 0:
        ch = p[0]
        if ch == 9 or ch == 10 or ch == 13 or (ch == 32 and prev == 32):
            return False
        prev = ch
        p += 1
    return _edge_ok(prev)


cdef object _txt(_Document doc, Node* n):
    """pubmed_records._txt"""
    cdef Node* c = n.children
    if c is NULL:
        return ""
    if c.next is NULL and c.type == tree.XML_TEXT_NODE and c.content is not NULL:  # a leaf
        if _plain(<const char*>c.content):
            return (<const char*>c.content).decode("utf-8")
        return _clean((<const char*>c.content).decode("utf-8"))
    if _has_children(n):
        return _xml_text(doc, n)
    t = _text(n)
    if not t:
        return ""
    return _clean(t)


cdef void _append_texts(_Document doc, Node* parent, const char* name, list out, bint unique) except *:
    """Append the text of each child `name` of `parent` (skipping empty ones, and repeats if `unique`)."""
    cdef Node* x = parent.children
    while x is not NULL:
        if _is(x, name):
            v = _txt(doc, x)
            if v and not (unique and v in out):
                out.append(v)
        x = x.next


cdef tuple _author(_Document doc, Node* a):
    last = fore = ini = suffix = coll = orcid = None
    cdef Node* c = a.children
    while c is not NULL:
        if c.type != tree.XML_ELEMENT_NODE or c.ns is not NULL:
            pass
        elif _is(c, b"AffiliationInfo"):
            pass
        elif _is(c, b"Identifier"):
            if not orcid and (_get(doc, c, b"Source") or "").upper() == "ORCID":
                orcid = _txt(doc, c)
        elif _is(c, b"LastName"):
            last = _txt(doc, c)
        elif _is(c, b"ForeName"):
            fore = _txt(doc, c)
        elif _is(c, b"Initials"):
            ini = _txt(doc, c)
        elif _is(c, b"Suffix"):
            suffix = _txt(doc, c)
        elif _is(c, b"CollectiveName"):
            coll = _txt(doc, c)
        c = c.next
    # (The Python reader keeps a missing part as None, this one as ""; only their truth is used.)
    return _author_names(last, fore, ini, suffix, coll, orcid)


cdef list _authors(_Document doc, Node* lst, dict extra):
    cdef list names = []
    cdef list full = []
    cdef Node* a = lst.children
    while a is not NULL:
        if _is(a, b"Author") and _get(doc, a, b"ValidYN") != "N":
            short, long_, orcid = _author(doc, a)
            if short:
                names.append(short)
                full.append(long_ or short)
                if orcid:
                    extra.setdefault("orcids", {})[short] = orcid
        a = a.next
    if full:
        extra["full_authors"] = full
    return names


cdef list _parts(_Document doc, Node* el, tuple names, bint raw):
    """For each of `names` (bytes), the text of the last child element of that name (lxml's .text
    if `raw`, else _txt), or None: the loops of _date, _grant and _pagination in pubmed_records."""
    cdef list out = [None] * len(names)
    cdef Node* c = el.children
    cdef int k
    while c is not NULL:
        if c.type == tree.XML_ELEMENT_NODE and c.ns is NULL:
            for k in range(len(names)):
                if strcmp(<const char*>c.name, <const char*>names[k]) == 0:
                    out[k] = _text(c) if raw else _txt(doc, c)
                    break
        c = c.next
    return out


cdef object _date(_Document doc, Node* el):
    year, month, day, medline = _parts(doc, el, (b"Year", b"Month", b"Day", b"MedlineDate"), True)
    if year:
        return _make_date(year, month, day)
    return _parse_medline_date(medline) if medline else None


cdef tuple _abstract(_Document doc, Node* abs_el, dict extra):
    cdef list paras = []
    cdef list sections = []
    cdef bint labelled = False
    cdef Node* at = abs_el.children
    while at is not NULL:
        if _is(at, b"AbstractText"):
            txt = _txt(doc, at)
            label = _get(doc, at, b"Label")
            if label:
                label = label.strip()
                if label.upper() == "UNLABELLED":
                    label = ""
            if txt or label:
                if label:
                    labelled = True
                    paras.append(f"{label}: {txt}".rstrip())
                else:
                    paras.append(txt)
                sections.append(Section(label or "", txt))
        elif _is(at, b"CopyrightInformation"):
            cr = _txt(doc, at)
            if cr:
                extra["copyright"] = cr
        at = at.next
    return "\n\n".join(paras), (sections if labelled else [])


cdef list _mesh(_Document doc, Node* lst):
    cdef list terms = []
    cdef list quals
    cdef Node* mh = lst.children
    cdef Node* c
    while mh is not NULL:
        if _is(mh, b"MeshHeading"):
            name = None
            major = False
            quals = []
            c = mh.children
            while c is not NULL:
                if _is(c, b"DescriptorName"):
                    name = _txt(doc, c)
                    major = _get(doc, c, b"MajorTopicYN") == "Y"
                elif _is(c, b"QualifierName"):
                    quals.append({"name": _txt(doc, c), "major": _get(doc, c, b"MajorTopicYN") == "Y"})
                c = c.next
            if name:
                terms.append(MeshTerm(name, major, quals))
        mh = mh.next
    return terms


cdef list _grants(_Document doc, Node* lst):
    cdef list out = []
    cdef Node* g = lst.children
    while g is not NULL:
        if _is(g, b"Grant"):
            s = "/".join([v for v in _parts(doc, g, (b"GrantID", b"Acronym", b"Agency", b"Country"), False) if v])
            if s:
                out.append(s)
        g = g.next
    return out


cdef void _article_ids(_Document doc, Node* lst, dict ids) except *:
    cdef Node* aid = lst.children
    while aid is not NULL:
        if _is(aid, b"ArticleId"):
            kind = _get(doc, aid, b"IdType")
            if kind:
                val = _text(aid)
                if val:
                    kind = kind.lower()
                    if kind not in ids:
                        ids[kind] = val.strip()
        aid = aid.next


cdef object _pagination(_Document doc, Node* pg):
    mp, sp, ep = _parts(doc, pg, (b"MedlinePgn", b"StartPage", b"EndPage"), False)
    if mp:
        return mp
    if sp and ep:
        return f"{sp}-{ep}"
    return sp or None


def pubmed_article(_Element rec):
    """pubmed_records._pubmed_article, compiled."""
    return _article(rec._doc, rec._c_node)


cdef object _article(_Document doc, Node* rec):
    cdef dict extra = {}
    cdef dict ids = {}
    cdef list sections = []
    cdef list authors = []
    cdef list keywords = []
    cdef list mesh = []
    cdef list pub_types = []
    cdef list substances = []
    cdef list grants = []
    cdef list langs = []
    cdef bint article_date_seen = False
    cdef Node* part = rec.children
    cdef Node* c
    cdef Node* a
    cdef Node* j
    cdef Node* ji
    cdef Node* x
    title = ""
    pmid = journal = abbrev = volume = issue = pub_date = pages = doi = None
    abstract = ""
    while part is not NULL:
        if _is(part, b"MedlineCitation"):
            status = _get(doc, part, b"Status")
            if status:
                extra["status"] = status
            c = part.children
            while c is not NULL:
                if c.type != tree.XML_ELEMENT_NODE or c.ns is not NULL:
                    pass
                elif _is(c, b"Article"):
                    a = c.children
                    while a is not NULL:
                        if a.type != tree.XML_ELEMENT_NODE or a.ns is not NULL:
                            pass
                        elif _is(a, b"AuthorList"):
                            authors = _authors(doc, a, extra)
                        elif _is(a, b"Journal"):
                            j = a.children
                            while j is not NULL:
                                if _is(j, b"Title"):
                                    journal = _txt(doc, j) or None
                                elif _is(j, b"ISOAbbreviation"):
                                    abbrev = _txt(doc, j) or None
                                elif _is(j, b"JournalIssue"):
                                    ji = j.children
                                    while ji is not NULL:
                                        if _is(ji, b"Volume"):
                                            volume = _txt(doc, ji) or None
                                        elif _is(ji, b"Issue"):
                                            issue = _txt(doc, ji) or None
                                        elif _is(ji, b"PubDate"):
                                            pub_date = _date(doc, ji)
                                        ji = ji.next
                                elif _is(j, b"ISSN") and "issn" not in extra:
                                    issn = _txt(doc, j)
                                    if issn:
                                        extra["issn"] = issn
                                j = j.next
                        elif _is(a, b"ArticleTitle"):
                            title = _txt(doc, a)
                        elif _is(a, b"Abstract"):
                            abstract, sections = _abstract(doc, a, extra)
                        elif _is(a, b"ELocationID"):
                            if not doi and (_get(doc, a, b"EIdType") or "").lower() == "doi" \
                                    and _get(doc, a, b"ValidYN") != "N":
                                doi = (_text(a) or "").strip() or None
                        elif _is(a, b"Pagination"):
                            pages = _pagination(doc, a)
                        elif _is(a, b"Language"):
                            lang = _txt(doc, a).lower()
                            if lang:
                                langs.append(lang)
                        elif _is(a, b"PublicationTypeList"):
                            pub_types = []
                            _append_texts(doc, a, b"PublicationType", pub_types, False)
                        elif _is(a, b"GrantList"):
                            grants = _grants(doc, a)
                        elif _is(a, b"ArticleDate") and not article_date_seen:
                            article_date_seen = True
                            adate = _date(doc, a)
                            if adate:
                                extra["article_date"] = adate
                        elif _is(a, b"VernacularTitle"):
                            vt = _txt(doc, a)
                            if vt and "vernacular_title" not in extra:
                                extra["vernacular_title"] = vt
                        a = a.next
                elif _is(c, b"PMID"):
                    pmid = _txt(doc, c) or None
                elif _is(c, b"MeshHeadingList"):
                    mesh = _mesh(doc, c)
                elif _is(c, b"ChemicalList"):
                    x = c.children
                    while x is not NULL:
                        if x.type == tree.XML_ELEMENT_NODE:  # ch[:] of a comment or entity is empty
                            _append_texts(doc, x, b"NameOfSubstance", substances, True)
                        x = x.next
                elif _is(c, b"KeywordList"):
                    _append_texts(doc, c, b"Keyword", keywords, True)
                elif _is(c, b"MedlineJournalInfo"):
                    x = c.children
                    while x is not NULL:
                        if _is(x, b"MedlineTA"):
                            v = _txt(doc, x)
                            if v:
                                extra["medline_ta"] = v
                        elif _is(x, b"Country"):
                            v = _txt(doc, x)
                            if v:
                                extra["country"] = v
                        x = x.next
                elif _is(c, b"SupplMeshList"):
                    sup = []
                    _append_texts(doc, c, b"SupplMeshName", sup, False)
                    if sup:
                        extra["supplementary_concepts"] = sup
                elif _is(c, b"CommentsCorrectionsList"):
                    if Node is FNode:
                        raise _Refused("CommentsCorrectionsList")
                    else:
                        related = _py_related(cetree.elementFactory(doc, c))
                        if related:
                            extra["comments_corrections"] = related
                elif _is(c, b"OtherAbstract"):
                    if Node is FNode:
                        raise _Refused("OtherAbstract")
                    else:
                        oa = _py_abstract(cetree.elementFactory(doc, c), {})[0]
                        if oa:
                            extra.setdefault("other_abstracts", []).append(oa)
                c = c.next
        elif _is(part, b"PubmedData"):
            c = part.children
            while c is not NULL:
                if _is(c, b"ArticleIdList"):
                    _article_ids(doc, c, ids)
                elif _is(c, b"PublicationStatus"):
                    st = _txt(doc, c)
                    if st:
                        extra["publication_status"] = st
                c = c.next
        part = part.next
    return _article_paper(title, pmid, journal, abbrev, volume, issue, pub_date, pages, doi, abstract, sections,
                          authors, keywords, mesh, pub_types, substances, grants, langs, extra, ids)


# ====================================================================== own parser
# Most records in an export are plain XML: ASCII element and attribute names without a prefix, the
# five predefined entities and character references, maybe comments. For those, libxml2's parse and
# free were 40 % of a worker's instructions. _parse builds the small FNode tree of such a record
# in one pass over its bytes, into buffers reused from record to record. It accepts only what
# libxml2 (as _record_parser sets it up) accepts and builds the same tree of it; anything else (a
# CDATA section, a processing instruction, a DOCTYPE, a namespace, a name outside ASCII, another
# entity, a malformed byte or tag) makes it give up, and the record goes to lxml as before, which
# also words any error. tests/test_pubmed_compiled.py compares its trees with lxml's.

cdef struct _Arena:
    char* text  # names, attribute values and texts, NUL-terminated
    FNode* nodes
    FAttr* attrs
    Py_ssize_t cap  # the record size the buffers are big enough for


cdef _Arena _shared  # reused by every record (zero-initialised)
cdef bint _shared_busy = False  # another thread is using _shared (the GIL guards this flag)
cdef const char* _NO_NAME = ""


cdef int _reserve(_Arena* ar, Py_ssize_t n) except -1:
    """Buffers for the tree of any record of n bytes: every node and every attribute stands on
    at least one byte of its own ("<", a text byte, "="), and nothing decodes longer than written."""
    cdef void* p
    if ar.cap >= n:
        return 0
    n = max(n, 2 * ar.cap, 16384)
    p = PyMem_Realloc(ar.text, n + 64)
    if p is NULL:
        raise MemoryError()
    ar.text = <char*>p
    p = PyMem_Realloc(ar.nodes, (n + 4) * sizeof(FNode))
    if p is NULL:
        raise MemoryError()
    ar.nodes = <FNode*>p
    p = PyMem_Realloc(ar.attrs, (n // 4 + 4) * sizeof(FAttr))
    if p is NULL:
        raise MemoryError()
    ar.attrs = <FAttr*>p
    ar.cap = n
    return 0


cdef void _release(_Arena* ar) noexcept:
    PyMem_Free(ar.text)
    PyMem_Free(ar.nodes)
    PyMem_Free(ar.attrs)
    ar.text = NULL
    ar.nodes = NULL
    ar.attrs = NULL
    ar.cap = 0


cdef bint _valid_chars(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """Every byte is part of well-formed UTF-8 for an XML 1.0 character (no C0 control other than
    tab, LF, CR; no surrogate, U+FFFE or U+FFFF), as libxml2 checks as it reads."""
    cdef Py_ssize_t i = 0
    cdef unsigned char c, c1, c2
    cdef unsigned long long w
    while i < n:
        if i + 8 <= n:  # eight plain printable ASCII bytes at a time
            memcpy(&w, p + i, 8)
            if ((w | (w - 0x2020202020202020ULL)) & 0x8080808080808080ULL) == 0:
                i += 8
                continue
        c = p[i]
        if c < 0x80:
            if c < 0x20 and c != 9 and c != 10 and c != 13:
                return False
            i += 1
        elif c < 0xC2:
            return False
        elif c < 0xE0:
            if i + 1 >= n or (p[i + 1] & 0xC0) != 0x80:
                return False
            i += 2
        elif c < 0xF0:
            if i + 2 >= n:
                return False
            c1 = p[i + 1]
            c2 = p[i + 2]
            if (c1 & 0xC0) != 0x80 or (c2 & 0xC0) != 0x80:
                return False
            if (c == 0xE0 and c1 < 0xA0) or (c == 0xED and c1 >= 0xA0) or (c == 0xEF and c1 == 0xBF and c2 >= 0xBE):
                return False
            i += 3
        elif c < 0xF5:
            if i + 3 >= n:
                return False
            c1 = p[i + 1]
            if (c1 & 0xC0) != 0x80 or (p[i + 2] & 0xC0) != 0x80 or (p[i + 3] & 0xC0) != 0x80:
                return False
            if (c == 0xF0 and c1 < 0x90) or (c == 0xF4 and c1 >= 0x90):
                return False
            i += 4
        else:
            return False
    return True


cdef inline bint _name_start(unsigned char c) noexcept nogil:
    return (65 <= c <= 90) or (97 <= c <= 122) or c == 95  # A-Z a-z _


cdef inline bint _name_char(unsigned char c) noexcept nogil:
    return (65 <= c <= 90) or (97 <= c <= 122) or (48 <= c <= 57) or c == 95 or c == 45 or c == 46  # + 0-9 - .


cdef inline bint _space(unsigned char c) noexcept nogil:
    return c == 32 or c == 10 or c == 9 or c == 13


cdef Py_ssize_t _reference(const unsigned char* p, Py_ssize_t i, Py_ssize_t n, char* out,
                           Py_ssize_t* o) noexcept nogil:
    """Decode the reference at p[i] ("&") into out + o[0] (advanced): a predefined entity or a
    character reference to an XML character. Returns the index after its ";", or -1."""
    cdef Py_ssize_t j = i + 1, start
    cdef unsigned long v = 0
    cdef unsigned char c
    if j < n and p[j] == 35:  # "#"
        j += 1
        if j < n and p[j] == 120:  # "x" (lower case only, as in XML)
            j += 1
            start = j
            while j < n and j - start < 8:
                c = p[j]
                if 48 <= c <= 57:
                    v = v * 16 + (c - 48)
                elif 97 <= c <= 102:
                    v = v * 16 + (c - 87)
                elif 65 <= c <= 70:
                    v = v * 16 + (c - 55)
                else:
                    break
                j += 1
        else:
            start = j
            while j < n and j - start < 9 and 48 <= p[j] <= 57:
                v = v * 10 + (p[j] - 48)
                j += 1
        if j == start or j >= n or p[j] != 59:  # ";"
            return -1
        if not (v == 9 or v == 10 or v == 13 or 0x20 <= v <= 0xD7FF or 0xE000 <= v <= 0xFFFD
                or 0x10000 <= v <= 0x10FFFF):
            return -1
        if v < 0x80:
            out[o[0]] = <char>v
            o[0] += 1
        elif v < 0x800:
            out[o[0]] = <char>(0xC0 | (v >> 6))
            out[o[0] + 1] = <char>(0x80 | (v & 0x3F))
            o[0] += 2
        elif v < 0x10000:
            out[o[0]] = <char>(0xE0 | (v >> 12))
            out[o[0] + 1] = <char>(0x80 | ((v >> 6) & 0x3F))
            out[o[0] + 2] = <char>(0x80 | (v & 0x3F))
            o[0] += 3
        else:
            out[o[0]] = <char>(0xF0 | (v >> 18))
            out[o[0] + 1] = <char>(0x80 | ((v >> 12) & 0x3F))
            out[o[0] + 2] = <char>(0x80 | ((v >> 6) & 0x3F))
            out[o[0] + 3] = <char>(0x80 | (v & 0x3F))
            o[0] += 4
        return j + 1
    if j + 3 <= n and p[j + 2] == 59:
        if p[j] == 108 and p[j + 1] == 116:  # lt;
            c = 60
        elif p[j] == 103 and p[j + 1] == 116:  # gt;
            c = 62
        else:
            return -1
        out[o[0]] = <char>c
        o[0] += 1
        return j + 3
    if j + 4 <= n and memcmp(p + j, b"amp;", 4) == 0:
        out[o[0]] = 38
        o[0] += 1
        return j + 4
    if j + 5 <= n and (memcmp(p + j, b"quot;", 5) == 0 or memcmp(p + j, b"apos;", 5) == 0):
        out[o[0]] = 34 if p[j] == 113 else 39
        o[0] += 1
        return j + 5
    return -1


cdef inline FNode* _new_node(_Arena* ar, Py_ssize_t* nn, int kind) noexcept nogil:
    cdef FNode* x = &ar.nodes[nn[0]]
    nn[0] += 1
    x.type = kind
    x.ns = NULL
    x.name = _NO_NAME
    x.children = NULL
    x.last = NULL
    x.next = NULL
    x.content = NULL
    x.properties = NULL
    return x


cdef inline void _append(FNode* parent, FNode* child) noexcept nogil:
    if parent.last is NULL:
        parent.children = child
    else:
        parent.last.next = child
    parent.last = child


cdef enum:
    _MAX_DEPTH = 100  # libxml2 allows 256 without XML_PARSE_HUGE; a record is 2 deep in its set
    _OWN_MAX_BYTES = 4 << 20  # a record this big (PubMed's are ~10 kB) is left to lxml


cdef FNode* _parse(_Arena* ar, const unsigned char* p, Py_ssize_t n) noexcept nogil:
    """The FNode tree of one record (p[:n], its buffers in `ar`, reserved for n bytes), or NULL
    when the bytes hold anything this parser leaves to libxml2 (see the section comment)."""
    cdef FNode* stack[_MAX_DEPTH]
    cdef FNode* root = NULL
    cdef FNode* cur = NULL
    cdef FNode* el
    cdef FAttr* at
    cdef FAttr* last_at
    cdef FAttr* other
    cdef int depth = 0
    cdef bint opened, spaced
    cdef Py_ssize_t i = 0, j, k, o = 0, nn = 0, na = 0, a0, alen
    cdef unsigned char c, q
    cdef const unsigned char* hit
    cdef char* out = ar.text
    if n == 0 or p[0] != 60 or not _valid_chars(p, n):
        return NULL
    while i < n:
        c = p[i]
        if c != 60:  # text up to the next "<"
            if depth == 0:
                return NULL
            hit = <const unsigned char*>memchr(p + i, 60, n - i)
            if hit is NULL:
                return NULL  # the record ends inside an element
            k = hit - p
            el = _new_node(ar, &nn, tree.XML_TEXT_NODE)
            el.content = out + o
            if (memchr(p + i, 38, k - i) is NULL and memchr(p + i, 13, k - i) is NULL
                    and memchr(p + i, 93, k - i) is NULL):  # no "&", CR or "]": as written
                memcpy(out + o, p + i, k - i)
                o += k - i
                i = k
            else:
                while i < k:
                    c = p[i]
                    if c == 38:  # "&"
                        i = _reference(p, i, k, out, &o)
                        if i < 0:
                            return NULL
                        continue
                    if c == 13:  # CR LF and a lone CR are read as LF
                        out[o] = 10
                        if i + 1 < k and p[i + 1] == 10:
                            i += 1
                    elif c == 93 and i + 2 < k and p[i + 1] == 93 and p[i + 2] == 62:
                        return NULL  # "]]>" is not allowed in text
                    else:
                        out[o] = <char>c
                    o += 1
                    i += 1
            out[o] = 0
            o += 1
            _append(cur, el)
            continue
        if i + 1 >= n:
            return NULL
        c = p[i + 1]
        if c == 47:  # "</": must close the open element
            if depth == 0:
                return NULL
            k = strlen(cur.name)
            j = i + 2 + k
            if j > n or memcmp(p + i + 2, cur.name, k) != 0:
                return NULL
            while j < n and _space(p[j]):
                j += 1
            if j >= n or p[j] != 62:
                return NULL
            i = j + 1
            depth -= 1
            if depth == 0:
                break
            cur = stack[depth - 1]
            continue
        if c == 33:  # "<!": only a comment
            if depth == 0 or i + 3 >= n or p[i + 2] != 45 or p[i + 3] != 45:
                return NULL
            j = i + 4
            while True:  # the first "--" must end the comment
                hit = <const unsigned char*>memchr(p + j, 45, n - j)
                if hit is NULL:
                    return NULL
                j = hit - p
                if j + 1 < n and p[j + 1] == 45:
                    break
                j += 1
            if j + 2 >= n or p[j + 2] != 62:
                return NULL
            _append(cur, _new_node(ar, &nn, tree.XML_COMMENT_NODE))
            i = j + 3
            continue
        if not _name_start(c):  # "<?", or a name this parser leaves to libxml2
            return NULL
        j = i + 1
        while j < n and _name_char(p[j]):
            j += 1
        el = _new_node(ar, &nn, tree.XML_ELEMENT_NODE)
        el.name = out + o
        memcpy(out + o, p + i + 1, j - i - 1)
        o += j - i - 1
        out[o] = 0
        o += 1
        last_at = NULL
        while True:  # attributes, then ">" or "/>"
            spaced = False
            while j < n and _space(p[j]):
                j += 1
                spaced = True
            if j >= n:
                return NULL
            if p[j] == 62:
                opened = True
                j += 1
                break
            if p[j] == 47:
                if j + 1 < n and p[j + 1] == 62:
                    opened = False
                    j += 2
                    break
                return NULL
            if not spaced or not _name_start(p[j]):
                return NULL
            a0 = j
            while j < n and _name_char(p[j]):
                j += 1
            alen = j - a0
            if alen == 5 and memcmp(p + a0, b"xmlns", 5) == 0:
                return NULL
            other = el.properties
            while other is not NULL:  # a repeated attribute is an error
                if <Py_ssize_t>strlen(other.name) == alen and memcmp(other.name, p + a0, alen) == 0:
                    return NULL
                other = other.next
            while j < n and _space(p[j]):
                j += 1
            if j >= n or p[j] != 61:  # "="
                return NULL
            j += 1
            while j < n and _space(p[j]):
                j += 1
            if j >= n or (p[j] != 34 and p[j] != 39):
                return NULL
            q = p[j]
            j += 1
            at = &ar.attrs[na]
            na += 1
            at.ns = NULL
            at.next = NULL
            at.name = out + o
            memcpy(out + o, p + a0, alen)
            o += alen
            out[o] = 0
            o += 1
            at.children = _new_node(ar, &nn, tree.XML_TEXT_NODE)
            at.children.content = out + o
            while True:  # the value, normalised as XML says
                if j >= n:
                    return NULL
                c = p[j]
                if c == q:
                    j += 1
                    break
                if c == 60:  # "<"
                    return NULL
                if c == 38:
                    j = _reference(p, j, n, out, &o)
                    if j < 0:
                        return NULL
                    continue
                if c == 13:
                    out[o] = 32
                    if j + 1 < n and p[j + 1] == 10:
                        j += 1
                elif c == 10 or c == 9:
                    out[o] = 32
                else:
                    out[o] = <char>c
                o += 1
                j += 1
            out[o] = 0
            o += 1
            if last_at is NULL:
                el.properties = at
            else:
                last_at.next = at
            last_at = at
        if depth == 0:
            if root is not NULL:
                return NULL
            root = el
        else:
            _append(cur, el)
        i = j
        if opened:
            if depth >= _MAX_DEPTH:
                return NULL
            stack[depth] = el
            depth += 1
            cur = el
        elif depth == 0:
            break
    if root is NULL or depth != 0:
        return NULL
    while i < n and _space(p[i]):  # after the record: nothing but white space
        i += 1
    return root if i == n else NULL


cdef object _with_tree(bytes chunk, object use):
    """use(tree) with the FNode tree of `chunk` (None when _parse gives up), in the shared buffers
    unless another thread holds them (Python code runs while a tree is read)."""
    global _shared_busy
    cdef _Arena own
    cdef _Arena* ar
    cdef Py_ssize_t n = len(chunk)
    cdef FNode* root
    if n > _OWN_MAX_BYTES:  # the buffers would be ~70x its size: lxml reads a giant record
        return None
    if _shared_busy:
        own.text = NULL
        own.nodes = NULL
        own.attrs = NULL
        own.cap = 0
        ar = &own
    else:
        _shared_busy = True
        ar = &_shared
    try:
        _reserve(ar, n)
        root = _parse(ar, <const unsigned char*>PyBytes_AS_STRING(chunk), n)
        if root is NULL:
            return None
        return use(_Tree.at(root))
    finally:
        if ar is &_shared:
            _shared_busy = False
        else:
            _release(ar)


cdef class _Tree:
    """An FNode tree handed to Python code inside _with_tree (valid only there)."""
    cdef FNode* root

    @staticmethod
    cdef _Tree at(FNode* root):
        cdef _Tree t = _Tree.__new__(_Tree)
        t.root = root
        return t


def _read_tree(_Tree t):
    cdef _Document no_doc = None  # an FNode tree has no lxml document
    if strcmp(t.root.name, b"PubmedArticle") != 0:
        return None
    try:
        return _article(no_doc, t.root)
    except Exception:  # _Refused, or a problem the lxml reader will report in its own words
        return None


def pubmed_article_bytes(bytes chunk):
    """The Paper of one <PubmedArticle> record as bytes (what _record_bytes gives), read with the
    parser above: the Paper pubmed_article gives for lxml's tree of the same bytes. None when the
    record is not plain enough for that parser, or holds a part only the lxml reader handles."""
    return _with_tree(chunk, _read_tree)


cdef object _py_tree(FNode* el):
    """(tag, attributes, text, children, tail) as lxml shows an element (comments as ("<!--",))."""
    cdef FNode* c = el.children
    cdef FAttr* a = el.properties
    cdef list kids = []
    attrs = {}
    while a is not NULL:
        attrs[a.name.decode("utf-8")] = (<const char*>a.children.content).decode("utf-8")
        a = a.next
    text = None
    while c is not NULL and c.type == tree.XML_TEXT_NODE:
        text = (text or "") + (<const char*>c.content).decode("utf-8")
        c = c.next
    while c is not NULL:
        if c.type == tree.XML_ELEMENT_NODE:
            kid = list(_py_tree(c))
        else:
            kid = ["<!--", {}, None, [], None]
        c = c.next
        while c is not NULL and c.type == tree.XML_TEXT_NODE:
            kid[4] = (kid[4] or "") + (<const char*>c.content).decode("utf-8")
            c = c.next
        kids.append(tuple(kid))
    return (el.name.decode("utf-8"), attrs, text, kids, None)


def _tree_of(_Tree t):
    return _py_tree(t.root)


def own_tree(bytes chunk):
    """For tests: the tree _parse builds of `chunk`, as nested (tag, attributes, text, children,
    tail) tuples, or None when it leaves the bytes to libxml2."""
    return _with_tree(chunk, _tree_of)


# ====================================================================== framing (pubmed_xml)
# C twins of the byte scanning in pubmed_xml._frame_range and pubmed_xml._record_bytes: the same
# rules, searched with memchr/memcmp instead of a dozen bytes.find calls and numpy per record.

cdef Py_ssize_t _bfind(const char* b, Py_ssize_t lo, Py_ssize_t hi, const char* needle,
                       Py_ssize_t m) noexcept nogil:
    """bytes.find(needle, lo, hi)"""
    cdef const char* p
    if lo < 0:
        lo = 0
    while lo + m <= hi:
        p = <const char*>memchr(b + lo, needle[0], hi - m + 1 - lo)
        if p is NULL:
            return -1
        lo = p - b
        if memcmp(p, needle, m) == 0:
            return lo
        lo += 1
    return -1


cdef Py_ssize_t _brfind(const char* b, Py_ssize_t lo, Py_ssize_t hi, const char* needle,
                        Py_ssize_t m) noexcept nogil:
    """bytes.rfind(needle, lo, hi)"""
    cdef Py_ssize_t k = hi - m
    if lo < 0:
        lo = 0
    while k >= lo:
        if b[k] == needle[0] and memcmp(b + k, needle, m) == 0:
            return k
        k -= 1
    return -1


cdef inline bint _name_end(unsigned char c) noexcept nogil:
    return c == 32 or c == 9 or c == 13 or c == 10 or c == 62 or c == 47  # " \t\r\n>/"


cdef Py_ssize_t _count_nl(const char* b, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    """bytes.count(b"\\n", lo, hi): memchr skips from newline to newline (SIMD in libc)."""
    cdef Py_ssize_t n = 0
    cdef const char* p = b + lo
    cdef const char* e = b + hi
    while p < e:
        p = <const char*>memchr(p, 10, e - p)
        if p is NULL:
            break
        n += 1
        p += 1
    return n


cdef struct _Names:
    int n
    const char* name[4]
    Py_ssize_t name_len[4]
    const char* close[4]
    Py_ssize_t close_len[4]


def scan_records(bytes buf, tuple names, tuple closes):
    """The record boundaries of one range, as pubmed_xml._frame_range finds them: a list of
    (start, name index, end, newlines before start, newlines before end). `names` are the record
    start tags ("<PubmedArticle"...), `closes` their end tags (at most 4). `end` is the end of the
    end tag, or (no end tag) the next record's start, or -1 when there is no next record either;
    then the newline count is that of the whole range."""
    cdef const char* b = buf
    cdef Py_ssize_t size = len(buf)
    cdef Py_ssize_t s, nxt, gt, e, end, limit, nl_pos = 0, nl = 0, nl_s
    cdef int i, nxt_i, k
    cdef _Names nm
    if len(names) > 4 or len(closes) != len(names):
        raise ValueError("at most 4 record names, each with its end tag")
    nm.n = len(names)
    for k in range(nm.n):
        nm.name[k] = names[k]
        nm.name_len[k] = len(names[k])
        nm.close[k] = closes[k]
        nm.close_len[k] = len(closes[k])
    out = []
    s = _next_start_c(b, size, 0, &nm, &i)
    while s >= 0:
        nxt = _next_start_c(b, size, s + 1, &nm, &nxt_i)
        limit = nxt if nxt >= 0 else size
        end = -1
        gt = _bfind(b, s, limit, b">", 1)
        if gt >= 0:
            if b[gt - 1] == 47:  # "<PubmedArticle/>"
                end = gt + 1
            else:
                e = _brfind(b, gt, limit, nm.close[i], nm.close_len[i])  # from the next record's start
                if e >= 0:
                    end = e + nm.close_len[i]
        if end < 0 and nxt >= 0:
            end = limit
        nl += _count_nl(b, nl_pos, s)
        nl_pos = s
        nl_s = nl
        if end < 0:
            out.append((s, i, -1, nl_s, nl + _count_nl(b, s, size)))
            return out
        nl += _count_nl(b, nl_pos, end)
        nl_pos = end
        out.append((s, i, end, nl_s, nl))
        s, i = nxt, nxt_i
    return out


cdef Py_ssize_t _next_start_c(const char* b, Py_ssize_t size, Py_ssize_t lo, _Names* nm,
                              int* which) noexcept nogil:
    """pubmed_xml._next_start: the position of the first record start tag in b[lo:] (a "<Name"
    followed by a space, ">" or "/", or by the end), its name's index in *which; or -1. One pass:
    every "<" is compared with each name."""
    cdef const char* p
    cdef Py_ssize_t k = lo, m
    cdef int i
    while k < size:
        p = <const char*>memchr(b + k, 60, size - k)  # "<"
        if p is NULL:
            return -1
        k = p - b
        for i in range(nm.n):
            m = nm.name_len[i]
            if k + m <= size and b[k + 1] == nm.name[i][1] and memcmp(p, nm.name[i], m) == 0 and (
                    k + m >= size or _name_end(<unsigned char>b[k + m])):
                which[0] = i
                return k
        k += 1
    return -1


cdef bytes _cut(bytes chunk, Py_ssize_t i, Py_ssize_t j):
    """chunk[:i] + chunk[j:], with one allocation and copy."""
    cdef Py_ssize_t n = len(chunk)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n - (j - i))
    cdef char* o = PyBytes_AS_STRING(out)
    cdef const char* c = chunk
    memcpy(o, c, i)
    memcpy(o + i, c + j, n - j)
    return out


cdef bytes _strip_unused(bytes chunk, Py_ssize_t start):
    """pubmed_xml._strip_unused"""
    cdef const char* c
    cdef Py_ssize_t i, j, n
    for open_tag, close_tag in ((b"<ReferenceList", b"</ReferenceList>"), (b"<History>", b"</History>")):
        c = chunk
        n = len(chunk)
        i = _bfind(c, start, n, open_tag, len(open_tag))
        if i >= 0:
            j = _brfind(c, i, n, close_tag, len(close_tag))
            if j > i:
                chunk = _cut(chunk, i, j + len(close_tag))
    return chunk


def record_bytes(bytes buf, Py_ssize_t s, Py_ssize_t e, int kind, related_search):
    """pubmed_xml._record_bytes: the bytes libxml2 is given for one record (kind 0 = PubmedArticle,
    1 = PubmedBookArticle, 2 = DeleteCitation); `related_search` is _RELATED_REF.search. The parts
    to keep are collected as (start, end) pairs and copied once."""
    cdef bytes chunk = buf[s:e]
    cdef const char* c = chunk
    cdef Py_ssize_t n = len(chunk), pos = 0, a, z, i, j, cc, d, pd, total
    cdef Py_ssize_t* seg = NULL  # kept parts: seg[2k], seg[2k + 1]
    cdef Py_ssize_t nseg = 0, cap = 0
    cdef bytes out
    cdef char* o
    if kind == 2:
        return chunk
    if kind != 0:
        return _strip_unused(chunk, 0)
    try:
        a = _bfind(c, 0, n, b"<AuthorList", 11)
        if a >= 0:
            z = _bfind(c, a, n, b"</AuthorList>", 13)
            i = _bfind(c, a, z, b"<AffiliationInfo>", 17) if z > 0 else -1
            while i >= 0:
                j = _bfind(c, i, z, b"</AffiliationInfo>", 18)
                if j < 0:
                    break
                seg = _keep(seg, &nseg, &cap, pos, i)
                pos = j + 18
                i = _bfind(c, pos, z, b"<AffiliationInfo>", 17)
        cc = _bfind(c, pos, n, b"<CommentsCorrectionsList>", 25)
        if cc >= 0:
            d = _bfind(c, cc, n, b"</CommentsCorrectionsList>", 26)
            if d > 0 and not related_search(chunk, cc, d):
                seg = _keep(seg, &nseg, &cap, pos, cc)
                pos = d + 26
        if nseg:
            seg = _keep(seg, &nseg, &cap, pos, n)
            total = 0
            for i in range(nseg):
                total += seg[2 * i + 1] - seg[2 * i]
            out = PyBytes_FromStringAndSize(NULL, total)
            o = PyBytes_AS_STRING(out)
            for i in range(nseg):
                memcpy(o, c + seg[2 * i], seg[2 * i + 1] - seg[2 * i])
                o += seg[2 * i + 1] - seg[2 * i]
            chunk = out  # (only now: c pointed into the old chunk)
            c = chunk
            n = total
    finally:
        PyMem_Free(seg)
    pd = _brfind(c, 0, n, b"<PubmedData", 11)
    return _strip_unused(chunk, pd if pd > 0 else 0)


cdef Py_ssize_t* _keep(Py_ssize_t* seg, Py_ssize_t* nseg, Py_ssize_t* cap, Py_ssize_t lo, Py_ssize_t hi) except NULL:
    """Append the part [lo, hi) to the growable array `seg` (returned, maybe moved)."""
    cdef Py_ssize_t* grown
    if nseg[0] == cap[0]:
        cap[0] = cap[0] * 2 if cap[0] else 32
        grown = <Py_ssize_t*>PyMem_Realloc(seg, 2 * cap[0] * sizeof(Py_ssize_t))
        if grown is NULL:
            PyMem_Free(seg)
            raise MemoryError()
        seg = grown
    seg[2 * nseg[0]] = lo
    seg[2 * nseg[0] + 1] = hi
    nseg[0] += 1
    return seg
