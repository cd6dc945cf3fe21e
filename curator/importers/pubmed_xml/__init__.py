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

The package: framing.py cuts the bytes into records, parsing.py parses batches of them with lxml,
records.py reads each record into a Paper, workers.py runs ranges of a big file in worker processes.
Files declared in an encoding other than UTF-8 go through lxml iterparse here instead.
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
from curator.importers.base import ImportFormatError, ParseResult, RecordError
from curator.importers.cancel import Cancelled, cancelling
from curator.importers.pubmed_xml.framing import RECORD_TAGS, Err
from curator.importers.pubmed_xml.parsing import convert, deleted_pmids_of
from curator.importers.pubmed_xml.workers import iter_framed, iter_mapped
from curator.importers.xml_safety import (
    PROLOG_LIMIT,
    Prepend,
    UnsafeXMLError,
    check_xml_bytes,
    check_xml_safety,
    make_iterparse,
    open_binary,
    release,
    syntax_error,
)

Item = tuple[int, int | None, "Paper | RecordError"]
_ENCODING_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


def _iter_iterparse(stream, deleted_pmids, encoding, is_cancelled=None) -> Iterator[Item]:
    """Generic path (any declared encoding): lxml iterparse with element clearing."""
    if is_cancelled is not None:
        stream = _Counting(stream, lambda _n: _stop_if(is_cancelled))
    context = make_iterparse(stream, RECORD_TAGS, encoding=encoding)
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
                deleted_pmids_of(elem, deleted_pmids)
            else:
                done += 1
                in_record = False
                with cancelling(is_cancelled):
                    converted = list(convert(elem, done, elem.sourceline))
                for n, line, item in converted:
                    yield n, line, (item.at() if isinstance(item, Err) else item)
            release(elem)
    except etree.XMLSyntaxError as exc:
        err = syntax_error(exc, done, open_line if in_record else None)
        yield err.record, err.line, err


def _stop_if(is_cancelled) -> None:
    if is_cancelled():
        raise Cancelled("the import was cancelled")


def _declared_encoding(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and (head[0] == 0 or head[1] == 0)):
        return "utf-16"
    m = _ENCODING_DECL.match(head.lstrip(b"\xef\xbb\xbf"))
    return m.group(1).decode("ascii").lower() if m else None


_UTF8_NAMES = (None, "utf-8", "utf8", "us-ascii", "ascii")


def _framable(head: bytes) -> bool:
    """Refuse unsafe XML (raises UnsafeXMLError); True when the bytes can be framed as UTF-8."""
    check_xml_bytes(head)
    return _declared_encoding(head) in _UTF8_NAMES


def _transformed(items: Iterator[Item], transform) -> Iterator[Item]:
    if transform is None:
        yield from items
        return
    for n, line, item in items:
        yield n, line, (item if isinstance(item, RecordError) else transform(item))


def _iter_binary(stream: IO[bytes], deleted_pmids: list[str] | None, workers: int = 1,
                 transform=None, is_cancelled=None) -> Iterator[Item]:
    head = stream.read(PROLOG_LIMIT)
    if not _framable(head):
        yield from _transformed(_iter_iterparse(Prepend(head, stream), deleted_pmids, None, is_cancelled), transform)
        return
    first = [head]

    def read(size: int) -> bytes:
        if first:
            return first.pop() + stream.read(size)
        return stream.read(size)

    yield from iter_framed(read, deleted_pmids, workers, transform, is_cancelled=is_cancelled)


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
    on_bytes=None, is_cancelled=None,
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
    how many (compressed) bytes have been read, for progress. `is_cancelled()` (e.g. a threading.Event's
    is_set) is asked while reading, parsing and extracting, inside a long record too: once it says so,
    Cancelled (curator.importers.cancel) is raised within about a second, the workers stopped.
    """
    p = Path(path)
    try:
        f = open_binary(p)
    except OSError as exc:
        raise ImportFormatError(f"{p}: cannot read the file ({exc.strerror or exc})") from exc
    if workers > 1 and not isinstance(f, gzip.GzipFile):
        with f:
            head = f.read(PROLOG_LIMIT)
        if _framable(head):
            yield from iter_mapped(p, deleted_pmids, workers, transform, on_bytes, is_cancelled)
            return
        f = open_binary(p)
    with f:
        stream = _Counting(f, on_bytes) if on_bytes is not None else f
        yield from _iter_binary(stream, deleted_pmids, workers, transform, is_cancelled)


def iter_parse_text(text: str, deleted_pmids: list[str] | None = None) -> Iterator[Item]:
    """Same stream from already-decoded text. The text is re-encoded as UTF-8 and the
    declared encoding ignored (decode_bytes has already applied the real one)."""
    check_xml_safety(text[:PROLOG_LIMIT])
    start = 1 if text.startswith("\ufeff") else 0
    pos = [start]

    def read(size: int) -> bytes:  # encode slice by slice: no second full copy of a big text
        i = pos[0]
        pos[0] = i + size
        return text[i : i + size].encode("utf-8", "surrogatepass")

    yield from iter_framed(read, deleted_pmids)


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


__all__ = ["IMPORTER", "PubmedXmlImporter", "UnsafeXMLError", "check_xml_safety", "iter_parse_bytes",
           "iter_parse_path", "iter_parse_text", "parse_path"]
