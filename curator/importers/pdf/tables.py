"""Tables on a PDF's pages, found from their captions, their rules and the positions of their words
(pypdfium2's character boxes and path objects; pure apart from reading the PDF's bytes).

A table is a caption line ("Table 2 ...", "Table 1: ...") and, below it, the horizontal rules of a
booktabs-style table: the top rule, the rule under the header, the bottom rule. The columns are the
x-ranges the body's cells cover; header lines are split into tiers at a cell spanning several columns
(its text repeated over them), a header cell set between two tiers belongs to both. Cells keep their text
as printed (superscript digits as ², a math italic P as P) and the offsets of their characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curator.domain.fulltext import FullText, Table, TableCell
from curator.importers.pdf.layout import Line
from curator.pdfium_lock import LOCK

CAPTION = re.compile(r"^\s*table\s*(\d+|[IVX]+)\s*[:.]?\s*", re.IGNORECASE)
_SUPER = str.maketrans("0123456789+−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


@dataclass
class _Char:
    offset: int  # into FullText.text
    c: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0


@dataclass
class _Row:
    chars: list[_Char] = field(default_factory=list)
    y0: float = 0.0
    y1: float = 0.0

    @property
    def mid(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Chunk:
    chars: list[_Char]
    row: int

    @property
    def x0(self) -> float:
        return min(c.x0 for c in self.chars)

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @property
    def mid(self) -> float:
        return (min(c.y0 for c in self.chars) + max(c.y1 for c in self.chars)) / 2


def _rules(doc, page_index: int) -> list[tuple[float, float, float]]:
    """The page's horizontal rules (x0, x1, y), collinear touching segments joined, top first."""
    import pypdfium2.raw as raw

    page = doc[page_index]
    segs = []
    try:
        for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=5):
            left, bottom, right, top = obj.get_bounds()
            if top - bottom < 2.5 and right - left > 15:
                segs.append(((left + right) / 2, left, right, (bottom + top) / 2))
    finally:
        page.close()
    segs.sort(key=lambda s: (-round(s[3]), s[1]))
    rules: list[list[float]] = []
    for _, x0, x1, y in segs:
        for r in rules:
            if abs(r[2] - y) < 1.5 and x0 <= r[1] + 3 and x1 >= r[0] - 3:
                r[0], r[1] = min(r[0], x0), max(r[1], x1)
                break
        else:
            rules.append([x0, x1, y])
    return sorted(((r[0], r[1], r[2]) for r in rules), key=lambda r: -r[2])


def _chars(ft: FullText, page: int, x0: float, x1: float, y_lo: float, y_hi: float) -> list[_Char]:
    p = ft.pages[page - 1]
    a = p.box_array()
    text = ft.text
    out = []
    for i in range(p.length):
        left, bottom, right, top = a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3]
        if right <= left or top <= bottom:
            continue
        cx, cy = (left + right) / 2, (bottom + top) / 2
        if x0 - 1 <= cx <= x1 + 1 and y_lo < cy < y_hi:
            c = text[p.start + i]
            if not c.isspace():
                out.append(_Char(p.start + i, c, left, bottom, right, top))
    return out


