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
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from curator.domain.paper import Paper
from curator.importers import register
from curator.importers.base import ImportFormatError, ParseResult, RecordError, decode_bytes
from curator.importers.pubmed_records import (  # noqa: F401 (xml_text, mathml_text, clean: shared with JATS)
    _book_article,
    _pubmed_article,
    clean,
    mathml_text,
    xml_text,
)

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
# <DeleteCitation> elements under one root. The bytes are read in 4 MB blocks, each record is
# cut out at its end tag (a C-speed bytes search), and ~1 MB batches of records are parsed by
# one lxml call. This skips iterparse's per-element event machinery, lets one malformed
# record fail alone (the batch is re-parsed record by record) while the others still import,
# and drops the two largest unused subtrees (<ReferenceList>, <History>) before libxml2
# builds them. Batches can also be extracted in worker processes (iter_parse_path(workers=)).
# Fallback: files declared in an encoding other than UTF-8 go through lxml iterparse.

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
_BLOCK_SIZE = 4 << 20
_PAD_LIMIT = 5_000_000  # lines of padding used to make lxml's error messages show file lines


def _record_parser(encoding: str | None = None) -> etree.XMLParser:
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
    )


def _convert(elem, n: int, line: int | None) -> Iterator[Item]:
    """The Paper of one record (plus a warning when it has no title), or its RecordError."""
    try:
        paper = _book_article(elem) if elem.tag == "PubmedBookArticle" else _pubmed_article(elem)
    except Exception as exc:  # noqa: BLE001 -- one odd record must not stop a 100k-record file
        yield n, line, RecordError(n, line, f"record {n} (line {line}) could not be read: {exc}")
        return
    if not paper.pmid and not paper.title:
        yield n, line, RecordError(n, line, f"record {n} (line {line}) has no title and no PMID")
        return
    yield n, line, paper
    if not paper.title:
        yield n, line, RecordError(
            n, line, f"record {n} (line {line}, PMID {paper.pmid}) has no title", warning=True
        )


def _deleted(elem, deleted_pmids: list[str] | None) -> None:
    if deleted_pmids is not None:
        for x in elem.iterfind("PMID"):
            v = (x.text or "").strip()
            if v:
                deleted_pmids.append(v)


_STARTS = tuple((b"<" + name, name) for name in _END_TAG)
_NAME_ENDS = frozenset(b" \t\r\n>/")


def _next_start(buf: bytes, i: int, j: int | None = None) -> tuple[int, bytes] | None:
    """Position and name of the first record start tag in buf[i:j] (C-speed bytes.find)."""
    j = len(buf) if j is None else j
    best: tuple[int, bytes] | None = None
    for open_tag, name in _STARTS:
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


def _strip_unused(chunk: bytes) -> bytes:
    for open_tag, close_tag in _UNUSED_SUBTREES:
        i = chunk.find(open_tag)
        if i >= 0:
            j = chunk.rfind(close_tag)
            if j > i:
                # keep the line count so lxml's line numbers stay right
                chunk = chunk[:i] + b"\n" * chunk.count(b"\n", i, j) + chunk[j + len(close_tag):]
    return chunk


def _syntax_message(chunk: bytes, start_line: int, parser) -> tuple[int | None, str]:
    """Re-parse a broken chunk padded to its real position: (error line, lxml message)."""
    pad = b"\n" * (start_line - 1) if start_line <= _PAD_LIMIT else b""
    try:
        etree.fromstring(pad + chunk, parser)
    except etree.XMLSyntaxError as exc:
        ln = exc.lineno if pad or not exc.lineno else exc.lineno + start_line - 1
        return ln, (getattr(exc, "msg", None) or str(exc))
    return None, "malformed XML"


_BATCH_BYTES = 1 << 20  # records parsed by one lxml call (and sent to one worker)


def _process_single(
    n: int, line: int, chunk: bytes, is_delete: bool, deleted_pmids, parser
) -> Iterator[Item]:
    try:
        elem = etree.fromstring(chunk, parser)
    except etree.XMLSyntaxError:
        err_line, msg = _syntax_message(chunk, line, parser)
        what = "a <DeleteCitation> list" if is_delete else f"record {n}"
        yield n, line, RecordError(
            max(n, 1), line, f"XML error in {what} (starting at line {line}), at line {err_line}: {msg}"
        )
        return
    if is_delete:
        _deleted(elem, deleted_pmids)
    else:
        yield from _convert(elem, n, line)


