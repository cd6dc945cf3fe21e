"""Safe XML reading, shared by the PubMed XML and JATS importers: the prolog check that refuses entity
declarations (entity-expansion bombs, external entities) before any parsing, lxml iterparse with no DTD, no
entities and no network, element release for flat memory, XML error messages, and the byte streams (gzip,
a head read ahead) the importers read from."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import IO

from lxml import etree

from curator.importers.base import ImportFormatError, RecordError


class UnsafeXMLError(ImportFormatError):
    """The XML declares entities in its DOCTYPE (entity-expansion bomb / external entity)."""


PROLOG_LIMIT = 65536
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
    if n >= PROLOG_LIMIT:
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


class Prepend(io.RawIOBase):
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


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, transparently gunzipped (PubMed baseline files are .xml.gz)."""
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")

