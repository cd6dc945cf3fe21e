"""Layout of a PDF's text: lines from the character boxes, the title and DOI of the first page, the
sections from their headings (pure)."""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

from curator.domain.fulltext import FullText, TextRange


@dataclass
class Line:
    page: int  # 1-based
    start: int  # offsets into FullText.text
    end: int
    x0: float
    y0: float  # bottom (PDF points, origin bottom-left)
    x1: float
    y1: float
    size: float  # typical letter height
    text: str


def _line(page: int, start: int, a: array, text: str, run: list[int]) -> Line | None:
    """The line made of the page's characters `run` (page-relative indices), None when none is inked."""
    inked = [i for i in run if a[4 * i + 2] > a[4 * i]]
    if not inked:
        return None
    x0 = min(a[4 * i] for i in inked)
    y0 = min(a[4 * i + 1] for i in inked)
    x1 = max(a[4 * i + 2] for i in inked)
    y1 = max(a[4 * i + 3] for i in inked)
    heights = sorted(a[4 * i + 3] - a[4 * i + 1] for i in inked if text[i].isalpha())
    size = heights[int(len(heights) * 0.9)] if heights else y1 - y0
    s, e = run[0], run[-1] + 1
    return Line(page, start + s, start + e, x0, y0, x1, y1, size, text[s:e].strip())


def page_lines(ft: FullText) -> list[list[Line]]:
    """Each page's lines: runs of characters split at line ends and where the text jumps on the page."""
    out: list[list[Line]] = []
    for p in ft.pages:
        a = p.box_array()
        text = ft.text[p.start:p.start + p.length]
        runs: list[list[int]] = [[]]  # page-relative indices of each line's characters
        last: tuple[float, float, float, float] | None = None
        for i, c in enumerate(text):
            if c == "\n":
                runs.append([])
                last = None
                continue
            box = (a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3])
            if box[2] > box[0]:
                if last is not None:
                    h = max(last[3] - last[1], box[3] - box[1], 1.0)
                    mid, last_mid = (box[1] + box[3]) / 2, (last[1] + last[3]) / 2
                    if abs(mid - last_mid) > h * 0.9 or box[0] < last[0] - 5 * h:
                        runs.append([])
                last = box
            runs[-1].append(i)
        lines = [_line(p.number, p.start, a, text, r) for r in runs if r]
        out.append([ln for ln in lines if ln is not None])
    return out


# --- title and DOI ------------------------------------------------------------------------------------

_DOI = re.compile(r"\b(10\.\d{4,9}/[-._;()/:A-Za-z0-9<>]+)")
_NOT_TITLE = re.compile(r"^(?:case report|research article|review article|original article|research|review|"
                        r"letter|article|open access|provisional pdf|editorial|clinical study|short communication)"
                        r"\b", re.IGNORECASE)


def doi(ft: FullText) -> str | None:
    """The first DOI printed on the first page (on the second when the first is a cover page)."""
    for page in (1, 2)[:ft.page_count]:
        for m in _DOI.finditer(ft.page_text(page)):
            d = m.group(1).rstrip(".,;:)")
            if d.count("(") < d.count(")"):
                d = d[:d.rindex(")")]
            return d
    return None


def title(ft: FullText, lines: list[list[Line]]) -> tuple[str, int]:
    """The first page's title and the offset where it ends: its largest-lettered lines of at least four
    words in the upper part of the page (neighbouring lines of the same size are one title; a cover
    page's big journal name is passed over)."""
    for page_lines_ in lines[:2]:
        if not page_lines_:
            continue
        height = ft.pages[page_lines_[0].page - 1].height
        cands = [ln for ln in page_lines_ if len(ln.text) >= 3 and ln.y0 > height * 0.3
                 and not _NOT_TITLE.match(ln.text) and not _DOI.search(ln.text)
                 and sum(c.isalpha() for c in ln.text) >= 3]
        for size in sorted({round(ln.size, 1) for ln in cands}, reverse=True)[:4]:
            if size <= 0:
                break
            first = next(ln for ln in cands if ln.size >= size - 0.05)
            at = page_lines_.index(first)
            group = [first]
            for ln in page_lines_[at + 1:]:  # the title's next lines
                gap = group[-1].y0 - ln.y1
                if abs(ln.size - first.size) <= first.size * 0.2 and -2 < gap < first.size * 1.5:
                    group.append(ln)
                else:
                    break
            for ln in reversed(page_lines_[:at]):  # and its lines above (letters without descenders read smaller)
                gap = ln.y0 - group[0].y1
                if abs(ln.size - first.size) <= first.size * 0.2 and -2 < gap < first.size * 1.5 \
                        and not _NOT_TITLE.match(ln.text):
                    group.insert(0, ln)
                else:
                    break
            t = " ".join(" ".join(ln.text for ln in group).split())
            if len(t.split()) >= 4:
                return t, group[-1].end
    return "", 0