def _process_batch(batch: list, deleted_pmids, parser) -> Iterator[Item]:
    """Parse a batch of framed records as one document (one libxml2 call), then extract."""
    root = None
    try:
        root = etree.fromstring(
            b"<PubmedArticleSet>" + b"".join(e[2] for e in batch) + b"</PubmedArticleSet>", parser
        )
    except etree.XMLSyntaxError:
        root = None
    if root is None or len(root) != len(batch):  # a broken record: parse one at a time
        for n, line, chunk, is_delete in batch:
            yield from _process_single(n, line, chunk, is_delete, deleted_pmids, parser)
        return
    for (n, line, _chunk, is_delete), elem in zip(batch, root):
        if is_delete:
            _deleted(elem, deleted_pmids)
        else:
            yield from _convert(elem, n, line)


def _frames(read, parser) -> Iterator[tuple[str, object]]:
    """Cut the byte stream into batches of records: yields ("batch", [(n, line, chunk, is_delete)])
    and ("item", (n, line, RecordError)) for problems found between or after records."""
    buf = b""
    pos = 0  # start of the unprocessed part of buf
    line = 1  # line number at buf[pos]
    n = 0  # records seen (articles + books)
    eof = False
    seen_record = False
    set_root = False
    batch: list[tuple[int, int, bytes, bool]] = []
    batch_bytes = 0
    while True:
        m = _next_start(buf, pos)
        end = -1
        if m is not None:
            s, name = m
            gt = buf.find(b">", s)
            if gt >= 0:
                if buf[gt - 1] == 0x2F:  # "<PubmedArticle/>"
                    end = gt + 1
                else:
                    close = _END_TAG[name]
                    e = buf.find(close, gt)
                    if e >= 0:
                        end = e + len(close)
                # A record whose end tag is missing stops where the next record starts
                # (it is then reported as malformed, and the next one still imports).
                following = _next_start(buf, s + 1, end if end >= 0 else len(buf))
                if following is not None:
                    end = following[0]
        if end < 0:
            if not eof:
                more = read(_BLOCK_SIZE)
                if more:
                    buf = buf[pos:] + more
                    pos = 0
                else:
                    eof = True
                continue
            break
        gap = buf[pos:s]
        start_line = line + gap.count(b"\n")
        if not seen_record:
            seen_record = True
            set_root = any(r in gap for r in _SET_ROOTS)
        elif gap.strip() and _TAGS_AND_COMMENTS.sub(b"", gap).strip():
            if batch:
                yield "batch", batch
                batch, batch_bytes = [], 0
            yield "item", (n + 1, line, RecordError(
                n + 1, line, f"unexpected text between records {n} and {n + 1} (line {line}); ignored",
                warning=True,
            ))
        chunk = buf[s:end]
        line = start_line + chunk.count(b"\n")
        pos = end
        is_delete = name == b"DeleteCitation"
        if not is_delete:
            n += 1
            chunk = _strip_unused(chunk)
        batch.append((n, start_line, chunk, is_delete))
        batch_bytes += len(chunk)
        if batch_bytes >= _BATCH_BYTES:
            yield "batch", batch
            batch, batch_bytes = [], 0
    if batch:
        yield "batch", batch
    # End of data: what is left is the tail (or the whole document when it held no record).
    rest = buf[pos:]
    m = _next_start(rest, 0)
    if m is not None:  # a record that never ends: the file is cut short
        s = m[0]
        start_line = line + rest.count(b"\n", 0, s)
        n += 1
        err_line, msg = _syntax_message(rest[s:], start_line, parser)
        yield "item", (n, start_line, RecordError(
            n, start_line,
            f"record {n} (starting at line {start_line}) is cut short or malformed, "
            f"XML error at line {err_line}: {msg}",
        ))
        return
    if not seen_record:
        # No record at all: validate the (small) document so junk is reported, not ignored.
        if len(rest) <= _BLOCK_SIZE:
            try:
                etree.fromstring(rest, parser)
            except etree.XMLSyntaxError as exc:
                yield "item", (1, exc.lineno, RecordError(
                    1, exc.lineno, f"XML error at line {exc.lineno}: {getattr(exc, 'msg', None) or exc}"
                ))
        return
    if set_root and not any(e in rest for e in _SET_ENDS):
        end_line = line + rest.count(b"\n")
        yield "item", (n + 1, end_line, RecordError(
            n + 1, end_line,
            f"the file ends at line {end_line} without closing </PubmedArticleSet>: "
            f"it is cut short after record {n}",
        ))


