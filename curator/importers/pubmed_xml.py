"""PubMed XML (``<PubmedArticleSet>``: PubmedArticle, PubmedBookArticle, DeleteCitation) -> Papers.

Streaming and safe: records are cut out of the byte stream and parsed in batches by lxml with
no DTD loading, no entity resolution and no network; a DOCTYPE that declares entities is
refused before parsing. Memory stays flat on 100k-record baseline files. A malformed record
is reported as a RecordError naming the record number and line (the others still import); a
file cut short keeps every record before the cut and reports where it ends.

Public API:
    IMPORTER.parse(text) -> ParseResult                      (whole decoded text)
    iter_parse_path(path, deleted_pmids=None, workers=1)     (large files; also reads .gz)
        -> iterator of (record_number, line, Paper | RecordError) in file order;
           a RecordError with warning=True follows a Paper that imported with a problem
    iter_parse_bytes(data_or_binary_file, deleted_pmids=None)  (same, from bytes/file object)
    iter_parse_text(text, deleted_pmids=None)                (same, from decoded text)
    parse_path(path) -> ParseResult                          (iter_parse_path collected)

Shared XML helpers (used by the JATS importer): xml_text, mathml_text, check_xml_safety,
make_iterparse, UnsafeXMLError.
"""

from __future__ import annotations

import gzip
import io
import mmap
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from lxml import etree

from curator.domain.paper import Paper
from curator.importers import register
from curator.importers.base import ImportFormatError, ParseResult, RecordError, decode_bytes
from curator.importers.pubmed_records import (  # noqa: F401 (xml_text, mathml_text, clean: shared with JATS)
    RELATED_TYPES,
    _book_article,
    _pubmed_article,
    clean,
    mathml_text,
    xml_text,
)

try:  # compiled twins of the record reader and scanner (setup.py builds them where a C compiler is at hand)
    import lxml

    from curator.importers import _pubmed_c

    if _pubmed_c.BUILT_WITH_LXML != lxml.__version__:  # it reads lxml's structs: only with its own lxml
        raise ImportError(f"_pubmed_c was built with lxml {_pubmed_c.BUILT_WITH_LXML}, not {lxml.__version__}")
    _read_article = _pubmed_c.pubmed_article
    _read_bytes = _pubmed_c.pubmed_article_bytes
    _c_record_bytes = _pubmed_c.record_bytes
    _scan_records = _pubmed_c.scan_records
except ImportError:  # pragma: no cover - exercised where the extension is not built
    _read_article = _pubmed_article
    _scan_records = _c_record_bytes = _read_bytes = None
COMPILED_READER = _read_article is not _pubmed_article

# ====================================================================== safety


class UnsafeXMLError(ImportFormatError):
    """The XML declares entities in its DOCTYPE (entity-expansion bomb / external entity)."""


_PROLOG_LIMIT = 65536
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)


def _unsafe(reason: str) -> UnsafeXMLError:
    return UnsafeXMLError(f"{reason}; refusing to read it")


def check_xml_safety(head: str) -> None:
    """Refuse XML whose prolog declares entities (billion laughs, external entities / XXE).

    `head` is the start of the decoded document. The prolog (XML declaration, comments,
    processing instructions, DOCTYPE) is scanned up to the root element. A DOCTYPE without an
    internal subset (the normal NLM ``<!DOCTYPE PubmedArticleSet PUBLIC ... "...dtd">``) is
    fine: the DTD is never loaded. Any ``<!ENTITY`` in the prolog raises UnsafeXMLError, and so
    does a prolog that does not end within the first 64 KB.
    """
    i, n = 0, len(head)
    while i < n:
        if head[i] in " \t\r\n\ufeff":
            i += 1
            continue
        if head.startswith("<?", i):
            j = head.find("?>", i + 2)
            if j < 0:
                break
            i = j + 2
        elif head.startswith("<!--", i):
            j = head.find("-->", i + 4)
            if j < 0:
                break
            i = j + 3
        elif head.startswith("<!DOCTYPE", i) or head.startswith("<!doctype", i):
            j, quote, depth = i + 9, None, 0
            while j < n:
                c = head[j]
                if quote:
                    if c == quote:
                        quote = None
                elif c in "\"'":
                    quote = c
                elif c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                elif c == ">" and depth <= 0:
                    break
                j += 1
            if _ENTITY_DECL.search(head, i, min(n, j)):
                raise _unsafe(
                    "the XML declares entities in its DOCTYPE "
                    "(possible entity-expansion or external-entity attack)"
                )
            if j >= n:
                break
            i = j + 1
        else:
            return  # the root element (or text that the XML parser will reject) starts here
    if _ENTITY_DECL.search(head):
        raise _unsafe("the XML declares entities")
    if n >= _PROLOG_LIMIT:
        raise _unsafe("the XML prolog is longer than 64 KB")


