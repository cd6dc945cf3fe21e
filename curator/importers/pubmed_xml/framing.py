"""Framing: a PubMed XML file cut into records at the byte level, before any XML parsing.

PubMed files are a flat list of <PubmedArticle>/<PubmedBookArticle>/<DeleteCitation> elements under one
root. The file is cut into byte ranges that each start at a record start tag, each range is cut into
records at their end tags (C-speed bytes searches), and ~1 MB batches of records go to one lxml call
(parsing.py). This skips iterparse's per-element event machinery, lets one malformed record fail alone
while the others still import, and leaves out what the record reader never reads (reference lists,
history, affiliations, most cited-by lists) before libxml2 builds it.

Ranges are independent: records and lines are numbered within a range and renumbered for the whole file
when the ranges are put back in order (workers.py), so a big file can be split among worker processes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from lxml import etree

from curator.importers.base import RecordError
from curator.importers.cancel import check
from curator.importers.pubmed_xml.records import RELATED_TYPES

RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_END_TAG = {
    b"PubmedArticle": b"</PubmedArticle>",
    b"PubmedBookArticle": b"</PubmedBookArticle>",
    b"DeleteCitation": b"</DeleteCitation>",
}
_UNUSED_SUBTREES = ((b"<ReferenceList", b"</ReferenceList>"), (b"<History>", b"</History>"))
_SET_ROOTS = (b"<PubmedArticleSet", b"<PubmedBookArticleSet")
_SET_ENDS = (b"</PubmedArticleSet", b"</PubmedBookArticleSet")
BLOCK_SIZE = 4 << 20  # bytes read at a time from a stream
_BATCH_BYTES = 1 << 20  # records parsed by one lxml call


def record_parser() -> etree.XMLParser:
    return etree.XMLParser(
        encoding="utf-8",  # framed bytes are UTF-8 (other encodings go through iterparse)
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
    )


class Err(NamedTuple):
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
            err_line, detail = _syntax_message(self.chunk, line, record_parser())
        msg = self.template.format(n=n, n_1=n - 1, line=line, err_line=err_line, detail=detail)
        return RecordError(max(n, 1), line, msg, warning=self.warning)


_STARTS = tuple((b"<" + name, name) for name in _END_TAG)
_NAME_ENDS = frozenset(b" \t\r\n>/")


def next_start(buf, i: int, j: int | None = None, starts=_STARTS) -> tuple[int, bytes] | None:
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


def record_bytes(buf: bytes, s: int, e: int, name: bytes) -> bytes:
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


def _syntax_message(chunk: bytes, start_line: int, parser) -> tuple[int | None, str]:
    """Re-parse a broken chunk on its own: (error line, lxml message), the line numbers in lxml's words
    moved to the chunk's real place in the file (its first line is `start_line`). The chunk is not
    padded with the lines before it: a file with many broken records far down would be re-read to
    each of them (time quadratic in the file)."""
    try:
        etree.fromstring(chunk, parser)
    except etree.XMLSyntaxError as exc:
        shift = start_line - 1
        msg = getattr(exc, "msg", None) or str(exc)
        if shift:
            msg = _LINE_NUMBER.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + shift}", msg)
        return (exc.lineno + shift if exc.lineno else None), msg
    return None, "malformed XML"


_LINE_NUMBER = re.compile(r"(\bline )(\d{1,12})\b")


def has_text_outside_markup(body: bytes) -> bool:
    """Whether `body` holds anything but blanks, comments (<!-- ... -->) and tags (<...>), read as the
    pattern rb"<!--.*?-->|<[^>]*>" would remove them, in one pass: a '<' that nothing closes is text.
    (That pattern rescanned to the end at every unclosed '<' or '<!--': quadratic on a crafted gap.)"""
    i, n = 0, len(body)
    no_close_from = n + 1  # no '-->' at or after this offset (found once, never searched again)
    while i < n:
        lt = body.find(b"<", i)
        if body[i:n if lt < 0 else lt].strip():
            return True
        if lt < 0:
            return False
        if body.startswith(b"<!--", lt) and lt + 4 < no_close_from:
            end = body.find(b"-->", lt + 4)
            if end >= 0:
                i = end + 3
                continue
            no_close_from = lt + 4
        gt = body.find(b">", lt + 1)
        if gt < 0:
            return True
        i = gt + 1
    return False


def _stray_text(gap: bytes, n: int, line: int):
    """The warning for text (not tags or comments) between record n and the next, or None."""
    body = gap.lstrip()
    if not body or not has_text_outside_markup(body):
        return None
    at = line + gap.count(b"\n", 0, len(gap) - len(body))  # the line where the stray text starts
    return n + 1, at, Err(n + 1, at, "unexpected text between records {n_1} and {n} (line {line}); ignored",
                           warning=True)


_NUMPY_BYTES = 1 << 20  # from this size a range's newlines are found with numpy


def newlines_before(buf: bytes):
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


def scan(buf: bytes) -> Iterator[tuple[int, bytes, int, int, int]]:
    """The records of a range: (start, name, end, newlines before start, newlines before end).
    `end` is the end of the record's end tag; without one, where the next record starts; without
    a next record either, -1 (and the newline count is the whole range's)."""
    starts = tuple(t for t in _STARTS if t[0] in buf)  # most files hold only <PubmedArticle>s
    size = len(buf)
    newlines = newlines_before(buf)
    nxt = next_start(buf, 0, None, starts)
    while nxt is not None:
        s, name = nxt
        following = next_start(buf, s + 1, None, starts)
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


def frame_range(buf: bytes, first: bool, last: bool, set_root: bool):
    """Cut one range of the file into batches of records.

    The range is the start of the file (`first`) or starts at a record start tag; it is the end of
    the file (`last`) or ends right before a record start tag. Records and lines are numbered
    from 1 within it. Yields ("batch", [(n, line, chunk, is_delete, start, end)]), ("item", (n, line,
    Err)) for problems between or after records, and finally ("end", (records, newlines)).
    `set_root`: the file's root is <PubmedArticleSet> (checked at its end)."""
    pos = 0  # end of the last record
    line = 1  # line number at buf[pos]
    n = 0  # records seen (articles + books)
    seen_record = not first
    batch: list[tuple[int, int, bytes, bool, int, int]] = []
    batch_bytes = 0
    size = len(buf)
    for s, name, end, nl_start, nl_end in scan(buf):
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
        batch.append((n, start_line, record_bytes(buf, s, end, name), is_delete, s, end))
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
    m = next_start(rest, 0)
    if m is not None:  # a record that never ends: the file is cut short
        s = m[0]
        start_line = line + rest.count(b"\n", 0, s)
        n += 1
        yield "item", (n, start_line, Err(
            n, start_line, "record {n} (starting at line {line}) is cut short or malformed, "
            "XML error at line {err_line}: {detail}", chunk=rest[s:]))
    elif not seen_record:
        # No record at all: validate the (small) document so junk is reported, not ignored.
        if len(rest) <= BLOCK_SIZE:
            try:
                etree.fromstring(rest, record_parser())
            except etree.XMLSyntaxError as exc:
                yield "item", (1, exc.lineno, Err(
                    1, exc.lineno, "XML error at line {line}: {detail}", getattr(exc, "msg", None) or str(exc)))
    elif set_root and not any(e in rest for e in _SET_ENDS):
        end_line = line + rest.count(b"\n")
        yield "item", (n + 1, end_line, Err(
            n + 1, end_line, "the file ends at line {line} without closing </PubmedArticleSet>: "
            "it is cut short after record {n_1}"))
    yield "end", (n, line - 1 + rest.count(b"\n"))


def has_set_root(head: bytes) -> bool:
    return any(r in head for r in _SET_ROOTS)


_OVERLAP = 32  # bytes of the previous block searched again: a record start tag cut between two blocks


def stream_ranges(read) -> Iterator[tuple[bytes, bool, bool, bool, int]]:
    """Cut a byte stream into ranges: (bytes, first, last, set_root, bytes read so far).

    Only the newly read block (and a few bytes before it) is searched for record starts, and blocks are
    joined only when a range is cut: a single record of hundreds of MB costs linear time, not a copy and
    a search of everything held at every block. A cancel (cancel.check) is noticed between blocks."""
    pending: list[bytes] = []  # blocks read since the last cut
    held = 0  # their bytes
    tail = b""  # their last _OVERLAP bytes
    first = True
    first_start = -1  # first range: where its first record starts (-1: not seen yet)
    set_root = False
    done = 0
    while True:
        check()
        more = read(BLOCK_SIZE)
        done += len(more)
        if not more:
            yield b"".join(pending), first, True, set_root, done
            return
        offset = held - len(tail)  # where `window` starts in the bytes held
        window = tail + more if tail else more
        tail = window[-_OVERLAP:]
        pending.append(more)
        held += len(more)
        lo = 1  # a range ends before a record start tag that is not its first
        if first:
            if first_start < 0:
                m = next_start(window, 0)
                if m is None or m[0] + len(m[1]) + 1 >= len(window):
                    continue  # the first record has not come yet (or its name may go on in the next block)
                first_start = offset + m[0]
                set_root = has_set_root(b"".join(pending)[:first_start])
            lo = first_start + 1
        k = _last_start(window, max(0, lo - offset))
        cut = offset + k if k >= 0 else -1
        if cut > 0:
            buf = b"".join(pending)
            yield buf[:cut], first, False, set_root, done
            rest = buf[cut:]
            pending, held, tail = [rest], len(rest), rest[-_OVERLAP:]
            first = False


def range_bounds(mm, size: int, target: int, first_start: int | None) -> list[int]:
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
        m = next_start(mm, p)
        if m is None:
            return bounds
        bounds.append(m[0])
        p = m[0] + 1

