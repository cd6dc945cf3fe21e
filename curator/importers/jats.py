"""PMC / JATS full-text XML (``<article>`` or a ``<pmc-articleset>`` of them) -> Papers (pure).

Front matter gives the bibliographic record; ``<abstract>`` keeps its sections; ``<body>`` goes
to Paper.body_sections with nested sections flattened as "Parent / Child" labels, paragraphs
joined by a blank line, and table/figure captions kept as text. The reference list and other
back matter are left out. Same safety rules as the PubMed XML importer (no DTD, no entities,
no network; a DOCTYPE that declares entities is refused).

Public API:
    IMPORTER.parse(text) -> ParseResult
    iter_parse_path(path) / iter_parse_bytes(data) / iter_parse_text(text)
        -> iterator of (record_number, line, Paper | RecordError)
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from curator.domain.fulltext import Table, TableCell
from curator.domain.paper import Paper, Section
from curator.importers import register
from curator.importers.base import ImportFormatError, ParseResult, RecordError, warn_field
from curator.importers.medline import initials, make_date, month_number
from curator.importers.xml_safety import (
    PROLOG_LIMIT,
    Prepend,
    check_xml_bytes,
    check_xml_safety,
    make_iterparse,
    open_binary,
    release,
    syntax_error,
)
from curator.importers.xml_text import xml_text

Item = tuple[int, "int | None", "Paper | RecordError"]

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Inside running text: left out (captions of floats are collected separately).
_SKIP_IN_TEXT = frozenset(
    [
        "table-wrap", "table-wrap-group", "fig", "fig-group", "supplementary-material", "tex-math",
        "graphic", "inline-graphic", "media", "object-id",
    ]
)
# Direct children of a <sec> that are not running text.
_NOT_PARAGRAPHS = frozenset(["title", "label", "sec", "sec-meta", "ref-list", "fn-group"])
_FLOATS = frozenset(["table-wrap", "fig", "supplementary-material", "table-wrap-group", "fig-group"])

# pub-date preference: print, then electronic, then the issue ("collection").
_DATE_RANK = {
    "ppub": 0, "print": 0, "epub-ppub": 1, "epub": 2, "electronic": 2, "collection": 3, "ecollection": 3,
}


def _strip_namespaces(root) -> None:
    """Give every JATS element its local name, so that paths work whatever the namespace."""
    for el in root.iter():
        tag = el.tag
        if isinstance(tag, str) and tag[0] == "{":
            el.tag = tag.rpartition("}")[2]


def _prefer_mathml(root) -> None:
    """<alternatives> holding MathML: keep only the MathML (drop TeX and images)."""
    for alt in root.iter("alternatives"):
        kids = [c for c in alt if isinstance(c.tag, str)]
        if any(c.tag == "math" for c in kids):
            for c in kids:
                if c.tag != "math":
                    alt.remove(c)


def _text(el, skip: frozenset[str] = _SKIP_IN_TEXT) -> str:
    return xml_text(el, skip) if el is not None else ""


def _first(el, *paths: str):
    for p in paths:
        found = el.find(p)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- front matter


def _name_of(contrib) -> tuple[str | None, str | None]:
    """(short "Surname GI" name, full "Surname, Given" name) of a <contrib>."""
    name = _first(contrib, "name", "name-alternatives/name", "string-name")
    if name is not None:
        surname = _text(name.find("surname"))
        gn = name.find("given-names")
        given = _text(gn)
        suffix = _text(name.find("suffix"))
        if not surname and not given and name.tag == "string-name":
            s = _text(name)
            return (s or None), (s or None)
        if not surname:
            return (given or None), (given or None)
        ini = (gn.get("initials") if gn is not None else None) or initials(given)
        short = f"{surname} {ini}" if ini else surname
        if suffix:
            short = f"{short} {suffix}"
        return short, (f"{surname}, {given}" if given else surname)
    collab = contrib.find("collab")
    if collab is not None:
        c = _text(collab, _SKIP_IN_TEXT | {"contrib-group", "xref"})
        return (c or None), (c or None)
    return None, None


def _authors(meta, extra: dict) -> list[str]:
    out: list[str] = []
    full: list[str] = []
    for group in meta.iterfind("contrib-group"):
        for contrib in group.iterfind("contrib"):
            ctype = (contrib.get("contrib-type") or "author").lower()
            if ctype != "author":
                continue
            short, long_ = _name_of(contrib)
            if short:
                out.append(short)
                full.append(long_ or short)
                orcid = next(
                    (
                        _text(c)
                        for c in contrib.iterfind("contrib-id")
                        if (c.get("contrib-id-type") or "").lower() == "orcid"
                    ),
                    None,
                )
                if orcid:
                    extra.setdefault("orcids", {})[short] = orcid
    if full:
        extra["full_authors"] = full
    return out


def _date_of(pd, extra: dict) -> str | None:
    year, month, day = (_text(pd.find(k)) or None for k in ("year", "month", "day"))
    date = make_date(year, month, day)
    # a part that is there but unreadable ('²' as the month) costs that part, not the article
    if date and month and month_number(month) is None:
        warn_field(extra, "pub-date month", month, "is not a month: the date keeps the year only")
    elif date and day and len(date) == 7:
        warn_field(extra, "pub-date day", day, "is not a day of the month: the date keeps the month")
    return date


def _pub_date(meta, extra: dict) -> str | None:
    best: tuple[int, str] | None = None
    dates: dict[str, str] = {}
    for pd in meta.iterfind("pub-date"):
        kind = (pd.get("pub-type") or pd.get("publication-format") or pd.get("date-type") or "").lower()
        if kind == "pmc-release":
            continue
        d = _date_of(pd, extra)
        if not d:
            continue
        dates.setdefault(kind or "pub", d)
        rank = _DATE_RANK.get(kind, 4)
        # the more precise date wins between equally ranked ones
        if best is None or (rank, -len(d)) < (best[0], -len(best[1])):
            best = (rank, d)
    if len(dates) > 1:
        extra["dates"] = dates
    return best[1] if best else None


def _article_ids(meta) -> dict[str, str]:
    ids: dict[str, str] = {}
    for aid in meta.iterfind("article-id"):
        kind = (aid.get("pub-id-type") or "").lower()
        v = _text(aid)
        if kind and v and kind not in ids:
            ids[kind] = v
    return ids


def _pmcid(ids: dict[str, str]) -> str | None:
    v = ids.get("pmcid") or ids.get("pmc")
    if not v:
        return None
    return v if v.upper().startswith("PMC") else f"PMC{v}"


# ---------------------------------------------------------------- text blocks


def _caption_text(flt) -> str:
    label = _text(flt.find("label"))
    cap = flt.find("caption")
    cap_text = _text(cap, _SKIP_IN_TEXT) if cap is not None else ""
    if label and cap_text:
        return f"{label}. {cap_text}" if not label.endswith((".", ":")) else f"{label} {cap_text}"
    return label or cap_text


def _blocks(container) -> list[str]:
    """Paragraph texts of a container's direct content (not its sub-sections)."""
    out: list[str] = []
    for ch in container:
        tag = ch.tag
        if not isinstance(tag, str) or tag in _NOT_PARAGRAPHS:
            continue
        if tag in _FLOATS:
            for flt in ([ch] if tag not in ("table-wrap-group", "fig-group") else list(ch)):
                if isinstance(flt.tag, str) and flt.tag in _FLOATS:
                    t = _caption_text(flt)
                    if t:
                        out.append(t)
            continue
        if tag in ("boxed-text", "disp-quote", "statement") and ch.find("p") is not None:
            out.extend(_blocks(ch))
            continue
        t = _text(ch)
        if t:
            out.append(t)
        if tag == "p":  # floats placed inside a paragraph
            for flt in ch.iter("table-wrap", "fig", "supplementary-material"):
                c = _caption_text(flt)
                if c:
                    out.append(c)
    return out