def make_iterparse(source: IO[bytes], tags, events=("start", "end"), encoding: str | None = None):
    """lxml iterparse with the safe options used by every XML importer here."""
    return etree.iterparse(
        source,
        events=events,
        tag=tags,
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        recover=False,
    )


# ====================================================================== streaming parser
#
# Fast path ("framing"): PubMed files are a flat list of <PubmedArticle>/<PubmedBookArticle>/
# <DeleteCitation> elements under one root. The file is cut into byte ranges that each start at
# a record start tag, each range is cut into records at their end tags (C-speed bytes
# searches), and ~1 MB batches of records are parsed by one lxml call. This skips iterparse's
# per-element event machinery, lets one malformed record fail alone (the batch is re-parsed
# record by record) while the others still import, and leaves out what the extraction never
# reads (reference lists, history, affiliations, most cited-by lists) before libxml2 builds it.
#
# Ranges are independent: records and lines are numbered within a range and renumbered for the
# whole file when the ranges are put back in order. So a big file can be split among worker
# processes that each read their own ranges of the file (iter_parse_path(workers=)); only
# the extracted records travel back. Files declared in an encoding other than UTF-8 go through
# lxml iterparse instead.

Item = tuple[int, int | None, "Paper | RecordError"]

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_END_TAG = {
    b"PubmedArticle": b"</PubmedArticle>",
    b"PubmedBookArticle": b"</PubmedBookArticle>",
    b"DeleteCitation": b"</DeleteCitation>",
}
_UNUSED_SUBTREES = ((b"<ReferenceList", b"</ReferenceList>"), (b"<History>", b"</History>"))
_SET_ROOTS = (b"<PubmedArticleSet", b"<PubmedBookArticleSet")
_SET_ENDS = (b"</PubmedArticleSet", b"</PubmedBookArticleSet")
_ENCODING_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_TAGS_AND_COMMENTS = re.compile(rb"<!--.*?-->|<[^>]*>", re.DOTALL)
_BLOCK_SIZE = 4 << 20  # bytes read at a time from a stream
_RANGE_BYTES = 4 << 20  # a worker's unit of work in a big file
_BATCH_BYTES = 1 << 20  # records parsed by one lxml call
_PAD_LIMIT = 5_000_000  # lines of padding used to make lxml's error messages show file lines


def _record_parser() -> etree.XMLParser:
    return etree.XMLParser(
        encoding="utf-8",  # framed bytes are UTF-8 (other encodings go through iterparse)
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
    )


class _Err(NamedTuple):
    """A problem numbered within one range of the file; `at(n0, line0)` gives its RecordError for the
    whole file. The message is a str.format template over n, n_1 (= n - 1), line, err_line and
    detail; for an XML syntax error, `chunk` holds the record and the lxml message is made by
    re-parsing it at its real line, so the line numbers inside lxml's words are right too."""

    n: int
    line: int | None
    template: str
    detail: str = ""
    warning: bool = False
    chunk: bytes | None = None

    def at(self, n0: int = 0, line0: int = 0) -> RecordError:
        n = self.n + n0
        line = None if self.line is None else self.line + line0
        err_line, detail = None, self.detail
        if self.chunk is not None and line is not None:
            err_line, detail = _syntax_message(self.chunk, line, _record_parser())
        msg = self.template.format(n=n, n_1=n - 1, line=line, err_line=err_line, detail=detail)
        return RecordError(max(n, 1), line, msg, warning=self.warning)


def _convert(elem, n: int, line: int | None) -> Iterator[tuple[int, int | None, Paper | _Err]]:
    """The Paper of one record (plus a warning when it has no title), or its problem."""
    try:
        paper = _book_article(elem) if elem.tag == "PubmedBookArticle" else _read_article(elem)
    except Exception as exc:  # noqa: BLE001 -- one odd record must not stop a 100k-record file
        yield n, line, _Err(n, line, "record {n} (line {line}) could not be read: {detail}", str(exc))
        return
    yield from _checked(paper, n, line)


def _checked(paper: Paper, n: int, line: int | None) -> Iterator[tuple[int, int | None, Paper | _Err]]:
    if not paper.pmid and not paper.title:
        yield n, line, _Err(n, line, "record {n} (line {line}) has no title and no PMID")
        return
    yield n, line, paper
    if not paper.title:
        yield n, line, _Err(n, line, "record {n} (line {line}, PMID {detail}) has no title", str(paper.pmid), True)


