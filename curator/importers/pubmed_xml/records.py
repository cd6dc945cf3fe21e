"""The record reader: one parsed <PubmedArticle> or <PubmedBookArticle> element -> Paper (pure functions over
lxml elements; the framing, batching and safety live in the other modules of this package)."""

from __future__ import annotations

from functools import lru_cache

from curator.domain.paper import MeshTerm, Paper, Section
from curator.importers.base import to_int, warn_field
from curator.importers.cancel import kids
from curator.importers.medline import MONTHS, initials, make_date, parse_medline_date
from curator.importers.xml_text import WHITESPACE, xml_text

# ====================================================================== record extraction
# Written for speed: a 100k-record baseline file spends most of its time here and in libxml2,
# and what costs is Python-level work per element touched (each child visited gets a new
# lxml proxy object; .tag, .text and .get() each build a new string). Hence, throughout:
# - children are listed with el[:] (one C call building the list) instead of `for c in el`,
#   whose per-child iterator protocol costs several times as much (through cancel.kids, which checks
#   for a cancel every few thousand children when there are that many);
# - .tag, .text and .get() are read at most once per element, and only where used;
# - the leaf fast path of _txt is inlined in the loops that run for every author and MeSH
#   heading; elements with children (inline markup, MathML) still go through xml_text.


def _txt(el) -> str:
    """Readable text of one element; the fast path is a leaf with clean text."""
    if len(el):
        return xml_text(el)
    t = el.text
    if not t:
        return ""
    if t.isalnum():  # one word or number (most names, MeSH terms, ids): nothing to clean
        return t
    if "\n" in t or "  " in t or "\t" in t or "\r" in t:
        t = WHITESPACE.sub(" ", t)
    return t.strip()


def _author(a) -> tuple[str | None, str | None, str | None]:
    """(short "Last FM" name, full "Last, First" name, ORCID) of an <Author>."""
    last = fore = ini = suffix = coll = orcid = None
    for c in kids(a):
        tag = c.tag
        if tag == "AffiliationInfo":  # the usual child besides the name parts
            continue
        if tag == "Identifier":
            if not orcid and (c.get("Source") or "").upper() == "ORCID":
                orcid = _txt(c)
            continue
        # _txt(c), inlined (runs for every name part of every author)
        if len(c):
            t = xml_text(c)
        else:
            t = c.text
            if t and not t.isalnum():
                if "\n" in t or "  " in t or "\t" in t or "\r" in t:
                    t = WHITESPACE.sub(" ", t)
                t = t.strip()
        # A missing text stays None rather than "": only the truth of a part matters below.
        if tag == "LastName":
            last = t
        elif tag == "ForeName":
            fore = t
        elif tag == "Initials":
            ini = t
        elif tag == "Suffix":
            suffix = t
        elif tag == "CollectiveName":
            coll = t
    return author_names(last, fore, ini, suffix, coll, orcid)


def author_names(last, fore, ini, suffix, coll, orcid) -> tuple[str | None, str | None, str | None]:
    """(short "Last FM" name, full "Last, First" name, ORCID) from an <Author>'s parts."""
    if coll:
        return coll, coll, orcid
    if not last:
        return fore or None, fore or None, orcid
    if not ini and fore:
        ini = initials(fore)
    short = f"{last} {ini}" if ini else last
    if suffix:
        short = f"{short} {suffix}"
    return short, (f"{last}, {fore}" if fore else last), orcid


def _authors(author_list, extra: dict) -> list[str]:
    names: list[str] = []
    full: list[str] = []
    for a in kids(author_list):
        if a.tag != "Author" or a.get("ValidYN") == "N":
            continue
        short, long_, orcid = _author(a)
        if short:
            names.append(short)
            full.append(long_ or short)
            if orcid:
                extra.setdefault("orcids", {})[short] = orcid
    if full:
        extra["full_authors"] = full
    return names


# Dates repeat a lot within a file: memoised, make_date costs more than a cache hit.
# (make_date strips the year itself, so the raw strings are the key.)
_make_date = lru_cache(maxsize=4096)(make_date)
_parse_medline_date = lru_cache(maxsize=1024)(parse_medline_date)