def _table_rows(rows, width_hint: int = 0) -> list[list[TableCell]]:
    """<tr> elements as rows of cells as printed: a cell spanning columns (colspan) or rows (rowspan) is
    repeated over what it covers."""
    out: list[list[TableCell]] = []
    below: dict[int, tuple[str, int]] = {}  # column -> (text, rows still covered) of a rowspan
    for tr in rows:
        row: list[TableCell] = []
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        i = 0
        while cells or any(col >= len(row) for col in below):
            col = len(row)
            if col in below:
                text, left = below.pop(col)
                row.append(TableCell(text))
                if left > 1:
                    below[col] = (text, left - 1)
                continue
            if not cells:
                break
            c = cells.pop(0)
            i += 1
            text = _text(c, _SKIP_IN_TEXT | {"xref"})
            span = min(max(1, int(c.get("colspan") or 1) if (c.get("colspan") or "1").isdigit() else 1), 100)
            down = min(max(1, int(c.get("rowspan") or 1) if (c.get("rowspan") or "1").isdigit() else 1), 1000)
            for k in range(span):
                row.append(TableCell(text))
                if down > 1:
                    below[col + k] = (text, down - 1)
        out.append(row)
    width = max([len(r) for r in out] + [width_hint])
    return [r + [TableCell("") for _ in range(width - len(r))] for r in out]