def _deleted(elem, deleted_pmids: list[str] | None) -> None:
    if deleted_pmids is not None:
        for x in elem.iterfind("PMID"):
            v = (x.text or "").strip()
            if v:
                deleted_pmids.append(v)


_STARTS = tuple((b"<" + name, name) for name in _END_TAG)
_NAME_ENDS = frozenset(b" \t\r\n>/")


def _next_start(buf, i: int, j: int | None = None, starts=_STARTS) -> tuple[int, bytes] | None:
    """Position and name of the first record start tag in buf[i:j] (C-speed bytes.find); `buf` may
    be bytes or an mmap."""
    j = len(buf) if j is None else j
    best: tuple[int, bytes] | None = None
    for open_tag, name in starts:
        k = buf.find(open_tag, i, j)
        while k >= 0:
            after = k + len(open_tag)
            if after >= len(buf) or buf[after] in _NAME_ENDS:  # not "<PubmedArticleSet"
                break
            k = buf.find(open_tag, after, j)
        if k >= 0 and (best is None or k < best[0]):
            best = (k, name)
            j = k  # later candidates must come before this one
    return best


def _last_start(buf: bytes, lo: int) -> int:
    """Position of the last record start tag in buf[lo:], or -1."""
    best = -1
    for open_tag, _name in _STARTS:
        k = buf.rfind(open_tag, max(lo, best + 1))
        while k >= 0:
            after = k + len(open_tag)
            if after < len(buf) and buf[after] in _NAME_ENDS:  # complete, and not "<PubmedArticleSet"
                break
            k = buf.rfind(open_tag, max(lo, best + 1), k)
        best = max(best, k)
    return best


def _strip_unused(chunk: bytes, start: int = 0) -> bytes:
    """The record without the subtrees it never reads (searched from `start`). Its lines shift:
    error messages are made from the record as written."""
    for open_tag, close_tag in _UNUSED_SUBTREES:
        i = chunk.find(open_tag, start)
        if i >= 0:
            j = chunk.rfind(close_tag, i)
            if j > i:
                chunk = chunk[:i] + chunk[j + len(close_tag):]
    return chunk


# A <CommentsCorrectionsList> is read only for links to retractions, errata and the like.
_RELATED_REF = re.compile(rb"RefType\s*=\s*[\"'](?:" + b"|".join(sorted(t.encode() for t in RELATED_TYPES)) + rb")[\"']")


def _record_bytes_py(buf: bytes, s: int, e: int, name: bytes) -> bytes:
    """The bytes libxml2 is given for one record: what the extraction never reads is left out
    (affiliations, cited-by lists, history dates, reference lists: a third of a typical record)."""
    chunk = buf[s:e]
    if name == b"DeleteCitation":
        return chunk
    if name != b"PubmedArticle":
        return _strip_unused(chunk)
    keep: list[bytes] = []
    pos = 0
    a = chunk.find(b"<AuthorList")
    if a >= 0:
        z = chunk.find(b"</AuthorList>", a)
        i = chunk.find(b"<AffiliationInfo>", a, z) if z > 0 else -1
        while i >= 0:
            j = chunk.find(b"</AffiliationInfo>", i, z)
            if j < 0:
                break
            keep.append(chunk[pos:i])
            pos = j + 18
            i = chunk.find(b"<AffiliationInfo>", pos, z)
    c = chunk.find(b"<CommentsCorrectionsList>", pos)
    if c >= 0:
        d = chunk.find(b"</CommentsCorrectionsList>", c)
        if d > 0 and not _RELATED_REF.search(chunk, c, d):
            keep.append(chunk[pos:c])
            pos = d + 26
    if keep:
        keep.append(chunk[pos:])
        chunk = b"".join(keep)
    # Both remaining unused subtrees sit in the trailing <PubmedData>: search only there.
    return _strip_unused(chunk, max(chunk.rfind(b"<PubmedData"), 0))


_KIND = {b"PubmedArticle": 0, b"PubmedBookArticle": 1, b"DeleteCitation": 2}


def _record_bytes_c(buf: bytes, s: int, e: int, name: bytes) -> bytes:
    """_record_bytes_py, compiled (curator/importers/_pubmed_c.pyx): the same bytes."""
    return _c_record_bytes(buf, s, e, _KIND[name], _RELATED_REF.search)


_record_bytes = _record_bytes_c if COMPILED_READER else _record_bytes_py


def _syntax_message(chunk: bytes, start_line: int, parser) -> tuple[int | None, str]:
    """Re-parse a broken chunk padded to its real position: (error line, lxml message)."""
    pad = b"\n" * (start_line - 1) if start_line <= _PAD_LIMIT else b""
    try:
        etree.fromstring(pad + chunk, parser)
    except etree.XMLSyntaxError as exc:
        ln = exc.lineno if pad or not exc.lineno else exc.lineno + start_line - 1
        return ln, (getattr(exc, "msg", None) or str(exc))
    return None, "malformed XML"


