"""Readable text of XML elements, shared by the PubMed XML and JATS importers: inline markup flattened,
block elements separated, MathML linearised, whitespace collapsed (pure functions over lxml elements)."""

from __future__ import annotations

import re

from curator.importers.cancel import kids

WHITESPACE = re.compile(r"[ \t\n\r]+")  # runs of ASCII whitespace (NBSP and thin spaces are kept)

def clean(s: str) -> str:
    """Collapse runs of ASCII whitespace to one space and strip (keeps NBSP, thin space...)."""
    if "\n" in s or "  " in s or "\t" in s or "\r" in s:
        s = WHITESPACE.sub(" ", s)
    return s.strip()


# Elements whose content is its own block: a space on each side so words don't glue together.
_BLOCK = frozenset(
    [
        "p", "list-item", "list", "title", "label", "caption", "td", "th", "tr", "def-item", "def",
        "term", "disp-quote", "break", "br", "AbstractText", "Keyword",
    ]
)
# Elements whose text is not part of the running text.
_SKIP = frozenset(["xref-group", "object-id", "alt-text", "annotation", "annotation-xml"])


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[0] == "{" else tag


def _collect(el, parts: list[str], skip: frozenset[str]) -> None:
    # Hot for abstracts with inline markup: .text/.tail are read once each (lxml builds a new
    # string per access), el[:] builds the child list in C (faster than iterating the element)
    # and leaf children are handled here rather than by a recursive call.
    text = el.text
    if text:
        parts.append(text)
    for ch in kids(el):
        tag = ch.tag
        if isinstance(tag, str):  # comments, PIs and unexpanded entities have non-str tags
            local = tag.rpartition("}")[2] if tag[0] == "{" else tag
            if local == "math":
                parts.append(mathml_text(ch))
            elif local in skip or local in _SKIP:
                pass
            elif local in _BLOCK:
                parts.append(" ")
                _collect(ch, parts, skip)
                parts.append(" ")
            elif len(ch):
                _collect(ch, parts, skip)
            else:
                text = ch.text
                if text:
                    parts.append(text)
        tail = ch.tail
        if tail:
            parts.append(tail)


def xml_text(el, skip: frozenset[str] = frozenset()) -> str:
    """Readable text of an element: inline markup (<i>, <sup>, <b>...) flattened without
    adding spaces, block children separated by a space, MathML reduced to linear text,
    whitespace collapsed. Elements named in `skip` (local names) are left out."""
    if el is None:
        return ""
    if len(el) == 0:
        t = el.text
        return clean(t) if t else ""
    parts: list[str] = []
    _collect(el, parts, skip)
    return clean("".join(parts))


_MATH_TOKENS = frozenset(["mi", "mn", "mo", "ms", "cn", "ci", "csymbol"])
_MATH_EMPTY = frozenset(["annotation", "annotation-xml", "none", "mprescripts"])
# Elements with a rule of their own in _math; any other is the concatenation of its children.
_MATH_RULES = frozenset(
    [
        "semantics", "mmultiscripts", "mfrac", "msqrt", "mroot", "mover", "mfenced", "mtable",
        "matrix", "mtr", "matrixrow", "mlabeledtr",
    ]
)
_DOT_ACCENTS = {".", "\u02d9", "\u0307"}


def _math_children(el) -> list:
    return [c for c in el[:] if isinstance(c.tag, str)]


def _math(el) -> str:
    # Tokens are nearly always leaves: their .text is what itertext() would join, without
    # the cost of an iterator; most other elements take the default rule (checked first).
    tag = el.tag
    if tag[0] == "{":
        tag = tag.rpartition("}")[2]
    if tag in _MATH_TOKENS:
        if len(el):
            return "".join(el.itertext()).strip()
        t = el.text
        return t.strip() if t else ""
    if tag == "mtext":
        t = "".join(el.itertext()) if len(el) else (el.text or "")
        return " " if t and not t.strip() else clean(t)
    if tag in _MATH_EMPTY:
        return ""
    kids = _math_children(el)
    if tag not in _MATH_RULES:
        return "".join([_math(k) for k in kids])
    if tag == "semantics":
        return _math(kids[0]) if kids else ""
    if tag == "mmultiscripts" and kids:
        base = _math(kids[0])
        post, pre, seen_pre = [], [], False
        for k in kids[1:]:
            if _local(k.tag) == "mprescripts":
                seen_pre = True
                continue
            (pre if seen_pre else post).append(_math(k))
        return "".join(pre) + base + "".join(post)
    if tag == "mfrac" and len(kids) == 2:
        a, b = (_math(k) for k in kids)
        a = a if a.isalnum() or len(a) <= 1 else f"({a})"
        b = b if b.isalnum() or len(b) <= 1 else f"({b})"
        return f"{a}/{b}"
    if tag == "msqrt":
        return "\u221a(" + "".join(_math(k) for k in kids) + ")"
    if tag == "mroot" and len(kids) == 2:
        return f"{_math(kids[1])}\u221a({_math(kids[0])})"
    if tag == "mover" and len(kids) == 2:
        base, over = _math(kids[0]), _math(kids[1])
        if over in _DOT_ACCENTS and base:
            return base + "\u0307"
        return base + over
    if tag == "mfenced":
        seps = el.get("separators", ",").replace(" ", "")
        items = [_math(k) for k in kids]
        out = []
        for i, it in enumerate(items):
            if i and seps:
                out.append(seps[min(i - 1, len(seps) - 1)])
            out.append(it)
        return el.get("open", "(") + "".join(out) + el.get("close", ")")
    if tag in ("mtable", "matrix"):
        return "[" + "; ".join(_math(k) for k in kids) + "]"
    if tag in ("mtr", "matrixrow", "mlabeledtr"):
        return " ".join(_math(k) for k in kids)
    return "".join(_math(k) for k in kids)


def mathml_text(el) -> str:
    """MathML (presentation or content) to compact linear text: msub/msup concatenate
    ('V̇O2max'), prescripts come first ('3He'), fractions 'a/b', tokens keep their text."""
    try:
        return clean(_math(el))
    except RecursionError:
        return clean("".join(el.itertext()))

