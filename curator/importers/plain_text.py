"""Plain prose: an abstract (or a paper's text) saved as a .txt with no bibliographic structure.

The lowest-priority format: it claims a file only when no other importer does and the text reads
as sentences. An optional first line that looks like a title (short, no final period) becomes the
title; the rest is the abstract, paragraphs separated by a blank line. Without such a line the title
is the start of the first sentence, so the paper can be found in the list.
"""

from __future__ import annotations

import re

from curator.domain.paper import Paper
from curator.importers import register
from curator.importers.base import ImportFormatError, ParseResult

_TAG_LINE = re.compile(r"^(?:[A-Z][A-Z0-9]{1,3}\s{0,2}-|[A-Z][A-Z0-9] |@\w+\s*\{|<\?xml|<[A-Za-z])")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


class PlainTextImporter:
    name = "plain_text"
    label = "Plain text (an abstract)"
    extensions = (".txt", ".text")

    def sniff(self, text: str) -> float:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if not lines:
            return 0.0
        if sum(1 for ln in lines[:40] if _TAG_LINE.match(ln)) >= 2:
            return 0.0  # tagged or markup formats, perhaps broken: not prose
        words = len(_WORD.findall(text[:20000]))
        sentences = len(_SENTENCE_END.findall(text[:20000]))
        if words < 40 or sentences < 2:
            return 0.0
        return 0.31  # just above the detection threshold: every real format outranks it

    def parse(self, text: str) -> ParseResult:
        paras = _paragraphs(text)
        if not paras:
            raise ImportFormatError("the file holds no text")
        title = ""
        first = text.strip().splitlines()[0].strip()
        if len(paras) > 1 and len(first) <= 300 and not first.endswith((".", ":", ";")) and first == paras[0]:
            title, paras = first, paras[1:]
        abstract = "\n\n".join(paras)
        paper = Paper(title=title, abstract=abstract)
        if not title:
            m = _SENTENCE_END.search(abstract)
            sentence = abstract[: m.start() + 1] if m else abstract
            paper.title = sentence if len(sentence) <= 160 else sentence[:157].rstrip() + "…"
            paper.extra["title_from_first_sentence"] = True
        return ParseResult(format=self.name, papers=[paper])


register(PlainTextImporter())