_MAX_WARNINGS = 20  # per record: a record of 60,000 bad dates gets 20 warnings, not 60,000


def _warn(extra: dict, field: str, value: object, why: str) -> None:
    if len(extra.get("warnings", ())) < _MAX_WARNINGS:
        warn_field(extra, field, value, why)


def _date(el, extra: dict) -> str | None:
    """<PubDate>/<ArticleDate>/<ContributionDate>: Year/Month/Day or MedlineDate. A part that cannot be
    read ('\u00b2' as the month: str.isdigit() accepts it, int() refuses it) costs that part of the date
    with a warning naming the field, never the record."""
    if el is None:
        return None
    year = month = day = medline = None
    for c in kids(el):
        tag = c.tag
        if tag == "Year":
            year = c.text
        elif tag == "Month":
            month = c.text
        elif tag == "Day":
            day = c.text
        elif tag == "MedlineDate":
            medline = c.text
    month = (month or "").strip() or None
    day = (day or "").strip() or None
    if year:
        if to_int(year, 1000, 2999) is None or len(year.strip()) != 4:
            _warn(extra, f"{el.tag} Year", year, "is not a year: the date is left out")
            return _parse_medline_date(medline) if medline else None
        if month and to_int(month, 1, 12) is None and month[:3].lower() not in MONTHS:
            if month.isalpha() and len(month) >= 3:  # a season ('Spring'): the year says it
                month = None
            else:
                _warn(extra, f"{el.tag} Month", month, "is not a month: the date keeps the year only")
                month = day = None
        if month and day and to_int(day, 1, 31) is None:
            _warn(extra, f"{el.tag} Day", day, "is not a day of the month: the date keeps the month")
            day = None
        return _make_date(year, month, day)
    return _parse_medline_date(medline) if medline else None


def _abstract(abs_el, extra: dict) -> tuple[str, list[Section]]:
    paras: list[str] = []
    sections: list[Section] = []
    labelled = False
    for at in kids(abs_el):
        tag = at.tag
        if tag == "AbstractText":
            txt = _txt(at)
            label = at.get("Label")
            if label:
                label = label.strip()
                if label.upper() == "UNLABELLED":  # NLM's marker for "no label"
                    label = ""
            if not txt and not label:
                continue
            if label:
                labelled = True
                paras.append(f"{label}: {txt}".rstrip())
            else:
                paras.append(txt)
            sections.append(Section(label or "", txt))
        elif tag == "CopyrightInformation":
            cr = _txt(at)
            if cr:
                extra["copyright"] = cr
    return "\n\n".join(paras), (sections if labelled else [])


def _keywords(kw_list, out: list[str], seen: set[str]) -> None:
    """The <Keyword>s of a list appended to `out`, each once (`seen`: those already in it, for
    every list of the record: a set, so 60,000 keywords take linear time, not quadratic)."""
    for kw in kids(kw_list):
        if kw.tag == "Keyword":
            k = _txt(kw)
            if k and k not in seen:
                seen.add(k)
                out.append(k)


def _mesh(mesh_list) -> list[MeshTerm]:
    terms: list[MeshTerm] = []
    for mh in kids(mesh_list):
        if mh.tag != "MeshHeading":
            continue
        name = None
        major = False
        quals: list[dict] = []
        for c in kids(mh):
            tag = c.tag
            if tag != "DescriptorName" and tag != "QualifierName":
                continue
            # _txt(c), inlined (six headings a record, each with a descriptor and qualifiers)
            if len(c):
                t = xml_text(c)
            else:
                t = c.text
                if not t:
                    t = ""
                elif not t.isalnum():
                    if "\n" in t or "  " in t or "\t" in t or "\r" in t:
                        t = WHITESPACE.sub(" ", t)
                    t = t.strip()
            if tag == "DescriptorName":
                name = t
                major = c.get("MajorTopicYN") == "Y"
            else:
                quals.append({"name": t, "major": c.get("MajorTopicYN") == "Y"})
        if name:
            terms.append(MeshTerm(name, major, quals))
    return terms


def _grant(g) -> str:
    # Same shape as MEDLINE "GR" lines: GrantID/Acronym/Agency/Country.
    parts = {"GrantID": None, "Acronym": None, "Agency": None, "Country": None}
    for c in kids(g):
        tag = c.tag
        if tag in parts:
            parts[tag] = _txt(c)
    return "/".join(v for v in parts.values() if v)