def _process_single(n: int, line: int, chunk: bytes, is_delete: bool, written: bytes, deleted_pmids, parser):
    try:
        elem = etree.fromstring(chunk, parser)
    except etree.XMLSyntaxError:
        what = "a <DeleteCitation> list" if is_delete else "record {n}"
        yield n, line, _Err(n, line, f"XML error in {what} (starting at line {{line}}), at line {{err_line}}: {{detail}}",
                            chunk=written)
        return
    if is_delete:
        _deleted(elem, deleted_pmids)
    else:
        yield from _convert(elem, n, line)


def _process_batch(buf: bytes, batch: list, deleted_pmids, parser):
    """Read a batch of framed records. Batch entries: (n, line, bytes to parse, is_delete, start,
    end of the record as written in buf). With the compiled module, a plain <PubmedArticle> is read
    by its own parser (_pubmed_c.pubmed_article_bytes: the same Paper as lxml's tree gives); the
    records it leaves (and all of them without it) go to lxml, in file order."""
    if _read_bytes is None:
        yield from _lxml_batch(buf, batch, deleted_pmids, parser)
        return
    left: list = []  # records for lxml since the last one read here
    for entry in batch:
        paper = None if entry[3] else _read_bytes(entry[2])
        if paper is None:
            left.append(entry)
            continue
        if left:
            yield from _lxml_batch(buf, left, deleted_pmids, parser)
            left = []
        yield from _checked(paper, entry[0], entry[1])
    if left:
        yield from _lxml_batch(buf, left, deleted_pmids, parser)


def _lxml_batch(buf: bytes, batch: list, deleted_pmids, parser):
    """Parse a batch of framed records as one document (one libxml2 call), then extract."""
    root = None
    try:
        root = etree.fromstring(b"".join([b"<PubmedArticleSet>", *(e[2] for e in batch), b"</PubmedArticleSet>"]),
                                parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None or len(root) != len(batch):  # a broken record: parse one at a time
        for n, line, chunk, is_delete, s, e in batch:
            yield from _process_single(n, line, chunk, is_delete, buf[s:e], deleted_pmids, parser)
        return
    for (n, line, _chunk, is_delete, _s, _e), elem in zip(batch, root):
        if is_delete:
            _deleted(elem, deleted_pmids)
        else:
            yield from _convert(elem, n, line)


def _stray_text(gap: bytes, n: int, line: int):
    """The warning for text (not tags or comments) between record n and the next, or None."""
    body = gap.lstrip()
    if not body or not _TAGS_AND_COMMENTS.sub(b"", body).strip():
        return None
    at = line + gap.count(b"\n", 0, len(gap) - len(body))  # the line where the stray text starts
    return n + 1, at, _Err(n + 1, at, "unexpected text between records {n_1} and {n} (line {line}); ignored",
                           warning=True)


_NUMPY_BYTES = 1 << 20  # from this size a range's newlines are found with numpy


def _newlines_before(buf: bytes):
    """A function x -> the number of newlines in buf[:x], for x that mostly increase. For a big
    range numpy finds every newline at once (bytes.count looks at one byte at a time: ~5% of a
    worker's time); a small one (or a text from the GUI) is counted incrementally, without numpy."""
    if len(buf) >= _NUMPY_BYTES:
        import numpy as np

        found = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10).searchsorted
        return lambda x: int(found(x))
    state = [0, 0]  # last x, newlines before it

    def count(x: int) -> int:
        p, c = state
        c = c + buf.count(b"\n", p, x) if x >= p else c - buf.count(b"\n", x, p)
        state[0], state[1] = x, c
        return c

    return count


def _scan_py(buf: bytes) -> Iterator[tuple[int, bytes, int, int, int]]:
    """The records of a range: (start, name, end, newlines before start, newlines before end).
    `end` is the end of the record's end tag; without one, where the next record starts; without
    a next record either, -1 (and the newline count is the whole range's)."""
    starts = tuple(t for t in _STARTS if t[0] in buf)  # most files hold only <PubmedArticle>s
    size = len(buf)
    newlines = _newlines_before(buf)
    nxt = _next_start(buf, 0, None, starts)
    while nxt is not None:
        s, name = nxt
        following = _next_start(buf, s + 1, None, starts)
        limit = following[0] if following is not None else size
        end = -1
        gt = buf.find(b">", s, limit)
        if gt >= 0:
            if buf[gt - 1] == 0x2F:  # "<PubmedArticle/>"
                end = gt + 1
            else:
                close = _END_TAG[name]
                e = buf.rfind(close, gt, limit)  # from the next record's start: found at once
                if e >= 0:
                    end = e + len(close)
        if end < 0 and following is not None:
            # A record whose end tag is missing stops where the next record starts
            # (it is then reported as malformed, and the next one still imports).
            end = limit
        if end < 0:
            yield s, name, -1, newlines(s), newlines(size)
            return
        yield s, name, end, newlines(s), newlines(end)
        nxt = following


