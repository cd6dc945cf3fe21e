# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twins of the PubMed XML importer's hot paths (Cython):

- pubmed_article: pubmed_records._pubmed_article, the same Paper from the same lxml element, read
  by walking libxml2's nodes in C instead of through a Python proxy per element;
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
from libc.string cimport memchr, memcmp, memcpy, strcmp

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


cdef inline bint _is(xmlNode* n, const char* name) noexcept:
    return n.type == tree.XML_ELEMENT_NODE and n.ns is NULL and strcmp(<const char*>n.name, name) == 0


cdef inline bint _element_like(xmlNode* n) noexcept:
    return (n.type == tree.XML_ELEMENT_NODE or n.type == tree.XML_COMMENT_NODE
            or n.type == tree.XML_ENTITY_REF_NODE or n.type == tree.XML_PI_NODE)


cdef inline bint _has_children(xmlNode* n) noexcept:
    """len(el) > 0"""
    cdef xmlNode* c = n.children
    while c is not NULL:
        if _element_like(c):
            return True
        c = c.next
    return False


cdef inline bint _texty(xmlNode* n) noexcept:
    return n.type == tree.XML_TEXT_NODE or n.type == tree.XML_CDATA_SECTION_NODE


cdef object _text(xmlNode* n):
    """lxml's el.text: the text and CDATA nodes before the first other child; None if none."""
    cdef xmlNode* c = n.children
    cdef xmlNode* k
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


cdef object _get(_Document doc, xmlNode* n, const char* name):
    """el.get(name) for an attribute without a namespace."""
    cdef xmlAttr* a = n.properties
    while a is not NULL:
        if a.ns is NULL and strcmp(<const char*>a.name, name) == 0:
            if a.children is not NULL and a.children.next is NULL and a.children.type == tree.XML_TEXT_NODE:
                if a.children.content is NULL:
                    return ""
                return (<const char*>a.children.content).decode("utf-8")
            return cetree.elementFactory(doc, n).get(name.decode("ascii"))
        a = a.next
    return None


cdef void _collect(_Document doc, xmlNode* el, list parts) except *:
    """pubmed_records._collect (no `skip` set: the record reader never passes one)."""
    cdef xmlNode* c = el.children
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


cdef object _xml_text(_Document doc, xmlNode* n):
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


cdef object _txt(_Document doc, xmlNode* n):
    """pubmed_records._txt"""
    cdef xmlNode* c = n.children
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


cdef void _append_texts(_Document doc, xmlNode* parent, const char* name, list out, bint unique) except *:
    """Append the text of each child `name` of `parent` (skipping empty ones, and repeats if `unique`)."""
    cdef xmlNode* x = parent.children
    while x is not NULL:
        if _is(x, name):
            v = _txt(doc, x)
            if v and not (unique and v in out):
                out.append(v)
        x = x.next


cdef tuple _author(_Document doc, xmlNode* a):
    last = fore = ini = suffix = coll = orcid = None
    cdef xmlNode* c = a.children
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


cdef list _authors(_Document doc, xmlNode* lst, dict extra):
    cdef list names = []
    cdef list full = []
    cdef xmlNode* a = lst.children
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


cdef list _parts(_Document doc, xmlNode* el, tuple names, bint raw):
    """For each of `names` (bytes), the text of the last child element of that name (lxml's .text
    if `raw`, else _txt), or None: the loops of _date, _grant and _pagination in pubmed_records."""
    cdef list out = [None] * len(names)
    cdef xmlNode* c = el.children
    cdef int k
    while c is not NULL:
        if c.type == tree.XML_ELEMENT_NODE and c.ns is NULL:
            for k in range(len(names)):
                if strcmp(<const char*>c.name, <const char*>names[k]) == 0:
                    out[k] = _text(c) if raw else _txt(doc, c)
                    break
        c = c.next
    return out


cdef object _date(_Document doc, xmlNode* el):
    year, month, day, medline = _parts(doc, el, (b"Year", b"Month", b"Day", b"MedlineDate"), True)
    if year:
        return _make_date(year, month, day)
    return _parse_medline_date(medline) if medline else None


cdef tuple _abstract(_Document doc, xmlNode* abs_el, dict extra):
    cdef list paras = []
    cdef list sections = []
    cdef bint labelled = False
    cdef xmlNode* at = abs_el.children
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


cdef list _mesh(_Document doc, xmlNode* lst):
    cdef list terms = []
    cdef list quals
    cdef xmlNode* mh = lst.children
    cdef xmlNode* c
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


cdef list _grants(_Document doc, xmlNode* lst):
    cdef list out = []
    cdef xmlNode* g = lst.children
    while g is not NULL:
        if _is(g, b"Grant"):
            s = "/".join([v for v in _parts(doc, g, (b"GrantID", b"Acronym", b"Agency", b"Country"), False) if v])
            if s:
                out.append(s)
        g = g.next
    return out


cdef void _article_ids(_Document doc, xmlNode* lst, dict ids) except *:
    cdef xmlNode* aid = lst.children
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


cdef object _pagination(_Document doc, xmlNode* pg):
    mp, sp, ep = _parts(doc, pg, (b"MedlinePgn", b"StartPage", b"EndPage"), False)
    if mp:
        return mp
    if sp and ep:
        return f"{sp}-{ep}"
    return sp or None


def pubmed_article(_Element rec):
    """pubmed_records._pubmed_article, compiled."""
    cdef _Document doc = rec._doc
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
    cdef xmlNode* part = rec._c_node.children
    cdef xmlNode* c
    cdef xmlNode* a
    cdef xmlNode* j
    cdef xmlNode* ji
    cdef xmlNode* x
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
                    related = _py_related(cetree.elementFactory(doc, c))
                    if related:
                        extra["comments_corrections"] = related
                elif _is(c, b"OtherAbstract"):
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