def _tables(body) -> list[Table]:
    """The tables of a JATS body: label, caption, header rows (<thead>) first, cells as written."""
    out: list[Table] = []
    for wrap in body.iter("table-wrap"):
        table = wrap.find(".//table")
        if table is None:
            continue
        head = [tr for th in table.iterfind("thead") for tr in th.iterfind("tr")]
        rest = [tr for part in table if isinstance(part.tag, str) and part.tag in ("tbody", "tfoot")
                for tr in part.iterfind("tr")] + list(table.iterfind("tr"))
        rows = _table_rows(head + rest)
        if not rows:
            continue
        label = _text(wrap.find("label"))
        cap = wrap.find("caption")
        caption = _text(cap, _SKIP_IN_TEXT) if cap is not None else ""
        out.append(Table(page=0, caption=f"{label} {caption}".strip() if label else caption, rows=rows,
                         header_rows=len(head), label=label))
    return out


def _sections(container, parent: str, out: list[Section]) -> None:
    """Flatten <sec> elements into labelled sections ("Parent / Child")."""
    paras = _blocks(container)
    if paras:
        out.append(Section(label=parent, text="\n\n".join(paras)))
    for sec in container.iterfind("sec"):
        title = _text(sec.find("title"), _SKIP_IN_TEXT | {"xref"})
        if not title:
            title = _text(sec.find("label"))
        label = f"{parent} / {title}" if parent and title else (title or parent)
        _sections(sec, label, out)


def _abstract(meta, extra: dict) -> tuple[str, list[Section]]:
    abstracts = list(meta.iterfind("abstract"))
    if not abstracts:
        return "", []
    main = next((a for a in abstracts if not a.get("abstract-type")), abstracts[0])
    others = [a for a in abstracts if a is not main]
    if others:
        extra["other_abstracts"] = {
            (a.get("abstract-type") or "abstract"): "\n\n".join(s.text for s in _flat(a)) for a in others
        }
    sections = _flat(main)
    labelled = any(s.label for s in sections)
    paras: list[str] = []
    for s in sections:
        parts = s.text.split("\n\n")
        if s.label:
            parts[0] = f"{s.label}: {parts[0]}"
        paras.extend(parts)
    return "\n\n".join(paras), (sections if labelled else [])


def _flat(container) -> list[Section]:
    out: list[Section] = []
    _sections(container, "", out)
    return out


# ---------------------------------------------------------------- one article