def _grants(grant_list) -> list[str]:
    return [s for s in (_grant(g) for g in kids(grant_list) if g.tag == "Grant") if s]


def _article_ids(id_list, ids: dict) -> None:
    for aid in kids(id_list):
        if aid.tag != "ArticleId":
            continue
        kind = aid.get("IdType")
        if kind:
            val = aid.text
            if val:
                kind = kind.lower()
                if kind not in ids:
                    ids[kind] = val.strip()


def _elocation_doi(el) -> str | None:
    if (el.get("EIdType") or "").lower() == "doi" and el.get("ValidYN") != "N":
        return (el.text or "").strip() or None
    return None


def _pmcid(v: str | None) -> str | None:
    if not v:
        return None
    v = v.strip()
    return v if v.upper().startswith("PMC") else f"PMC{v}"


def _pagination(pg) -> str | None:
    mp = sp = ep = None
    for c in kids(pg):
        tag = c.tag
        if tag == "MedlinePgn":
            mp = _txt(c)
        elif tag == "StartPage":
            sp = _txt(c)
        elif tag == "EndPage":
            ep = _txt(c)
    if mp:
        return mp
    if sp and ep:
        return f"{sp}-{ep}"
    return sp or None


def _languages(langs: list[str], extra: dict) -> str | None:
    if not langs:
        return None
    if len(langs) > 1:
        extra["languages"] = langs
    return langs[0]


# Links that matter when judging evidence (retractions, errata, expressions of concern...).
RELATED_TYPES = frozenset(
    [
        "RetractionIn", "RetractionOf", "PartialRetractionIn", "PartialRetractionOf", "ErratumIn",
        "ErratumFor", "ExpressionOfConcernIn", "ExpressionOfConcernFor", "UpdateIn", "UpdateOf",
        "RepublishedIn", "RepublishedFrom", "ReprintIn", "ReprintOf", "CorrectedandRepublishedIn",
        "CorrectedandRepublishedFrom",
    ]
)


def _related(cc_list) -> list[dict]:
    out = []
    for cc in kids(cc_list):
        if cc.tag != "CommentsCorrections":
            continue
        rt = cc.get("RefType")
        if rt not in RELATED_TYPES:
            continue
        pmid = source = None
        for x in kids(cc):
            tag = x.tag
            if tag == "PMID" and pmid is None:
                pmid = _txt(x) or None
            elif tag == "RefSource" and source is None:
                source = _txt(x) or None
        out.append({"type": rt, "pmid": pmid, "source": source})
    return out


def article_paper(title, pmid, journal, abbrev, volume, issue, pub_date, pages, doi, abstract, sections,
                  authors, keywords, mesh, pub_types, substances, grants, langs, extra, ids) -> Paper:
    """The Paper of a <PubmedArticle> from what was read of it: the fall-backs between fields, then the Paper."""
    if not pmid:
        pmid = ids.get("pubmed")
    if not title and extra.get("vernacular_title"):
        # NLM leaves <ArticleTitle/> empty until a translation exists; the original is better
        # than nothing (it stays in extra too).
        title = extra["vernacular_title"]
        extra["title_source"] = "VernacularTitle"
    if not abbrev:
        abbrev = extra.get("medline_ta") or None
    if not pub_date:
        pub_date = extra.get("article_date")
    return Paper(
        title=title,
        authors=authors,
        journal=journal,
        journal_abbrev=abbrev,
        pub_date=pub_date,
        volume=volume,
        issue=issue,
        pages=pages,
        doi=doi or ids.get("doi"),
        pmid=pmid,
        pmcid=_pmcid(ids.get("pmc")),
        abstract=abstract,
        abstract_sections=sections,
        keywords=keywords,
        mesh_terms=mesh,
        publication_types=pub_types,
        substances=substances,
        grants=grants,
        language=_languages(langs, extra),
        source_url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        extra=extra,
    )