# --- sections -----------------------------------------------------------------------------------------

HEADINGS = {
    "abstract": "abstract", "a b s t r a c t": "abstract",
    "introduction": "introduction", "background": "introduction",
    "methods": "methods", "method": "methods", "materials and methods": "methods",
    "material and methods": "methods", "patients and methods": "methods", "methods and materials": "methods",
    "subjects and methods": "methods", "experimental": "methods", "study design": "methods",
    # a case report's case is what it reports: its values are read as results
    "case report": "results", "case presentation": "results", "case description": "results",
    "case": "results", "results": "results", "result": "results", "findings": "results",
    "results and discussion": "results",
    "discussion": "discussion", "comment": "discussion",
    "conclusion": "conclusion", "conclusions": "conclusion", "concluding remarks": "conclusion",
    "references": "references", "bibliography": "references",
    "literature cited": "references",
    # what ends the section before it, but is none of the six
    "acknowledgments": "other", "acknowledgements": "other", "acknowledgment": "other",
    "acknowledgement": "other", "abbreviations": "other", "competing interests": "other",
    "conflict of interests": "other", "conflicts of interest": "other", "conflict of interest": "other",
    "disclosure": "other", "funding": "other", "authors' contributions": "other",
    "authors’ contributions": "other", "keywords": "other", "key words": "other",
}
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s*")


def heading_label(text: str) -> str | None:
    """The section a heading line names: its words alone on the line, numbered or not, capitalised, with
    no full stop (a sentence's last word "results." is no heading)."""
    raw = _NUMBERING.sub("", text.strip()).strip().rstrip(":").strip()
    if not raw or len(raw) > 40 or raw.endswith("."):
        return None
    t = " ".join(raw.lower().split())
    label = HEADINGS.get(t)
    if label is not None and label != "abstract" and not raw[0].isupper():
        return None
    return label


def _abstract_block(ft: FullText, lines: list[Line], before: int) -> tuple[int, int] | None:
    """An unlabelled abstract: the longest block of evenly spaced lines on the first page before `before`."""
    blocks: list[list[Line]] = []
    for ln in lines:
        if ln.start >= before:
            break
        if blocks and blocks[-1] and 0 <= blocks[-1][-1].y0 - ln.y1 < max(ln.size, 4) * 1.6 \
                and abs(ln.size - blocks[-1][-1].size) < 1.5:
            blocks[-1].append(ln)
        else:
            blocks.append([ln])
    best = max(blocks, key=lambda b: sum(len(ln.text) for ln in b), default=None)
    if not best or sum(len(ln.text) for ln in best) < 300:
        return None
    return best[0].start, best[-1].end


def _abstract_parts(heads: list[tuple[str, Line]]) -> list[tuple[str, Line]]:
    """`heads` without a structured abstract's own part labels (Introduction, Methods, Results,
    Conclusions on lines of their own after "Abstract"): the headings after the abstract's, up to the
    first label that comes round again (the body's Introduction after the abstract's)."""
    a = next((i for i, (label, _) in enumerate(heads) if label == "abstract"), None)
    if a is None:
        return heads
    seen: set[str] = set()
    for j in range(a + 1, len(heads)):
        label, ln = heads[j]
        if ln.page > heads[a][1].page + 1:
            break
        if label in seen:
            return heads[:a + 1] + heads[j:]
        seen.add(label)
    return heads


def sections(ft: FullText, lines: list[list[Line]], after: int = 0) -> list[TextRange]:
    """The sections from their headings: a line of its own that names one (numbered or not), after
    offset `after` (the title: an article-type label above it such as "Case Report" is no heading). A
    structured abstract's own parts stay in the abstract."""
    heads: list[tuple[str, Line]] = []
    for page in lines:
        for ln in page:
            label = heading_label(ln.text)
            if label is None or ln.start < after:
                continue
            heads.append((label, ln))
    heads = _abstract_parts(heads)
    out: list[TextRange] = []
    end_of_text = len(ft.text)
    if not any(label == "abstract" for label, _ in heads) and lines and lines[0]:
        first_body = heads[0][1].start if heads else end_of_text
        block = _abstract_block(ft, lines[0] + (lines[1] if ft.page_count > 1 and len(lines[0]) < 8 else []),
                                first_body)
        if block:
            out.append(TextRange("abstract", block[0], block[1], ""))
    for i, (label, ln) in enumerate(heads):
        end = heads[i + 1][1].start if i + 1 < len(heads) else end_of_text
        if label == "other":
            continue
        if label == "abstract" and i + 1 >= len(heads):
            end = min(end, ft.pages[ln.page - 1].start + ft.pages[ln.page - 1].length)
        out.append(TextRange(label, ln.end, end, ln.text))
    return out