def article_to_paper(article) -> Paper:
    """Build a Paper from one JATS <article> element (namespaces already stripped)."""
    _prefer_mathml(article)
    extra: dict = {}
    front = article.find("front")
    if front is None:
        front = article
    jmeta = front.find("journal-meta")
    meta = front.find("article-meta")
    if meta is None:
        meta = etree.Element("article-meta")
    p = Paper()
    tg = meta.find("title-group")
    if tg is not None:
        title = _text(tg.find("article-title"), _SKIP_IN_TEXT | {"xref", "fn"})
        sub = _text(tg.find("subtitle"))
        p.title = f"{title}: {sub}" if title and sub else title
        tt = _text(tg.find("trans-title-group/trans-title"))
        if tt:
            extra["translated_title"] = tt
    if jmeta is not None:
        p.journal = _text(_first(jmeta, "journal-title-group/journal-title", "journal-title")) or None
        abbrev = None
        for jid in jmeta.iterfind("journal-id"):
            if (jid.get("journal-id-type") or "") == "iso-abbrev":
                abbrev = _text(jid)
        if not abbrev:
            abbrev = _text(_first(jmeta, "journal-title-group/abbrev-journal-title", "abbrev-journal-title"))
        if not abbrev:
            for jid in jmeta.iterfind("journal-id"):
                if (jid.get("journal-id-type") or "") == "nlm-ta":
                    abbrev = _text(jid)
        p.journal_abbrev = abbrev or None
        issn = _text(jmeta.find("issn"))
        if issn:
            extra["issn"] = issn
        publisher = _text(jmeta.find("publisher/publisher-name"))
        if publisher:
            extra["publisher"] = publisher
    ids = _article_ids(meta)
    p.pmid = ids.get("pmid")
    p.doi = ids.get("doi")
    p.pmcid = _pmcid(ids)
    p.authors = _authors(meta, extra)
    p.pub_date = _pub_date(meta, extra)
    p.volume = _text(meta.find("volume")) or None
    p.issue = _text(meta.find("issue")) or None
    fpage, lpage = _text(meta.find("fpage")), _text(meta.find("lpage"))
    if fpage:
        p.pages = f"{fpage}-{lpage}" if lpage and lpage != fpage else fpage
    else:
        p.pages = _text(meta.find("elocation-id")) or None
    p.abstract, p.abstract_sections = _abstract(meta, extra)
    seen_keywords: set[str] = set()  # a set: 60,000 keywords take linear time, not quadratic
    for kw in meta.iterfind("kwd-group/kwd"):
        k = _text(kw)
        if k and k not in seen_keywords:
            seen_keywords.add(k)
            p.keywords.append(k)
    atype = article.get("article-type")
    if atype:
        p.publication_types = [atype]
        extra["article_type"] = atype
    subjects = [_text(s) for s in meta.iterfind("article-categories/subj-group/subject")]
    if any(subjects):
        extra["subjects"] = [s for s in subjects if s]
    lang = article.get(_XML_LANG)
    if lang:
        p.language = lang.lower()
    for grp in meta.iterfind("funding-group/award-group"):
        src = _text(grp.find("funding-source"))
        award = ", ".join(t for t in (_text(a) for a in grp.iterfind("award-id")) if t)
        g = "/".join(x for x in (award, src) if x)
        if g:
            p.grants.append(g)
    perms = meta.find("permissions")
    if perms is not None:
        cr = _text(perms.find("copyright-statement"))
        if cr:
            extra["copyright"] = cr
        lic = perms.find("license")
        if lic is not None:
            href = lic.get(_XLINK_HREF)
            if not href:
                ref = next((c for c in lic if isinstance(c.tag, str) and c.tag == "license_ref"), None)
                href = _text(ref) if ref is not None else None
            if href:
                extra["license"] = href
    related = []
    for ra in meta.iterfind("related-article"):
        related.append(
            {
                "type": ra.get("related-article-type"),
                "id": ra.get(_XLINK_HREF) or _text(ra) or None,
                "id_type": ra.get("ext-link-type"),
            }
        )
    if related:
        extra["related_articles"] = related
    body = article.find("body")
    if body is not None:
        _sections(body, "", p.body_sections)
        tables = _tables(body)
        if tables:  # the same table model as a PDF's (domain.fulltext.Table): `curator tables` shows both
            extra["tables"] = [t.to_dict() for t in tables]
    if p.pmcid:
        p.source_url = f"https://pmc.ncbi.nlm.nih.gov/articles/{p.pmcid}/"
    elif p.pmid:
        p.source_url = f"https://pubmed.ncbi.nlm.nih.gov/{p.pmid}/"
    p.extra = extra
    p.__post_init__()
    return p


# ---------------------------------------------------------------- streaming