def pubmed_article(rec) -> Paper:
    extra: dict = {}
    ids: dict = {}
    title = ""
    pmid = journal = abbrev = volume = issue = pub_date = pages = doi = None
    abstract = ""
    sections: list[Section] = []
    authors: list[str] = []
    keywords: list[str] = []
    mesh: list[MeshTerm] = []
    pub_types: list[str] = []
    substances: list[str] = []
    seen_keywords: set[str] = set()
    seen_substances: set[str] = set()
    grants: list[str] = []
    langs: list[str] = []
    article_date_seen = False
    for part in kids(rec):
        ptag = part.tag
        if ptag == "MedlineCitation":
            status = part.get("Status")
            if status:
                extra["status"] = status
            for c in kids(part):
                tag = c.tag
                if tag == "Article":
                    for a in kids(c):
                        atag = a.tag
                        if atag == "AuthorList":
                            authors = _authors(a, extra)
                        elif atag == "Journal":
                            for j in kids(a):
                                jtag = j.tag
                                if jtag == "Title":
                                    journal = _txt(j) or None
                                elif jtag == "ISOAbbreviation":
                                    abbrev = _txt(j) or None
                                elif jtag == "JournalIssue":
                                    for ji in kids(j):
                                        jitag = ji.tag
                                        if jitag == "Volume":
                                            volume = _txt(ji) or None
                                        elif jitag == "Issue":
                                            issue = _txt(ji) or None
                                        elif jitag == "PubDate":
                                            pub_date = _date(ji, extra)
                                elif jtag == "ISSN" and "issn" not in extra:
                                    issn = _txt(j)
                                    if issn:
                                        extra["issn"] = issn
                        elif atag == "ArticleTitle":
                            title = _txt(a)
                        elif atag == "Abstract":
                            abstract, sections = _abstract(a, extra)
                        elif atag == "ELocationID":
                            doi = doi or _elocation_doi(a)
                        elif atag == "Pagination":
                            pages = _pagination(a)
                        elif atag == "Language":
                            lang = _txt(a).lower()
                            if lang:
                                langs.append(lang)
                        elif atag == "PublicationTypeList":
                            pub_types = []
                            for x in kids(a):
                                if x.tag == "PublicationType":
                                    pt = _txt(x)
                                    if pt:
                                        pub_types.append(pt)
                        elif atag == "GrantList":
                            grants = _grants(a)
                        elif atag == "ArticleDate" and not article_date_seen:
                            article_date_seen = True
                            adate = _date(a, extra)
                            if adate:
                                extra["article_date"] = adate
                        elif atag == "VernacularTitle":
                            vt = _txt(a)
                            if vt and "vernacular_title" not in extra:
                                extra["vernacular_title"] = vt
                elif tag == "PMID":
                    pmid = _txt(c) or None
                elif tag == "MeshHeadingList":
                    mesh = _mesh(c)
                elif tag == "ChemicalList":
                    for ch in kids(c):
                        for x in kids(ch):
                            if x.tag == "NameOfSubstance":
                                s = _txt(x)
                                if s and s not in seen_substances:
                                    seen_substances.add(s)
                                    substances.append(s)
                elif tag == "KeywordList":
                    _keywords(c, keywords, seen_keywords)
                elif tag == "MedlineJournalInfo":
                    for x in kids(c):
                        xtag = x.tag
                        if xtag == "MedlineTA" or xtag == "Country":
                            v = _txt(x)
                            if v:
                                extra["medline_ta" if xtag == "MedlineTA" else "country"] = v
                elif tag == "SupplMeshList":
                    sup = [v for v in (_txt(x) for x in kids(c) if x.tag == "SupplMeshName") if v]
                    if sup:
                        extra["supplementary_concepts"] = sup
                elif tag == "CommentsCorrectionsList":
                    related = _related(c)
                    if related:
                        extra["comments_corrections"] = related
                elif tag == "OtherAbstract":
                    oa = _abstract(c, {})[0]
                    if oa:
                        extra.setdefault("other_abstracts", []).append(oa)
        elif ptag == "PubmedData":
            for c in kids(part):
                tag = c.tag
                if tag == "ArticleIdList":
                    _article_ids(c, ids)
                elif tag == "PublicationStatus":
                    st = _txt(c)
                    if st:
                        extra["publication_status"] = st
    return article_paper(title, pmid, journal, abbrev, volume, issue, pub_date, pages, doi, abstract, sections,
                         authors, keywords, mesh, pub_types, substances, grants, langs, extra, ids)