def _rows(chars: list[_Char]) -> list[_Row]:
    """Characters grouped into printed lines, top line first: a line's band is set by its tallest letter,
    and a character joins the line holding at least half its height (a raised superscript stays on its
    line; a heading set between two lines makes a line of its own)."""
    rows: list[_Row] = []
    for ch in sorted(chars, key=lambda c: -c.h):
        best = None
        for r in rows:
            overlap = min(r.y1, ch.y1) - max(r.y0, ch.y0)
            if overlap >= 0.5 * ch.h and (best is None or overlap > min(best.y1, ch.y1) - max(best.y0, ch.y0)):
                best = r
        if best is None:
            rows.append(_Row([ch], ch.y0, ch.y1))
        else:
            best.chars.append(ch)
    # a line of small raised characters only (a superscript set clear of its line) joins the line below it
    if rows:
        tall = sorted(r.y1 - r.y0 for r in rows)[len(rows) // 2]
        for r in sorted(rows, key=lambda r: r.y1 - r.y0):
            if max(c.h for c in r.chars) < 0.75 * tall:
                near = [o for o in rows if o is not r and o.y1 - o.y0 >= 0.75 * tall and o.mid < r.mid
                        and r.y0 - o.y1 < 0.5 * (o.y1 - o.y0)]
                if near:
                    max(near, key=lambda o: o.mid).chars.extend(r.chars)
                    rows.remove(r)
    for r in rows:
        r.chars.sort(key=lambda c: c.x0)
    return sorted(rows, key=lambda r: -r.mid)


def _chunks(row: _Row, index: int, gap: float) -> list[_Chunk]:
    out: list[_Chunk] = []
    cur: list[_Char] = []
    for ch in row.chars:
        if cur and ch.x0 - max(c.x1 for c in cur) > gap:
            out.append(_Chunk(cur, index))
            cur = []
        cur.append(ch)
    if cur:
        out.append(_Chunk(cur, index))
    return out


def _text(chars: list[_Char], text: str) -> str:
    """A cell's characters as printed: a space where the text layer has one between two of them (or,
    for characters apart in it, where they are set apart), raised small digits as superscripts."""
    if not chars:
        return ""
    heights = sorted(c.h for c in chars if c.c.isalnum()) or sorted(c.h for c in chars)
    body = heights[len(heights) // 2]
    bottoms = sorted(c.y0 for c in chars if c.c.isalnum() and c.h >= 0.8 * body) or [chars[0].y0]
    base = bottoms[len(bottoms) // 2]
    out = []
    prev: _Char | None = None
    for ch in chars:
        raised = ch.h < 0.8 * body and ch.y0 > base + 0.3 * body
        if prev is not None:
            lo, hi = sorted((prev.offset, ch.offset))
            between = text[lo + 1:hi]
            if ch.x0 - prev.x1 > 0.6 * body if raised else \
                    (0 < len(between) <= 3 and not between.strip()) if hi - lo < 4 else ch.x0 - prev.x1 > 0.3 * body:
                out.append(" ")
        c = ch.c.translate(_SUPER) if raised else ch.c
        out.append(c)
        prev = ch
    return "".join(out)


def _cell(chunks: list[_Chunk], text: str) -> TableCell:
    """One cell from its chunks: its characters regrouped into the cell's own lines (a small raised or
    lowered character joins the line of the letter it follows), lines top-down, joined by a space unless
    the text layer runs straight on."""
    chars = [c for k in chunks for c in k.chars]
    if not chars:
        return TableCell("")
    tall = max(c.h for c in chars)
    normal = [c for c in chars if c.h >= 0.8 * tall or c.c.isalpha()] or chars
    lines = _rows(normal)
    for c in chars:
        if any(c is n for n in normal):
            continue
        def dist(r: _Row, c: _Char = c) -> float:
            near_x = min(min(abs(c.x0 - n.x1), abs(n.x0 - c.x1)) for n in r.chars)
            return near_x + abs(r.mid - (c.y0 + c.y1) / 2) * 0.5
        min(lines, key=dist).chars.append(c)
    parts: list[str] = []
    last: _Char | None = None
    for r in sorted(lines, key=lambda r: -r.mid):
        r.chars.sort(key=lambda c: c.x0)
        if last is not None and r.chars[0].offset != last.offset + 1:
            parts.append(" ")
        parts.append(_text(r.chars, text))
        last = r.chars[-1]
    offsets = [c.offset for c in chars]
    return TableCell("".join(parts), min(offsets), max(offsets) + 1)


def _columns(body: list[list[_Chunk]]) -> list[tuple[float, float]]:
    """The x-ranges the body's cells cover (rows with several cells; a group label alone on its row
    would join columns)."""
    spans = sorted((k.x0, k.x1) for row in body if len(row) > 1 for k in row) or \
        sorted((k.x0, k.x1) for row in body for k in row)
    cols: list[list[float]] = []
    for lo, hi in spans:
        if cols and lo <= cols[-1][1] + 0.5:
            cols[-1][1] = max(cols[-1][1], hi)
        else:
            cols.append([lo, hi])
    return [(a, b) for a, b in cols]


def _covered(k: _Chunk, cols: list[tuple[float, float]]) -> list[int]:
    """The columns a chunk covers: those it overlaps by a third of the narrower of the two."""
    out = []
    for i, (lo, hi) in enumerate(cols):
        overlap = min(hi, k.x1) - max(lo, k.x0)
        if overlap > 0.33 * min(hi - lo, k.x1 - k.x0) or (k.x0 <= (lo + hi) / 2 <= k.x1):
            out.append(i)
    if not out:  # in a gap: the nearest column
        out = [min(range(len(cols)), key=lambda i: min(abs(cols[i][0] - k.x1), abs(cols[i][1] - k.x0)))]
    return out


def _spans(chunks: list[list[_Chunk]], cols: list[tuple[float, float]]) -> dict[int, list[int]]:
    """The header chunks that span columns (by id), with the columns they span: a heading set above the
    headings of several columns, bounded by its neighbours on its line. A column counts as under it when
    every heading word of that column lies below it; of those, the consecutive run where the chunk sits,
    cut at the midpoints to the chunk's neighbours."""
    flat = [k for cs in chunks for k in cs]
    covers = {id(k): _covered(k, cols) for k in flat}
    out: dict[int, list[int]] = {}
    for line in chunks:
        for n, k in enumerate(line):
            bottom = min(c.y0 for c in k.chars)
            below = []
            for i in range(len(cols)):
                others = [o for o in flat if o is not k and covers[id(o)] == [i]]
                below.append(bool(others) and all(max(c.y1 for c in o.chars) <= bottom + 0.5 for o in others))
            left = (line[n - 1].x1 + k.x0) / 2 if n > 0 else float("-inf")
            right = (k.x1 + line[n + 1].x0) / 2 if n + 1 < len(line) else float("inf")
            home = [i for i in _covered(k, cols) if below[i]]
            if not home:
                continue
            lo = hi = home[0]
            while lo - 1 >= 0 and below[lo - 1] and sum(cols[lo - 1]) / 2 > left:
                lo -= 1
            while hi + 1 < len(cols) and below[hi + 1] and sum(cols[hi + 1]) / 2 < right:
                hi += 1
            if hi > lo:
                out[id(k)] = list(range(lo, hi + 1))
    return out


def _header(rows: list[_Row], cols: list[tuple[float, float]], gap: float, text: str) -> list[list[TableCell]]:
    """The header lines as printed header rows: one tier per line that holds a heading spanning columns
    (its text repeated over them), the other lines joined per column (wrapped headings); a column's own
    heading goes to the tier of its first line, or to every tier when it is set between them."""
    chunks = [_chunks(r, i, gap) for i, r in enumerate(rows)]
    spans = _spans(chunks, cols)
    spanning = [i for i, cs in enumerate(chunks) if any(id(k) in spans for k in cs)]
    tiers: list[list[int]] = []
    start = 0
    for i in spanning:
        tiers.append(list(range(start, i + 1)))
        start = i + 1
    if start < len(rows):
        tiers.append(list(range(start, len(rows))))
    tier_of = {i: t for t, members in enumerate(tiers) for i in members}
    under = {c for cs in spans.values() for c in cs}

    def tier_mid(t: int) -> float:
        ys = [rows[i].mid for i in tiers[t]
              if any(id(k) in spans or set(_covered(k, cols)) & under for k in chunks[i])]
        ys = ys or [rows[i].mid for i in tiers[t]]
        return sum(ys) / len(ys)

    tol = max((r.y1 - r.y0) for r in rows) * 0.5 if rows else 0
    out = [[TableCell("") for _ in cols] for _ in tiers]
    per_col: dict[int, list[_Chunk]] = {}
    for i, cs in enumerate(chunks):
        for k in cs:
            if id(k) in spans:
                cell = _cell([k], text)
                for c in spans[id(k)]:
                    out[tier_of[i]][c] = cell
            else:
                per_col.setdefault(_covered(k, cols)[0], []).append(k)
    mids = [tier_mid(t) for t in range(len(tiers))]
    for c, ks in per_col.items():
        if c in under:  # below a spanning heading: each tier its own words
            by_tier: dict[int, list[_Chunk]] = {}
            for k in ks:
                by_tier.setdefault(tier_of[k.row], []).append(k)
            for t, group in by_tier.items():
                out[t][c] = _cell(group, text)
            continue
        cell = _cell(ks, text)
        top = max(ks, key=lambda k: k.mid)
        if len(tiers) > 1 and all(abs(top.mid - m) > tol for m in mids) and mids[-1] < top.mid < mids[0]:
            for t in range(len(tiers)):
                out[t][c] = cell
        else:
            out[tier_of[top.row]][c] = cell
    return out


def _body(rows: list[_Row], cols: list[tuple[float, float]], gap: float, text: str) -> list[list[TableCell]]:
    chunks = [_chunks(r, i, gap) for i, r in enumerate(rows)]
    cells: list[list[list[_Chunk]]] = []
    firsts: list[float] = []
    for cs in chunks:
        row: list[list[_Chunk]] = [[] for _ in cols]
        for k in cs:
            row[_covered(k, cols)[0]].append(k)
        cells.append(row)
        firsts.append(min((k.x0 for k in cs), default=0.0))
    out: list[list[TableCell]] = []
    i = 0
    while i < len(cells):
        row = cells[i]
        # a row label that wraps: a line with only its label, the next line starting at the same x with
        # the values (a group label is followed by indented rows instead)
        only_label = row[0] and not any(row[1:])
        if only_label and i + 1 < len(cells) and cells[i + 1][0] and any(cells[i + 1][1:]) \
                and abs(firsts[i + 1] - firsts[i]) < 1.5:
            nxt = cells[i + 1]
            row = [row[0] + nxt[0]] + nxt[1:]
            i += 1
        out.append([_cell(ks, text) for ks in row])
        i += 1
    return out


def _frame_below(caption: Line, rules: list[tuple[float, float, float]]):
    """A table set under its caption: its top rule just below the caption, then the rule under its header
    and its bottom rule (the next two as wide)."""
    size = max(caption.size, 4.0)
    below = [r for r in rules if r[2] < caption.y0 + 1]
    top = next((r for r in below if caption.y0 - r[2] < 6 * size and min(r[1], caption.x1) > max(r[0], caption.x0)),
               None)
    if top is None:
        return None
    width = top[1] - top[0]
    full = [r for r in below if r[2] < top[2] - 1 and r[1] - r[0] > 0.9 * width and r[0] < top[0] + 0.1 * width]
    if len(full) < 2:
        return None
    return top, full[0], full[1]


def _frame_above(caption: Line, rules: list[tuple[float, float, float]], captions: list[Line]):
    """A table set above its caption (LaTeX's way): its bottom rule just above the caption, and the rules of
    the same width above it up to its top rule (a double rule counts once; another caption stops the walk);
    the rule under the header is the second from the top."""
    size = max(caption.size, 4.0)
    above = sorted((r for r in rules if r[2] > caption.y1 - 1), key=lambda r: r[2])
    bottom = next((r for r in above if r[2] - caption.y1 < 4 * size and min(r[1], caption.x1) > max(r[0], caption.x0)),
                  None)
    if bottom is None:
        return None
    same = [bottom]
    for r in above:
        if r[2] <= same[-1][2] or abs(r[0] - bottom[0]) > 3 or abs(r[1] - bottom[1]) > 3:
            continue
        if any(c is not caption and same[-1][2] < c.y0 < r[2] and min(c.x1, r[1]) > max(c.x0, r[0])
               for c in captions):
            break  # another table's caption: its rules are its own
        if r[2] - same[-1][2] < 3:  # a double rule
            same[-1] = r
            continue
        same.append(r)
    if len(same) < 3:
        return None
    return same[-1], same[-2], same[0]


def _table(ft: FullText, page: int, caption: Line, rules: list[tuple[float, float, float]],
           captions: list[Line]) -> Table | None:
    size = max(caption.size, 4.0)
    frame = _frame_below(caption, rules) or _frame_above(caption, rules, captions)
    if frame is None:
        return None
    top, sep, bottom = frame
    x0, x1 = top[0], top[1]
    head_chars = _chars(ft, page, x0, x1, sep[2], top[2])
    body_chars = _chars(ft, page, x0, x1, bottom[2], sep[2])
    if not body_chars:
        return None
    body_rows = _rows(body_chars)
    heights = sorted(c.h for c in body_chars if c.c.isalnum())
    letter = heights[len(heights) // 2] if heights else size
    gap = max(3.0, 0.9 * letter)
    body_chunks = [_chunks(r, i, gap) for i, r in enumerate(body_rows)]
    cols = _columns(body_chunks)
    if len(cols) < 2:
        return None
    header = _header(_rows(head_chars), cols, gap, ft.text) if head_chars else []
    rows = header + _body(body_rows, cols, gap, ft.text)
    label = CAPTION.match(caption.text)
    return Table(page=page, caption=" ".join(caption.text.split()), rows=rows, header_rows=len(header),
                 label=f"Table {label.group(1)}" if label else "")


def _caption_lines(page_lines: list[Line]) -> list[Line]:
    """The page's caption lines; a label alone on its line ('Table 2', Elsevier's way) takes the line after
    it as its caption text."""
    out = []
    for n, ln in enumerate(page_lines):
        m = CAPTION.match(ln.text)
        if not m:
            continue
        if m.end() >= len(ln.text.rstrip()) and n + 1 < len(page_lines):
            nxt = page_lines[n + 1]
            if 0 <= ln.y0 - nxt.y1 < 3 * max(ln.size, 4.0) and not CAPTION.match(nxt.text):
                ln = Line(ln.page, ln.start, nxt.end, min(ln.x0, nxt.x0), nxt.y0, max(ln.x1, nxt.x1), ln.y1,
                          ln.size, f"{ln.text} {nxt.text}")
        if len(ln.text) > 8:
            out.append(ln)
    return out


def find_tables(ft: FullText, lines: list[list[Line]], doc) -> list[Table]:
    """Every ruled table under a caption line, page by page (`doc`: the open pypdfium2 document)."""
    out: list[Table] = []
    for page_lines in lines:
        captions = _caption_lines(page_lines)
        if not captions:
            continue
        page = captions[0].page
        with LOCK:
            rules = _rules(doc, page - 1)
        for cap in captions:
            t = _table(ft, page, cap, rules, captions)
            if t is not None:
                out.append(t)
    return out