def _iter_stream(stream, encoding: str | None) -> Iterator[Item]:
    context = make_iterparse(stream, ("{*}article",), encoding=encoding)
    done = 0
    depth = 0  # <article> inside <article> would be a sub-document: only top-level ones count
    open_line = None
    try:
        for event, elem in context:
            if event == "start":
                depth += 1
                if depth == 1:
                    open_line = elem.sourceline
                continue
            depth -= 1
            if depth:
                continue
            done += 1
            line = elem.sourceline
            try:
                _strip_namespaces(elem)
                paper = article_to_paper(elem)
            except Exception as exc:  # noqa: BLE001 -- one odd article must not stop the set
                msg = f"article {done} (line {line}) could not be read: {exc}"
                yield done, line, RecordError(done, line, msg)
            else:
                if paper.title or paper.pmid or paper.pmcid or paper.doi:
                    yield done, line, paper
                    for warning in paper.extra.get("warnings", []):
                        yield done, line, RecordError(done, line, f"article {done} (line {line}): {warning}",
                                                      warning=True)
                    if not paper.title:
                        yield done, line, RecordError(
                            done, line, f"article {done} (line {line}) has no title", warning=True
                        )
                else:
                    yield done, line, RecordError(
                        done, line, f"article {done} (line {line}) has no title and no PMID/PMCID/DOI"
                    )
            release(elem)
    except etree.XMLSyntaxError as exc:
        err = syntax_error(exc, done, open_line if depth else None, noun="article")
        yield err.record, err.line, err


def iter_parse_bytes(source: bytes | IO[bytes]) -> Iterator[Item]:
    """Stream articles from bytes or a binary file object (the declared encoding is used)."""
    stream = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray, memoryview)) else source
    head = stream.read(PROLOG_LIMIT)
    check_xml_bytes(head)
    yield from _iter_stream(Prepend(head, stream), None)


def iter_parse_path(path: str | Path) -> Iterator[Item]:
    """Stream the articles of a JATS / PMC file (plain or .gz)."""
    p = Path(path)
    try:
        f = open_binary(p)
    except OSError as exc:
        raise ImportFormatError(f"{p}: cannot read the file ({exc.strerror or exc})") from exc
    with f:
        yield from iter_parse_bytes(f)


def iter_parse_text(text: str) -> Iterator[Item]:
    """Stream articles from decoded text (re-encoded as UTF-8; declared encoding ignored)."""
    check_xml_safety(text[:PROLOG_LIMIT])
    yield from _iter_stream(io.BytesIO(text.lstrip("\ufeff").encode("utf-8")), "utf-8")


# ---------------------------------------------------------------- importer

_JATS_HINTS = (
    re.compile(r"<pmc-articleset[\s>]"),
    re.compile(r"<!DOCTYPE\s+(?:article|pmc-articleset)\b"),
    re.compile(
        r"JATS|Journal Archiving and Interchange|Journal Publishing DTD|NLM//DTD (?:Journal|ARTICLE SET)"
    ),
)
_ARTICLE_ROOT = re.compile(r"<article[\s>]")
_JATS_PARTS = re.compile(r"<(?:article-meta|journal-meta|front|article-title|contrib-group)[\s>]")


class JatsImporter:
    name = "jats"
    label = "PMC / JATS XML"
    extensions = (".nxml", ".xml")

    def sniff(self, text: str) -> float:
        head = text[:20000].lstrip("\ufeff \t\n\r")
        if not head.startswith("<"):
            return 0.0
        if "<PubmedArticle" in head or "<PubmedBookArticle" in head:
            return 0.0
        if _JATS_HINTS[0].search(head):
            return 0.95
        has_root = bool(_ARTICLE_ROOT.search(head))
        parts = bool(_JATS_PARTS.search(head))
        if has_root and parts:
            return 0.95
        if has_root and (_JATS_HINTS[1].search(head) or _JATS_HINTS[2].search(head)):
            return 0.9
        return 0.0

    def parse(self, text: str) -> ParseResult:
        result = ParseResult(format=self.name)
        for _n, _line, item in iter_parse_text(text):
            if isinstance(item, RecordError):
                result.errors.append(item)
            else:
                result.papers.append(item)
        return result


IMPORTER = register(JatsImporter())

__all__ = ["IMPORTER", "article_to_paper", "iter_parse_bytes", "iter_parse_path", "iter_parse_text"]