def book_article(rec) -> Paper:
    extra: dict = {"record_type": "book"}
    ids: dict = {}
    bd = rec.find("BookDocument")
    pbd = rec.find("PubmedBookData")
    if pbd is not None:
        for c in pbd:
            if c.tag == "ArticleIdList":
                _article_ids(c, ids)
            elif c.tag == "PublicationStatus":
                extra["publication_status"] = _txt(c)
    p = Paper()
    if bd is None:
        p.pmid = ids.get("pubmed")
        p.extra = extra
        return p
    article_title = book_title = ""
    book_authors: list[str] = []
    chapter_authors: list[str] | None = None
    langs: list[str] = []
    seen_keywords: set[str] = set()
    for c in bd:
        tag = c.tag
        if tag == "PMID":
            p.pmid = _txt(c) or None
        elif tag == "ArticleIdList":
            _article_ids(c, ids)
        elif tag == "ArticleTitle":
            article_title = _txt(c)
        elif tag == "Book":
            for b in c:
                btag = b.tag
                if btag == "BookTitle":
                    book_title = _txt(b)
                elif btag == "Publisher":
                    for x in b:
                        if x.tag == "PublisherName":
                            extra["publisher"] = _txt(x)
                        elif x.tag == "PublisherLocation":
                            extra["publisher_location"] = _txt(x)
                elif btag == "PubDate":
                    p.pub_date = _date(b, extra)
                elif btag == "Volume":
                    p.volume = _txt(b) or None
                elif btag == "AuthorList":
                    if b.get("Type") == "editors":
                        extra["editors"] = _authors(b, {})
                    elif not book_authors:
                        book_authors = _authors(b, extra)
                elif btag == "ELocationID":
                    p.doi = p.doi or _elocation_doi(b)
                elif btag in ("CollectionTitle", "Isbn", "Edition", "Medium"):
                    v = _txt(b)
                    if v:
                        extra[{"CollectionTitle": "collection_title", "Isbn": "isbn",
                               "Edition": "edition", "Medium": "medium"}[btag]] = v
        elif tag == "AuthorList":
            if c.get("Type") == "editors":
                extra.setdefault("editors", _authors(c, {}))
            elif chapter_authors is None:
                chapter_authors = _authors(c, extra)
        elif tag == "Pagination":
            p.pages = _pagination(c)
        elif tag == "ELocationID":
            p.doi = p.doi or _elocation_doi(c)
        elif tag == "Abstract":
            p.abstract, p.abstract_sections = _abstract(c, extra)
        elif tag == "Language":
            lang = _txt(c).lower()
            if lang:
                langs.append(lang)
        elif tag == "KeywordList":
            _keywords(c, p.keywords, seen_keywords)
        elif tag == "GrantList":
            p.grants = _grants(c)
        elif tag == "PublicationType":
            pt = _txt(c)
            if pt:
                p.publication_types.append(pt)
        elif tag == "ContributionDate":
            cd = _date(c, extra)
            if cd:
                extra["contribution_date"] = cd
        elif tag == "Sections":
            titles = [_txt(t) for t in c.iterfind("Section/SectionTitle")]
            extra["book_sections"] = [t for t in titles if t]
    p.authors = chapter_authors if chapter_authors else book_authors
    if book_title:
        extra["book_title"] = book_title
    p.title = article_title or book_title
    if article_title and book_title:
        p.journal = book_title
    else:
        p.journal = extra.get("collection_title")
    if not p.pub_date:
        p.pub_date = extra.get("contribution_date")
    p.language = _languages(langs, extra)
    if not p.pmid:
        p.pmid = ids.get("pubmed")
    if not p.doi:
        p.doi = ids.get("doi")
    if ids.get("bookaccession"):
        extra["book_accession"] = ids["bookaccession"]
        p.source_url = f"https://www.ncbi.nlm.nih.gov/books/{ids['bookaccession']}/"
    elif p.pmid:
        p.source_url = f"https://pubmed.ncbi.nlm.nih.gov/{p.pmid}/"
    p.extra = extra
    p.__post_init__()
    return p