def _transformed(items: Iterator[Item], transform) -> Iterator[Item]:
    if transform is None:
        yield from items
        return
    for n, line, item in items:
        yield n, line, (item if isinstance(item, RecordError) else transform(item))


def _work_batch(batch: list, transform=None) -> tuple[list, list[str]]:
    """Worker-process entry point: extract one batch (and transform its papers), return its items and
    deleted PMIDs."""
    deleted: list[str] = []
    items = list(_transformed(_process_batch(batch, deleted, _record_parser()), transform))
    return items, deleted


def _iter_framed(read, deleted_pmids: list[str] | None, parser, workers: int = 1, transform=None) -> Iterator[Item]:
    if workers <= 1:
        for kind, payload in _frames(read, parser):
            if kind == "batch":
                yield from _transformed(_process_batch(payload, deleted_pmids, parser), transform)  # type: ignore[arg-type]
            else:
                yield payload  # type: ignore[misc]
        return
    yield from _iter_parallel(_frames(read, parser), deleted_pmids, workers, transform)


def _iter_parallel(frames, deleted_pmids, workers: int, transform=None) -> Iterator[Item]:
    """Extract batches in worker processes (spawned, so safe next to Qt threads), in order."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: deque = deque()  # futures and ready items, in file order
        limit = workers * 16  # enough queued work that the workers never wait while the caller writes
        try:
            for kind, payload in frames:
                if kind == "batch":
                    pending.append(pool.submit(_work_batch, payload, transform))
                else:
                    pending.append(payload)
                while len(pending) > limit or (pending and not hasattr(pending[0], "result")):
                    yield from _drain_one(pending, deleted_pmids)
            while pending:
                yield from _drain_one(pending, deleted_pmids)
        finally:
            for f in pending:
                if hasattr(f, "cancel"):
                    f.cancel()


def _drain_one(pending, deleted_pmids) -> Iterator[Item]:
    head = pending.popleft()
    if not hasattr(head, "result"):
        yield head
        return
    items, deleted = head.result()
    if deleted_pmids is not None:
        deleted_pmids.extend(deleted)
    yield from items


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
                yield from _convert(elem, done, elem.sourceline)
            release(elem)
    except etree.XMLSyntaxError as exc:
        err = syntax_error(exc, done, open_line if in_record else None)
        yield err.record, err.line, err


def _declared_encoding(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and (head[0] == 0 or head[1] == 0)):
        return "utf-16"
    m = _ENCODING_DECL.match(head.lstrip(b"\xef\xbb\xbf"))
    return m.group(1).decode("ascii").lower() if m else None


def _iter_binary(stream: IO[bytes], deleted_pmids: list[str] | None, workers: int = 1,
                 transform=None) -> Iterator[Item]:
    head = stream.read(_PROLOG_LIMIT)
    check_xml_safety(decode_bytes(head))
    enc = _declared_encoding(head)
    if enc not in (None, "utf-8", "utf8", "us-ascii", "ascii"):
        yield from _transformed(_iter_iterparse(_Prepend(head, stream), deleted_pmids, None), transform)
        return
    first = [head]

    def read(size: int) -> bytes:
        if first:
            return first.pop() + stream.read(size)
        return stream.read(size)

    yield from _iter_framed(read, deleted_pmids, _record_parser(), workers, transform)


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

    `workers` > 1 extracts batches of ~1 MB in that many spawned worker processes (worth it
    for files of tens of MB and more; the caller's program must be import-safe for the
    "spawn" start method, i.e. guard its entry point with ``if __name__ == "__main__"``
    and call multiprocessing.freeze_support() when frozen). Results and order are the same.

    `transform`, a picklable function, is applied to every Paper where it is extracted (in the
    workers), so callers can ship prepared rows instead of Paper objects; `on_bytes(n)` is told
    how many (compressed) bytes have been read, for progress.
    """
    p = Path(path)
    try:
        f = _open_binary(p)
    except OSError as exc:
        raise ImportFormatError(f"{p}: cannot read the file ({exc.strerror or exc})") from exc
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

    yield from _iter_framed(read, deleted_pmids, _record_parser("utf-8"))


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
