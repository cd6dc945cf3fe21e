"""Framed records parsed by lxml, a batch to a call, and read into Papers (or numbered problems)."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from curator.domain.duplicates import UNTITLED
from curator.domain.paper import Paper
from curator.importers.cancel import cancelling, check
from curator.importers.pubmed_xml.framing import Err, frame_range, record_parser
from curator.importers.pubmed_xml.records import book_article, pubmed_article


def convert(elem, n: int, line: int | None) -> Iterator[tuple[int, int | None, Paper | Err]]:
    """The Paper of one record (plus a warning when it has no title), or its problem."""
    try:
        paper = book_article(elem) if elem.tag == "PubmedBookArticle" else pubmed_article(elem)
    except Exception as exc:  # noqa: BLE001 -- one odd record must not stop a 100k-record file
        yield n, line, Err(n, line, "record {n} (line {line}) could not be read: {detail}", str(exc))
        return
    yield from checked(paper, n, line)


def checked(paper: Paper, n: int, line: int | None) -> Iterator[tuple[int, int | None, Paper | Err]]:
    """The Paper, then a warning for each field it could not read (named in its extra["warnings"]) and
    for a missing title. A record with no title, PMID or DOI but an abstract is kept under UNTITLED (as
    the import service does for every format, and Zotero and JabRef do); with none of them it is a
    problem instead."""
    untitled = False
    if not paper.title and not paper.pmid and not paper.doi:
        if not paper.abstract.strip():
            yield n, line, Err(n, line, "record {n} (line {line}) has no title, PMID, DOI or abstract")
            return
        paper.title = untitled = UNTITLED
    yield n, line, paper
    pmid = f", PMID {paper.pmid}" if paper.pmid else ""
    for warning in paper.extra.get("warnings", ()):
        yield n, line, Err(n, line, "record {n} (line {line}{detail}", f"{pmid}): {warning}", True)
    if untitled:
        yield n, line, Err(n, line, "record {n} (line {line}) has no title, PMID or DOI: imported as {detail} "
                           "(it has an abstract)", UNTITLED, True)
    elif not paper.title:
        yield n, line, Err(n, line, "record {n} (line {line}{detail}) has no title", pmid, True)


def deleted_pmids_of(elem, deleted_pmids: list[str] | None) -> None:
    if deleted_pmids is not None:
        for x in elem.iterfind("PMID"):
            v = (x.text or "").strip()
            if v:
                deleted_pmids.append(v)


def _process_single(n: int, line: int, chunk: bytes, is_delete: bool, written: bytes, deleted_pmids, parser):
    try:
        elem = _parse_document(chunk, parser)
    except etree.XMLSyntaxError:
        what = "a <DeleteCitation> list" if is_delete else "record {n}"
        yield n, line, Err(n, line, f"XML error in {what} (starting at line {{line}}), at line {{err_line}}: {{detail}}",
                            chunk=written)
        return
    if is_delete:
        deleted_pmids_of(elem, deleted_pmids)
    else:
        yield from convert(elem, n, line)


_FEED_BYTES = 8 << 20  # a batch this big (one huge record) is fed to libxml2 in pieces, a cancel checked between
_PIECE = 1 << 20


def _parse_document(data: bytes, parser):
    """One lxml call for a normal batch; a huge one goes through libxml2's push parser a megabyte at a time,
    so a cancel stops it within a piece (a 100 MB record is one uninterruptible second of C otherwise)."""
    if len(data) < _FEED_BYTES:
        return etree.fromstring(data, parser)
    feeder = record_parser()
    view = memoryview(data)
    for i in range(0, len(data), _PIECE):
        check()
        feeder.feed(bytes(view[i:i + _PIECE]))
    return feeder.close()


def parse_batch(buf: bytes, batch: list, deleted_pmids, parser):
    """Parse a batch of framed records as one document (one libxml2 call), then extract."""
    root = None
    try:
        root = _parse_document(b"".join([b"<PubmedArticleSet>", *(e[2] for e in batch), b"</PubmedArticleSet>"]),
                               parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None or len(root) != len(batch):  # a broken record: parse one at a time
        for n, line, chunk, is_delete, s, e in batch:
            yield from _process_single(n, line, chunk, is_delete, buf[s:e], deleted_pmids, parser)
        return
    for (n, line, _chunk, is_delete, _s, _e), elem in zip(batch, root):
        if is_delete:
            deleted_pmids_of(elem, deleted_pmids)
        else:
            yield from convert(elem, n, line)


def process_range(buf: bytes, first: bool, last: bool, set_root: bool, transform=None, is_cancelled=None):
    """Frame, parse and extract one range: (items numbered within the range, deleted PMIDs,
    records in the range, newlines in the range). `transform` is applied to every Paper. Raises
    cancel.Cancelled, inside a record too, once `is_cancelled()` says so."""
    if is_cancelled is not None:
        with cancelling(is_cancelled):
            return process_range(buf, first, last, set_root, transform)
    parser = record_parser()
    deleted: list[str] = []
    items: list = []
    n = lines = 0
    for kind, payload in frame_range(buf, first, last, set_root):
        check()
        if kind == "batch":
            for item in parse_batch(buf, payload, deleted, parser):  # type: ignore[arg-type]
                if transform is not None and not isinstance(item[2], Err):
                    item = (item[0], item[1], transform(item[2]))
                items.append(item)
        elif kind == "item":
            items.append(payload)
        else:
            n, lines = payload  # type: ignore[misc]
    return items, deleted, n, lines