_SCAN_NAMES = tuple(_END_TAG)
_SCAN_OPEN = tuple(b"<" + name for name in _SCAN_NAMES)
_SCAN_CLOSE = tuple(_END_TAG.values())


def _scan_c(buf: bytes) -> Iterator[tuple[int, bytes, int, int, int]]:
    """_scan_py, compiled (curator/importers/_pubmed_c.pyx): the same records."""
    names = _SCAN_NAMES
    for s, i, end, nl_start, nl_end in _scan_records(buf, _SCAN_OPEN, _SCAN_CLOSE):
        yield s, names[i], end, nl_start, nl_end


_scan = _scan_c if COMPILED_READER else _scan_py


def _frame_range(buf: bytes, first: bool, last: bool, set_root: bool):
    """Cut one range of the file into batches of records.

    The range is the start of the file (`first`) or starts at a record start tag; it is the end of
    the file (`last`) or ends right before a record start tag. Records and lines are numbered
    from 1 within it. Yields ("batch", [(n, line, chunk, is_delete, start, end)]), ("item", (n, line,
    _Err)) for problems between or after records, and finally ("end", (records, newlines)).
    `set_root`: the file's root is <PubmedArticleSet> (checked at its end)."""
    pos = 0  # end of the last record
    line = 1  # line number at buf[pos]
    n = 0  # records seen (articles + books)
    seen_record = not first
    batch: list[tuple[int, int, bytes, bool, int, int]] = []
    batch_bytes = 0
    size = len(buf)
    for s, name, end, nl_start, nl_end in _scan(buf):
        if end < 0:
            if last:
                break  # the file ends inside this record: reported below
            end = size
        start_line = 1 + nl_start
        if not seen_record:
            seen_record = True
        elif s > pos:
            stray = _stray_text(buf[pos:s], n, line)
            if stray is not None:
                if batch:
                    yield "batch", batch
                    batch, batch_bytes = [], 0
                yield "item", stray
        is_delete = name == b"DeleteCitation"
        if not is_delete:
            n += 1
        batch.append((n, start_line, _record_bytes(buf, s, end, name), is_delete, s, end))
        batch_bytes += end - s
        if batch_bytes >= _BATCH_BYTES:
            yield "batch", batch
            batch, batch_bytes = [], 0
        line = 1 + nl_end
        pos = end
    if batch:
        yield "batch", batch
    rest = buf[pos:]
    if not last:
        # What follows the last record here comes before the next range's first record.
        stray = _stray_text(rest, n, line)
        if stray is not None:
            yield "item", stray
        yield "end", (n, line - 1 + rest.count(b"\n"))
        return
    # End of the file: what is left is the tail (or the whole document when it held no record).
    m = _next_start(rest, 0)
    if m is not None:  # a record that never ends: the file is cut short
        s = m[0]
        start_line = line + rest.count(b"\n", 0, s)
        n += 1
        yield "item", (n, start_line, _Err(
            n, start_line, "record {n} (starting at line {line}) is cut short or malformed, "
            "XML error at line {err_line}: {detail}", chunk=rest[s:]))
    elif not seen_record:
        # No record at all: validate the (small) document so junk is reported, not ignored.
        if len(rest) <= _BLOCK_SIZE:
            try:
                etree.fromstring(rest, _record_parser())
            except etree.XMLSyntaxError as exc:
                yield "item", (1, exc.lineno, _Err(
                    1, exc.lineno, "XML error at line {line}: {detail}", getattr(exc, "msg", None) or str(exc)))
    elif set_root and not any(e in rest for e in _SET_ENDS):
        end_line = line + rest.count(b"\n")
        yield "item", (n + 1, end_line, _Err(
            n + 1, end_line, "the file ends at line {line} without closing </PubmedArticleSet>: "
            "it is cut short after record {n_1}"))
    yield "end", (n, line - 1 + rest.count(b"\n"))


