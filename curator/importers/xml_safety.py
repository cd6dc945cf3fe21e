"""Safe XML reading, shared by the PubMed XML and JATS importers: the prolog check that refuses entity
declarations (entity-expansion bombs, external entities) before any parsing, lxml iterparse with no DTD, no
entities and no network, element release for flat memory, XML error messages, and the byte streams (gzip,
a head read ahead) the importers read from."""

from __future__ import annotations

import codecs
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
_WS = " \t\r\n"
_ENCODING_DECL = re.compile(rb"""^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_UTF16_NAMES = ("utf-16", "utf16", "ucs-2", "iso-10646-ucs-2", "utf-16le", "utf-16be")


class _Incomplete(Exception):
    """The text ends inside the prolog."""


def _unsafe(reason: str) -> UnsafeXMLError:
    return UnsafeXMLError(f"{reason}; refusing to read it")


_ENTITIES = "the XML declares entities in its DOCTYPE (possible entity-expansion or external-entity attack)"


def _after(text: str, i: int, end: str) -> int:
    """The position after the first `end` at or after i (raises _Incomplete when there is none)."""
    j = text.find(end, i)
    if j < 0:
        raise _Incomplete
    return j + len(end)


def _declaration(text: str, i: int) -> int:
    """A markup declaration (<!ELEMENT, <!ATTLIST, <!NOTATION) of the internal subset starting at i: the
    position after its '>'. Quoted literals ("..." / '...', which may hold '>' or ']>') are skipped; an
    <!ENTITY, a parameter-entity reference or anything else that is not one of those is refused."""
    n = len(text)
    k = i + 2
    while k < n and text[k].isalpha():
        k += 1
    keyword = text[i + 2:k].upper()
    if keyword == "ENTITY":
        raise _unsafe(_ENTITIES)
    if keyword not in ("ELEMENT", "ATTLIST", "NOTATION"):
        if k >= n:
            raise _Incomplete
        raise _unsafe(f"the XML's DOCTYPE holds '{text[i:k + 1]}', which is not a declaration it may hold")
    while k < n:
        c = text[k]
        if c == ">":
            return k + 1
        if c == '"' or c == "'":
            k = _after(text, k + 1, c)
            continue
        if c == "%":
            raise _unsafe("the XML's DOCTYPE uses parameter entities (possible external-entity attack)")
        if c == "<":
            raise _unsafe("the XML's DOCTYPE holds a declaration that does not end")
        k += 1
    raise _Incomplete


def _doctype(text: str, i: int) -> int:
    """The DOCTYPE starting at i: the position after its closing '>'. Its internal subset is read item by
    item as the XML grammar has it (comments, processing instructions, markup declarations with their
    quoted literals, parameter-entity references), so a ']>' inside a comment, a PI or a literal does not
    end it early. Raises UnsafeXMLError at an entity declaration or a parameter entity."""
    n = len(text)
    k = i + 9
    while k < n:  # name and external identifier, up to '[' or '>'
        c = text[k]
        if c == ">":
            return k + 1
        if c == '"' or c == "'":
            k = _after(text, k + 1, c)
            continue
        if c == "[":
            break
        if c == "<":
            raise _unsafe("the XML's DOCTYPE does not end where it should")
        k += 1
    else:
        raise _Incomplete
    k += 1
    while k < n:  # the internal subset
        c = text[k]
        if c in _WS:
            k += 1
        elif c == "]":
            k += 1
            while k < n and text[k] in _WS:
                k += 1
            if k >= n:
                raise _Incomplete
            if text[k] != ">":
                raise _unsafe("the XML's DOCTYPE does not end where it should")
            return k + 1
        elif text.startswith("<!--", k):
            k = _after(text, k + 4, "-->")
        elif text.startswith("<?", k):
            k = _after(text, k + 2, "?>")
        elif text.startswith("<!", k):
            k = _declaration(text, k)
        elif c == "%":
            raise _unsafe("the XML's DOCTYPE uses parameter entities (possible external-entity attack)")
        elif c == "<" and k + 1 >= n:
            raise _Incomplete
        else:
            raise _unsafe(f"the XML's DOCTYPE holds {text[k:k + 20]!r}, which is not a declaration")
    raise _Incomplete


def _scan_prolog(head: str) -> tuple[int, bool]:
    """Read the prolog: (where reading stopped, True when that is the root element's start tag). Raises
    UnsafeXMLError at an entity declaration, _Incomplete when the text ends inside the prolog."""
    i, n = 0, len(head)
    while i < n:
        c = head[i]
        if c in _WS or c == "\ufeff":
            i += 1
        elif head.startswith("<?", i):
            i = _after(head, i + 2, "?>")
        elif head.startswith("<!--", i):
            i = _after(head, i + 4, "-->")
        elif head[i:i + 9].upper() == "<!DOCTYPE":
            i = _doctype(head, i)
        elif c == "<" and i + 1 < n and (head[i + 1].isalpha() or head[i + 1] in "_:"):
            return i, True
        elif c == "<" and i + 9 > n:
            raise _Incomplete
        else:
            return i, False  # not XML the parser will accept (it says so)
    raise _Incomplete


def check_xml_safety(head: str, complete: bool | None = None) -> None:
    """Refuse XML whose prolog declares entities (billion laughs, external entities / XXE).

    `head` is the start of the decoded document (`complete`: it is the whole document; by default when
    it is shorter than PROLOG_LIMIT). The prolog (XML declaration, comments, processing instructions,
    DOCTYPE) is read up to the root element as the XML grammar has it: a comment, a PI or a quoted
    literal holding ']>' or '>' does not end the DOCTYPE early. A DOCTYPE without an internal subset
    (the normal NLM ``<!DOCTYPE PubmedArticleSet PUBLIC ... "...dtd">``) is fine: the DTD is never
    loaded. An ``<!ENTITY`` (general or parameter) or a parameter-entity reference anywhere in the
    internal subset raises UnsafeXMLError, and so does a prolog that does not end within the first
    64 KB. Nothing here relies on the XML parser's own options.
    """
    if complete is None:
        complete = len(head) < PROLOG_LIMIT
    try:
        if _scan_prolog(head)[1]:
            return
    except _Incomplete:
        if not complete:
            raise _unsafe("the XML prolog is longer than 64 KB") from None
    # The prolog could not be read to its end (cut short, or not XML): refuse on any sign of entities.
    if _ENTITY_DECL.search(head):
        raise _unsafe(_ENTITIES)


def declared_encoding(head: bytes) -> str:
    """The Python codec for the encoding an XML file's first bytes are in: UTF-16/32 from the BOM or from
    the byte pattern of its first '<' (with or without a BOM), else the XML declaration's encoding="..."
    (a declared UTF-16 over 8-bit bytes is read as UTF-8, as libxml2 does), else UTF-8. Raises
    ImportFormatError for an encoding this program cannot read."""
    for bom, name in ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                      (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return name
    for pattern, name in ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
                          (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le")):
        if head.startswith(pattern):
            return name
    m = _ENCODING_DECL.match(head)
    if not m:
        return "utf-8"
    declared = m.group(1).decode("ascii").lower()
    if declared in _UTF16_NAMES or declared.startswith(("utf-32", "ucs-4", "ucs4")):
        return "utf-8"
    try:
        codec = codecs.lookup(declared)
    except LookupError:
        raise ImportFormatError(f"the XML declares the encoding {declared!r}, which cannot be read here") from None
    try:
        ascii_compatible = "<?xml a".encode(codec.name) == b"<?xml a"
    except (UnicodeError, LookupError):
        ascii_compatible = False
    if not ascii_compatible:
        raise ImportFormatError(f"the XML declares the encoding {declared!r}, which cannot be read here")
    return codec.name


def check_xml_bytes(head: bytes, complete: bool | None = None) -> None:
    """check_xml_safety on the first bytes of a file (`complete`: the whole file; by default when shorter
    than PROLOG_LIMIT), decoded as the file declares (see declared_encoding), so UTF-16 and Latin-1 files
    are read as the XML parser reads them. A prolog holding bytes its encoding cannot decode is refused
    with a message saying so (ImportFormatError)."""
    if complete is None:
        complete = len(head) < PROLOG_LIMIT
    name = declared_encoding(head)
    try:
        text = codecs.getincrementaldecoder(name)("strict").decode(head, final=complete)
    except UnicodeDecodeError as exc:
        text = codecs.getincrementaldecoder(name)("strict").decode(head[: exc.start], final=False)
        try:
            at_root = _scan_prolog(text)[1]
        except _Incomplete:
            at_root = False
        if not at_root:
            raise ImportFormatError(
                f"the XML cannot be decoded as {name}, the encoding it declares (byte {exc.start} of its "
                "prolog); refusing to read it") from None
        return
    check_xml_safety(text, complete)


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

