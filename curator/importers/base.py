"""What every importer is: bytes/text in, Paper records and per-record problems out (pure)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any, Protocol

from curator.domain.paper import Paper


class ImportFormatError(ValueError):
    """The file as a whole cannot be read in this (or any) format."""


@dataclass
class RecordError:
    """One record that could not be read; the rest of the file still imports."""

    record: int  # 1-based record number within the file
    line: int | None  # 1-based line where the record starts, when known
    message: str
    warning: bool = False  # True: the record imported, but something in it needs a look

    def to_dict(self) -> dict:
        return {"record": self.record, "line": self.line, "message": self.message,
                "severity": "warning" if self.warning else "error"}


@dataclass
class ParseResult:
    format: str
    papers: list[Paper] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    deleted_pmids: list[str] = field(default_factory=list)  # PubMed <DeleteCitation>
    # a PDF's full text (domain.fulltext.FullText) by the index of the paper it belongs to
    fulltexts: dict[int, Any] = field(default_factory=dict)


class Importer(Protocol):
    name: str  # registry key, e.g. "pubmed_xml"
    label: str  # human name, e.g. "PubMed XML"
    extensions: tuple[str, ...]

    def sniff(self, text: str) -> float:
        """Confidence 0..1 that `text` (the decoded file head) is in this format."""

    def parse(self, text: str) -> ParseResult:
        """Parse the whole decoded text."""


def decode_bytes(data: bytes) -> str:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 LE/BE (with or without BOM),
    falling back to Windows-1252. Line ends are normalised to \\n."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        text = data.decode("utf-16", errors="replace")
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        text = data.decode("utf-16-le", errors="replace")
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        text = data.decode("utf-16-be", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    # UTF-16 without BOM has NULs in every other byte; that is text, handled by decode_bytes.
    if len(head) >= 4 and (head[1] == 0 and head[3] == 0 or head[0] == 0 and head[2] == 0):
        return False
    return b"\x00" in head


# ---------------------------------------------------------------- one field, read safely

_MAX_INT_DIGITS = 18  # int() refuses over 4,300 digits; no field of ours needs more than a PMID's


def to_int(text: str | int | None, lo: int | None = None, hi: int | None = None) -> int | None:
    """The number a field spells in ASCII digits ('07' -> 7), within lo..hi when given; None for
    anything else: '', '²' (str.isdigit() accepts superscripts, int() refuses them), '٣', '1.5', '-3',
    a 5,000-digit run. Never raises: one odd field must not cost the record."""
    if isinstance(text, int) and not isinstance(text, bool):
        n = text
    else:
        t = str(text).strip() if text is not None else ""
        if not (t and len(t) <= _MAX_INT_DIGITS and t.isascii() and t.isdigit()):
            return None
        n = int(t)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        return None
    return n


def warn_field(extra: dict, field: str, value: object, why: str) -> None:
    """Note a field that could not be read (the record imports without it): kept in the record's
    extra["warnings"] and reported by the importer as a warning naming the record and the field."""
    text = str(value)
    shown = text if len(text) <= 60 else text[:57] + "..."
    warnings = extra.setdefault("warnings", [])
    message = f"{field} {shown!r} {why}"
    if message not in warnings:
        warnings.append(message)