def _process_range(buf: bytes, first: bool, last: bool, set_root: bool, transform=None):
    """Frame, parse and extract one range: (items numbered within the range, deleted PMIDs,
    records in the range, newlines in the range). `transform` is applied to every Paper."""
    parser = _record_parser()
    deleted: list[str] = []
    items: list = []
    n = lines = 0
    for kind, payload in _frame_range(buf, first, last, set_root):
        if kind == "batch":
            for item in _process_batch(buf, payload, deleted, parser):  # type: ignore[arg-type]
                if transform is not None and not isinstance(item[2], _Err):
                    item = (item[0], item[1], transform(item[2]))
                items.append(item)
        elif kind == "item":
            items.append(payload)
        else:
            n, lines = payload  # type: ignore[misc]
    return items, deleted, n, lines


_OPEN: dict[str, IO[bytes]] = {}  # worker process: files opened so far


def _work_range(source: bytes | tuple[str, int, int], first: bool, last: bool, set_root: bool, transform=None):
    """Worker-process entry point: one range, given as bytes or as (path, start, end) of a file
    the worker reads itself (so the file's bytes never travel between processes)."""
    if isinstance(source, tuple):
        path, a, b = source
        f = _OPEN.get(path)
        if f is None:
            f = _OPEN[path] = open(path, "rb")  # kept open for the worker's next ranges
        f.seek(a)
        source = f.read(b - a)
    return _process_range(source, first, last, set_root, transform)


def _has_set_root(head: bytes) -> bool:
    return any(r in head for r in _SET_ROOTS)


def _stream_ranges(read) -> Iterator[tuple[bytes, bool, bool, bool, int]]:
    """Cut a byte stream into ranges: (bytes, first, last, set_root, bytes read so far)."""
    buf = b""
    first = True
    set_root = False
    done = 0
    eof = False
    while True:
        if not eof:
            more = read(_BLOCK_SIZE)
            done += len(more)
            eof = not more
            buf = buf + more if buf else more
        lo = 1  # a range ends before a record start tag that is not its first
        if first:
            m = _next_start(buf, 0)
            if m is not None:
                set_root = _has_set_root(buf[: m[0]])
                lo = m[0] + 1
            elif not eof:
                continue  # the first record has not come yet
        if eof:
            yield buf, first, True, set_root, done
            return
        cut = _last_start(buf, lo)
        if cut > 0:
            yield buf[:cut], first, False, set_root, done
            buf = buf[cut:]
            first = False


def _range_bounds(mm, size: int, target: int, first_start: int | None) -> list[int]:
    """Start offsets of ranges of about `target` bytes, each at a record start tag (the first at 0,
    holding the file's first record, which starts at `first_start`)."""
    bounds = [0]
    if first_start is None:
        return bounds
    p = first_start + 1
    while True:
        p = max(p, bounds[-1] + target)
        if p >= size:
            return bounds
        m = _next_start(mm, p)
        if m is None:
            return bounds
        bounds.append(m[0])
        p = m[0] + 1


def _renumbered(results, deleted_pmids: list[str] | None) -> Iterator[Item]:
    """Ranges' results in file order -> items numbered for the whole file."""
    n0 = line0 = 0
    for items, deleted, n, lines in results:
        for k, line, item in items:
            if isinstance(item, _Err):
                err = item.at(n0, line0)
                yield err.record, err.line, err
            else:
                yield k + n0, (None if line is None else line + line0), item
        if deleted_pmids is not None:
            deleted_pmids.extend(deleted)
        n0 += n
        line0 += lines


def _serial_results(ranges, transform, on_range=None):
    for buf, first, last, set_root, done in ranges:
        yield _process_range(buf, first, last, set_root, transform)
        if on_range is not None:
            on_range(done)


def _yield_cpu() -> None:
    """Worker-process start: a lower CPU priority, so the importing process (its duplicate lookups,
    the SQLite writer, the GUI) runs first whenever it has work; the workers take the rest."""
    import os

    if hasattr(os, "nice"):
        try:
            os.nice(5)
        except OSError:  # not allowed here: run at the normal priority
            pass


def _parallel_results(tasks, workers: int, transform, on_range=None):
    """Run (source, first, last, set_root, done) tasks in spawned worker processes (safe next to Qt
    threads); results in order, a few ranges ahead per worker."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_yield_cpu) as pool:
        pending: deque = deque()
        try:
            for source, first, last, set_root, done in tasks:
                pending.append((pool.submit(_work_range, source, first, last, set_root, transform), done))
                while len(pending) > workers * 3:
                    fut, d = pending.popleft()
                    yield fut.result()
                    if on_range is not None:
                        on_range(d)
            while pending:
                fut, d = pending.popleft()
                yield fut.result()
                if on_range is not None:
                    on_range(d)
        finally:
            for fut, _d in pending:
                fut.cancel()


def _iter_framed(read, deleted_pmids: list[str] | None, workers: int = 1, transform=None,
                 on_range=None) -> Iterator[Item]:
    ranges = _stream_ranges(read)
    if workers <= 1:
        results = _serial_results(ranges, transform, on_range)
    else:
        results = _parallel_results(ranges, workers, transform, on_range)
    yield from _renumbered(results, deleted_pmids)


def _iter_mapped(path: Path, deleted_pmids: list[str] | None, workers: int, transform=None,
                 on_bytes=None) -> Iterator[Item]:
    """A big plain UTF-8 file split among worker processes that read their own ranges of it (this
    process maps the file only to find where ranges start)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        size = len(mm)
        target = max(_RANGE_BYTES // 16, min(_RANGE_BYTES, size // (workers * 4) + 1))
        m = _next_start(mm, 0)
        bounds = _range_bounds(mm, size, target, m[0] if m is not None else None)
        set_root = m is not None and _has_set_root(mm[: m[0]])
    ends = [*bounds[1:], size]
    tasks = (((str(path), a, b), i == 0, i == len(bounds) - 1, set_root, b)
             for i, (a, b) in enumerate(zip(bounds, ends)))
    yield from _renumbered(_parallel_results(tasks, workers, transform, on_bytes), deleted_pmids)


def release(elem) -> None:
    """Free a record element and the siblings before it, so iterparse memory stays flat."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def syntax_error(exc: etree.XMLSyntaxError, done: int, open_line: int | None, noun: str = "record") -> RecordError:
    """The RecordError for an XML error met after `done` complete records (inside one when `open_line`)."""
    n = done + 1
    err_line = exc.lineno or None
    if open_line:
        where, line = f"in {noun} {n} (starting at line {open_line})", open_line
    else:
        where, line = (f"after {noun} {done}" if done else f"before the first {noun}"), err_line
    msg = getattr(exc, "msg", None) or str(exc)
    return RecordError(n, line, f"XML error {where}, at line {err_line}: {msg}")


def _iter_iterparse(stream, deleted_pmids, encoding) -> Iterator[Item]:
    """Generic path (any declared encoding): lxml iterparse with element clearing."""
    context = make_iterparse(stream, _RECORD_TAGS, encoding=encoding)
    done = 0
    open_line: int | None = None
    in_record = False
    try:
        for event, elem in context:
            tag = elem.tag
            if event == "start":
                if tag != "DeleteCitation":
                    in_record = True
                    open_line = elem.sourceline
                continue
            if tag == "DeleteCitation":
                _deleted(elem, deleted_pmids)
            else:
                done += 1
                in_record = False
                for n, line, item in _convert(elem, done, elem.sourceline):
                    yield n, line, (item.at() if isinstance(item, _Err) else item)
            release(elem)
    except etree.XMLSyntaxError as exc:
        err = syntax_error(exc, done, open_line if in_record else None)
        yield err.record, err.line, err


def _declared_encoding(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and (head[0] == 0 or head[1] == 0)):
        return "utf-16"
    m = _ENCODING_DECL.match(head.lstrip(b"\xef\xbb\xbf"))
    return m.group(1).decode("ascii").lower() if m else None


_UTF8_NAMES = (None, "utf-8", "utf8", "us-ascii", "ascii")


def _framable(head: bytes) -> bool:
    """Refuse unsafe XML (raises UnsafeXMLError); True when the bytes can be framed as UTF-8."""
    check_xml_safety(decode_bytes(head))
    return _declared_encoding(head) in _UTF8_NAMES


def _transformed(items: Iterator[Item], transform) -> Iterator[Item]:
    if transform is None:
        yield from items
        return
    for n, line, item in items:
        yield n, line, (item if isinstance(item, RecordError) else transform(item))


def _iter_binary(stream: IO[bytes], deleted_pmids: list[str] | None, workers: int = 1,
                 transform=None) -> Iterator[Item]:
    head = stream.read(_PROLOG_LIMIT)
    if not _framable(head):
        yield from _transformed(_iter_iterparse(_Prepend(head, stream), deleted_pmids, None), transform)
        return
    first = [head]

    def read(size: int) -> bytes:
        if first:
            return first.pop() + stream.read(size)
        return stream.read(size)

    yield from _iter_framed(read, deleted_pmids, workers, transform)


class _Counting(io.RawIOBase):
    """Reports how many bytes have been read (for progress bars)."""

    def __init__(self, inner: IO[bytes], on_bytes):
        self._inner, self._on_bytes, self.done = inner, on_bytes, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._inner.read(n)
        self.done += len(data)
        self._on_bytes(self.done)
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


class _Prepend(io.RawIOBase):
    """A read-only stream: `head` bytes, then the rest of `rest`."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                out, self._head = self._head + self._rest.read(), b""
                return out
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._rest.read(n)

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def _open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, transparently gunzipped (PubMed baseline files are .xml.gz)."""
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def iter_parse_bytes(source: bytes | IO[bytes], deleted_pmids: list[str] | None = None) -> Iterator[Item]:
    """Stream PubMed XML records from bytes or a binary file object.

    Yields (record_number, start_line, Paper | RecordError). PMIDs inside <DeleteCitation>
    are appended to `deleted_pmids` when a list is given. Raises UnsafeXMLError before
    reading any record when the DOCTYPE declares entities.
    """
    stream = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray, memoryview)) else source
    yield from _iter_binary(stream, deleted_pmids)


def iter_parse_path(
    path: str | Path, deleted_pmids: list[str] | None = None, *, workers: int = 1, transform=None,
    on_bytes=None,
) -> Iterator[Item]:
    """Stream a PubMed XML file (plain or .gz) record by record with flat memory.

    Yields (record_number, start_line, Paper | RecordError) in file order; deleted PMIDs go
    to `deleted_pmids` if given. Raises UnsafeXMLError for DOCTYPE entity declarations and
    ImportFormatError if the file cannot be opened.

    `workers` > 1 splits the file among that many spawned worker processes, which read their
    own ranges of a plain file (worth it for files of tens of MB and more; the
    caller's program must be import-safe for the "spawn" start method, i.e. guard its entry
    point with ``if __name__ == "__main__"`` and call multiprocessing.freeze_support() when
    frozen). Results and order are the same.

    `transform`, a picklable function, is applied to every Paper where it is extracted (in the
    workers), so callers can ship prepared rows instead of Paper objects; `on_bytes(n)` is told
    how many (compressed) bytes have been read, for progress.
    """
    p = Path(path)
    try:
        f = _open_binary(p)
    except OSError as exc:
        raise ImportFormatError(f"{p}: cannot read the file ({exc.strerror or exc})") from exc
    if workers > 1 and not isinstance(f, gzip.GzipFile):
        with f:
            head = f.read(_PROLOG_LIMIT)
        if _framable(head):
            yield from _iter_mapped(p, deleted_pmids, workers, transform, on_bytes)
            return
        f = _open_binary(p)
    with f:
        stream = _Counting(f, on_bytes) if on_bytes is not None else f
        yield from _iter_binary(stream, deleted_pmids, workers, transform)


def iter_parse_text(text: str, deleted_pmids: list[str] | None = None) -> Iterator[Item]:
    """Same stream from already-decoded text. The text is re-encoded as UTF-8 and the
    declared encoding ignored (decode_bytes has already applied the real one)."""
    check_xml_safety(text[:_PROLOG_LIMIT])
    start = 1 if text.startswith("\ufeff") else 0
    pos = [start]

    def read(size: int) -> bytes:  # encode slice by slice: no second full copy of a big text
        i = pos[0]
        pos[0] = i + size
        return text[i : i + size].encode("utf-8", "surrogatepass")

    yield from _iter_framed(read, deleted_pmids)


def _collect_result(items, deleted: list[str], fmt: str) -> ParseResult:
    result = ParseResult(format=fmt, deleted_pmids=deleted)
    for _n, _line, item in items:
        if isinstance(item, RecordError):
            result.errors.append(item)
        else:
            result.papers.append(item)
    return result


def parse_path(path: str | Path) -> ParseResult:
    """Parse a whole PubMed XML file (plain or .gz) into one ParseResult."""
    deleted: list[str] = []
    return _collect_result(iter_parse_path(path, deleted), deleted, "pubmed_xml")


# ====================================================================== importer

_ROOT_HINT = re.compile(r"<(PubmedArticleSet|PubmedBookArticleSet|PubmedArticle|PubmedBookArticle)[\s>]")


class PubmedXmlImporter:
    name = "pubmed_xml"
    label = "PubMed XML"
    extensions = (".xml", ".xml.gz")

    def sniff(self, text: str) -> float:
        head = text[:20000].lstrip("\ufeff \t\n\r")
        if not head.startswith("<"):
            return 0.0
        if _ROOT_HINT.search(head) or "<!DOCTYPE PubmedArticleSet" in head:
            return 0.95
        if "<MedlineCitation" in head or "<DeleteCitation" in head:
            return 0.8
        return 0.0

    def parse(self, text: str) -> ParseResult:
        deleted: list[str] = []
        return _collect_result(iter_parse_text(text, deleted), deleted, self.name)


IMPORTER = register(PubmedXmlImporter())
